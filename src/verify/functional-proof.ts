// The functional nokmem proof for runc: run the binary with a memory limit in a fresh cgroup of a cgroup-v1
// memory hierarchy under strace, and show that it creates the cgroup and sets the limit but never touches
// memory.kmem.*. A current kernel accepts and ignores kmem writes, so only the trace proves anything.
// Where the proof cannot run (no root, no cgroup-v1 memory controller, no strace) it is skipped, with the reason.
//
// The binary under test is not trusted: it runs in a container of the tool image, never on the host. The
// container sees only the binary (read-only) and a scratch directory, has no network, only the capabilities runc
// needs for its namespaces and cgroup plus ptrace for strace, its own cgroup namespace, and a fresh mount of
// the memory hierarchy rooted at its own cgroup. The cgroup runc makes is deleted (runc delete, rmdir) before
// the container exits, and Docker removes the container's own cgroup, so a kmem-enabled cgroup of an
// unpatched control build is never left on the host.

import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { DockerEngine } from '../docker.js';
import { REMOUNT_CGROUPS, hostCannotSandbox, sandboxOptions, sandboxUnavailable } from './sandbox.js';
import { type Check, fail, pass, skipped } from './verdict.js';

export const RUNC_PROOF = 'functional (strace)';
const NAME = RUNC_PROOF;

export function runtimeConfig(cgroupsPath: string, limitBytes: number): object {
  return {
    ociVersion: '1.0.0',
    // runc rc3 (runtime-spec v1.0.0-rc5) refuses a config whose platform is not the host's; later ones ignore it
    platform: { os: 'linux', arch: 'amd64' },
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

// Inside the container: the cgroup hierarchies mounted writable (src/verify/sandbox.ts), then the traced run,
// then the cgroups runc made are removed whatever happened. $1 is the cgroup's name. Without strace on the image's
// search path it says NO_STRACE and stops before anything else (looked up here, not in a container of its own).
const NO_STRACE = 'nokmem: no strace on the search path';
const PROOF_SCRIPT = [
  'set -u',
  `strace=$(command -v strace) || { echo '${NO_STRACE}' >&2; exit 97; }`,
  REMOUNT_CGROUPS,
  'cp /probe/runc /scratch/bundle/rootfs/runc',
  // NVIDIA's runtime before v3 (runc plus its hook patch) refuses to start unless nvidia-container-runtime-hook is
  // on PATH, and runs it as a prestart hook: a stub that does nothing lets the proof reach the cgroup code.
  'mkdir -p /scratch/bin && printf "#!/bin/sh\\nexit 0\\n" >/scratch/bin/nvidia-container-runtime-hook && chmod 755 /scratch/bin/nvidia-container-runtime-hook',
  'export PATH="/scratch/bin:$PATH"',
  '"$strace" -f -qq -s 128 -e trace=open,openat,openat2,creat,mkdir,mkdirat,write -o /scratch/trace.txt /probe/runc --root /scratch/state run --bundle /scratch/bundle "$1"',
  'code=$?',
  '/probe/runc --root /scratch/state delete --force "$1" >/dev/null 2>&1',
  'for d in /sys/fs/cgroup/*/"$1"; do [ -d "$d" ] && rmdir "$d" 2>/dev/null; done',
  'exit $code',
].join('\n');

/**
 * The proof's verdict, and what the binary printed when it ran: the process runc starts is `/runc --version`, so a
 * run that got that far printed the binary's version, and the version check needs no container of its own.
 */
export interface ProofRun {
  check: Check;
  printed?: { stdout: string; stderr: string };
}

export async function functionalProof(
  binary: string,
  tools: { docker: DockerEngine; image: string; scratchRoot: string },
): Promise<ProofRun> {
  const cannot = await hostCannotSandbox('memory cgroups');
  if (cannot) return { check: skipped(NAME, cannot) };
  const run = await tracedRun(binary, tools);
  // what runc prints for --version (a run that failed earlier printed something else, or nothing)
  const printed = /^runc version /m.test(run.stdout) ? { printed: { stdout: run.stdout, stderr: '' } } : {};
  return { check: run.check, ...printed };
}

async function tracedRun(
  binary: string,
  tools: { docker: DockerEngine; image: string; scratchRoot: string },
): Promise<{ check: Check; stdout: string }> {
  const scratch = await mkdtemp(path.join(tools.scratchRoot, '.functional-'));
  const id = `nokmem-verify-${randomBytes(4).toString('hex')}`;
  try {
    const bundle = path.join(scratch, 'bundle');
    await mkdir(path.join(bundle, 'rootfs'), { recursive: true });
    await writeFile(
      path.join(bundle, 'config.json'),
      JSON.stringify(runtimeConfig(`/${id}`, 64 * 1024 * 1024), null, 2),
    );
    const run = await tools.docker.run({
      image: tools.image,
      user: '0:0',
      options: sandboxOptions(),
      isolated: true,
      command: ['sh', '-c', PROOF_SCRIPT, 'proof', id],
      mounts: [
        { host: binary, container: '/probe/runc', readOnly: true },
        { host: scratch, container: '/scratch' },
      ],
      purpose: 'run the binary under strace in a sandbox',
      allowFailure: true,
      timeoutMs: 120_000,
    });
    if (run.exitCode === 97 && run.stderr.includes(NO_STRACE))
      return {
        stdout: '',
        check: fail(
          NAME,
          `${tools.image} has no strace, so the proof cannot run; rebuild it with \`nokmem builder-image --offline\` (scripts/setup.sh does), or pass --no-functional`,
        ),
      };
    const unavailable = sandboxUnavailable(run);
    if (unavailable) return { stdout: '', check: skipped(NAME, unavailable) };
    const verdict = (check: Check) => ({ check, stdout: run.stdout });
    const found = readTrace(await readFile(path.join(scratch, 'trace.txt'), 'utf8').catch(() => ''), id);
    if (found.kmemAccess.length) {
      return verdict(fail(NAME, `the binary touched kernel-memory accounting: ${found.kmemAccess[0]?.slice(0, 200)}`));
    }
    if (!found.createdCgroup || !found.setLimit) {
      const why = (run.stderr || run.stdout).trim().split('\n').slice(-2).join(' | ');
      return verdict(
        fail(
          NAME,
          `inconclusive: the run did not create the memory cgroup ${id} with a memory limit (exit ${run.exitCode}${why ? `: ${why}` : ''})`,
        ),
      );
    }
    return verdict(
      pass(
        NAME,
        `created the memory cgroup ${id} with a memory limit in a sandbox; none of ${found.syscalls} traced file syscalls touched memory.kmem.*`,
      ),
    );
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
