// What the node side reads of a host, read-only, without any daemon and without running anything of the host:
// the kernel and its command line, the cgroup layout (from the host's own mount table), memory cgroups live and
// counted by the kernel, whether kubepods' pod and QoS cgroups have kmem accounting on, the kubelet and runc
// binaries and which runc the engines use, and exhaustion errors in the kubelet's log. Every path is under `root`
// (/ on the node, /host in the doctor's container, a test tree); what could not be read is undefined here and
// named in `unread`, so the verdict can say "unknown" where it needed it.

import { existsSync } from 'node:fs';
import { open, readdir } from 'node:fs/promises';
import path from 'node:path';
import { memoryCgroupMount } from '../../verify/sandbox.js';
import { type BinaryFacts, findKubelet, findRuntimes } from './binaries.js';
import { listUnder, pids, processArgs, readUnder } from './files.js';
import { exhaustionErrors } from './kubelet-log.js';
import { type EngineRuntime, engineRuntimes } from './runtime.js';

export type { BinaryFacts } from './binaries.js';

export interface KubepodsFacts {
  /** The kubepods cgroup's path on the host. */
  path: string;
  /** memory.kmem.slabinfo readable in kubepods, a QoS or a pod cgroup (kmem accounting on for it). */
  slabinfoReadable: boolean;
  kmemUsage?: number;
  /** The cgroups whose slabinfo was read. */
  checked: string[];
}

export interface HostFacts {
  root: string;
  /** proc/sys/kernel/osrelease; undefined when unread. */
  kernel?: string;
  cmdline?: string;
  /** Which mount table was read (proc/1/mountinfo: the host's, also from inside a container). */
  mountinfoFrom?: string;
  cgroupVersion: 'v1' | 'v2' | 'hybrid' | 'unknown';
  memoryMount?: string;
  /** The memory hierarchy's directory could be read under root. */
  memoryHierarchyRead?: boolean;
  /** Directories in the memory hierarchy (the root cgroup included). */
  liveMemoryCgroups?: number;
  /** /proc/cgroups' num_cgroups for memory. */
  kernelMemoryCgroups?: number;
  /** The host's processes could be listed. */
  processesRead: boolean;
  binaries: BinaryFacts[];
  engineRuntimes: EngineRuntime[];
  cgroupDriver?: string;
  kubepods?: KubepodsFacts;
  exhaustion?: { errors: number; logs: string[] };
  /** What could not be read, as paths under root. */
  unread: string[];
}

async function countDirs(dir: string, limit = 200_000): Promise<number> {
  let count = 0;
  const stack = [dir];
  while (stack.length && count < limit) {
    const current = stack.pop()!;
    for (const entry of await readdir(current, { withFileTypes: true }).catch(() => [])) {
      if (entry.isDirectory()) {
        count++;
        stack.push(path.join(current, entry.name));
      }
    }
  }
  return count;
}

async function readable(file: string): Promise<boolean> {
  try {
    const handle = await open(file, 'r');
    try {
      await handle.read(Buffer.alloc(64), 0, 64, 0);
      return true;
    } finally {
      await handle.close();
    }
  } catch {
    return false;
  }
}

/** kubepods (cgroupfs) or kubepods.slice (systemd), its QoS cgroups and a few pods: is kmem accounting on? */
async function kubepodsFacts(root: string, memoryMount: string): Promise<KubepodsFacts | undefined> {
  for (const name of ['kubepods', 'kubepods.slice']) {
    const hostDir = path.posix.join(memoryMount, name);
    const dir = path.join(root, hostDir);
    if (!existsSync(dir)) continue;
    const usage = Number(((await readUnder(root, `${hostDir}/memory.kmem.usage_in_bytes`)) ?? '').trim());
    const groups = [hostDir];
    const children = (await listUnder(root, hostDir)) ?? [];
    const qos = children.filter((c) => /^(kubepods-)?(burstable|besteffort)(\.slice)?$/.test(c));
    const podsIn = async (d: string) =>
      ((await listUnder(root, d)) ?? []).filter((c) => /^(kubepods-(burstable-|besteffort-)?)?pod/.test(c));
    for (const q of qos) groups.push(path.posix.join(hostDir, q));
    for (const d of [hostDir, ...qos.map((q) => path.posix.join(hostDir, q))])
      for (const p of (await podsIn(d)).slice(0, 4)) groups.push(path.posix.join(d, p));
    let slabinfoReadable = false;
    for (const g of groups)
      if (await readable(path.join(root, g, 'memory.kmem.slabinfo'))) {
        slabinfoReadable = true;
        break;
      }
    return {
      path: hostDir,
      slabinfoReadable,
      kmemUsage: Number.isFinite(usage) ? usage : undefined,
      checked: groups,
    };
  }
  return undefined;
}

