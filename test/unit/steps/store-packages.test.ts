import assert from 'node:assert/strict';
import { readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import type { Artifact, BuildRecord } from '../../../src/context.ts';
import type { SigningKey } from '../../../src/signing.ts';
import { packagesDir } from '../../../src/steps/caches.ts';
import { storePackages } from '../../../src/steps/store-packages.ts';
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

describe('store packages', () => {
  it('keeps the packages and attestations it is given under the package key', async () => {
    const root = await tempDir();
    const request = buildRequest(root);
    const p = await plan(request);
    const results = newResults();
    const made: Artifact[] = [];
    for (const [name, kind] of [
      ['runc-nokmem-1.0.0~rc5-1.x86_64.rpm', 'rpm'],
      ['SHA256SUMS', 'sums'],
      ['SHA256SUMS.asc', 'sums-signature'],
    ] as const) {
      await writeFile(path.join(root, name), name);
      made.push({ name, path: path.join(root, name), kind });
    }
    results.packages.set('packages', made);
    results.binary.set('record', { verification: { ok: true, checks: [] } } as unknown as BuildRecord);
    results.packages.set('signingKey', Promise.resolve({ fingerprint: 'F'.repeat(40) } as SigningKey));
    const ctx = { request, deps: testDeps(), plan: p, results, workspace: testWorkspace(request) };
    await storePackages.run(ctx);
    const dir = results.packages.get('cachedPackages');
    // where reuse cached packages looks for the same inputs
    assert.equal(dir, await packagesDir(ctx));
    assert.match(dir, new RegExp(`^${path.join(root, 'cache', 'packages')}/[0-9a-f]{32}$`));
    assert.deepEqual((await readdir(dir)).sort(), made.map((a) => a.name).sort());
  });
});
