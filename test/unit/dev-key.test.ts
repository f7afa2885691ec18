// src/dev-key.ts: where the development key is kept, and the move of one an earlier nokmem kept in the cache.
// Making the key (a gpg container) is covered in test/unit/steps/signing-key.test.ts and the integration tests.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { adoptFormerDevelopmentKey, devKeyPlace, hasDevelopmentKey } from '../../src/dev-key.ts';
import { silentLogger } from '../../src/log.ts';

const dirs: string[] = [];
after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

describe('the development key', () => {
  it('is kept where the signing config says; the cache is only where it is moved from', () => {
    assert.deepEqual(devKeyPlace({ devKeyDir: '/data/dev-signing-key' }, '/cache'), {
      devKeyDir: '/data/dev-signing-key',
      formerDevKeyDir: '/cache/dev-signing-key',
    });
    // no place configured (a library caller), or the cache's own: the cache, as before, nothing to move
    assert.deepEqual(devKeyPlace({}, '/cache'), { devKeyDir: '/cache/dev-signing-key' });
    assert.deepEqual(devKeyPlace({ devKeyDir: '/cache/dev-signing-key/' }, '/cache'), {
      devKeyDir: '/cache/dev-signing-key',
    });
  });

  it('a key kept in the cache is moved, never over one already kept', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'nokmem-dev-key-'));
    dirs.push(root);
    const former = path.join(root, 'cache', 'dev-signing-key');
    const devKeyDir = path.join(root, 'data', 'dev-signing-key');
    await mkdir(former, { recursive: true });
    await writeFile(path.join(former, 'dev-signing-key.asc'), 'OLD KEY');
    await writeFile(path.join(former, 'dev-signing-key.json'), '{}');
    await adoptFormerDevelopmentKey({ devKeyDir, formerDevKeyDir: former, log: silentLogger });
    assert.ok(hasDevelopmentKey(devKeyDir) && !existsSync(former));
    assert.equal(await readFile(path.join(devKeyDir, 'dev-signing-key.asc'), 'utf8'), 'OLD KEY');

    await mkdir(former, { recursive: true });
    await writeFile(path.join(former, 'dev-signing-key.asc'), 'ANOTHER KEY');
    await adoptFormerDevelopmentKey({ devKeyDir, formerDevKeyDir: former, log: silentLogger });
    assert.equal(await readFile(path.join(devKeyDir, 'dev-signing-key.asc'), 'utf8'), 'OLD KEY');
    assert.ok(existsSync(former), 'left as it is: the kept key signs');
  });
});
