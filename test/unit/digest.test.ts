// src/digest.ts: the same SHA-256 of bytes in memory and of the file that holds them.

import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { sha256, sha256File } from '../../src/digest.ts';

describe('digests', () => {
  it('of bytes and of a file, hex, as sha256sum prints them', async () => {
    const empty = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
    assert.equal(sha256(''), empty);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'nokmem-digest-'));
    try {
      const file = path.join(dir, 'f');
      const bytes = Buffer.alloc(3 * 1024 * 1024, 7); // more than one read of the stream
      await writeFile(file, bytes);
      assert.equal(await sha256File(file), sha256(bytes));
      await writeFile(file, '');
      assert.equal(await sha256File(file), empty);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
