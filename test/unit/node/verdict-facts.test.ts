// No claim without the fact behind it (issue 18): what the verdict needs on each kind of host, the boot flag
// judged by the kernel release, headroom only where the kernel counts dying cgroups, and binaries that cannot be
// trusted or placed. Each case is a hand-made node root.

import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { readHostFacts } from '../../../src/node/facts/host.ts';
import { assess } from '../../../src/node/verdict.ts';
import { node, place, run, scratchDir } from '../../helpers/doctor-host.ts';

describe('missing facts give unknown', () => {
  it('an empty proc/: unknown, naming the kernel release, not "ok"', async () => {
    const root = await scratchDir('doctor-empty-');
    await mkdir(path.join(root, 'proc'));
    const r = assess(await readHostFacts(root), await place());
    assert.equal(r.verdict, 'unknown');
    assert.equal(r.exitCode, 3);
    assert.match(r.nextStep, /could not read the kernel release \(proc\/sys\/kernel\/osrelease\)/);
    assert.doesNotMatch(r.nextStep, /not in the affected range/);
  });

  it('a 3.10 command line without cgroup.memory=nokmem and no mount table: unknown, naming it', async () => {
    const r = await run({ kubelet: 'nokmem', runc: 'nokmem', kubepodsKmem: false, without: ['proc/1/mountinfo'] });
    assert.equal(r.verdict, 'unknown');
    assert.deepEqual(r.missing, ['the mount table (proc/1/mountinfo)']);
    assert.doesNotMatch(r.nextStep, /kmem accounting is off at boot/);
  });

  it('no command line on a kernel that leaks: unknown; a kernel from 4.x needs nothing more', async () => {
    const r = await run({ kubelet: 'nokmem', kubepodsKmem: false, without: ['proc/cmdline'] });
    assert.equal(r.verdict, 'unknown');
    assert.match(r.nextStep, /the kernel command line \(proc\/cmdline\)/);
    const el9 = await run({ kernel: '5.14.0-362.el9.x86_64', without: ['proc/cmdline', 'proc/1/mountinfo'] });
    assert.equal(el9.verdict, 'ok');
  });

  it('the memory hierarchy not readable under the root: unknown', async () => {
    const r = await run({ kubelet: 'kmem', without: ['sys/fs/cgroup/memory'] });
    assert.equal(r.verdict, 'unknown');
    assert.match(r.nextStep, /the memory cgroup hierarchy \(sys\/fs\/cgroup\/memory\)/);
  });

  it('no kubelet on a node at risk: unknown, not ok', async () => {
    const r = await run({ runc: 'nokmem', kubepodsKmem: false });
    assert.equal(r.verdict, 'unknown');
    assert.match(r.nextStep, /the kubelet binary/);
  });
});

describe('cgroup.memory=nokmem, judged by the kernel release', () => {
  const flag = 'BOOT_IMAGE=/vmlinuz ro cgroup.memory=nokmem';
  it('on 3.10.0-957 the flag is unverified: kmem on kubepods shows it was ignored', async () => {
    const ignored = await run({
      kernel: '3.10.0-957.27.2.el7.x86_64',
      cmdline: flag,
      kubelet: 'kmem',
      runc: 'kmem',
      kubepodsKmem: true,
    });
    assert.deepEqual(ignored.bootFlag, { present: true, honoured: 'unverified' });
    assert.equal(ignored.verdict, 'install');
    assert.match(ignored.findings[0]!.message, /EL7 kernels before 3\.10\.0-1062\.4\.1\.el7 ignore it/);
    const took = await run({
      kernel: '3.10.0-957.27.2.el7.x86_64',
      cmdline: flag,
      kubelet: 'kmem',
      kubepodsKmem: false,
    });
    assert.equal(took.verdict, 'ok');
    assert.match(took.nextStep, /kubepods has no kmem accounting, so it took/);
    const noPods = await run({ kernel: '3.10.0-957.27.2.el7.x86_64', cmdline: flag, kubelet: 'kmem' });
    assert.equal(noPods.verdict, 'unknown');
    assert.match(noPods.nextStep, /a kubepods cgroup, to verify/);
  });

  it('on 3.10.0-1062.4.1 it is honoured', async () => {
    const r = await run({ kernel: '3.10.0-1062.4.1.el7.x86_64', cmdline: flag, kubelet: 'kmem', kubepodsKmem: true });
    assert.deepEqual(r.bootFlag, { present: true, honoured: 'yes' });
    assert.equal(r.verdict, 'ok');
  });
});

