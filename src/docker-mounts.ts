// How host paths reach nokmem's containers: hostMount places every host path at the same container path (under
// /host), in a throwaway container and in a session alike; reachable says whether a session's container user can
// walk to a path inside one of its mounted roots (a bind mount of the path itself would not need that).

import { constants, type Stats } from 'node:fs';
import { lstat } from 'node:fs/promises';
import path from 'node:path';

export interface Mount {
  host: string;
  container: string;
  readOnly?: boolean;
}

/**
 * A host path as nokmem's containers see it: under /host, at its own path. The same in a throwaway container and
 * in a session, so a command written with it runs in either.
 */
export function hostMount(host: string, readOnly = false): Mount {
  const absolute = path.resolve(host);
  return { host: absolute, container: path.posix.join('/host', absolute), readOnly };
}

/** Whether uid:gid may use a file or directory with these stats, by its mode bits (read, write, search). */
function permits(stats: Stats, uid: number, gid: number, bits: number): boolean {
  if (uid === 0) return true;
  const shift = stats.uid === uid ? 6 : stats.gid === gid ? 3 : 0;
  return ((stats.mode >> shift) & bits) === bits;
}

/**
 * A bind mount of a file works whatever its parents' permissions; inside a mounted root, the container's user
 * (`user`, "uid:gid") must be able to walk to it. Symbolic links (which a bind mount resolves on the host) are not
 * followed. A writable root is the container user's (handed over when the session starts).
 */
export async function reachable(user: string, root: Mount, target: string, write: boolean): Promise<boolean> {
  const [uid, gid] = user.split(':').map(Number) as [number, number];
  let dir = root.host;
  const parts = path.relative(root.host, target).split(path.sep).filter(Boolean);
  for (const [i, part] of ['', ...parts].entries()) {
    if (part) dir = path.join(dir, part);
    else if (!root.readOnly) continue;
    const stats = await lstat(dir).catch(() => undefined);
    if (!stats || stats.isSymbolicLink()) return false;
    const last = i === parts.length;
    const { S_IROTH: r, S_IWOTH: w, S_IXOTH: x } = constants;
    const need = !last ? x : (stats.isDirectory() ? r | x : r) | (write ? w : 0);
    if (!permits(stats, uid, gid, need)) return false;
  }
  return true;
}
