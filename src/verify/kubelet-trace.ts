// Reading what the kubelet's runtime proof left behind — the strace log and the sandbox script's result file —
// and the verdict they give. Pure functions: src/verify/kubelet-proof.ts runs the sandbox and hands them the text.

import path from 'node:path';
import { type Check, fail, pass, skipped } from './verdict.js';

export const KUBELET_PROOF = 'runtime (kubelet)';

export interface KubeletTrace {
  /** Every open of a memory.kmem.* file for writing, and every write to one (the strace lines). */
  kmemWrites: string[];
  /** The memory.kmem.* files those lines opened or wrote. */
  kmemFiles: Set<string>;
  /** The directories the traced processes created (mkdir, mkdirat that did not fail). */
  created: Set<string>;
  syscalls: number;
}

const CALL = /^\s*\d+\s+(?:[\d:.]+\s+)?(open|openat|openat2|creat|mkdir|mkdirat|write)\((.*)$/;
const QUOTED = /"((?:[^"\\]|\\.)*)"/;
/** A descriptor as `strace -y` prints it: 3</sys/fs/cgroup>, AT_FDCWD</tmp>. */
const DIR_FD = /^(?:AT_FDCWD|\d+)<([^>]*)>/;

/** The path a call names, made absolute against its directory descriptor where strace -y printed it. */
function pathOf(call: string, args: string): string | undefined {
  const quoted = QUOTED.exec(args)?.[1];
  if (quoted === undefined) return undefined;
  if (quoted.startsWith('/') || call === 'open' || call === 'creat' || call === 'mkdir') return quoted;
  const dir = DIR_FD.exec(args)?.[1];
  return dir ? path.posix.join(dir, quoted) : quoted;
}

/**
 * Reads an `strace -f -y` log. An open is for writing when its flags say O_WRONLY or O_RDWR (or it is creat); a
 * line that only resumes a call (`<... openat resumed>`) carries no flags and is judged by the line it resumes.
 * Reading memory.kmem.* is fine (cAdvisor reads the usage): only writing enables kernel-memory accounting.
 */
export function readKubeletTrace(trace: string): KubeletTrace {
  const found: KubeletTrace = { kmemWrites: [], kmemFiles: new Set(), created: new Set(), syscalls: 0 };
  for (const line of trace.split('\n')) {
    const m = CALL.exec(line);
    if (!m) continue;
    found.syscalls++;
    const [, call = '', args = ''] = m;
    if (call === 'write') {
      const file = /^\d+<([^>]*\/memory\.kmem\.[^>]*)>/.exec(args)?.[1];
      if (file) {
        found.kmemWrites.push(line.trim());
        found.kmemFiles.add(file);
      }
      continue;
    }
    const target = pathOf(call, args);
    if (!target) continue;
    if (call === 'mkdir' || call === 'mkdirat') {
      if (!/\)\s*=\s*-1\b/.test(args)) found.created.add(path.posix.normalize(target));
    } else if (path.posix.basename(target).startsWith('memory.kmem.')) {
      if (call === 'creat' || /\bO_(?:WRONLY|RDWR)\b/.test(args)) {
        found.kmemWrites.push(line.trim());
        found.kmemFiles.add(path.posix.normalize(target));
      }
    }
  }
  return found;
}

export type ProofOutcome = 'reached' | 'exited' | 'timeout' | 'containerd';

/** What the sandbox script saw (LAYOUT.result). */
export interface KubeletRun {
  outcome: ProofOutcome | 'unknown';
  kubepods?: string;
  pod?: string;
  /** The cgroups that have memory.kmem.limit_in_bytes. */
  withKmemFile: string[];
  /** Cgroups the script could not remove. */
  left: string[];
}

