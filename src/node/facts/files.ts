// Reading a host's files under a root (/ on the node, /host in the doctor's container, a test tree), never through
// the reader's own namespace: a symbolic link is resolved inside the root, so /host/usr/bin/runc -> /usr/libexec/...
// is read from the host's /usr/libexec, not the container's.

import { lstat, readFile, readdir, readlink } from 'node:fs/promises';
import path from 'node:path';

/** root + an absolute host path, with every symbolic link on the way resolved inside root; undefined if absent. */
export async function resolveUnder(root: string, hostPath: string, hops = 16): Promise<string | undefined> {
  const parts = hostPath.split('/').filter(Boolean);
  let resolved: string[] = [];
  while (parts.length) {
    const part = parts.shift()!;
    if (part === '.') continue;
    if (part === '..') {
      resolved.pop();
      continue;
    }
    const candidate = path.join(root, ...resolved, part);
    const info = await lstat(candidate).catch(() => undefined);
    if (!info) return undefined;
    if (info.isSymbolicLink()) {
      if (--hops < 0) return undefined;
      const target = await readlink(candidate);
      if (target.startsWith('/')) resolved = [];
      parts.unshift(...target.split('/').filter(Boolean));
      continue;
    }
    resolved.push(part);
  }
  return path.join(root, ...resolved);
}

/** A text file under root, or undefined when it cannot be read. */
export async function readUnder(root: string, hostPath: string): Promise<string | undefined> {
  return readFile(path.join(root, hostPath), 'utf8').catch(() => undefined);
}

/** The entries of a directory under root, or undefined when it cannot be read. */
export async function listUnder(root: string, hostPath: string): Promise<string[] | undefined> {
  return readdir(path.join(root, hostPath)).catch(() => undefined);
}

/** A process's argv (proc/<pid>/cmdline, NUL-separated), or undefined. */
export async function processArgs(root: string, pid: string): Promise<string[] | undefined> {
  const text = await readUnder(root, `proc/${pid}/cmdline`);
  return text === undefined ? undefined : text.split('\0').filter((a, i, all) => a || i < all.length - 1);
}

/** The pids under root's proc/ (the host's processes with --pid=host), or an empty list. */
export async function pids(root: string): Promise<string[]> {
  return ((await listUnder(root, 'proc')) ?? []).filter((p) => /^\d+$/.test(p));
}