async function cgroupDriver(root: string, kubeletArgs: readonly string[]): Promise<string | undefined> {
  const arg = kubeletArgs.find((a) => a.startsWith('--cgroup-driver='))?.split('=')[1];
  if (arg) return arg;
  const config = (await readUnder(root, 'var/lib/kubelet/config.yaml')) ?? '';
  const fromConfig = /^cgroupDriver:\s*(\S+)/m.exec(config)?.[1];
  if (fromConfig) return fromConfig;
  for (const file of ['etc/sysconfig/kubelet', 'var/lib/kubelet/kubeadm-flags.env']) {
    const m = /--cgroup-driver[= ](\w+)/.exec((await readUnder(root, file)) ?? '');
    if (m) return m[1];
  }
  return undefined;
}

export async function readHostFacts(root: string): Promise<HostFacts> {
  const unread: string[] = [];
  const read = async (p: string) => {
    const text = await readUnder(root, p);
    if (text === undefined) unread.push(p);
    return text;
  };
  const kernel = (await read('proc/sys/kernel/osrelease'))?.trim() || undefined;
  const cmdline = (await read('proc/cmdline'))?.trim();
  // proc/1 is the host's init: inside the doctor's container proc/self would be the container's own mounts.
  let mountinfoFrom: string | undefined;
  let mountinfo: string | undefined;
  for (const p of ['proc/1/mountinfo', 'proc/self/mountinfo']) {
    mountinfo = await readUnder(root, p);
    if (mountinfo !== undefined) {
      mountinfoFrom = p;
      break;
    }
  }
  if (mountinfo === undefined) unread.push('proc/1/mountinfo');
  const v1Memory = mountinfo !== undefined ? memoryCgroupMount(mountinfo) : undefined;
  const hasV2 = / - cgroup2 /.test(mountinfo ?? '');
  const processes = await pids(root);
  if (!processes.length) unread.push('proc/<pid>');
  const facts: HostFacts = {
    root,
    kernel,
    cmdline,
    mountinfoFrom,
    cgroupVersion: v1Memory ? (hasV2 ? 'hybrid' : 'v1') : hasV2 ? 'v2' : 'unknown',
    memoryMount: v1Memory,
    processesRead: processes.length > 0,
    binaries: [],
    engineRuntimes: [],
    unread,
  };
  const cgroupsLine = ((await read('proc/cgroups')) ?? '')
    .split('\n')
    .find((l) => l.startsWith('memory\t') || l.startsWith('memory '));
  if (cgroupsLine) facts.kernelMemoryCgroups = Number(cgroupsLine.trim().split(/\s+/)[2]);
  if (v1Memory) {
    const mount = path.join(root, v1Memory);
    facts.memoryHierarchyRead = existsSync(mount) && (await listUnder(root, v1Memory)) !== undefined;
    if (facts.memoryHierarchyRead) {
      facts.liveMemoryCgroups = 1 + (await countDirs(mount));
      facts.kubepods = await kubepodsFacts(root, v1Memory);
    } else unread.push(v1Memory.replace(/^\//, ''));
  }
  let kubeletArgs: string[] = [];
  const kubelet = await findKubelet(root, processes);
  if (kubelet) {
    facts.binaries.push(kubelet);
    const pid = /running process (\d+)/.exec(kubelet.foundBy)?.[1];
    if (pid) kubeletArgs = (await processArgs(root, pid)) ?? [];
  }
  facts.engineRuntimes = await engineRuntimes(root, processes);
  const inUse = new Set(facts.engineRuntimes.map((r) => r.path));
  for (const runtime of await findRuntimes(
    root,
    facts.engineRuntimes.map((r) => r.path),
  )) {
    if (inUse.size) runtime.inUse = inUse.has(runtime.path);
    facts.binaries.push(runtime);
  }
  facts.cgroupDriver = await cgroupDriver(root, kubeletArgs);
  facts.exhaustion = await exhaustionErrors(root);
  return facts;
}
