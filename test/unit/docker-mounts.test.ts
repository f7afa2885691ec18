// How host paths reach nokmem's containers (src/docker-mounts.ts): every host path at the same place under /host,
// and whether a session's container user can walk to a path inside a mounted root, by the mode bits on the way.

import assert from 'node:assert/strict';
import { chmod, mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { hostMount, reachable } from '../../src/docker-mounts.ts';
import { removeTempDirs, tempDir } from '../helpers/steps.ts';

after(removeTempDirs);

describe('hostMount', () => {
  it('places a host path at its own absolute path under /host, writable unless asked', () => {
    assert.deepEqual(hostMount('/var/cache/nokmem/work'), {
      host: '/var/cache/nokmem/work',
      container: '/host/var/cache/nokmem/work',
      readOnly: false,
    });
    assert.deepEqual(hostMount('/a/../b/key.asc', true), {
      host: '/b/key.asc',
      container: '/host/b/key.asc',
      readOnly: true,
    });
    assert.equal(hostMount('rel').host, path.resolve('rel'));
  });
});

describe('reachable', () => {
  const USER = '10001:10001';

  /** root/ (mode given) / sub/ (mode given) / file (mode given), owned by whoever runs the test. */
  async function tree(rootMode: number, subMode: number, fileMode: number) {
    const root = path.join(await tempDir('nokmem-mounts-'), 'root');
    await mkdir(path.join(root, 'sub'), { recursive: true });
    const file = path.join(root, 'sub', 'file');
    await writeFile(file, 'x');
    await chmod(file, fileMode);
    await chmod(path.join(root, 'sub'), subMode);
    await chmod(root, rootMode);
    return { root, file };
  }

  it('lets another user read a file whose directories it may search and which it may read', async () => {
    const { root, file } = await tree(0o755, 0o711, 0o644);
    assert.equal(await reachable(USER, hostMount(root, true), file, false), true);
    assert.equal(await reachable(USER, hostMount(root, true), file, true), false, 'not written: no w for others');
  });

  it('stops at a directory it may not search, and at a file it may not read', async () => {
    const closed = await tree(0o755, 0o700, 0o644);
    assert.equal(await reachable(USER, hostMount(closed.root, true), closed.file, false), false);
    const unreadable = await tree(0o755, 0o755, 0o600);
    assert.equal(await reachable(USER, hostMount(unreadable.root, true), unreadable.file, false), false);
  });

  it("checks a read-only root's own mode; a writable root is handed to the container user", async () => {
    const { root, file } = await tree(0o700, 0o755, 0o644);
    assert.equal(await reachable(USER, hostMount(root, true), file, false), false);
    assert.equal(await reachable(USER, hostMount(root), file, false), true);
  });

  it('needs read and search on a directory target; root may do anything', async () => {
    const { root } = await tree(0o755, 0o711, 0o644);
    assert.equal(await reachable(USER, hostMount(root, true), path.join(root, 'sub'), false), false);
    assert.equal(await reachable('0:0', hostMount(root, true), path.join(root, 'sub'), true), true);
  });

  it('follows no symbolic link, and a missing path is not reachable', async () => {
    const { root, file } = await tree(0o755, 0o755, 0o644);
    await symlink(file, path.join(root, 'link'));
    assert.equal(await reachable(USER, hostMount(root, true), path.join(root, 'link'), false), false);
    assert.equal(await reachable(USER, hostMount(root, true), path.join(root, 'nope'), false), false);
  });
});
