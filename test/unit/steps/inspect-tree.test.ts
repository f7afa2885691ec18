import assert from 'node:assert/strict';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { PinMismatch } from '../../../src/errors.ts';
import { inspectTree } from '../../../src/steps/inspect-tree.ts';
import {
  buildRequest,
  newResults,
  plan,
  resolved,
  runcTree,
  tempDir,
  testDeps,
  removeTempDirs,
  upstreamOf,
  testWorkspace,
} from '../../helpers/steps.ts';

after(removeTempDirs);

async function inspecting(era: string, request: ReturnType<typeof buildRequest>, withToolchain = true) {
  const root = await tempDir();
  const results = newResults();
  results.source.set('tree', await runcTree(era, path.join(root, 'src')));
  const p = withToolchain ? await plan(request) : await resolved(request);
  return { ctx: { request, deps: testDeps(), plan: p, results, workspace: testWorkspace(request) }, results };
}

describe('inspect tree', () => {
  it('an upstream version whose tree agrees: the plan recipe is the result, with the toolchain', async () => {
    const { ctx, results } = await inspecting('v1.0.0-rc5', buildRequest('/tmp/i'));
    await inspectTree.run(ctx);
    assert.equal(results.source.get('decision').inspection.method, 'source-patch');
    assert.equal(results.source.get('decision').recipe, upstreamOf(ctx.plan).recipe);
    assert.equal(results.source.get('decision').toolchain?.go, '1.19.8');
  });

  it('a tree that disagrees with specs/ is a PinMismatch', async () => {
    const { ctx } = await inspecting('v1.0.0-rc6', buildRequest('/tmp/i'));
    await assert.rejects(inspectTree.run(ctx), PinMismatch);
  });

  it('a fork: the tree decides the recipe (build tag and its make line); the plan stays as it was', async () => {
    const request = buildRequest('/tmp/i', { fork: 'docker-ce-18.09.2', version: undefined });
    const { ctx, results } = await inspecting('v1.0.0-rc6', request);
    const before = JSON.stringify(ctx.plan);
    await inspectTree.run(ctx);
    const { recipe } = results.source.get('decision');
    assert.equal(recipe.method, 'build-tag');
    assert.ok(recipe.make.includes('BUILDTAGS=seccomp nokmem'));
    assert.equal(recipe.patch, undefined);
    assert.equal(JSON.stringify(ctx.plan), before);
  });

  it('a fork whose tree contradicts forks.yaml or its claimed release is a PinMismatch', async () => {
    const tagged = buildRequest('/tmp/i', { fork: 'docker-ce-18.09.2', version: undefined });
    await assert.rejects(inspectTree.run((await inspecting('v1.0.0-rc5', tagged)).ctx), PinMismatch);
    const { ctx } = await inspecting(
      'v1.0.0-rc1',
      buildRequest('/tmp/i', { fork: 'docker-1.12.6', version: undefined }),
    );
    await assert.rejects(inspectTree.run(ctx), PinMismatch);
  });

  it('nokmem prepare (no preflight): the facts are read, no toolchain is chosen', async () => {
    const { ctx, results } = await inspecting('v1.0.0-rc5', buildRequest('/tmp/i'), false);
    await inspectTree.run(ctx);
    assert.equal(results.source.get('decision').toolchain, undefined);
    assert.ok(results.source.get('decision').treeToolchain);
  });
});
