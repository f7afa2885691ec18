// Step verify (src/steps/verify.ts) with a FakeDocker for the containers (the binary's --version, go tool nm, the
// toolchain probe) and small static ELF binaries made by the host's gcc: the verdict is recorded and every check
// printed; a binary that fails is refused in one line naming the failed checks, and nothing reaches the output;
// the checks run in the packager session when packaging follows; where the tree vendors json-iterator the
// toolchain probe is one more check. test/integration/build.test.ts verifies real binaries.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { TreeDecision } from '../../../src/context.ts';
import { VerificationFailed } from '../../../src/errors.ts';
import { silentLogger } from '../../../src/log.ts';
import { realRunner } from '../../../src/runner.ts';
import { runSteps } from '../../../src/step.ts';
import { verify } from '../../../src/steps/verify.ts';
import { DISASSEMBLY_FOLLOWS, KMEM_FILE, NOKMEM_MARKER } from '../../../src/verify/static-proof.ts';
import { PROBE_NAME } from '../../../src/verify/toolchain-probe.ts';
import { type ContainerScript, FakeDocker } from '../../helpers/fakes.ts';
import {
  agreedDecision,
  buildRequest,
  newResults,
  plan,
  removeTempDirs,
  tempDir,
  testDeps,
  testWorkspace,
  upstreamOf,
} from '../../helpers/steps.ts';

after(removeTempDirs);

const FS = 'github.com/opencontainers/runc/libcontainer/cgroups/fs';

/** Static ELF executables: a nokmem runc (the marker, no kmem file name) and one that still writes kmem. */
const binaries = { nokmem: '', kmem: '' };
before(async () => {
  const dir = await tempDir('nokmem-verify-elf-');
  for (const [name, text] of [
    ['nokmem', NOKMEM_MARKER],
    ['kmem', KMEM_FILE],
  ] as const) {
    const source = path.join(dir, `${name}.c`);
    await writeFile(
      source,
      `__attribute__((used)) static const char text[] = "${text}";\nint main(void) { return text[0] == 0; }\n`,
    );
    binaries[name] = path.join(dir, name);
    await realRunner.run('gcc', ['-static', '-o', binaries[name], source]);
  }
});

/** `go tool nm` of a runc: text symbols of the cgroupfs driver, with the kmem functions or without. */
const nm = (kmem: boolean) =>
  [
    '  401000 T main.main',
    `  4a2000 T ${FS}.(*MemoryGroup).Set`,
    ...(kmem ? [`  4a3000 T ${FS}.EnableKernelMemoryAccounting`] : []),
  ].join('\n');

function engine(options: {
  version: string;
  kmem?: boolean;
  probe?: ContainerScript['result'];
  /** Awaited before the symbols are listed (to see what else has started by then). */
  beforeSymbols?: () => Promise<void>;
}) {
  return new FakeDocker({
    engine: '27.0.0',
    containers: [
      { command: ['/probe/binary', '--version'], result: { stdout: options.version } },
      // one container lists the symbols, then disassembles every Apply (none here: nothing after the separator)
      {
        command: ['sh', '-c', /go tool nm/],
        result: async () => {
          await options.beforeSymbols?.();
          return { stdout: `${nm(options.kmem ?? false)}\n${DISASSEMBLY_FOLLOWS}\n` };
        },
      },
      { command: ['sh', '-c', /go build -o \/tmp\/jsonprobe/], result: options.probe ?? {} },
    ],
  });
}

