// The functional nokmem proof for runc: run the binary with a memory limit in a fresh cgroup of a cgroup-v1
// memory hierarchy under strace, and show that it creates the cgroup and sets the limit but never touches
// memory.kmem.*. A current kernel accepts and ignores kmem writes, so only the trace proves anything.
// Where the proof cannot run (no root, no cgroup-v1 memory controller, no strace) it is skipped, with the reason.

import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, rmdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Runner } from '../runner.js';
import { type Check, fail, pass, skipped } from './verdict.js';

const NAME = 'functional (strace)';

/** The mount point of the cgroup-v1 memory controller, from a mountinfo text. */
export function memoryCgroupMount(mountinfo: string): string | undefined {
  for (const line of mountinfo.split('\n')) {
    const [pre, post] = line.split(' - ');
    if (!pre || !post) continue;
    const [fstype, , superOptions = ''] = post.split(' ');
    if (fstype === 'cgroup' && superOptions.split(',').includes('memory')) return pre.split(' ')[4];
  }
  return undefined;
}

export function runtimeConfig(cgroupsPath: string, limitBytes: number): object {
  return {
    ociVersion: '1.0.0',
    process: { terminal: false, user: { uid: 0, gid: 0 }, args: ['/runc', '--version'], env: ['PATH=/'], cwd: '/' },
    root: { path: 'rootfs', readonly: false },
    hostname: 'nokmem-verify',
    mounts: [{ destination: '/proc', type: 'proc', source: 'proc' }],
    linux: {
      cgroupsPath,
      resources: { memory: { limit: limitBytes } },
      namespaces: [{ type: 'pid' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }],
    },
  };
}

export interface TraceFindings {
  kmemAccess: string[];
  createdCgroup: boolean;
  setLimit: boolean;
  syscalls: number;
}

/**
 * Reads an strace log. The cgroup is matched by its unique name, not its full path: rc93 opens cgroup files
 * with openat2 relative to a descriptor of the cgroup root ("memory/<name>/memory.limit_in_bytes").
 */
export function readTrace(trace: string, cgroupName: string): TraceFindings {
  const lines = trace.split('\n').filter(Boolean);
  return {
    kmemAccess: lines.filter((l) => l.includes('memory.kmem.')),
    createdCgroup: lines.some((l) => /mkdir/.test(l) && l.includes(cgroupName)),
    setLimit: lines.some((l) => l.includes(`${cgroupName}/memory.limit_in_bytes`)),
    syscalls: lines.length,
  };
}

export async function functionalProof(binary: string, runner: Runner, scratchRoot: string): Promise<Check> {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) {
    return skipped(NAME, 'needs root on a Linux host to create memory cgroups; run verify as root for the functional proof');
  }
  const mountinfo = await readFile('/proc/self/mountinfo', 'utf8').catch(() => '');
  const memoryMount = memoryCgroupMount(mountinfo);
  if (!memoryMount) {
    return skipped(NAME, 'this host has no cgroup-v1 memory controller (cgroup v2 only, like GitHub-hosted runners); the leak and this proof need cgroup v1');
  }
  const strace = await runner.run('strace', ['-V'], { allowFailure: true });
  if (strace.exitCode !== 0) return skipped(NAME, 'strace is not installed; install it (apt-get install strace) for the functional proof');

  const scratch = await mkdtemp(path.join(scratchRoot, '.functional-'));
  const id = `nokmem-verify-${randomBytes(4).toString('hex')}`;
  const cgroupsPath = `/${id}`;
  const cgroupDir = path.join(memoryMount, id);
  try {
    const bundle = path.join(scratch, 'bundle');
    await mkdir(path.join(bundle, 'rootfs'), { recursive: true });
    await copyFile(binary, path.join(bundle, 'rootfs', 'runc'));
    await writeFile(path.join(bundle, 'config.json'), JSON.stringify(runtimeConfig(cgroupsPath, 64 * 1024 * 1024), null, 2));
    const traceFile = path.join(scratch, 'trace.txt');
    const run = await runner.run(
      'strace',
      ['-f', '-qq', '-s', '128', '-e', 'trace=open,openat,openat2,creat,mkdir,mkdirat,write', '-o', traceFile,
        binary, '--root', path.join(scratch, 'state'), 'run', '--bundle', bundle, id],
      { allowFailure: true, timeoutMs: 120_000 },
    );
    const found = readTrace(await readFile(traceFile, 'utf8').catch(() => ''), id);
    if (found.kmemAccess.length) {
      return fail(NAME, `the binary touched kernel-memory accounting: ${found.kmemAccess[0]?.slice(0, 200)}`);
    }
    if (!found.createdCgroup || !found.setLimit) {
      const why = (run.stderr || run.stdout).trim().split('\n').slice(-2).join(' | ');
      return fail(NAME, `inconclusive: the run did not create ${cgroupDir} with a memory limit (exit ${run.exitCode}${why ? `: ${why}` : ''})`);
    }
    return pass(NAME, `created ${cgroupDir} with a memory limit; none of ${found.syscalls} traced file syscalls touched memory.kmem.*`);
  } finally {
    if (existsSync(cgroupDir)) await rmdir(cgroupDir).catch(() => undefined);
    await rm(scratch, { recursive: true, force: true });
  }
}
