import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { StepSkipped } from '../../../src/errors.ts';
import { applyNokmemMethod } from '../../../src/steps/apply-nokmem-method.ts';
import {
  buildRequest,
  newResults,
  resolved,
  runcTree,
  tempDir,
  testDeps,
  removeTempDirs,
  upstreamOf,
  agreedDecision,
  testWorkspace,
} from '../../helpers/steps.ts';
import { parseVersion } from '../../../src/version.ts';

after(removeTempDirs);

async function applying(era: string, version: string) {
  const root = await tempDir();
  const request = buildRequest(root, { version: parseVersion('runc', version) });
  const plan = upstreamOf(await resolved(request));
  const results = newResults();
  results.source.set('tree', await runcTree(era, path.join(root, 'src')));
  results.source.set('decision', agreedDecision(plan));
  return { ctx: { request, deps: testDeps(), plan, results, workspace: testWorkspace(request, root) }, results, root };
}

describe('apply nokmem method', () => {
  it('source patch: applies the recipe the plan carries, keeps the diff as a result and in the workspace', async () => {
    const { ctx, results, root } = await applying('v1.0.0-rc5', 'v1.0.0-rc5');
    await applyNokmemMethod.run(ctx);
    const applied = results.source.get('applied');
    assert.deepEqual(applied.files, ['libcontainer/cgroups/fs/memory.go']);
    assert.equal(await readFile(path.join(root, 'nokmem.patch'), 'utf8'), applied.diff);
    assert.match(
      await readFile(path.join(results.source.get('tree'), 'libcontainer/cgroups/fs/memory.go'), 'utf8'),
      /kernel memory accounting disabled in this runc build/,
    );
  });

  it('build tag: nothing changes in the tree; the step says so as a skip', async () => {
    const { ctx, results } = await applying('v1.0.0-rc6', 'v1.0.0-rc6');
    await assert.rejects(applyNokmemMethod.run(ctx), StepSkipped);
    assert.equal(results.source.has('applied'), false);
  });
});
