import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import type { BuildRequest, Deps, ResolvedPlan } from '../../../src/context.ts';
import { MissingPrerequisite } from '../../../src/errors.ts';
import { offlineRevision } from '../../../src/builder-image.ts';
import { DEFAULT_SPECS_DIR } from '../../../src/specs.ts';
import { preflight } from '../../../src/steps/preflight.ts';
import { REVISION_LABEL, loadToolchains } from '../../../src/toolchain.ts';
import { FakeDocker, fakeRunner } from '../../helpers/fakes.ts';
import { parseVersion } from '../../../src/version.ts';
import { buildRequest, resolved, tempDir, testDeps } from '../../helpers/steps.ts';

const GO119 = 'nokmem-builder:debian-go1.19';
const toolchains = await loadToolchains(DEFAULT_SPECS_DIR);
let root = '';
before(async () => {
  root = await tempDir();
});
after(() => rm(root, { recursive: true, force: true }));

/** git is there, the remote answers; the engine's images are listed by the runner, as Docker's CLI would. */
const machine = (images: Record<string, string>, lacks: string[] = []) =>
  fakeRunner(
    [
      { command: 'git', args: ['ls-remote'], result: {} },
      {
        command: 'docker',
        args: ['image', 'ls'],
        result: { stdout: Object.keys(images).join('\n') },
      },
      {
        command: 'docker',
        args: ['image', 'inspect'],
        // the labels `nokmem builder-image --offline` writes: the revision (with the package list) and the Go
        result: (call) => ({
          stdout:
            call.args.at(-1) === GO119
              ? `${call.args.some((a) => a.includes(REVISION_LABEL)) ? `${offlineRevision(toolchains.offline[0]!, toolchains)}\t` : ''}1.19.8\n`
              : '',
          exitCode: images[call.args.at(-1)!] ? 0 : 1,
        }),
      },
      { command: 'docker', args: ['run'], includes: ['check-tools'], result: { stdout: '' } },
    ],
    { lacks },
  );

async function planning(dryRun: boolean, images: Record<string, string>, engine?: string) {
  const request = buildRequest(root, { dryRun, remote: 'file:///srv/runc.git' });
  const deps = testDeps(machine(images), new FakeDocker({ engine, images }));
  const ctx: Planning = { request, deps, resolved: await resolved(request, deps) };
  return { ctx, deps };
}

/** What preflight is given: the request, the side effects and the resolved plan. */
interface Planning {
  request: BuildRequest;
  deps: Deps;
  resolved: ResolvedPlan;
}
const preflighted = (ctx: Planning) => preflight(ctx.request, ctx.deps, ctx.resolved);

