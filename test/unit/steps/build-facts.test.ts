// What a build made and how (src/steps/build-facts.ts): made by the compile from the plan and what the source steps
// decided, read by packaging while the binary is proven, completed by store result into the build record; a cached
// build's facts are its record without its files, proofs and time.

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { sha256 } from '../../../src/attest.ts';
import type { BuildRecord } from '../../../src/context.ts';
import { buildFacts, factsOf } from '../../../src/steps/build-facts.ts';
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

const DIFF = '--- a/memory.go\n+++ b/memory.go\n';

async function compiled(applied: boolean) {
  const request = buildRequest(await tempDir());
  const p = upstreamOf(await plan(request));
  const results = newResults();
  results.source.set('decision', agreedDecision(p));
  results.source.set('commitTime', 1519252845);
  if (applied) results.source.set('applied', { diff: DIFF, files: ['memory.go'], removedImports: [] });
  return { p, ctx: { request, deps: testDeps(), plan: p, results, workspace: testWorkspace(request) } };
}

describe('build facts', () => {
  it('are what the plan and the source steps decided, with the Go that compiled it, and nothing of the proofs', async () => {
    const { p, ctx } = await compiled(true);
    const facts = buildFacts(ctx, 'go1.19.8 linux/amd64');
    assert.deepEqual(facts.source, {
      repository: p.source.remote,
      tag: p.source.tag,
      commit: p.source.commit,
      pinned: p.source.pinned,
      commitTime: 1519252845,
    });
    assert.equal(facts.method, p.recipe.method);
    assert.deepEqual(facts.go, { upstream: p.goVersion, used: 'go1.19.8 linux/amd64' });
    assert.deepEqual(facts.patch, {
      recipe: `patches/${p.recipe.patch?.name}.yaml`,
      recipeDigest: p.recipe.patch?.digest,
      diffDigest: `sha256:${sha256(DIFF)}`,
      file: 'nokmem.patch',
    });
    assert.deepEqual(facts.flags, { make: [...p.recipe.make], env: { ...p.recipe.env } });
    assert.deepEqual(facts.image, { reference: p.image, id: p.imageId });
    assert.equal(facts.fork, undefined);
    for (const later of ['files', 'verification', 'builtAt', 'nokmem']) assert.ok(!(later in facts), later);
  });

  it('have no patch where none was applied', async () => {
    const { ctx } = await compiled(false);
    assert.equal(buildFacts(ctx, 'go1.19.8').patch, null);
  });

  it("of a cached build are its record's, without its files, proofs and time", async () => {
    const { ctx } = await compiled(true);
    const facts = buildFacts(ctx, 'go1.19.8');
    const record: BuildRecord = {
      ...facts,
      files: { runc: { sha256: 'ab', size: 3 } },
      verification: { ok: true, checks: [] },
      builtAt: '2026-12-07T00:00:00.000Z',
      nokmem: '0.1.0',
    };
    assert.deepEqual(factsOf(record), facts);
    assert.ok('files' in record, 'the record itself is not changed');
  });
});
