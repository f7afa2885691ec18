// Hand-made /proc and /sys trees of a node, one per scenario, for the node side's tests: what the doctor reads
// under --root, and the report it makes of them with the real specs. Binaries are stand-ins that carry what a
// real one's file records (a Go build info with -ldflags version and commit); the doctor reads them, never runs
// them.

import { rmSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { readHostFacts } from '../../src/node/facts/host.ts';
import { placer } from '../../src/node/place.ts';
import { assess } from '../../src/node/verdict.ts';
import { DEFAULT_SPECS_DIR, loadForkSpecs, loadVersionTable } from '../../src/specs.ts';
import { readVersionOutput } from '../../src/verify/identify.ts';

export interface Scenario {
  kernel?: string;
  cmdline?: string;
  cgroup?: 'v1' | 'v2';
  kernelCgroups?: number;
  liveCgroups?: number;
  kubelet?: 'kmem' | 'nokmem' | 'none';
  runc?: 'kmem' | 'nokmem';
  kubepodsKmem?: boolean;
  /** What the runc's / kubelet's file records, written as `--version` prints it; null: the file records none. */
  runcVersion?: string | null;
  kubeletVersion?: string | null;
  /** NVIDIA's runtime at /usr/bin/nvidia-container-runtime, and what its file records. */
  nvidia?: 'kmem' | 'nokmem';
  nvidiaVersion?: string;
  /** Files left out of the tree, as paths under the root. */
  without?: string[];
  /** kubelet's file: owner and mode (default root, 0755). */
  kubeletOwner?: { uid: number; mode: number };
  /** Lines of the kubelet's log in /var/log/messages. */
  messages?: string[];
}

export const RC5 = 'runc version 1.0.0-rc5; commit: 4fc53a81fb7c994640722ac585fa9ca548971871; spec: 1.0.0';

const INFO_START = Buffer.from('3077af0c9274080241e1c107e6d618e6', 'hex');
const INFO_END = Buffer.from('f932433186182072008242104116d8f2', 'hex');

/** A stand-in for a Go binary of runc or kubelet: its kmem strings and, unless `version` is null, build info. */
export function standIn(component: 'runc' | 'kubelet', kind: 'kmem' | 'nokmem', version: string | null): Buffer {
  const body = Buffer.from(
    kind === 'kmem'
      ? 'ELF... memory.kmem.limit_in_bytes ...'
      : 'ELF... kernel memory accounting disabled in this runc build ...',
  );
  if (version === null) return body;
  const { version: v, commit } = readVersionOutput(component, version);
  const vars =
    component === 'runc'
      ? [v && `-X main.version=${v}`, commit && `-X main.gitCommit=${commit}`]
      : [v && `-X k8s.io/kubernetes/pkg/version.gitVersion=${v}`];
  const main = component === 'runc' ? 'github.com/opencontainers/runc' : 'k8s.io/kubernetes/cmd/kubelet';
  const info = `path\t${main}\nbuild\t-ldflags="${vars.filter(Boolean).join(' ')}"\n`;
  return Buffer.concat([body, INFO_START, Buffer.from(info), INFO_END]);
}

// Every root made here is removed when the test process ends: the suite leaves nothing in /tmp.
const roots: string[] = [];
process.on('exit', () => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

/** An empty directory for a test's own tree (removed when the test process ends, like every root made here). */
export async function scratchDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  roots.push(dir);
  return dir;
}

/** A node's root (proc/, sys/, usr/bin/...) made as the scenario says (removed when the test process ends). */
export async function node(s: Scenario): Promise<string> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'doctor-'));
  roots.push(root);
  const skip = new Set(s.without ?? []);
  const w = async (p: string, content: string | Buffer) => {
    if (skip.has(p)) return;
    await mkdir(path.dirname(path.join(root, p)), { recursive: true });
    await writeFile(path.join(root, p), content);
  };
  await w('proc/sys/kernel/osrelease', `${s.kernel ?? '3.10.0-1160.el7.x86_64'}\n`);
  await w('proc/cmdline', `${s.cmdline ?? 'BOOT_IMAGE=/vmlinuz-3.10.0 root=/dev/sda1 ro'}\n`);
  await w(
    'proc/1/mountinfo',
    s.cgroup === 'v2'
      ? '30 25 0:26 / /sys/fs/cgroup rw,relatime - cgroup2 cgroup2 rw\n'
      : '34 25 0:30 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n',
  );
  await w('proc/1/cmdline', '/usr/lib/systemd/systemd\0--system\0');
  await w('proc/cgroups', `#subsys_name\thierarchy\tnum_cgroups\tenabled\nmemory\t4\t${s.kernelCgroups ?? 12}\t1\n`);
  if (s.cgroup !== 'v2' && !skip.has('sys/fs/cgroup/memory')) {
    for (let i = 0; i < (s.liveCgroups ?? 3); i++)
      await mkdir(path.join(root, `sys/fs/cgroup/memory/system.slice/unit${i}`), { recursive: true });
    if (s.kubepodsKmem !== undefined) {
      await w('sys/fs/cgroup/memory/kubepods/memory.kmem.usage_in_bytes', s.kubepodsKmem ? '1245184\n' : '0\n');
      await mkdir(path.join(root, 'sys/fs/cgroup/memory/kubepods/burstable/pod1234'), { recursive: true });
      if (s.kubepodsKmem)
        await w('sys/fs/cgroup/memory/kubepods/burstable/pod1234/memory.kmem.slabinfo', 'slabinfo - version: 2.1\n');
    }
  }
  if ((s.kubelet ?? 'none') !== 'none') {
    const kind = s.kubelet as 'kmem' | 'nokmem';
    await w(
      'usr/bin/kubelet',
      standIn('kubelet', kind, s.kubeletVersion === undefined ? 'Kubernetes v1.12.4' : s.kubeletVersion),
    );
    if (s.kubeletOwner) {
      await chown(path.join(root, 'usr/bin/kubelet'), s.kubeletOwner.uid, s.kubeletOwner.uid);
      await chmod(path.join(root, 'usr/bin/kubelet'), s.kubeletOwner.mode);
    }
    await w('proc/4242/cmdline', '/usr/bin/kubelet\0--cgroup-driver=cgroupfs\0');
    await symlink('/usr/bin/kubelet', path.join(root, 'proc/4242/exe'));
    await w('var/lib/kubelet/config.yaml', 'kind: KubeletConfiguration\ncgroupDriver: cgroupfs\n');
  }
  if (s.runc) await w('usr/bin/runc', standIn('runc', s.runc, s.runcVersion === undefined ? RC5 : s.runcVersion));
  if (s.nvidia) await w('usr/bin/nvidia-container-runtime', standIn('runc', s.nvidia, s.nvidiaVersion ?? null));
  if (s.messages) await w('var/log/messages', `${s.messages.join('\n')}\n`);
  return root;
}

export const place = async () =>
  placer(await loadVersionTable(), await loadForkSpecs(path.join(DEFAULT_SPECS_DIR, 'forks.yaml')));
/** The doctor's report on the scenario's node, with the real placer (specs/versions.yaml and specs/forks.yaml). */
export const run = async (s: Scenario) => assess(await readHostFacts(await node(s)), await place());
