// How exhaustion shows: the kubelet fails to make a pod's cgroup with "mkdir /sys/fs/cgroup/memory/kubepods/…:
// no space left on device" (or "cannot allocate memory"). Counted from the node's logs that carry the kubelet's
// output (EL7's rsyslog writes journald's kubelet lines to /var/log/messages), reading at most the last
// MAX_BYTES of each file.

import { open } from 'node:fs/promises';
import path from 'node:path';

export const KUBELET_LOGS = ['/var/log/messages', '/var/log/syslog', '/var/log/kubelet.log'];
const MAX_BYTES = 64 * 1024 * 1024;

export const EXHAUSTION_LINE = /mkdir [^\s:]*\/kubepods[^\s:]*: (no space left on device|cannot allocate memory)/i;

/** The exhaustion errors in one log's text. */
export function countExhaustion(text: string): number {
  let count = 0;
  for (const line of text.split('\n')) if (EXHAUSTION_LINE.test(line)) count++;
  return count;
}

async function tail(file: string): Promise<string | undefined> {
  const handle = await open(file, 'r').catch(() => undefined);
  if (!handle) return undefined;
  try {
    const { size } = await handle.stat();
    if (!(await handle.stat()).isFile()) return undefined;
    const length = Math.min(size, MAX_BYTES);
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, size - length);
    return buffer.toString('utf8');
  } catch {
    return undefined;
  } finally {
    await handle.close();
  }
}

/** Exhaustion errors in the logs that could be read; undefined when none could. */
export async function exhaustionErrors(root: string): Promise<{ errors: number; logs: string[] } | undefined> {
  let errors = 0;
  const logs: string[] = [];
  for (const log of KUBELET_LOGS) {
    const text = await tail(path.join(root, log));
    if (text === undefined) continue;
    logs.push(log);
    errors += countExhaustion(text);
  }
  return logs.length ? { errors, logs } : undefined;
}