describe('IDs in use', () => {
  it('on RHEL 3.10 /proc/cgroups hides leaked IDs: live count only, headroom unknown', async () => {
    const r = await run({ kernelCgroups: 60_000, liveCgroups: 4, kubelet: 'kmem' });
    assert.equal(r.headroom, null);
    assert.ok(!r.findings.some((f) => /zombie|IDs in use$|% of the/.test(f.message)));
    assert.match(
      r.findings.find((f) => f.area === 'cgroups' && /live/.test(f.message))?.message ?? '',
      /IDs in use unknown/,
    );
  });
});

describe('binaries', () => {
  it('a kubelet not owned by root, or writable by others, is a finding and its state is unknown', async () => {
    for (const owner of [
      { uid: 65534, mode: 0o755 },
      { uid: 0, mode: 0o777 },
    ]) {
      const r = await run({ kubelet: 'nokmem', runc: 'nokmem', kubepodsKmem: false, kubeletOwner: owner });
      assert.equal(r.verdict, 'unknown', JSON.stringify(owner));
      const line = r.findings.find((f) => f.message.startsWith('kubelet '));
      assert.equal(line?.level, 'bad');
      assert.match(line?.message ?? '', owner.uid ? /owned by uid 65534, not root/ : /writable by others \(mode 777\)/);
      assert.equal(r.binaries.find((b) => b.role === 'kubelet')?.state, 'unknown');
    }
  });

  it('a kubelet whose file records no version: unknown, unless kubepods shows it switched kmem on', async () => {
    const unplaced = await run({ kubelet: 'kmem', runc: 'nokmem', kubepodsKmem: false, kubeletVersion: null });
    assert.equal(unplaced.verdict, 'unknown');
    assert.match(unplaced.nextStep, /nokmem verify PATH` on a machine with Docker/);
    const seen = await run({ kubelet: 'kmem', runc: 'nokmem', kubepodsKmem: true, kubeletVersion: null });
    assert.equal(seen.verdict, 'install');
    assert.equal(seen.binaries.find((b) => b.role === 'kubelet')?.state, 'kmem');
  });

  it('a runc the engine does not use is listed, not judged (runc-nokmem wired in as the default runtime)', async () => {
    const root = await node({ kubelet: 'nokmem', runc: 'kmem', kubepodsKmem: false });
    await mkdir(path.join(root, 'etc/docker'), { recursive: true });
    await writeFile(
      path.join(root, 'etc/docker/daemon.json'),
      JSON.stringify({ runtimes: { nokmem: { path: '/usr/libexec/runc-nokmem/runc' } }, 'default-runtime': 'nokmem' }),
    );
    await mkdir(path.join(root, 'usr/libexec/runc-nokmem'), { recursive: true });
    await writeFile(
      path.join(root, 'usr/libexec/runc-nokmem/runc'),
      'ELF... kernel memory accounting disabled in this runc build',
    );
    const r = assess(await readHostFacts(root), await place());
    assert.equal(r.verdict, 'ok', r.nextStep);
    assert.match(r.findings.find((f) => f.message.startsWith('runc /usr/bin/runc'))?.message ?? '', /not in use/);
    assert.deepEqual(
      r.binaries.map((b) => `${b.role} ${b.state}`),
      ['kubelet nokmem', 'runc-nokmem nokmem'],
    );
  });
});

describe('exhaustion', () => {
  it("counts the kubelet's mkdir failures under kubepods in /var/log/messages", async () => {
    const r = await run({
      kubelet: 'kmem',
      runc: 'kmem',
      kubepodsKmem: true,
      messages: [
        'Dec  6 10:00:01 n1 kubelet: E1206 pod_workers.go:186] mkdir /sys/fs/cgroup/memory/kubepods/burstable/pod1f2e: no space left on device',
        'Dec  6 10:00:02 n1 kubelet: E1206 ... mkdir /sys/fs/cgroup/memory/kubepods/pod99: cannot allocate memory',
        'Dec  6 10:00:03 n1 systemd: Started Session 5 of user root.',
      ],
    });
    assert.equal(r.facts.exhaustion?.errors, 2);
    assert.match(
      r.findings.find((f) => /exhaustion/.test(f.message))?.message ?? '',
      /^2 memory-cgroup exhaustion errors/,
    );
  });
});
