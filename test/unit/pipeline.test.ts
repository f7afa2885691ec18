import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { existsSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { buildSteps, cleanWorkspace, planSteps, prepareSteps } from '../../src/pipeline.ts';
import { newBuildResults } from '../../src/results.ts';
import type { SigningKey } from '../../src/signing.ts';
import { FakeDocker } from '../helpers/fakes.ts';
import { buildRequest, removeTempDirs, tempDir, testWorkspace } from '../helpers/steps.ts';

after(removeTempDirs);

const stepsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/steps');
const kebab = (name: string) => name.toLowerCase().replace(/[^a-z0-9]+/g, '-');
const camel = (name: string) => kebab(name).replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());

describe('pipeline', () => {
  it('plans (resolve, preflight), then applies, in the documented order', () => {
    assert.deepEqual(
      planSteps.map((s) => s.name),
      ['resolve', 'preflight'],
    );
    assert.deepEqual(
      buildSteps.map((s) => s.name),
      [
        'signing key',
        'reuse cached build',
        'fetch source',
        'check out',
        'apply fork patches',
        'inspect tree',
        'apply nokmem method',
        'compile in Docker',
        'reuse cached packages',
        'verify',
        'package RPM',
        'store result',
        'sign and attest',
        'verify packages',
        'store packages',
        'write output',
      ],
    );
    assert.ok(prepareSteps.every((s) => buildSteps.includes(s as never)));
    // the RPM is made while the binary is proven, and nothing else runs side by side
    assert.deepEqual(
      buildSteps.filter((s) => s.alongside).map((s) => s.name),
      ['package RPM'],
    );
  });

  it('gives each step one name: its file, its export and its log line', async () => {
    const steps = [...planSteps, ...buildSteps] as { name: string; run?: unknown; alongside?: boolean }[];
    // caches.ts and build-facts.ts are what the steps share, not steps
    const files = (await readdir(stepsDir)).filter(
      (f) => f.endsWith('.ts') && f !== 'caches.ts' && f !== 'build-facts.ts',
    );
    assert.deepEqual(files.sort(), steps.map((s) => `${kebab(s.name)}.ts`).sort());
    for (const step of steps) {
      const module = (await import(path.join(stepsDir, `${kebab(step.name)}.ts`))) as Record<string, unknown>;
      const exported = module[camel(step.name)] as { run?: unknown } | undefined;
      // a step run alongside the one before it is its export, so marked (alongside())
      const same = step.alongside ? exported?.run === step.run : exported === step;
      assert.ok(same, `${kebab(step.name)}.ts exports ${camel(step.name)}`);
    }
  });

  it('only planning steps run before the plan exists, and they write nothing', () => {
    // planning steps are plain functions that return their part of the plan: no step object, no `writes`
    assert.ok(planSteps.every((s) => typeof s === 'function' && !('writes' in s)));
  });
});

describe("pipeline.ts's header", () => {
  it("names the pipeline's steps in the pipeline's order, each with what it does", async () => {
    const source = await readFile(path.resolve(stepsDir, '../pipeline.ts'), 'utf8');
    const header = source.slice(0, source.indexOf('\nimport '));
    // a step's line: "//   <name>  <what it does>" (two spaces or more after the name); continuations are indented more
    const named = [...header.matchAll(/^\/\/ {3}(\S[^\n]*?) {2,}\S/gm)].map((m) => m[1]);
    assert.deepEqual(
      named,
      [...planSteps, ...buildSteps].map((s) => s.name),
    );
  });
});

describe('README', () => {
  it("lists the pipeline's steps, by their names, in the pipeline's order", async () => {
    const readme = await readFile(path.resolve(stepsDir, '../../README.md'), 'utf8');
    const start = readme.indexOf('The pipeline, in order');
    const list = readme.slice(start, readme.indexOf('\n\n', readme.indexOf('\n1. ', start)));
    const named = [...list.matchAll(/\*\*([^*]+)\*\*/g)].map((m) => m[1]);
    assert.deepEqual(
      named,
      [...planSteps, ...buildSteps].map((s) => s.name),
    );
  });
});

describe("the run's end (cleanWorkspace)", () => {
  for (const outcome of ['made', 'failed', 'still being made'] as const)
    it(`a development key ${outcome}: waited for, then the packager container closed and the workspace removed`, async () => {
      const request = buildRequest(await tempDir());
      const workspace = testWorkspace(request);
      const dir = await workspace.dir();
      const results = newBuildResults();
      const image = new FakeDocker();
      const packager = image.session('packager', []);
      packager.warm(); // the compile started it for the verify step
      let settle: (key: SigningKey) => void = () => undefined;
      const key =
        outcome === 'made'
          ? Promise.resolve({ fingerprint: 'F' } as SigningKey)
          : outcome === 'failed'
            ? Promise.reject(new Error('gpg: agent_genkey failed'))
            : new Promise<SigningKey>((resolve) => (settle = resolve));
      key.catch(() => undefined);
      results.packages.set('signingKey', key);
      results.packages.set('packager', packager);
      const ended = cleanWorkspace(results, workspace);
      if (outcome === 'still being made') {
        await new Promise((done) => setTimeout(done, 20));
        assert.equal(image.sessions[0]?.closed, false, 'not before the key is settled');
        settle({ fingerprint: 'F' } as SigningKey);
      }
      await ended;
      assert.equal(image.sessions[0]?.closed, true);
      assert.ok(!existsSync(dir));
    });
});
