// The sandbox the functional proofs run a binary under test in (runc's strace run, the kubelet's static-pod run):
// a container of nokmem's own image, never the host. It sees only the binary (read-only) and a scratch directory,
// has no network, a few capabilities, its own cgroup namespace, and every cgroup-v1 hierarchy mounted again,
// writable, rooted at the container's own cgroup — so whatever cgroups the binary makes are below the container's
// and are removed with it. Where the host cannot give such a sandbox (not root, no cgroup v1, no cgroup namespaces:
// Linux before 4.6 such as EL7's 3.10, or Docker before 20.10) the proofs are skipped with the reason, never passed.

import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { ContainerResult } from '../docker.js';

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

/**
 * Why this host cannot run a functional proof (undefined: it can). `what` names what the binary would create.
 * The leak and the proofs need cgroup v1; GitHub-hosted runners have cgroup v2 only.
 */
export async function hostCannotSandbox(
  what: string,
  host: { uid?: number; mountinfo: string; cgroupNamespace: string } = {
    uid: process.getuid?.(),
    mountinfo: '/proc/self/mountinfo',
    // the kernel gives each process a cgroup namespace from Linux 4.6 on
    cgroupNamespace: '/proc/self/ns/cgroup',
  },
): Promise<string | undefined> {
  if (process.platform !== 'linux' || host.uid !== 0)
    return `needs root on a Linux host to create ${what}; run verify as root for the functional proof`;
  const mountinfo = await readFile(host.mountinfo, 'utf8').catch(() => '');
  if (!memoryCgroupMount(mountinfo))
    return 'this host has no cgroup-v1 memory controller (cgroup v2 only, like GitHub-hosted runners); the leak and this proof need cgroup v1';
  if (!existsSync(host.cgroupNamespace))
    return `this kernel has no cgroup namespaces (Linux 4.6 and later have them; EL7's 3.10 does not), which the sandbox needs to keep ${what} off the host's hierarchy; run the proof on a newer kernel with cgroup v1`;
  return undefined;
}

/**
 * Why a sandbox container could not be set up (undefined: it ran): the sandbox script's own "unavailable" exit, or a
 * Docker engine older than 20.10, whose client has no --cgroupns (exit 125, "unknown flag").
 */
export function sandboxUnavailable(run: ContainerResult): string | undefined {
  const last = run.stderr.trim().split('\n').pop() ?? '';
  if (run.exitCode === SANDBOX_UNAVAILABLE) return `the sandbox could not be set up: ${last}`;
  if (run.exitCode === 125 && /cgroupns/.test(run.stderr))
    return `this Docker cannot give the sandbox its own cgroup namespace (--cgroupns needs Docker 20.10 or later): ${last}`;
  return undefined;
}

/** What runc needs to make its namespaces and a memory cgroup, and strace to trace it; nothing else. */
export const SANDBOX_CAPABILITIES = [
  'SYS_ADMIN',
  'SYS_PTRACE',
  'SYS_CHROOT',
  'SETUID',
  'SETGID',
  'SETPCAP',
  'DAC_OVERRIDE',
  'FOWNER',
  'CHOWN',
  'KILL',
  'MKNOD',
];

export function sandboxOptions(
  capabilities: readonly string[] = SANDBOX_CAPABILITIES,
  limits: { pids: number; memory: string } = { pids: 256, memory: '512m' },
): string[] {
  return [
    '--cap-drop',
    'ALL',
    ...capabilities.flatMap((c) => ['--cap-add', c]),
    // strace needs ptrace and the proofs mount; Docker's default profiles forbid both.
    '--security-opt',
    'seccomp=unconfined',
    '--security-opt',
    'apparmor=unconfined',
    '--security-opt',
    'no-new-privileges',
    '--cgroupns',
    'private',
    '--pids-limit',
    String(limits.pids),
    '--memory',
    limits.memory,
  ];
}

/** The exit code a sandbox script gives when it cannot set itself up: the proof is skipped, not failed. */
export const SANDBOX_UNAVAILABLE = 96;

// Every cgroup-v1 hierarchy Docker mounted (read-only) is mounted again writable, rooted at the container's own
// cgroup (private cgroup namespace): a real runc's or kubelet's cgroupfs driver joins all of them, not only memory.
export const REMOUNT_CGROUPS = [
  'grep " - cgroup " /proc/self/mountinfo | while read -r line; do',
  '  mountpoint=$(echo "$line" | cut -d" " -f5)',
  '  options=$(echo "${line#* - }" | cut -d" " -f3 | sed -e "s/^ro,/rw,/" -e "s/,ro,/,rw,/" -e "s/^ro$/rw/")',
  '  umount "$mountpoint" && mount -t cgroup -o "$options" cgroup "$mountpoint" || echo "$mountpoint" >>/scratch/unmountable',
  'done',
  `[ -s /scratch/unmountable ] && { echo "cannot remount the cgroup hierarchies writable: $(cat /scratch/unmountable)" >&2; exit ${SANDBOX_UNAVAILABLE}; }`,
  `[ -d /sys/fs/cgroup/memory ] || { echo "no cgroup-v1 memory hierarchy in the sandbox" >&2; exit ${SANDBOX_UNAVAILABLE}; }`,
].join('\n');
