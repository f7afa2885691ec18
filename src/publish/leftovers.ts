// What a publish makes inside the served repository before it is complete: the staging directory of the next
// metadata generation (unsigned until it is signed), the temporary link swapped over `repodata`, and package copies
// in progress. Each is named after its owner (src/owner.ts). A publish killed with SIGKILL cannot remove them, so
// the next publish, holding the repository's lock, removes those of owners that are provably dead. Names of older
// nokmem versions carry only a pid (or nothing): those are made only under the lock, which this publish holds, so
// they are a dead publish's unless their pid is alive here.

import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { ownerTag, parseOwnerTag, provablyDead } from '../owner.js';
import { alive } from '../workspace.js';

export const stagingName = () => `.staging-${ownerTag()}`;
export const linkName = () => `.repodata-link-${ownerTag()}`;
export const partialName = (target: string) => `${target}.partial-${ownerTag()}`;

const IN_REPO = /^\.(?:staging|repodata-link)-(.+)$/;
const IN_PACKAGES = /\.rpm\.partial(?:-(.+))?$/;

/** Whether a leftover named with this owner tag (or a bare pid, or nothing: older versions) is a dead publish's. */
function dead(tag: string | undefined): boolean {
  if (tag === undefined) return true;
  if (/^\d+$/.test(tag)) return Number(tag) !== process.pid && !alive(Number(tag));
  const owner = parseOwnerTag(tag);
  return owner !== undefined && provablyDead(owner);
}

/** Removes the leftovers of dead publishes from `repo` (call it holding the lock); returns what it removed. */
export async function sweepDeadPublishes(repo: string): Promise<string[]> {
  const removed: string[] = [];
  const sweep = async (dir: string, pattern: RegExp) => {
    for (const name of await readdir(dir).catch(() => [] as string[])) {
      const m = pattern.exec(name);
      if (!m || !dead(m[1])) continue;
      await rm(path.join(dir, name), { recursive: true, force: true });
      removed.push(path.relative(repo, path.join(dir, name)));
    }
  };
  await sweep(repo, IN_REPO);
  await sweep(path.join(repo, 'Packages'), IN_PACKAGES);
  return removed;
}