export function readResult(text: string): KubeletRun {
  const run: KubeletRun = { outcome: 'unknown', withKmemFile: [], left: [] };
  for (const line of text.split('\n')) {
    const [key, value = ''] = [line.slice(0, line.indexOf(' ')), line.slice(line.indexOf(' ') + 1)];
    if (key === 'outcome' && ['reached', 'exited', 'timeout', 'containerd'].includes(value))
      run.outcome = value as ProofOutcome;
    else if (key === 'kubepods') run.kubepods = value;
    else if (key === 'pod') run.pod = value;
    else if (key === 'kmem-file') run.withKmemFile.push(value);
    else if (key === 'left') run.left.push(value);
  }
  return run;
}

/** The last lines of a log that say what went wrong (klog's E/F lines, else the last lines), shortened. */
export function logTail(log: string, lines = 2): string {
  const all = log.split('\n').filter((l) => l.trim());
  const errors = all.filter((l) => /^[EF]\d{4} /.test(l));
  return (errors.length ? errors : all)
    .slice(-lines)
    .map((l) => (l.length > 240 ? `${l.slice(0, 240)}…` : l))
    .join(' | ');
}

export interface ProofContext {
  /** The time limit, in seconds. */
  seconds: number;
  kubeletLog: string;
  containerdLog: string;
  /** How the sandbox container ended. */
  sandbox: { exitCode: number; stderr: string };
}

/** The verdict of one run: a kmem write fails it whatever else happened; a run that never got there proves nothing. */
export function kubeletVerdict(run: KubeletRun, trace: KubeletTrace, context: ProofContext): Check {
  const root = run.kubepods ? path.posix.dirname(run.kubepods) : undefined;
  const short = (dir: string) => (root && dir.startsWith(`${root}/`) ? dir.slice(root.length + 1) : dir);
  const left = run.left.length ? `; could not remove ${run.left.join(', ')}` : '';
  if (trace.kmemWrites.length) {
    const opens = trace.kmemWrites.filter((l) => !/\bwrite\(/.test(l)).length;
    return fail(
      KUBELET_PROOF,
      `the kubelet enabled kernel-memory accounting: ${opens} opens of memory.kmem.* for writing (${[...trace.kmemFiles].map(short).join(', ')})${left}`,
    );
  }
  if (run.outcome === 'containerd')
    return fail(
      KUBELET_PROOF,
      `inconclusive: the private containerd did not start: ${logTail(context.containerdLog) || 'no output'}`,
    );
  if (run.outcome !== 'reached' || !run.pod || !run.kubepods) {
    const what =
      run.outcome === 'exited'
        ? 'the kubelet exited before it created the pod cgroup'
        : run.outcome === 'timeout'
          ? `the kubelet did not create the pod cgroup with its memory limit within ${context.seconds}s`
          : `the sandbox ended without a result (exit ${context.sandbox.exitCode}: ${logTail(context.sandbox.stderr, 1) || 'no output'})`;
    return fail(KUBELET_PROOF, `inconclusive: ${what}: ${logTail(context.kubeletLog) || 'no output'}${left}`);
  }
  const missing = [run.kubepods, run.pod].filter((dir) => !trace.created.has(dir));
  if (missing.length)
    return fail(
      KUBELET_PROOF,
      `inconclusive: the trace shows no mkdir of ${missing.map(short).join(', ')} by the kubelet (${trace.syscalls} traced syscalls)${left}`,
    );
  const without = [run.kubepods, run.pod].filter((dir) => !run.withKmemFile.includes(dir));
  if (without.length)
    return skipped(
      KUBELET_PROOF,
      `this kernel has no memory.kmem.limit_in_bytes in ${without.map(short).join(', ')}: libcontainer writes it only where it exists, so the run proves nothing`,
    );
  return pass(
    KUBELET_PROOF,
    `as a standalone node with a private containerd, the kubelet created ${short(run.kubepods)} and ${short(run.pod)} with the pod's memory limit; memory.kmem.limit_in_bytes exists in both and none of ${trace.syscalls} traced file syscalls opened memory.kmem.* for writing${left}`,
  );
}