async function verifying(
  options: {
    binary?: 'nokmem' | 'kmem';
    version?: string;
    decision?: (d: TreeDecision) => TreeDecision;
    packager?: FakeDocker;
    jsonIterator?: boolean;
    probe?: ContainerScript['result'];
    beforeSymbols?: () => Promise<void>;
  } = {},
) {
  const root = await tempDir('nokmem-verify-');
  const request = buildRequest(root, { functional: false });
  const p = upstreamOf(await plan(request));
  const tree = path.join(root, 'work', 'src');
  await mkdir(tree, { recursive: true });
  if (options.jsonIterator) await mkdir(path.join(tree, 'vendor/github.com/json-iterator/go'), { recursive: true });
  const results = newResults();
  results.source.set('tree', tree);
  results.source.set('decision', (options.decision ?? ((d) => d))(agreedDecision(p)));
  results.binary.set('binary', binaries[options.binary ?? 'nokmem']);
  if (options.packager) results.packages.set('packager', options.packager.asSession());
  const fake = engine({
    version: options.version ?? `runc version 1.0.0-rc5\ncommit: ${p.source.commit}\nspec: 1.0.0\n`,
    kmem: options.binary === 'kmem',
    probe: options.probe,
    beforeSymbols: options.beforeSymbols,
  });
  const lines: string[] = [];
  const deps = { ...testDeps(undefined, fake), log: { ...silentLogger, info: (m: string) => void lines.push(m) } };
  const ctx = { request, deps, plan: p, results, workspace: testWorkspace(request) };
  return { ctx, results, fake, lines, p, tree };
}

