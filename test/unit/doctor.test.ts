// doctor against hand-made /proc and /sys trees, one per scenario, and for real on this machine.

import assert from 'node:assert/strict';
import { mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { assess, kernelAffected } from '../../src/doctor/assess.ts';
import { placer } from '../../src/doctor/place.ts';
import { probeHost } from '../../src/doctor/probe.ts';
import { DEFAULT_SPECS_DIR, loadForkSpecs, loadVersionTable } from '../../src/specs.ts';
import { nokmem } from '../helpers/cli.ts';

interface Scenario {
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

const RC5 = 'runc version 1.0.0-rc5; commit: 4fc53a81fb7c994640722ac585fa9ca548971871; spec: 1.0.0';

// Stand-ins for binaries: doctor reads their bytes, it does not run them under --root.
const BINARY = {
  kmem: 'ELF... memory.kmem.limit_in_bytes ...',
  nokmem: 'ELF... kernel memory accounting disabled in this runc build ...',
};

async function node(s: Scenario): Promise<string> {
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

const place = async () =>
  placer(await loadVersionTable(), await loadForkSpecs(path.join(DEFAULT_SPECS_DIR, 'forks.yaml')));
const run = async (s: Scenario) => {
  const root = await node(s);
  const versions: Record<string, string | undefined> = {
    [path.join(root, 'usr/bin/runc')]: s.runcVersion ?? RC5,
    [path.join(root, 'usr/bin/kubelet')]: s.kubeletVersion ?? 'Kubernetes v1.12.4',
    [path.join(root, 'usr/bin/nvidia-container-runtime')]: s.nvidiaVersion,
  };
  return assess(await probeHost(root, async (b) => versions[b]), await place());
};

describe('doctor', () => {
  it('EL7 node with kmem-enabled kubelet and runc: install, exit 1', async () => {
    const r = await run({ kubelet: 'kmem', runc: 'kmem', kubepodsKmem: true });
    assert.equal(r.verdict, 'install');
    assert.equal(r.exitCode, 1);
    assert.match(r.nextStep, /install the nokmem packages \(kubelet, runc-nokmem\).*drain and reboot/);
    const kubelet = r.facts.binaries.find((b) => b.role === 'kubelet');
    assert.equal(kubelet?.foundBy, 'running process 4242');
    assert.equal(r.facts.cgroupDriver, 'cgroupfs');
  });

  it('fixed binaries but kubepods still has kmem on: reboot, exit 2', async () => {
    const r = await run({ kubelet: 'nokmem', runc: 'nokmem', kubepodsKmem: true });
    assert.equal(r.verdict, 'reboot');
    assert.equal(r.exitCode, 2);
  });

  it('fixed binaries and rebooted: nothing to do', async () => {
    const r = await run({ kubelet: 'nokmem', runc: 'nokmem', kubepodsKmem: false });
    assert.equal(r.verdict, 'ok');
    assert.match(r.nextStep, /binaries in use are nokmem/);
  });

  it('booted with cgroup.memory=nokmem: not at risk', async () => {
    const r = await run({ cmdline: 'ro cgroup.memory=nokmem quiet', kubelet: 'kmem' });
    assert.equal(r.atRisk, false);
    assert.equal(r.verdict, 'ok');
  });

  it('a current kernel or cgroup v2: not at risk', async () => {
    assert.equal((await run({ kernel: '5.14.0-362.el9.x86_64', kubelet: 'kmem' })).verdict, 'ok');
    const v2 = await run({ cgroup: 'v2', kubelet: 'kmem' });
    assert.equal(v2.facts.cgroupVersion, 'v2');
    assert.equal(v2.verdict, 'ok');
  });

  it('counts zombies against the 65535 IDs', async () => {
    const r = await run({ kernelCgroups: 60_000, liveCgroups: 4, kubelet: 'kmem' });
    const line = r.findings.find((f) => f.message.includes('zombie'));
    assert.equal(line?.level, 'bad');
    assert.match(
      line?.message ?? '',
      /60000 memory cgroups counted by the kernel, 6 live: 59994 zombies; 91\.6% of the 65535 IDs/,
    );
  });

  it('the command: --root, --json, and the exit code scripts read', async () => {
    // under --root binaries are not run, so one with kmem code cannot be placed: unknown, exit 3
    const r = await nokmem([
      'doctor',
      '--root',
      await node({ kubelet: 'kmem', runc: 'kmem', kubepodsKmem: true }),
      '--json',
    ]);
    assert.equal(r.exitCode, 3, r.stderr);
    assert.equal((JSON.parse(r.stdout) as { verdict: string }).verdict, 'unknown');
    const human = await nokmem([
      'doctor',
      '--root',
      await node({ kubelet: 'nokmem', runc: 'nokmem', kubepodsKmem: true }),
    ]);
    assert.equal(human.exitCode, 2);
    assert.match(human.stdout, /^verdict: reboot$/m);
    const bad = await nokmem(['doctor', '--root', '/nonexistent-root']);
    assert.equal(bad.exitCode, 1);
    assert.match(bad.stderr, /^nokmem: error: \/nonexistent-root has no proc\/; give the root of a node/m);
  });

  it('a runc with kmem code reachable only for an explicit limit (docker 17.03, by commit) is not affected', async () => {
    const r = await run({
      kubelet: 'nokmem',
      runc: 'kmem',
      kubepodsKmem: false,
      runcVersion: 'runc version 1.0.0-rc2; commit: 54296cf40ad8143b62dbcaa1d90e520a2136ddfe; spec: 1.0.0-rc2-dev',
    });
    assert.equal(r.verdict, 'ok', r.nextStep);
    assert.match(
      r.findings.find((f) => f.message.includes('usr/bin/runc'))?.message ?? '',
      /not affected: kmem only for an explicit kernel-memory limit/,
    );
    const rc1 = await run({
      kubelet: 'nokmem',
      runc: 'kmem',
      kubepodsKmem: false,
      runcVersion: 'runc version 1.0.0-rc1; commit: 04f275d4601ca7e5ff9460cec7f65e8dd15443ec',
    });
    assert.equal(rc1.verdict, 'ok', rc1.nextStep);
  });

  it('a fork placed by its commit needs the install; one it cannot place is unknown, never install', async () => {
    const fork = await run({
      kubelet: 'nokmem',
      runc: 'kmem',
      kubepodsKmem: false,
      runcVersion: 'runc version 1.0.0-rc5+dev; commit: a592beb5bc4c4092b1b1bac971afed27687340c5; spec: 1.0.0',
    });
    assert.equal(fork.verdict, 'install');
    assert.match(fork.findings.find((f) => f.message.includes('usr/bin/runc'))?.message ?? '', /docker-ce-18\.06\.2/);
    const odd = await run({
      kubelet: 'nokmem',
      runc: 'kmem',
      kubepodsKmem: false,
      runcVersion: 'runc version 1.0.0-rc5+dev; commit: 0123456789abcdef0123456789abcdef01234567',
    });
    assert.equal(odd.verdict, 'unknown');
    assert.equal(odd.exitCode, 3);
    assert.match(odd.nextStep, /nokmem verify/);
  });

  it("NVIDIA's runtime before v3 (a runc fork) is found and placed by its commit", async () => {
    const r = await run({
      kubelet: 'nokmem',
      runc: 'nokmem',
      kubepodsKmem: false,
      nvidia: 'kmem',
      nvidiaVersion: 'runc version 1.0.0-rc6+dev; commit: 6635b4f0c6af3810594d2770f662f34ddc15b40d; spec: 1.0.1-dev',
    });
    assert.equal(r.verdict, 'install', r.nextStep);
    assert.match(
      r.findings.find((f) => f.message.includes('usr/bin/nvidia-container-runtime'))?.message ?? '',
      /nvidia-runtime-2\.0\.0-docker18\.09\.2/,
    );
    assert.match(r.nextStep, /nvidia-runtime-\* build that matches it/);
  });

  it('knows which kernels leak', () => {
    assert.ok(kernelAffected('3.10.0-1160.el7.x86_64'));
    assert.ok(!kernelAffected('4.18.0-513.el8.x86_64'));
  });

  it('runs for real on this machine', async () => {
    const r = assess(await probeHost('/'));
    assert.ok(r.facts.kernel.length > 0);
    if (r.facts.memoryMount) {
      assert.ok((r.facts.kernelMemoryCgroups ?? 0) >= 1);
      assert.ok((r.facts.liveMemoryCgroups ?? 0) >= 1);
    }
    assert.ok(['ok', 'install', 'reboot', 'unknown'].includes(r.verdict));
  });
});
