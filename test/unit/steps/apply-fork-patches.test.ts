import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, describe, it } from 'node:test';
import type { ForkPatch } from '../../../src/context.ts';
import { PinMismatch, StepSkipped } from '../../../src/errors.ts';
import { realRunner } from '../../../src/runner.ts';
import { applyForkPatches } from '../../../src/steps/apply-fork-patches.ts';
import {
  buildRequest,
  newResults,
  removeTempDirs,
  resolved,
  runcTree,
  tempDir,
  testDeps,
  forkPlanOf,
  testWorkspace,
} from '../../helpers/steps.ts';

after(removeTempDirs);

const PATCH = `--- a/main.go
+++ b/main.go
@@ -1,3 +1,4 @@
+// patched by the fork's owner
 package main
 
 import (
`;
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** A fork plan with the given patches over the rc5 fixture tree; git apply is real (no Docker). */
async function patching(patches: ForkPatch[]) {
  const root = await tempDir();
  const request = buildRequest(root, { fork: 'docker-ce-18.06.2', version: undefined });
  const planned = forkPlanOf(await resolved(request));
  const plan = Object.freeze({ ...planned, fork: { ...planned.fork, patches } });
  const results = newResults();
  results.source.set('tree', await runcTree('v1.0.0-rc5', path.join(root, 'src')));
  return {
    ctx: { request, deps: { ...testDeps(), runner: realRunner }, plan, results, workspace: testWorkspace(request) },
    results,
    root,
  };
}

describe('apply fork patches', () => {
  it("applies the owner's patch fetched by URL when its sha256 is the pinned one, and keeps it by digest", async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, 'hook.patch'), PATCH);
    const source = pathToFileURL(path.join(dir, 'hook.patch')).href;
    const { ctx, results, root } = await patching([
      { name: 'hook.patch', source, sha256: sha256(PATCH), fetched: true },
    ]);
    await applyForkPatches.run(ctx);
    assert.match(
      await readFile(path.join(results.source.get('tree'), 'main.go'), 'utf8'),
      /^\/\/ patched by the fork's owner/,
    );
    assert.ok(existsSync(path.join(root, 'cache', 'fork-patches', `${sha256(PATCH)}.patch`)));
  });

  it('a patch whose bytes are not the pinned digest is a PinMismatch, and the tree is untouched', async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, 'hook.patch'), PATCH);
    const source = pathToFileURL(path.join(dir, 'hook.patch')).href;
    const { ctx, results } = await patching([{ name: 'hook.patch', source, sha256: '0'.repeat(64), fetched: true }]);
    const before = await readFile(path.join(results.source.get('tree'), 'main.go'), 'utf8');
    await assert.rejects(applyForkPatches.run(ctx), PinMismatch);
    assert.equal(await readFile(path.join(results.source.get('tree'), 'main.go'), 'utf8'), before);
  });

  it('a fork without patches of its own: a skip', async () => {
    const { ctx } = await patching([]);
    await assert.rejects(applyForkPatches.run(ctx), StepSkipped);
  });
});
