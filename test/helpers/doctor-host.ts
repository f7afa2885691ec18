// Hand-made /proc and /sys trees of a node, one per scenario, for the doctor's tests: what doctor reads under
// --root, and the report it makes of them with the real specs.

import { mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { assess } from '../../src/doctor/assess.ts';
import { placer } from '../../src/doctor/place.ts';
import { probeHost } from '../../src/doctor/probe.ts';
import { DEFAULT_SPECS_DIR, loadForkSpecs, loadVersionTable } from '../../src/specs.ts';

export interface Scenario {
  kernel?: string;
  cmdline?: string;
  cgroup?: 'v1' | 'v2';
  kernelCgroups?: number;
  liveCgroups?: number;
  kubelet?: 'kmem' | 'nokmem' | 'none';
  runc?: 'kmem' | 'nokmem';
  kubepodsKmem?: boolean;
  /** What `runc --version` / `kubelet --version` print (lines joined by "; "), as doctor reads on the real root. */
  runcVersion?: string;
  kubeletVersion?: string;
  /** NVIDIA's runtime at /usr/bin/nvidia-container-runtime, and what its --version prints. */
  nvidia?: 'kmem' | 'nokmem';
  nvidiaVersion?: string;
}

export const RC5 = 'runc version 1.0.0-rc5; commit: 4fc53a81fb7c994640722ac585fa9ca548971871; spec: 1.0.0';

// Stand-ins for binaries: doctor reads their bytes, it does not run them under --root.
const BINARY = {
  kmem: 'ELF... memory.kmem.limit_in_bytes ...',
  nokmem: 'ELF... kernel memory accounting disabled in this runc build ...',
};

/** A node's root (proc/, sys/, usr/bin/...) made as the scenario says. */
export async function node(s: Scenario): Promise<string> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'doctor-'));
  const w = async (p: string, text: string) => {
    await mkdir(path.dirname(path.join(root, p)), { recursive: true });
    await writeFile(path.join(root, p), text);
  };
  await w('proc/sys/kernel/osrelease', `${s.kernel ?? '3.10.0-1160.el7.x86_64'}\n`);
  await w('proc/cmdline', `${s.cmdline ?? 'BOOT_IMAGE=/vmlinuz-3.10.0 root=/dev/sda1 ro'}\n`);
  await w(
    'proc/self/mountinfo',
    s.cgroup === 'v2'
      ? '30 25 0:26 / /sys/fs/cgroup rw,relatime - cgroup2 cgroup2 rw\n'
      : '34 25 0:30 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n',
  );
  await w('proc/cgroups', `#subsys_name\thierarchy\tnum_cgroups\tenabled\nmemory\t4\t${s.kernelCgroups ?? 12}\t1\n`);
  if (s.cgroup !== 'v2') {
    for (let i = 0; i < (s.liveCgroups ?? 3); i++)
      await mkdir(path.join(root, `sys/fs/cgroup/memory/system.slice/unit${i}`), { recursive: true });
    if (s.kubepodsKmem !== undefined) {
      await w('sys/fs/cgroup/memory/kubepods/memory.kmem.usage_in_bytes', s.kubepodsKmem ? '1245184\n' : '0\n');
      if (s.kubepodsKmem) await w('sys/fs/cgroup/memory/kubepods/memory.kmem.slabinfo', 'slabinfo - version: 2.1\n');
    }
  }
  if ((s.kubelet ?? 'none') !== 'none') {
    await w('usr/bin/kubelet', BINARY[s.kubelet as 'kmem' | 'nokmem']);
    await w('proc/4242/cmdline', '/usr/bin/kubelet\0--cgroup-driver=cgroupfs\0');
    await symlink('/usr/bin/kubelet', path.join(root, 'proc/4242/exe'));
    await w('var/lib/kubelet/config.yaml', 'kind: KubeletConfiguration\ncgroupDriver: cgroupfs\n');
  }
  if (s.runc) await w('usr/bin/runc', BINARY[s.runc]);
  if (s.nvidia) await w('usr/bin/nvidia-container-runtime', BINARY[s.nvidia]);
  return root;
}

export const place = async () =>
  placer(await loadVersionTable(), await loadForkSpecs(path.join(DEFAULT_SPECS_DIR, 'forks.yaml')));
/** doctor's report on the scenario's node, with the real placer (specs/versions.yaml and specs/forks.yaml). */
export const run = async (s: Scenario) => {
  const root = await node(s);
  const versions: Record<string, string | undefined> = {
    [path.join(root, 'usr/bin/runc')]: s.runcVersion ?? RC5,
    [path.join(root, 'usr/bin/kubelet')]: s.kubeletVersion ?? 'Kubernetes v1.12.4',
    [path.join(root, 'usr/bin/nvidia-container-runtime')]: s.nvidiaVersion,
  };
  return assess(await probeHost(root, async (b) => versions[b]), await place());
};