describe('verify', () => {
  it('a nokmem binary passes: the verdict is recorded and every check printed, the functional proof skipped as asked', async () => {
    const { ctx, results, fake, lines } = await verifying();
    await verify.run(ctx);
    const verdict = results.binary.get('verdict');
    assert.equal(verdict.ok, true);
    assert.deepEqual(
      verdict.checks.map((c) => [c.name, c.status]),
      [
        ['EL7 glibc', 'pass'],
        ['version string', 'pass'],
        ['no kmem file name', 'pass'],
        ['nokmem marker', 'pass'],
        ['kmem symbols', 'pass'],
        ['Apply calls no kmem', 'pass'],
        [verdict.checks.at(-1)!.name, 'skipped'],
      ],
    );
    assert.deepEqual(
      lines,
      verdict.checks.map((c) => `  ${c.status.padEnd(7)} ${c.name}: ${c.detail}`),
    );
    // The binary runs in a container of its own, read-only, never on the host or in a shared session.
    const version = fake.runs.find((r) => r.command[0] === '/probe/binary')!;
    assert.equal(version.isolated, true);
    assert.ok(version.mounts.every((m) => m.readOnly));
    assert.equal(version.image, ctx.plan.image);
    assert.ok(!fake.runs.some((r) => r.command.join(' ').includes('jsonprobe')), 'no json-iterator, no probe');
  });

  it('a binary that fails: one line naming the failed checks, the verdict kept, nothing written', async () => {
    const { ctx, results } = await verifying({ binary: 'kmem' });
    const error = await verify.run(ctx).catch((e: unknown) => e);
    assert.ok(error instanceof VerificationFailed, String(error));
    assert.equal(
      error.message,
      `runc v1.0.0-rc5 failed verification: 3 of 7 checks failed (no kmem file name, nokmem marker, kmem symbols); nothing was written to ${ctx.request.outDir}`,
    );
    assert.deepEqual(
      error.failed.map((c) => c.name),
      ['no kmem file name', 'nokmem marker', 'kmem symbols'],
    );
    assert.match(error.failed[2]!.detail, /EnableKernelMemoryAccounting/);
    assert.equal(results.binary.get('verdict').ok, false);
    assert.equal(existsSync(ctx.request.outDir), false);
  });

  it('the version the tree’s VERSION file makes it print is the one expected, with the pinned commit', async () => {
    const says = (d: TreeDecision): TreeDecision => ({
      ...d,
      treeBuild: { link: { mode: 'static', evidence: 'make static' }, version: '1.0.0-rc10' },
    });
    const ok = await verifying({
      decision: says,
      version: `runc version 1.0.0-rc10\ncommit: 4fc53a81fb7c994640722ac585fa9ca548971871\n`,
    });
    await verify.run(ok.ctx);
    assert.equal(ok.results.binary.get('verdict').ok, true);

    const tagged = await verifying({ decision: says });
    await assert.rejects(verify.run(tagged.ctx), (e: unknown) => e instanceof VerificationFailed);
    const check = tagged.results.binary.get('verdict').checks.find((c) => c.name === 'version string')!;
    assert.equal(check.status, 'fail');
    assert.match(check.detail, /expected "runc version 1\.0\.0-rc10"/);

    const otherCommit = await verifying({ version: 'runc version 1.0.0-rc5\ncommit: 0123456\n' });
    await assert.rejects(verify.run(otherCommit.ctx), VerificationFailed);
    assert.match(
      otherCommit.results.binary.get('verdict').checks.find((c) => c.name === 'version string')!.detail,
      /does not show commit 4fc53a81fb7c994640722ac585fa9ca548971871/,
    );
  });

  it('when packaging follows, the checks run in the packager session, not in throwaway containers', async () => {
    const packager = engine({ version: 'runc version 1.0.0-rc5\ncommit: 4fc53a81fb7c994640722ac585fa9ca548971871\n' });
    const { ctx, fake } = await verifying({ packager });
    await verify.run(ctx);
    assert.deepEqual(fake.runs, []);
    assert.deepEqual(
      packager.runs.map((r) =>
        r.command[0] === 'sh' ? r.command[2]!.split('\n')[0] : r.command.slice(0, 2).join(' '),
      ),
      ['/probe/binary --version', 'go tool nm "$1" || exit 90'],
    );
  });

  it('a tree that vendors json-iterator: the toolchain probe is one more check, in the builder image', async () => {
    // The static proof answers only once the probe has started (or after 5 s): run after the proofs, it would not have.
    let probeStarted = () => {};
    const started = new Promise<void>((done) => (probeStarted = done));
    let probeRanAlongside = false;
    const { ctx, results, fake, p, tree } = await verifying({
      jsonIterator: true,
      probe: () => {
        probeStarted();
        return { stdout: '{"kmem":"off","nokmem":"probe"}\n' };
      },
      beforeSymbols: async () => {
        let timer: NodeJS.Timeout | undefined;
        probeRanAlongside = await Promise.race([
          started.then(() => true),
          new Promise<boolean>((done) => (timer = setTimeout(() => done(false), 5000))),
        ]);
        clearTimeout(timer);
      },
    });
    await verify.run(ctx);
    const checks = results.binary.get('verdict').checks;
    assert.deepEqual(checks.at(-1) && [checks.at(-1)!.name, checks.at(-1)!.status], [PROBE_NAME, 'pass']);
    const probe = fake.runs.find((r) => r.command[0] === 'sh' && /jsonprobe/.test(r.command[2] ?? ''))!;
    assert.ok(probeRanAlongside, 'started with the proofs, not after them');
    assert.equal(probe.image, p.image);
    assert.deepEqual(
      probe.mounts.map((m) => [m.host, m.container]),
      [
        [tree, p.mountPath],
        [path.join(ctx.request.cacheDir, 'go-build', 'go1.19.8'), '/gocache'],
      ],
    );
    assert.deepEqual(await readdir(tree), ['vendor'], 'the probe leaves nothing in the tree');
  });

  it('a toolchain probe that crashes fails the binary like any other check', async () => {
    const { ctx } = await verifying({
      jsonIterator: true,
      probe: { exitCode: 2, stderr: 'unexpected fault address 0x0\n[signal SIGSEGV: segmentation violation]\n' },
    });
    await assert.rejects(
      verify.run(ctx),
      (e: unknown) =>
        e instanceof VerificationFailed &&
        e.message.startsWith(`runc v1.0.0-rc5 failed verification: 1 of 8 checks failed (${PROBE_NAME})`) &&
        /SIGSEGV/.test(e.failed[0]!.detail),
    );
  });

  it('writes, so a dry run skips it; a cache hit skips it too', async () => {
    assert.equal(verify.name, 'verify');
    assert.equal(verify.writes, true);
    const { ctx, results, fake } = await verifying();
    assert.equal(verify.skip?.(ctx), undefined);
    const dry = await runSteps([verify], ctx, { dryRun: true, log: silentLogger });
    assert.deepEqual(
      dry.map((r) => [r.status, r.reason]),
      [['skipped', 'dry run']],
    );
    results.binary.set('cachedResult', '/cache/builds/x');
    const hit = await runSteps([verify], ctx, { dryRun: false, log: silentLogger });
    assert.deepEqual(
      hit.map((r) => [r.status, r.reason]),
      [['skipped', 'cache hit']],
    );
    assert.deepEqual(fake.runs, []);
    assert.equal(results.binary.has('verdict'), false);
  });
});
