import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PinMismatch } from '../../../src/errors.ts';
import { realRunner } from '../../../src/runner.ts';
import { checkOut } from '../../../src/steps/check-out.ts';
import { fetchSource } from '../../../src/steps/fetch-source.ts';
import { type FixtureUpstream, makeRuncUpstream } from '../../fixtures/upstream.ts';
import {
  buildRequest,
  newResults,
  removeTempDirs,
  resolved,
  tempDir,
  testDeps,
  testWorkspace,
} from '../../helpers/steps.ts';
import { existsSync } from 'node:fs';

// Real git (no Docker): the fixture upstream is a local repository with every era's tag.
let upstream: FixtureUpstream;
before(async () => {
  upstream = await makeRuncUpstream(path.join(await tempDir(), 'upstream'));
});
after(removeTempDirs);

async function fetching(commit?: string) {
  const root = await tempDir();
  const request = buildRequest(root, { remote: upstream.url });
  const planned = await resolved(request);
  const plan = Object.freeze({ ...planned, source: { ...planned.source, commit: commit ?? planned.source.commit } });
  const results = newResults();
  return {
    ctx: { request, deps: { ...testDeps(), runner: realRunner }, plan, results, workspace: testWorkspace(request) },
    results,
  };
}

describe('fetch source, check out', () => {
  it('fetches the pinned commit, then writes its tree (without .git) into the workspace', async () => {
    const { ctx, results } = await fetching(upstream.tags['v1.0.0-rc5']);
    await fetchSource.run(ctx);
    assert.ok(results.source.get('commitTime') > 0);
    await checkOut.run(ctx);
    const tree = results.source.get('tree');
    assert.ok(existsSync(path.join(tree, 'libcontainer/cgroups/fs/memory.go')));
    assert.ok(!existsSync(path.join(tree, '.git')));
    assert.equal(path.dirname(tree), ctx.workspace.made());
  });

  it('a tag that is not the pinned commit (the real runc pin, against the fixture) is a PinMismatch', async () => {
    const { ctx, results } = await fetching();
    await assert.rejects(fetchSource.run(ctx), PinMismatch);
    assert.equal(results.source.has('commitTime'), false);
  });
});
