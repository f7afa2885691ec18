// What `nokmem verify` trusts (src/verify/packages.ts): never a key shipped inside the directory it verifies,
// whatever path leads to it.

import assert from 'node:assert/strict';
import { copyFile, link, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { refuseShippedKey } from '../../../src/verify/packages.ts';

describe('refuseShippedKey', () => {
  let root: string;
  let dir: string;
  let shipped: string;

  before(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'shipped-key-'));
    dir = path.join(root, 'runc-v1.0.0-rc5');
    await mkdir(dir);
    shipped = path.join(dir, 'RPM-GPG-KEY-nokmem');
    await writeFile(shipped, '-----BEGIN PGP PUBLIC KEY BLOCK-----\n');
    await writeFile(path.join(dir, 'runc-nokmem-1.0.0~rc5-1.x86_64.rpm'), '');
  });
  after(() => rm(root, { recursive: true, force: true }));

  it('refuses the key in the directory, naming why and what to pass instead', async () => {
    await assert.rejects(refuseShippedKey(dir, shipped), {
      name: 'InputError',
      message: `--key ${shipped} is inside ${dir}, which is being verified: a key shipped with the packages proves nothing; pass the project's key from a copy you trust, held outside ${dir}`,
    });
  });

  it('refuses it by any other path: a relative one, a symbolic link, a hard link', async () => {
    await assert.rejects(refuseShippedKey(dir, path.relative(process.cwd(), shipped)), /is inside/);
    const viaLink = path.join(root, 'linked-key');
    await symlink(shipped, viaLink);
    await assert.rejects(refuseShippedKey(dir, viaLink), /is inside/);
    const hard = path.join(root, 'hard-key');
    await link(shipped, hard);
    await assert.rejects(refuseShippedKey(dir, hard), {
      message: new RegExp(`is the same file as ${shipped.replace(/[.~]/g, '\\$&')}, which is being verified`),
    });
  });

  it('accepts a copy held outside it, as a user keeps the project key', async () => {
    const copy = path.join(root, 'trusted', 'RPM-GPG-KEY-nokmem');
    await mkdir(path.dirname(copy));
    await copyFile(shipped, copy);
    await refuseShippedKey(dir, copy);
  });
});
