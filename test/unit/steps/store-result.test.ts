import assert from 'node:assert/strict';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import type { BuildRecord } from '../../../src/context.ts';
import { sha256 } from '../../../src/attest.ts';
import { buildFacts } from '../../../src/steps/build-facts.ts';
import { storeResult } from '../../../src/steps/store-result.ts';
import {
  buildRequest,
  newResults,
  plan,
  removeTempDirs,
  tempDir,
  testDeps,
  upstreamOf,
  agreedDecision,
  testWorkspace,
} from '../../helpers/steps.ts';

after(removeTempDirs);

describe('store result', () => {
  it('keeps the verified binary, the applied patch and the build record made of the results, under the cache key', async () => {
    const root = await tempDir();
    const request = buildRequest(root);
    const p = upstreamOf(await plan(request));
    const results = newResults();
    const binary = path.join(root, 'runc');
    await writeFile(binary, 'ELF nokmem');
    results.binary.set('binary', binary);
    results.source.set('decision', agreedDecision(p));
    results.source.set('applied', { diff: '--- a\n+++ b\n', files: ['memory.go'], removedImports: [] });
    results.source.set('commitTime', 1519252845);
    results.binary.set('goUsed', 'go1.19.8 linux/amd64');
    results.binary.set('modules', [{ path: 'github.com/a/b', version: 'v1' }]);
    const ctx = { request, deps: testDeps(), plan: p, results, workspace: testWorkspace(request) };
    // as compile in Docker sets it
    results.binary.set('facts', buildFacts(ctx, 'go1.19.8 linux/amd64'));
    results.binary.set('verdict', { ok: true, checks: [{ name: 'kmem symbols', status: 'pass', detail: 'none' }] });
    await storeResult.run(ctx);

    const dir = path.join(root, 'cache', 'builds', p.cacheKey);
    assert.deepEqual((await readdir(dir)).sort(), ['build-record.json', 'modules.json', 'nokmem.patch', 'runc']);
    const record = JSON.parse(await readFile(path.join(dir, 'build-record.json'), 'utf8')) as BuildRecord;
    assert.deepEqual(record, JSON.parse(JSON.stringify(results.binary.get('record'))));
    assert.equal(record.method, 'source-patch');
    assert.equal(record.source.commitTime, 1519252845);
    assert.equal(record.patch?.recipeDigest, p.recipe.patch?.digest);
    assert.deepEqual(record.flags.make, [...p.recipe.make]);
    assert.equal(record.image.id, p.imageId);
    assert.deepEqual(record.verification, results.binary.get('verdict'));
    assert.equal(record.patch?.diffDigest, `sha256:${sha256('--- a\n+++ b\n')}`);
    // the facts, then the files, proofs and time: the order the record has always been written in
    assert.deepEqual(Object.keys(record).slice(-4), ['files', 'verification', 'builtAt', 'nokmem']);
    assert.deepEqual(Object.keys(record).slice(0, 4), ['schema', 'component', 'version', 'source']);
    assert.deepEqual(
      results.binary.get('result').map((a) => [a.name, a.kind, path.dirname(a.path) === dir]),
      [
        ['runc', 'binary', true],
        ['nokmem.patch', 'patch', true],
        ['build-record.json', 'build-record', true],
        ['modules.json', 'modules', true],
      ],
    );
  });
});
