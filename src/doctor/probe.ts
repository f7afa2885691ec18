// What `nokmem doctor` reads on a node, read-only and without any daemon: the kernel and its command line, the
// cgroup layout, memory cgroups live and counted by the kernel, the kubelet and runc binaries in use, kubelet's
// cgroup driver, and whether kubepods still has kernel-memory accounting on. Every path is under `root`, so
// tests can hand it a /proc and /sys tree per scenario.

import { existsSync } from 'node:fs';
import { open, readFile, readdir, readlink, stat } from 'node:fs/promises';
import path from 'node:path';
import { KMEM_FILE, NOKMEM_MARKER } from '../verify/static-proof.js';
import { memoryCgroupMount } from '../verify/sandbox.js';

export interface BinaryFacts {
  role: 'kubelet' | 'runc' | 'docker-runc' | 'containerd runc' | 'runc-nokmem' | 'nvidia-container-runtime';
  path: string;
  foundBy: string;
  /** The binary can write memory.kmem.limit_in_bytes (the string is in it). */
  kmemCode: boolean;
  marker: boolean;
  version?: string;
}

export interface HostFacts {
  root: string;
  kernel: string;
  cmdline: string;
  cgroupVersion: 'v1' | 'v2' | 'hybrid' | 'unknown';
  memoryMount?: string;
  liveMemoryCgroups?: number;
  kernelMemoryCgroups?: number;
  binaries: BinaryFacts[];
  cgroupDriver?: string;
  kubepods?: { path: string; slabinfoReadable: boolean; kmemUsage?: number };
}

const under = (root: string, p: string) => path.join(root, p);
const readText = (file: string) => readFile(file, 'utf8').catch(() => undefined);

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

async function binaryFacts(file: string, role: BinaryFacts['role'], foundBy: string): Promise<BinaryFacts | undefined> {
  if (!existsSync(file) || !(await stat(file)).isFile()) return undefined;
  const bytes = await readFile(file).catch(() => Buffer.alloc(0));
  return { role, path: file, foundBy, kmemCode: bytes.includes(KMEM_FILE), marker: bytes.includes(NOKMEM_MARKER) };
}

/** kubelet: the running process first, then its unit, then the usual paths. */
async function findKubelet(root: string): Promise<BinaryFacts | undefined> {
  for (const pid of await readdir(under(root, 'proc')).catch(() => [])) {
    if (!/^\d+$/.test(pid)) continue;
    const cmdline = (await readText(under(root, `proc/${pid}/cmdline`)))?.split('\0')[0] ?? '';
    if (path.basename(cmdline) !== 'kubelet') continue;
    const exe = await readlink(under(root, `proc/${pid}/exe`)).catch(() => cmdline);
    const found = await binaryFacts(under(root, exe), 'kubelet', `running process ${pid}`);
    if (found) return found;
  }
  for (const unit of [
    'etc/systemd/system/kubelet.service',
    'usr/lib/systemd/system/kubelet.service',
    'lib/systemd/system/kubelet.service',
  ]) {
    const exec = /^ExecStart=(\S+)/m.exec((await readText(under(root, unit))) ?? '')?.[1];
    if (exec) {
      const found = await binaryFacts(under(root, exec), 'kubelet', `/${unit}`);
      if (found) return found;
    }
  }
  for (const p of ['usr/bin/kubelet', 'usr/local/bin/kubelet']) {
    const found = await binaryFacts(under(root, p), 'kubelet', 'PATH');
    if (found) return found;
  }
  return undefined;
}

