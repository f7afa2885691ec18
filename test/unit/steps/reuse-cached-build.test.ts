import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import type { BuildRecord } from '../../../src/context.ts';
import { StepSkipped } from '../../../src/errors.ts';
import { reuseCachedBuild, weakerProof } from '../../../src/steps/reuse-cached-build.ts';
import {
  buildRequest,
  newResults,
  plan,
  removeTempDirs,
  tempDir,
  testDeps,
  testWorkspace,
} from '../../helpers/steps.ts';

after(removeTempDirs);

const record = (functional: string) =>
  ({
    patch: { file: 'nokmem.patch' },
    verification: {
      ok: true,
      checks: [{ name: 'functional (strace)', status: functional === 'pass' ? 'pass' : 'skipped', detail: functional }],
    },
  }) as unknown as BuildRecord;

async function cached(functionalDetail: string, wantFunctional: boolean) {
  const root = await tempDir();
  const request = buildRequest(root, { functional: wantFunctional });
  const p = await plan(request);
  const dir = path.join(root, 'cache', 'builds', p.cacheKey);
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'build-record.json'), JSON.stringify(record(functionalDetail)));
  await writeFile(path.join(dir, 'modules.json'), '[{"path":"github.com/a/b","version":"v1"}]');
  const results = newResults();
  return { ctx: { request, deps: testDeps(), plan: p, results, workspace: testWorkspace(request) }, results, dir };
}

describe('reuse cached build', () => {
  it('a hit sets the cached result, its record, modules and artifacts (the patch because the record has one)', async () => {
    const { ctx, results, dir } = await cached('pass', true);
    await reuseCachedBuild.run(ctx);
    assert.equal(results.binary.get('cachedResult'), dir);
    assert.deepEqual(results.binary.get('modules'), [{ path: 'github.com/a/b', version: 'v1' }]);
    assert.deepEqual(
      results.binary.get('result').map((a) => [a.name, a.kind]),
      [
        ['runc', 'binary'],
        ['nokmem.patch', 'patch'],
        ['build-record.json', 'build-record'],
        ['modules.json', 'modules'],
      ],
    );
  });

  it('a result proven with --no-functional is not reused by a run that wants the functional proof', async () => {
    const { ctx, results } = await cached('skipped (--no-functional)', true);
    await assert.rejects(reuseCachedBuild.run(ctx), StepSkipped);
    assert.equal(results.binary.has('cachedResult'), false);
    const weaker = await cached('skipped (--no-functional)', false);
    await reuseCachedBuild.run(weaker.ctx);
    assert.ok(weaker.results.binary.has('cachedResult'));
  });

  it('a kubelet verified before the runtime proof existed is proven again; one with the proof is reused', async () => {
    const kubelet = (checks: { name: string; status: string; detail: string }[]) =>
      ({ component: 'kubelet', verification: { ok: true, checks } }) as unknown as BuildRecord;
    assert.equal(
      weakerProof(kubelet([{ name: 'kmem symbols', status: 'pass', detail: '' }]), true),
      'it was verified without the runtime (kubelet) proof',
    );
    assert.equal(weakerProof(kubelet([]), false), undefined);
    assert.equal(weakerProof(kubelet([{ name: 'runtime (kubelet)', status: 'pass', detail: 'x' }]), true), undefined);
    // skipped because the host cannot run it (cgroup v2): it would be skipped again, so reuse
    assert.equal(
      weakerProof(
        kubelet([{ name: 'runtime (kubelet)', status: 'skipped', detail: 'this host has no cgroup-v1' }]),
        true,
      ),
      undefined,
    );
    assert.match(
      weakerProof(
        kubelet([{ name: 'runtime (kubelet)', status: 'skipped', detail: 'turned off with --no-functional' }]),
        true,
      ) ?? '',
      /--no-functional/,
    );
  });

  it('no earlier build: a skip, nothing set', async () => {
    const root = await tempDir();
    const request = buildRequest(root);
    const results = newResults();
    await assert.rejects(
      reuseCachedBuild.run({
        request,
        deps: testDeps(),
        plan: await plan(request),
        results,
        workspace: testWorkspace(request),
      }),
      StepSkipped,
    );
    assert.equal(results.binary.has('record'), false);
  });
});
