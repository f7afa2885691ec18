// Opt-in, kured: when the verdict is "drain and reboot", the agent raises a sentinel of its own (a file in a
// directory it owns, on the host's /run so a reboot clears it), which kured watches (--reboot-sentinel); kured
// then cordons, drains and reboots one node at a time. The agent asks once per boot: the boot it asked to end is
// kept in the node's report (it survives the reboot, /run does not), and if after that reboot the verdict still
// says reboot, it stops asking and flags it (no reboot loops). It never removes a file it did not write.

import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Verdict } from '../verdict.js';
import type { RebootRequest } from '../outputs/node-report.js';

export const SENTINEL_FILE = 'reboot-required';
const WRITER = 'nokmem agent';

export interface KuredDecision {
  request: RebootRequest | null;
  sentinel: 'raise' | 'lower';
}

/** What to do with the sentinel, from the verdict, the request kept so far and the current boot. Pure. */
export function decide(verdict: Verdict, previous: RebootRequest | null, bootId: string, now: Date): KuredDecision {
  if (verdict === 'reboot') {
    if (!previous) return { request: { at: now.toISOString(), bootId, gaveUp: false }, sentinel: 'raise' };
    if (previous.gaveUp) return { request: previous, sentinel: 'lower' };
    if (previous.bootId !== bootId) return { request: { ...previous, gaveUp: true }, sentinel: 'lower' };
    return { request: previous, sentinel: 'raise' };
  }
  // "unknown" (kubepods not there yet after a reboot, say) keeps what was asked, so it cannot restart the count.
  if (verdict === 'unknown') return { request: previous, sentinel: 'lower' };
  return { request: null, sentinel: 'lower' };
}

export interface SentinelOutcome {
  present: boolean;
  /** A file at the sentinel's path that the agent did not write: left alone. */
  foreign: boolean;
}

/** Makes the sentinel file match the decision; a file someone else wrote there is never touched. */
export async function applySentinel(dir: string, decision: KuredDecision, node: string): Promise<SentinelOutcome> {
  const file = path.join(dir, SENTINEL_FILE);
  const existing = await readFile(file, 'utf8').catch(() => undefined);
  let ours = false;
  if (existing !== undefined) {
    try {
      ours = (JSON.parse(existing) as { writer?: string }).writer === WRITER;
    } catch {
      ours = false;
    }
  }
  if (existing !== undefined && !ours) return { present: true, foreign: true };
  if (decision.sentinel === 'raise') {
    if (!ours)
      await writeFile(
        file,
        `${JSON.stringify({ writer: WRITER, node, at: decision.request?.at, bootId: decision.request?.bootId })}\n`,
        { mode: 0o644 },
      );
    return { present: true, foreign: false };
  }
  if (ours) await rm(file, { force: true });
  return { present: false, foreign: false };
}
