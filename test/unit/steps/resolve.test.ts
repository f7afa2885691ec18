import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InputError } from '../../../src/errors.ts';
import { UNREADABLE } from '../../../src/steps/resolve.ts';
import { fakeRunner } from '../../helpers/fakes.ts';
import { buildRequest, resolved, testDeps, upstreamOf, forkPlanOf } from '../../helpers/steps.ts';
import { parseVersion } from '../../../src/version.ts';

describe('resolve', () => {
  it('makes a frozen plan from specs/: era, pin, recipe with the patch recipe read once, outputs', async () => {
    const deps = testDeps();
    const plan = upstreamOf(await resolved(buildRequest('/tmp/r'), deps));
    assert.ok(Object.isFrozen(plan));
    assert.equal(plan.method, 'source-patch');
    assert.equal(plan.source.commit, '4fc53a81fb7c994640722ac585fa9ca548971871');
    assert.equal(plan.source.pinned, true);
    assert.equal(plan.recipe?.method, 'source-patch');
    assert.equal(plan.recipe?.patch?.name, 'libcontainer-nokmem');
    assert.match(plan.recipe?.patch?.digest ?? '', /^sha256:[0-9a-f]{64}$/);
    assert.ok(plan.recipe?.patch?.recipe.rewrite.length, 'the recipe itself travels in the plan');
    assert.ok(plan.recipe?.make.some((a) => a.startsWith('COMMIT=4fc53a81')));
    assert.equal(plan.outputDir, '/tmp/r/out/runc-v1.0.0-rc5');
    assert.equal(deps.runner.calls.length, 0, 'a pinned release asks no remote');
  });

  it('a fork: method and recipe are left to the tree, the nokmem recipe is ready for it', async () => {
    const plan = forkPlanOf(await resolved(buildRequest('/tmp/r', { fork: 'docker-ce-18.06.2', version: undefined })));
    assert.equal(plan.kind, 'fork');
    assert.equal('method' in plan, false, 'a fork has no method before its tree is inspected');
    assert.equal('recipe' in plan, false);
    assert.equal(plan.forkPatchRecipe.name, 'libcontainer-nokmem');
    assert.equal(plan.fork.name, 'docker-ce-18.06.2');
    assert.equal(plan.source.byCommit, true);
  });

  it('names the later versions that are not affected, for when nothing safe can build this one', async () => {
    const kubelet = upstreamOf(
      await resolved(buildRequest('/tmp/r', { component: 'kubelet', version: parseVersion('kubelet', 'v1.21.0') })),
    );
    assert.match(kubelet.laterUnaffected ?? '', /^kubelet 1\.21\.2 and later are not affected/);
    assert.equal(
      'laterUnaffected' in (await resolved(buildRequest('/tmp/r', { fork: 'docker-ce-18.06.2', version: undefined }))),
      false,
    );
  });

  it('the linkage and the version the binary prints come with the plan (runc v1.0.0-rc90 prints rc10)', async () => {
    const rc90 = await resolved(buildRequest('/tmp/r', { version: parseVersion('runc', 'v1.0.0-rc90') }));
    assert.equal(rc90.reportsVersion, '1.0.0-rc10');
    assert.equal(rc90.link.mode, 'static');
    const kubelet = upstreamOf(
      await resolved(buildRequest('/tmp/r', { component: 'kubelet', version: parseVersion('kubelet', 'v1.9.0') })),
    );
    assert.equal(kubelet.link.mode, 'cgo');
    assert.equal(kubelet.toolchainNeeds.goCheck, 'lexical');
    assert.equal(kubelet.recipe?.env.KUBE_STATIC_OVERRIDES, undefined);
  });

  it('a dry run of an unpinned tag on an unreadable remote still plans (the commit unknown); a build does not', async () => {
    const unreadable = () =>
      testDeps(
        fakeRunner([
          { command: 'git', args: ['ls-remote'], result: { exitCode: 128, stderr: 'fatal: unable to access\n' } },
        ]),
      );
    const request = {
      component: 'kubelet' as const,
      version: parseVersion('kubelet', 'v1.12.5'),
      remote: 'http://127.0.0.1:9/kubernetes.git',
    };
    const dry = await resolved(buildRequest('/tmp/r', { ...request, dryRun: true }), unreadable());
    assert.equal(dry.source.commit, UNREADABLE);
    assert.equal(dry.source.pinned, false);
    await assert.rejects(resolved(buildRequest('/tmp/r', request), unreadable()), InputError);
  });

  it('input it cannot plan is an InputError: an unknown fork, a version that is not affected', async () => {
    await assert.rejects(resolved(buildRequest('/tmp/r', { fork: 'no-such-fork', version: undefined })), InputError);
    await assert.rejects(resolved(buildRequest('/tmp/r', { version: parseVersion('runc', 'v1.0.0-rc1') })), InputError);
  });
});
