// The doctor's verdict (src/node/verdict.ts) on hand-made /proc and /sys trees, one per scenario.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { kernelAffected } from '../../../src/node/verdict.ts';
import { run } from '../../helpers/doctor-host.ts';

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

  it('counts zombies against the 65535 IDs where the kernel counts dying cgroups (4.x and later)', async () => {
    const r = await run({ kernel: '4.18.0-513.el8.x86_64', kernelCgroups: 60_000, liveCgroups: 4, kubelet: 'kmem' });
    const line = r.findings.find((f) => f.message.includes('zombie'));
    assert.equal(line?.level, 'bad');
    assert.match(
      line?.message ?? '',
      /60000 memory cgroups counted by the kernel, 6 live: 59994 zombies; 91\.6% of the 65535 IDs/,
    );
  });

  it('knows which kernels leak', () => {
    assert.ok(kernelAffected('3.10.0-1160.el7.x86_64'));
    assert.ok(!kernelAffected('4.18.0-513.el8.x86_64'));
  });
});
