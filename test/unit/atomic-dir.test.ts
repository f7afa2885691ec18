// Directories that appear whole or not at all (src/atomic-dir.ts): a finished write replaces the old directory
// in one rename; a failed one leaves the old directory as it was, and no partial sibling behind.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { writeDirAtomically, writeFileAtomically } from '../../src/atomic-dir.ts';
import { InputError } from '../../src/errors.ts';

let root = '';
before(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'nokmem-atomic-'));
});
after(() => rm(root, { recursive: true, force: true }));
const tempDir = () => mkdtemp(path.join(root, 'd-'));

describe('writeDirAtomically', () => {
  it('writes text and copied files into a directory others can read', async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, 'source.bin'), 'binary bytes');
    const out = path.join(dir, 'out');
    await writeDirAtomically(out, {
      'notes.txt': { text: 'hello\n' },
      'copy.bin': { copyFrom: path.join(dir, 'source.bin') },
    });
    assert.deepEqual((await readdir(out)).sort(), ['copy.bin', 'notes.txt']);
    assert.equal(await readFile(path.join(out, 'notes.txt'), 'utf8'), 'hello\n');
    assert.equal(await readFile(path.join(out, 'copy.bin'), 'utf8'), 'binary bytes');
    assert.equal((await stat(out)).mode & 0o777, 0o755);
    assert.deepEqual((await readdir(dir)).sort(), ['out', 'source.bin'], 'no staging directory left');
  });

  it('replaces an older directory whole: none of its files survive', async () => {
    const dir = await tempDir();
    const out = path.join(dir, 'out');
    await writeDirAtomically(out, { 'old.txt': { text: 'old' }, 'both.txt': { text: 'old' } });
    await writeDirAtomically(out, { 'both.txt': { text: 'new' } });
    assert.deepEqual(await readdir(out), ['both.txt']);
    assert.equal(await readFile(path.join(out, 'both.txt'), 'utf8'), 'new');
    assert.deepEqual(await readdir(dir), ['out']);
  });

  it('creates missing parents', async () => {
    const out = path.join(await tempDir(), 'a', 'b', 'out');
    await writeDirAtomically(out, { f: { text: 'x' } });
    assert.equal(await readFile(path.join(out, 'f'), 'utf8'), 'x');
  });

  it('a failure leaves nothing: no directory, no partial sibling, not even the parent it made', async () => {
    const dir = await tempDir();
    const parent = path.join(dir, 'new-parent');
    const out = path.join(parent, 'out');
    await assert.rejects(
      writeDirAtomically(out, {
        'first.txt': { text: 'written before the failure' },
        'second.bin': { copyFrom: path.join(dir, 'does-not-exist') },
      }),
    );
    assert.ok(!existsSync(out));
    assert.ok(!existsSync(parent), 'the parent this call created is removed again');
    assert.deepEqual(await readdir(dir), []);
  });

  it('a failure keeps the older directory as it was, and a parent that was there before', async () => {
    const dir = await tempDir();
    const out = path.join(dir, 'out');
    await writeDirAtomically(out, { 'kept.txt': { text: 'kept' } });
    await mkdir(path.join(dir, 'unrelated'));
    await assert.rejects(
      writeDirAtomically(out, {
        'kept.txt': { text: 'would replace' },
        'broken.bin': { copyFrom: path.join(dir, 'does-not-exist') },
      }),
    );
    assert.deepEqual(await readdir(out), ['kept.txt']);
    assert.equal(await readFile(path.join(out, 'kept.txt'), 'utf8'), 'kept');
    assert.deepEqual((await readdir(dir)).sort(), ['out', 'unrelated']);
  });

  it(
    'a full disk is an InputError naming the directory (the fs error is its cause), and leaves nothing',
    {
      skip: process.getuid?.() !== 0 ? 'mounting a small tmpfs needs root' : false,
    },
    async () => {
      const disk = await tempDir();
      await execa('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', disk]);
      try {
        const out = path.join(disk, 'out', 'runc-v1.0.0-rc5');
        await assert.rejects(
          writeDirAtomically(out, { runc: { text: 'x'.repeat(512 * 1024) } }),
          (e: unknown) => e instanceof InputError && (e.cause as NodeJS.ErrnoException).code === 'ENOSPC',
        );
        assert.deepEqual(await readdir(disk), []);
      } finally {
        await execa('umount', [disk]);
      }
    },
  );
});

describe('writeFileAtomically', () => {
  it('replaces a file whole, with the mode asked for, and leaves no partial file beside it', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'facts.json');
    await writeFile(file, 'old');
    await writeFileAtomically(file, 'new', 0o600);
    assert.equal(await readFile(file, 'utf8'), 'new');
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    assert.deepEqual(await readdir(dir), ['facts.json']);
  });

  it('a failed write leaves what was there and no partial file', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'facts.json');
    await mkdir(file); // a directory in the file's place: the rename fails
    await writeFile(path.join(file, 'kept'), 'old');
    await assert.rejects(writeFileAtomically(file, 'new'));
    assert.deepEqual(await readdir(dir), ['facts.json']);
    assert.equal(await readFile(path.join(file, 'kept'), 'utf8'), 'old');
  });

  it('writes of one file racing in one process each land whole (each has its own partial name)', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'facts.json');
    const texts = Array.from({ length: 8 }, (_, i) => `${JSON.stringify({ writer: i })}\n`);
    await Promise.all(texts.map((t) => writeFileAtomically(file, t)));
    assert.ok(texts.includes(await readFile(file, 'utf8')));
    assert.deepEqual(await readdir(dir), ['facts.json']);
  });
});
