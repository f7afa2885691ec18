// Workspaces of a run under <cache>/work, named <label>-<pid>-XXXXXX after the process that owns them. A run
// killed with SIGKILL cannot clean up after itself; the next run removes the workspaces (and private
// GNUPGHOMEs, /dev/shm/nokmem-gnupg-<pid>-XXXXXX) of every owner that is no longer alive.

import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { removeOnInterrupt } from './interrupt.js';
import { GNUPG_PREFIX, gnupgParent } from './signing.js';

const OWNED = /-(\d+)-[A-Za-z0-9]{6}$/;

/** Whether a process is alive (EPERM: it is, but belongs to another user). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The pid that owns a workspace or GNUPGHOME name, if it was named by this module. */
export function ownerOf(name: string): number | undefined {
  const m = OWNED.exec(name);
  return m ? Number(m[1]) : undefined;
}

async function sweep(dir: string, prefix: string): Promise<string[]> {
  const removed: string[] = [];
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const pid = ownerOf(name);
    if (!name.startsWith(prefix) || pid === undefined || pid === process.pid || alive(pid)) continue;
    await rm(path.join(dir, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}

/** Removes what runs that died left behind in <cache>/work and in the GNUPGHOME parent. */
export async function sweepDeadWorkspaces(cacheDir: string): Promise<string[]> {
  const work = path.join(cacheDir, 'work');
  return [...(await sweep(work, '')), ...(await sweep(gnupgParent(work), GNUPG_PREFIX))];
}

/** A fresh workspace for this run, removed on interrupt (and by the caller when the run ends). */
export async function newWorkspace(cacheDir: string, label: string): Promise<string> {
  const work = path.join(cacheDir, 'work');
  await mkdir(work, { recursive: true });
  await sweepDeadWorkspaces(cacheDir);
  const dir = await mkdtemp(path.join(work, `${label}-${process.pid}-`));
  removeOnInterrupt(dir);
  return dir;
}

/**
 * The one workspace of a run, owned by the pipeline: made by the first step that asks for it (a dry run or a
 * cache hit may never ask), removed by the pipeline when the run ends.
 */
export class RunWorkspace {
  #dir?: Promise<string>;
  #made?: string;
  constructor(private readonly make: () => Promise<string>) {}

  /** The workspace directory, made on first use. */
  dir(): Promise<string> {
    this.#dir ??= this.make().then((dir) => (this.#made = dir));
    return this.#dir;
  }

  /** The directory, if a step has made it. */
  made(): string | undefined {
    return this.#made;
  }
}
