// Who owns what a run leaves behind while it works (containers, a publish's staging): the process, known by more
// than its pid. Several hosts, or several PID namespaces of one host (nokmem in a container with the engine's
// socket), may share one Docker engine or one repository directory, and a pid alone is reused. An owner is its
// host's boot id (/proc/sys/kernel/random/boot_id: one per host and boot), its PID namespace, its pid and the time
// it started (field 22 of /proc/<pid>/stat, in clock ticks since boot). A thing is removed only when its owner is
// provably dead: same boot, same PID namespace, and no process with that pid or one that started at another time.
// An owner from another host, boot or namespace, or one that cannot be judged, is never taken for dead.

import { readFileSync, readlinkSync } from 'node:fs';

export interface Owner {
  boot: string;
  /** The PID namespace, as /proc/self/ns/pid names it ("pid:[4026531836]" -> "4026531836"). */
  pidns: string;
  pid: number;
  /** Start time in clock ticks after boot. */
  start: string;
}

/** Labels on every container nokmem starts (docker ps --filter label=…). */
export const OWNER_LABELS = {
  boot: 'dev.nokmem.owner.boot',
  pidns: 'dev.nokmem.owner.pidns',
  pid: 'dev.nokmem.owner.pid',
  start: 'dev.nokmem.owner.start',
} as const;

/** The start time of a process (clock ticks after boot), if /proc shows it. */
export function startTime(pid: number, proc = '/proc'): string | undefined {
  try {
    const stat = readFileSync(`${proc}/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces or parentheses: count after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return /^\d+$/.test(fields[19] ?? '') ? fields[19] : undefined;
  } catch {
    return undefined;
  }
}

let current: Owner | undefined | null = null;

/** This process as an owner; undefined where /proc cannot tell (then nothing is ever judged dead). */
export function currentOwner(): Owner | undefined {
  if (current !== null) return current;
  try {
    const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    const pidns = /\[(\d+)\]/.exec(readlinkSync('/proc/self/ns/pid'))?.[1];
    const start = startTime(process.pid);
    current = boot && pidns && start ? { boot, pidns, pid: process.pid, start } : undefined;
  } catch {
    current = undefined;
  }
  return current;
}

/** `--label` arguments that name this process as the owner of a container. */
export function ownerLabelArgs(owner = currentOwner()): string[] {
  if (!owner) return [];
  return Object.entries(OWNER_LABELS).flatMap(([key, label]) => ['--label', `${label}=${owner[key as keyof Owner]}`]);
}

/** A name part that carries the whole owner ("<pid>.<start>.<pidns>.<boot>"), for files and directories. */
export function ownerTag(owner = currentOwner()): string {
  return owner ? `${owner.pid}.${owner.start}.${owner.pidns}.${owner.boot}` : `${process.pid}`;
}

/** The owner an ownerTag names; undefined for anything else (a bare pid included: that proves nothing). */
export function parseOwnerTag(tag: string): Owner | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)\.([0-9a-f-]{36})$/.exec(tag);
  return m ? { pid: Number(m[1]), start: m[2]!, pidns: m[3]!, boot: m[4]! } : undefined;
}

/** Whether a process with this pid exists (EPERM: it does, but belongs to another user). */
function exists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether `owner` is provably dead, judged from `here`: the same boot and PID namespace, and no process with its
 * pid (kill(pid, 0) says so even where /proc hides other users' processes) or one that started at another time.
 */
export function provablyDead(owner: Owner, here = currentOwner(), proc = '/proc'): boolean {
  if (!here || owner.boot !== here.boot || owner.pidns !== here.pidns) return false;
  if (owner.pid === here.pid) return owner.start !== here.start;
  if (!exists(owner.pid)) return true;
  const start = startTime(owner.pid, proc);
  return start !== undefined && start !== owner.start;
}
