// Reading a host's files under a root (src/node/facts/files.ts), on a tree made here: a symbolic link is resolved
// inside the root (an absolute target means the host's path, not the reader's), a loop ends, and what cannot be
// read is undefined, never an error.

import assert from 'node:assert/strict';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { listUnder, pids, processArgs, readUnder, resolveUnder } from '../../../../src/node/facts/files.ts';
import { removeTempDirs, tempDir } from '../../../helpers/steps.ts';

after(removeTempDirs);

async function host(): Promise<string> {
  const root = await tempDir('nokmem-files-');
  await mkdir(path.join(root, 'usr/libexec/runc-nokmem'), { recursive: true });
  await mkdir(path.join(root, 'usr/bin'), { recursive: true });
  await writeFile(path.join(root, 'usr/libexec/runc-nokmem/runc'), 'runc');
  // absolute, as on the node: it must mean root/usr/libexec/..., not the reader's /usr/libexec
  await symlink('/usr/libexec/runc-nokmem/runc', path.join(root, 'usr/bin/runc'));
  await symlink('../libexec/runc-nokmem', path.join(root, 'usr/bin/nokmem-dir'));
  await symlink('loop-b', path.join(root, 'usr/bin/loop-a'));
  await symlink('loop-a', path.join(root, 'usr/bin/loop-b'));
  await mkdir(path.join(root, 'proc/1'), { recursive: true });
  await mkdir(path.join(root, 'proc/42'), { recursive: true });
  await mkdir(path.join(root, 'proc/self'), { recursive: true });
  await writeFile(path.join(root, 'proc/42/cmdline'), '/usr/bin/kubelet\0--cgroup-driver=cgroupfs\0\0');
  return root;
}

describe('resolveUnder', () => {
  it('resolves absolute and relative links inside the root', async () => {
    const root = await host();
    const runc = path.join(root, 'usr/libexec/runc-nokmem/runc');
    assert.equal(await resolveUnder(root, '/usr/bin/runc'), runc);
    assert.equal(await resolveUnder(root, '/usr/bin/nokmem-dir/runc'), runc);
    assert.equal(await resolveUnder(root, '/usr/./bin/../libexec/runc-nokmem/runc'), runc);
  });

  it('is undefined for a missing path and for a link loop', async () => {
    const root = await host();
    assert.equal(await resolveUnder(root, '/usr/bin/kubelet'), undefined);
    assert.equal(await resolveUnder(root, '/usr/bin/loop-a'), undefined);
  });
});

describe('readUnder, listUnder', () => {
  it('reads under the root, and is undefined where nothing can be read', async () => {
    const root = await host();
    assert.equal(await readUnder(root, '/usr/libexec/runc-nokmem/runc'), 'runc');
    assert.equal(await readUnder(root, '/etc/os-release'), undefined);
    assert.deepEqual(await listUnder(root, '/usr/libexec/runc-nokmem'), ['runc']);
    assert.equal(await listUnder(root, '/var/log'), undefined);
  });
});

describe('processArgs, pids', () => {
  it("splits a process's cmdline at NULs, keeping an empty argument but not the trailing one", async () => {
    const root = await host();
    assert.deepEqual(await processArgs(root, '42'), ['/usr/bin/kubelet', '--cgroup-driver=cgroupfs', '']);
    assert.equal(await processArgs(root, '1'), undefined);
  });

  it('lists the numeric entries of proc/, and none without a proc/', async () => {
    assert.deepEqual((await pids(await host())).sort(), ['1', '42']);
    assert.deepEqual(await pids(await tempDir('nokmem-files-')), []);
  });
});