async function findRuntimes(root: string): Promise<BinaryFacts[]> {
  const found: BinaryFacts[] = [];
  const add = async (p: string, role: BinaryFacts['role'], by: string) => {
    const facts = await binaryFacts(under(root, p), role, by);
    if (facts && !found.some((f) => f.path === facts.path)) found.push(facts);
  };
  for (const p of ['usr/bin/runc', 'usr/sbin/runc', 'usr/local/bin/runc', 'usr/local/sbin/runc'])
    await add(p, 'runc', 'PATH');
  for (const p of ['usr/libexec/docker/docker-runc-current', 'usr/bin/docker-runc'])
    await add(p, 'docker-runc', 'docker');
  await add('usr/libexec/runc-nokmem/runc', 'runc-nokmem', 'runc-nokmem package');
  // Before v3, NVIDIA's runtime is a runc fork (from v3 a shim without kmem code, which this reads as such).
  await add('usr/bin/nvidia-container-runtime', 'nvidia-container-runtime', 'NVIDIA container runtime');
  const containerd = (await readText(under(root, 'etc/containerd/config.toml'))) ?? '';
  const binaryName = /BinaryName\s*=\s*"([^"]+)"/.exec(containerd)?.[1];
  if (binaryName) await add(binaryName.replace(/^\//, ''), 'containerd runc', '/etc/containerd/config.toml BinaryName');
  return found;
}

async function cgroupDriver(root: string): Promise<string | undefined> {
  const config = (await readText(under(root, 'var/lib/kubelet/config.yaml'))) ?? '';
  const fromConfig = /^cgroupDriver:\s*(\S+)/m.exec(config)?.[1];
  if (fromConfig) return fromConfig;
  for (const file of ['etc/sysconfig/kubelet', 'var/lib/kubelet/kubeadm-flags.env']) {
    const m = /--cgroup-driver[= ](\w+)/.exec((await readText(under(root, file))) ?? '');
    if (m) return m[1];
  }
  return undefined;
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

/** Asks a binary for its version (`--version`); only on the real root, never for binaries under --root. */
export type VersionReader = (binary: string) => Promise<string | undefined>;

export async function probeHost(root: string, versionOf?: VersionReader): Promise<HostFacts> {
  const mountinfo = (await readText(under(root, 'proc/self/mountinfo'))) ?? '';
  const v1Memory = memoryCgroupMount(mountinfo);
  const hasV2 = / - cgroup2 /.test(mountinfo);
  const cgroupVersion = v1Memory ? (hasV2 ? 'hybrid' : 'v1') : hasV2 ? 'v2' : 'unknown';
  const facts: HostFacts = {
    root,
    kernel: ((await readText(under(root, 'proc/sys/kernel/osrelease'))) ?? 'unknown').trim(),
    cmdline: ((await readText(under(root, 'proc/cmdline'))) ?? '').trim(),
    cgroupVersion,
    memoryMount: v1Memory,
    binaries: [],
  };
  if (v1Memory) {
    const mount = under(root, v1Memory);
    facts.liveMemoryCgroups = 1 + (await countDirs(mount));
    const line = ((await readText(under(root, 'proc/cgroups'))) ?? '')
      .split('\n')
      .find((l) => l.startsWith('memory\t') || l.startsWith('memory '));
    if (line) facts.kernelMemoryCgroups = Number(line.trim().split(/\s+/)[2]);
    for (const name of ['kubepods', 'kubepods.slice']) {
      const dir = path.join(mount, name);
      if (!existsSync(dir)) continue;
      const usage = Number(((await readText(path.join(dir, 'memory.kmem.usage_in_bytes'))) ?? '').trim());
      facts.kubepods = {
        path: path.join(v1Memory, name),
        slabinfoReadable: await readable(path.join(dir, 'memory.kmem.slabinfo')),
        kmemUsage: Number.isFinite(usage) ? usage : undefined,
      };
      break;
    }
  }
  const kubelet = await findKubelet(root);
  if (kubelet) facts.binaries.push(kubelet);
  facts.binaries.push(...(await findRuntimes(root)));
  facts.cgroupDriver = await cgroupDriver(root);
  if (versionOf) for (const b of facts.binaries) b.version = await versionOf(b.path);
  return facts;
}
