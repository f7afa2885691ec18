// One publish at a time per repository: a lock file holding the owner's pid and a token unique to this hold.
//
// Atomic: the complete owner file is written under a private name and link(2)ed into place, which fails with
// EEXIST if the lock exists, so no one ever sees an empty or half-written lock. A lock whose owner is gone (a
// crash, a kill) is taken over by renaming it to a private name and checking that the file moved is the one
// inspected; takeovers are serialized by a second lock of the same kind, so only one process at a time removes a
// lock that is not its own, and a live owner's lock is never deleted. A live one is waited for, up to a limit.

import { randomBytes } from 'node:crypto';
import { link, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { UserError } from '../errors.js';
import { alive } from '../workspace.js';

const code = (error: unknown) => (error as NodeJS.ErrnoException).code;
const unique = () => `${process.pid}.${randomBytes(6).toString('hex')}`;

/** The owner's pid, or 0 when the file is not a lock this code wrote (left by an older nokmem: stale). */
const ownerOf = (content: string) => Number(/^(\d+)(?:\s|$)/.exec(content)?.[1] ?? 0);

/** Creates `file` with `content` only if it does not exist; the file appears complete or not at all. */
async function createExclusive(file: string, content: string): Promise<boolean> {
  const tmp = `${file}.${unique()}.tmp`;
  await writeFile(tmp, content);
  try {
    await link(tmp, file);
    return true;
  } catch (error) {
    if (code(error) === 'EEXIST') return false;
    throw error;
  } finally {
    await rm(tmp, { force: true });
  }
}

const readOrEmpty = (file: string) =>
  readFile(file, 'utf8').catch((error: unknown) => (code(error) === 'ENOENT' ? undefined : Promise.reject(error)));

/**
 * Removes `file` if it still holds `seen` (a dead owner's lock). The rename is atomic; if what moved is not what
 * was inspected (someone else's takeover and acquisition came in between), it is put back.
 */
async function removeIfStill(file: string, seen: string): Promise<void> {
  const aside = `${file}.${unique()}.stale`;
  try {
    await rename(file, aside);
  } catch (error) {
    if (code(error) === 'ENOENT') return;
    throw error;
  }
  const moved = await readFile(aside, 'utf8');
  if (moved !== seen) await link(aside, file).catch(() => undefined);
  await rm(aside, { force: true });
}

/** Takes over a dead owner's lock; only one process at a time does so (the takeover lock). False: try later. */
async function takeOver(file: string, seen: string): Promise<boolean> {
  const guard = `${file}.takeover`;
  const mine = `${process.pid} ${unique()}\n`;
  if (!(await createExclusive(guard, mine))) {
    const other = await readOrEmpty(guard);
    // A takeover that died midway (rare): clear its guard the same careful way, and try again later.
    if (other !== undefined && !alive(ownerOf(other))) await removeIfStill(guard, other);
    return false;
  }
  try {
    // Under the guard nobody else removes the lock, and a dead owner never releases it: it is still `seen`.
    if ((await readOrEmpty(file)) === seen) await removeIfStill(file, seen);
    return true;
  } finally {
    if ((await readOrEmpty(guard)) === mine) await rm(guard, { force: true });
  }
}

export async function acquireLock(
  file: string,
  options: { waitMs: number; pollMs?: number; onWait?: (owner: number) => void },
): Promise<() => Promise<void>> {
  const deadline = Date.now() + options.waitMs;
  const mine = `${process.pid} ${unique()}\n`;
  let told = false;
  for (;;) {
    if (await createExclusive(file, mine)) {
      return async () => {
        // Only our own hold is released, never a lock someone else holds now.
        if ((await readOrEmpty(file)) === mine) await rm(file, { force: true });
      };
    }
    const seen = await readOrEmpty(file);
    if (seen === undefined) continue; // released in between
    const owner = ownerOf(seen);
    if (!owner || !alive(owner)) {
      // left by a publish that died; if another process is taking it over, give it a moment
      if (!(await takeOver(file, seen))) await new Promise((r) => setTimeout(r, 20));
      continue;
    }
    if (Date.now() > deadline)
      throw new UserError(
        `another publish (pid ${owner}) holds ${file}; wait for it to finish, or remove the file if that process is gone`,
      );
    if (!told) options.onWait?.(owner);
    told = true;
    await new Promise((r) => setTimeout(r, options.pollMs ?? 500));
  }
}