describe('preflight', () => {
  it('completes the plan and freezes it: toolchain, image id, cache key, every prerequisite there', async () => {
    const { ctx } = await planning(false, { [GO119]: 'sha256:119' }, '27.0.0');
    const plan = await preflighted(ctx);
    assert.ok(Object.isFrozen(plan));
    assert.equal(plan.image, GO119);
    assert.equal(plan.imageId, 'sha256:119');
    assert.equal(plan.toolchain?.go, '1.19.8');
    assert.match(plan.cacheKey, /^[0-9a-f]{32}$/);
    assert.deepEqual(
      plan.prerequisites.map((p) => [p.what, p.ok]),
      [
        ['git', true],
        ['Docker engine', true],
        ['builder image', true],
        ['build tools', true],
        ['packager image', true],
      ],
    );
  });

  it('a build stops at the first missing prerequisite, with the class that says so', async () => {
    const { ctx } = await planning(false, {}, undefined);
    let plan;
    await assert.rejects(async () => {
      plan = await preflighted(ctx);
    }, MissingPrerequisite);
    assert.equal(plan, undefined);
  });

  it('finds git on the search path without running it; without git a build stops, a dry run marks it', async () => {
    const images = { [GO119]: 'sha256:119' };
    const run = async (runner: ReturnType<typeof machine>, dryRun = false) => {
      const request = buildRequest(root, { dryRun, remote: 'file:///srv/runc.git' });
      const deps = testDeps(runner, new FakeDocker({ engine: '27.0.0', images }));
      return preflight(request, deps, await resolved(request, deps));
    };
    const withGit = machine(images);
    assert.equal((await run(withGit)).prerequisites[0]?.detail, 'git at /usr/bin/git');
    assert.equal(withGit.callsTo({ command: 'git' }).length, 0);
    await assert.rejects(
      run(machine(images, ['git'])),
      (e: Error) => e instanceof MissingPrerequisite && /^git is not installed; install git/.test(e.message),
    );
    const git = (await run(machine(images, ['git']), true)).prerequisites.find((p) => p.what === 'git');
    assert.deepEqual([git?.ok, git?.fix], [false, 'apt-get install git']);
  });

  it('a dry run marks each missing prerequisite with what makes it, and still makes the plan', async () => {
    const { ctx } = await planning(true, {}, '27.0.0');
    const plan = await preflighted(ctx);
    const missing = plan.prerequisites.filter((p) => !p.ok);
    assert.deepEqual(
      missing.map((p) => p.what),
      ['builder image', 'build tools', 'packager image'],
    );
    assert.equal(missing[0]?.fix, 'nokmem builder-image --offline');
    assert.equal(plan.toolchain, undefined);
    assert.match(plan.cacheKey, /^[0-9a-f]{32}$/);

    const noEngine = await planning(true, {}, undefined);
    assert.deepEqual(
      (await preflighted(noEngine.ctx)).prerequisites.filter((p) => !p.ok).map((p) => p.what),
      ['Docker engine', 'builder image', 'build tools', 'packager image'],
    );
    assert.equal(noEngine.deps.fake.runs.length, 0, 'nothing ran in a container');
  });

  it('a kubelet build stops before the compile when the packager image (the proof sandbox) lacks containerd', async () => {
    const PACKAGER = 'nokmem-builder:old-packager';
    const images = { [GO119]: 'sha256:119', [PACKAGER]: 'sha256:old' };
    const request = buildRequest(root, {
      component: 'kubelet',
      version: parseVersion('kubelet', 'v1.20.0'),
      remote: 'file:///srv/kubernetes.git',
      packagerImage: PACKAGER,
      image: GO119,
      allowToolchainRisk: true,
    });
    const fake = new FakeDocker({ engine: '27.0.0', images, missingTools: { [PACKAGER]: ['containerd'] } });
    const deps = testDeps(machine({ [GO119]: 'sha256:119' }), fake);
    const ctx: Planning = { request, deps, resolved: await resolved(request, deps) };
    await assert.rejects(
      preflighted(ctx),
      (e: Error) =>
        e instanceof MissingPrerequisite &&
        /^packager image nokmem-builder:old-packager lacks containerd, which the functional proof of kubelet runs in its sandbox; rebuild it with `nokmem builder-image --offline`/.test(
          e.message,
        ),
    );
    // --no-functional asks nothing of the sandbox
    const off = { ...ctx, request: { ...request, functional: false } };
    assert.ok(await preflighted(off));
  });

  it('a dry run without network marks an unreachable remote as missing and still makes the plan from the pins', async () => {
    const request = buildRequest(root, { dryRun: true, remote: 'http://127.0.0.1:9/runc.git' });
    const offline = fakeRunner([
      {
        command: 'git',
        args: ['ls-remote'],
        result: {
          exitCode: 128,
          stderr: "fatal: unable to access 'http://127.0.0.1:9/runc.git/': Failed to connect\n",
        },
      },
    ]);
    const deps = testDeps(offline, new FakeDocker({ engine: undefined }));
    const ctx: Planning = { request, deps, resolved: await resolved(request, deps) };
    const plan = await preflighted(ctx);
    const remote = plan.prerequisites.find((p) => p.what === 'remote');
    assert.equal(remote?.ok, false);
    assert.match(remote?.detail ?? '', /^cannot read http:\/\/127\.0\.0\.1:9\/runc\.git: unable to access/);
    assert.equal(plan.source.pinned, true);
  });
});
