import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import type { ContainerRun } from '../../../src/docker.ts';
import { KUBELET_PROOF, kubeletProof } from '../../../src/verify/kubelet-proof.ts';
import { FakeDocker } from '../../helpers/fakes.ts';
import { tempDir } from '../../helpers/tmp.ts';

const cgroupV1 = async () => undefined;
const KUBEPODS = '/sys/fs/cgroup/memory/nokmem-kubelet-x/kubepods';
const POD = `${KUBEPODS}/pod0123`;

/** A sandbox run that leaves what a real one leaves in the scratch directory. */
function sandboxLeaving(files: Record<string, string>, exitCode = 0) {
  return async (spec: ContainerRun) => {
    const scratch = spec.mounts.find((m) => m.container === '/scratch')!.host;
    for (const [name, text] of Object.entries(files)) await writeFile(path.join(scratch, name), text);
    return { exitCode };
  };
}

const RESULT = `outcome reached\nkubepods ${KUBEPODS}\npod ${POD}\nkmem-file ${KUBEPODS}\nkmem-file ${POD}\n`;
const TRACE = [
  `10 mkdirat(AT_FDCWD</tmp>, "${KUBEPODS}", 0755) = 0`,
  `10 mkdirat(AT_FDCWD</tmp>, "${POD}", 0755) = 0`,
  `10 openat(AT_FDCWD</tmp>, "${POD}/memory.limit_in_bytes", O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC, 0700) = 3`,
].join('\n');

describe('kubelet runtime proof: plumbing', () => {
  let scratchRoot: string;
  before(async () => {
    scratchRoot = await tempDir('nokmem-kproof-unit-');
  });

  it('runs the kubelet in an isolated sandbox as root, the binary read-only, and removes the scratch directory', async () => {
    const docker = new FakeDocker({
      containers: [{ result: sandboxLeaving({ result: RESULT, 'trace.txt': TRACE, 'kubelet.log': '' }) }],
    });
    const check = await kubeletProof('/bin/kubelet', 'v1.12.3', {
      docker,
      image: 'img',
      scratchRoot,
      hostCannot: cgroupV1,
    });
    assert.equal(check.status, 'pass', check.detail);
    assert.equal(check.name, KUBELET_PROOF);
    const [run] = docker.runs;
    assert.equal(docker.runs.length, 1, 'one container: the tools are looked up in the run itself');
    assert.equal(run!.isolated, true);
    assert.equal(run!.user, '0:0');
    assert.deepEqual(run!.mounts[0], { host: '/bin/kubelet', container: '/probe/kubelet', readOnly: true });
    assert.ok(run!.options!.includes('--cgroupns'));
    assert.ok(!run!.options!.includes('NET_ADMIN') && !run!.options!.includes('SYS_RESOURCE'));
    assert.ok(run!.command.includes('--container-runtime=remote'));
    assert.ok(run!.command.includes(String(64 * 1024 * 1024)));
    assert.deepEqual(await readdir(scratchRoot), [], 'the scratch directory is removed');
  });

  it('writes the static pod and the containerd config into the scratch directory before the run', async () => {
    let seen: { pod: string; config: string } | undefined;
    const docker = new FakeDocker({
      containers: [
        {
          result: async (spec) => {
            const scratch = spec.mounts.find((m) => m.container === '/scratch')!.host;
            seen = {
              pod: await readFile(path.join(scratch, 'manifests/nokmem-proof.json'), 'utf8'),
              config: await readFile(path.join(scratch, 'containerd.toml'), 'utf8'),
            };
            return { exitCode: 0 };
          },
        },
      ],
    });
    const check = await kubeletProof('/bin/kubelet', 'v1.20.2', {
      docker,
      image: 'img',
      scratchRoot,
      hostCannot: cgroupV1,
    });
    assert.match(seen!.pod, /"memory": "64Mi"/);
    assert.match(seen!.config, /^root = "\/scratch\/containerd\/root"$/m);
    assert.equal(check.status, 'fail');
    assert.match(check.detail, /^inconclusive: the sandbox ended without a result/);
  });

  it('fails a kubelet that wrote memory.kmem.limit_in_bytes', async () => {
    const docker = new FakeDocker({
      containers: [
        {
          result: sandboxLeaving({
            result: RESULT,
            'trace.txt': `${TRACE}\n10 openat(AT_FDCWD</tmp>, "${POD}/memory.kmem.limit_in_bytes", O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC, 0700) = 3`,
          }),
        },
      ],
    });
    const check = await kubeletProof('/bin/kubelet', 'v1.20.2', {
      docker,
      image: 'img',
      scratchRoot,
      hostCannot: cgroupV1,
    });
    assert.equal(check.status, 'fail');
    assert.match(
      check.detail,
      /^the kubelet enabled kernel-memory accounting: 1 opens .*pod0123\/memory\.kmem\.limit_in_bytes/,
    );
  });

  it('is skipped, without a container, for 1.9 (CRI v1alpha1) and where the host has no cgroup v1 or no root', async () => {
    const docker = new FakeDocker({ containers: [] });
    const old = await kubeletProof('/bin/kubelet', 'v1.9.3', {
      docker,
      image: 'img',
      scratchRoot,
      hostCannot: cgroupV1,
    });
    assert.equal(old.status, 'skipped');
    const v2 = await kubeletProof('/bin/kubelet', 'v1.20.2', {
      docker,
      image: 'img',
      scratchRoot,
      hostCannot: async () => 'this host has no cgroup-v1 memory controller',
    });
    assert.deepEqual(v2, {
      name: KUBELET_PROOF,
      status: 'skipped',
      detail: 'this host has no cgroup-v1 memory controller',
    });
    assert.equal(docker.runs.length, 0);
  });

  it('an image without containerd fails with the fix; a sandbox that cannot be set up is skipped with the reason', async () => {
    const missing = new FakeDocker({ containers: [{ result: { exitCode: 95, stderr: 'containerd\n' } }] });
    const check = await kubeletProof('/bin/kubelet', 'v1.20.2', {
      docker: missing,
      image: 'old',
      scratchRoot,
      hostCannot: cgroupV1,
    });
    assert.equal(check.status, 'fail');
    assert.match(
      check.detail,
      /^old has no containerd, so the proof cannot run; rebuild it with `nokmem builder-image --offline`/,
    );
    const unavailable = new FakeDocker({
      containers: [
        { result: { exitCode: 96, stderr: 'cannot remount the cgroup hierarchies writable: /sys/fs/cgroup/cpu\n' } },
      ],
    });
    const skip = await kubeletProof('/bin/kubelet', 'v1.20.2', {
      docker: unavailable,
      image: 'img',
      scratchRoot,
      hostCannot: cgroupV1,
    });
    assert.equal(skip.status, 'skipped');
    assert.match(skip.detail, /cannot remount the cgroup hierarchies writable/);
    assert.ok(existsSync(scratchRoot) && (await readdir(scratchRoot)).length === 0);
  });
});
