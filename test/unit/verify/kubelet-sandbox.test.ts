import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { execa } from 'execa';
import {
  FAKE_SYSCTLS,
  KUBELET_PROOF_SCRIPT,
  LAYOUT,
  POD_MEMORY_LIMIT,
  containerdConfig,
  kubeletFlags,
  staticPod,
  unsupportedKubelet,
} from '../../../src/verify/kubelet-sandbox.ts';

describe('kubelet runtime proof: what runs in the sandbox', () => {
  it('runs kubelets that speak CRI v1alpha2 or later; 1.8 and 1.9 (v1alpha1) are skipped with the reason', () => {
    for (const tag of ['v1.10.0', 'v1.12.3', 'v1.13.7', 'v1.20.2', 'v1.21.1'])
      assert.equal(unsupportedKubelet(tag), undefined);
    for (const tag of ['v1.8.15', 'v1.9.0', 'v1.9.11'])
      assert.match(unsupportedKubelet(tag) ?? '', /speaks only CRI v1alpha1, which containerd 1\.6 .* does not serve/);
  });

  it('the kubelet is a standalone node: static pod, its own cgroup root, the private containerd, no host sysctl writes', () => {
    const flags = kubeletFlags('v1.12.3', 'nokmem-kubelet-ab');
    assert.deepEqual(flags, [
      '--container-runtime=remote',
      '--container-runtime-endpoint=unix:///scratch/containerd/containerd.sock',
      '--pod-manifest-path=/scratch/manifests',
      '--cgroups-per-qos=true',
      '--cgroup-driver=cgroupfs',
      '--cgroup-root=/nokmem-kubelet-ab',
      '--fail-swap-on=false',
      '--root-dir=/scratch/kubelet',
      '--cert-dir=/scratch/kubelet/pki',
      '--protect-kernel-defaults=true',
      '--hostname-override=nokmem-proof',
    ]);
    assert.ok(!flags.some((f) => /kubeconfig|docker/.test(f)), 'no API server, no Docker socket');
    assert.deepEqual(kubeletFlags('v1.20.2', 'x'), kubeletFlags('v1.12.3', 'x'));
    // --container-runtime was removed in 1.27: only the endpoint names the runtime there
    assert.ok(!kubeletFlags('v1.27.0', 'x').includes('--container-runtime=remote'));
  });

  it('containerd keeps everything in the scratch directory and listens on no TCP port', () => {
    const config = containerdConfig();
    assert.match(config, /^version = 2$/m);
    assert.match(config, /^root = "\/scratch\/containerd\/root"$/m);
    assert.match(config, /^state = "\/scratch\/containerd\/state"$/m);
    assert.match(config, new RegExp(`^  address = "${LAYOUT.socket}"$`, 'm'));
    assert.match(config, /disable_tcp_service = true/);
    assert.match(config, /snapshotter = "native"/);
    assert.ok(
      [...config.matchAll(/"(\/[^"]*)"/g)].every(([, p]) => p!.startsWith('/scratch/')),
      'no path outside the scratch directory',
    );
  });

  it('the static pod is Guaranteed, host network, with the memory limit the script waits for', () => {
    const pod = JSON.parse(staticPod());
    assert.equal(pod.kind, 'Pod');
    assert.equal(pod.spec.hostNetwork, true);
    const limits = pod.spec.containers[0].resources.limits;
    assert.deepEqual(limits, { cpu: '100m', memory: '64Mi' });
    assert.equal(POD_MEMORY_LIMIT, 64 * 1024 * 1024);
    assert.equal(pod.spec.containers[0].resources.requests, undefined, 'requests default to limits: Guaranteed');
  });

  it("stands in for the kubelet's host-wide kernel settings with the values it wants", () => {
    assert.deepEqual(Object.keys(FAKE_SYSCTLS).sort(), [
      'kernel/keys/root_maxbytes',
      'kernel/keys/root_maxkeys',
      'kernel/panic',
      'kernel/panic_on_oops',
      'vm/overcommit_memory',
      'vm/panic_on_oom',
    ]);
    assert.equal(FAKE_SYSCTLS['vm/overcommit_memory'], '1');
    assert.match(KUBELET_PROOF_SCRIPT, /mount --bind "\$file" "\/proc\/sys\/\$key" && mount -o remount,bind,ro/);
  });

  it('the script is valid sh, stops at the pod cgroup, and removes what the kubelet made', async () => {
    await execa('sh', ['-n', '-c', KUBELET_PROOF_SCRIPT]);
    assert.match(KUBELET_PROOF_SCRIPT, /\[ "\$\(cat "\$dir\/memory.limit_in_bytes"\)" = "\$limit" \] && pod=\$dir/);
    assert.match(KUBELET_PROOF_SCRIPT, /find "\$h\/\$name" -depth -type d -exec rmdir/);
    assert.match(KUBELET_PROOF_SCRIPT, /umount "\$m"/);
    assert.match(KUBELET_PROOF_SCRIPT, /-e trace=open,openat,openat2,creat,mkdir,mkdirat,write /);
  });
});
