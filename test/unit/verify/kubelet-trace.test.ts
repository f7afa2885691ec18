import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type KubeletRun,
  type ProofContext,
  kubeletVerdict,
  logTail,
  readKubeletTrace,
  readResult,
} from '../../../src/verify/kubelet-trace.ts';

const ROOT = '/sys/fs/cgroup/memory/nokmem-kubelet-1';
const KUBEPODS = `${ROOT}/kubepods`;
const POD = `${KUBEPODS}/podc75d584cedaf1c89dba4dae4f8e60d63`;

// The shape `strace -f -qq -y -s 256` gives (measured with the real kubelet v1.20.2).
const created = [
  `162   mkdirat(AT_FDCWD</tmp>, "${KUBEPODS}", 0755) = 0`,
  `159   mkdirat(AT_FDCWD</tmp>, "${POD}", 0755) = 0`,
  `159   openat(AT_FDCWD</tmp>, "${POD}/memory.limit_in_bytes", O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC, 0700) = 37</sys/fs/cgroup/memory/x>`,
  `212   openat(AT_FDCWD</tmp>, "${ROOT}/memory.kmem.usage_in_bytes", O_RDONLY|O_CLOEXEC) = 31<${ROOT}/memory.kmem.usage_in_bytes>`,
  `161   <... openat resumed>)             = 28<${ROOT}/memory.kmem.tcp.limit_in_bytes>`,
  `149   write(2</scratch/kubelet.log>, "E1206 failed to write 1 to memory.kmem.limit_in_bytes\\n", 55) = 55`,
];
const kmem = [
  `162   openat(AT_FDCWD</tmp>, "${KUBEPODS}/memory.kmem.limit_in_bytes", O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC, 0700) = 30<${KUBEPODS}/memory.kmem.limit_in_bytes>`,
  `162   write(30<${KUBEPODS}/memory.kmem.limit_in_bytes>, "1", 1) = 1`,
  `159   openat(AT_FDCWD</tmp>, "${POD}/memory.kmem.limit_in_bytes", O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC, 0700 <unfinished ...>`,
  `159   <... openat resumed>) = 41<${POD}/memory.kmem.limit_in_bytes>`,
  `159   write(41<${POD}/memory.kmem.limit_in_bytes>, "-1", 2) = 2`,
];

const reached: KubeletRun = {
  outcome: 'reached',
  kubepods: KUBEPODS,
  pod: POD,
  withKmemFile: [KUBEPODS, POD],
  left: [],
};
const context: ProofContext = {
  seconds: 90,
  kubeletLog: 'I1206 started\nE1206 23:58:24.2 kubelet.go:1826] skipping pod synchronization\nI1206 later\n',
  containerdLog: 'time="x" level=fatal msg="no config"\n',
  sandbox: { exitCode: 0, stderr: '' },
};

describe('kubelet runtime proof: the trace', () => {
  it('counts opens of memory.kmem.* for writing and writes to them, never reads or log lines', () => {
    const clean = readKubeletTrace(created.join('\n'));
    assert.deepEqual(clean.kmemWrites, []);
    assert.deepEqual([...clean.created], [KUBEPODS, POD]);
    assert.equal(clean.syscalls, 5, 'the resumed line is no call of its own');
    const dirty = readKubeletTrace([...created, ...kmem].join('\n'));
    assert.equal(dirty.kmemWrites.length, 4);
    assert.deepEqual(
      [...dirty.kmemFiles],
      [`${KUBEPODS}/memory.kmem.limit_in_bytes`, `${POD}/memory.kmem.limit_in_bytes`],
    );
  });

  it('resolves openat2 relative to its directory descriptor (runc rc93 opens cgroup files so)', () => {
    const t = readKubeletTrace(
      '7 openat2(3</sys/fs/cgroup>, "memory/x/memory.kmem.limit_in_bytes", {flags=O_WRONLY|O_CLOEXEC, mode=0}, 24) = 9',
    );
    assert.deepEqual([...t.kmemFiles], ['/sys/fs/cgroup/memory/x/memory.kmem.limit_in_bytes']);
  });

  it('a failed mkdir created nothing', () => {
    const t = readKubeletTrace(`1 mkdirat(AT_FDCWD</tmp>, "${KUBEPODS}", 0755) = -1 EEXIST (File exists)`);
    assert.equal(t.created.size, 0);
  });

  it('reads the sandbox result file', () => {
    const run = readResult(
      `outcome reached\nkubepods ${KUBEPODS}\npod ${POD}\nkmem-file ${KUBEPODS}\nkmem-file ${POD}\nleft /sys/fs/cgroup/cpu/x\n`,
    );
    assert.deepEqual(run, { ...reached, left: ['/sys/fs/cgroup/cpu/x'] });
    assert.equal(readResult('').outcome, 'unknown');
    assert.equal(readResult('outcome bogus\n').outcome, 'unknown');
  });

  it('the log tail prefers klog error lines and shortens them', () => {
    assert.equal(logTail(context.kubeletLog), 'E1206 23:58:24.2 kubelet.go:1826] skipping pod synchronization');
    assert.equal(logTail('a\nb\nc\n'), 'b | c');
    assert.ok(logTail(`E1206 ${'x'.repeat(500)}`).endsWith('…'));
  });
});

describe('kubelet runtime proof: the verdict', () => {
  it('passes a run that made kubepods and the pod cgroup, with the kmem file in both, and never wrote it', () => {
    const check = kubeletVerdict(reached, readKubeletTrace(created.join('\n')), context);
    assert.equal(check.status, 'pass', check.detail);
    assert.match(check.detail, /created kubepods and kubepods\/podc75d584cedaf1c89dba4dae4f8e60d63/);
    assert.match(check.detail, /none of 5 traced file syscalls/);
  });

  it('fails any kmem write, naming the files, even when the run got nowhere else', () => {
    const trace = readKubeletTrace([...created, ...kmem].join('\n'));
    const check = kubeletVerdict(reached, trace, context);
    assert.equal(check.status, 'fail');
    assert.equal(
      check.detail,
      'the kubelet enabled kernel-memory accounting: 2 opens of memory.kmem.* for writing (kubepods/memory.kmem.limit_in_bytes, kubepods/podc75d584cedaf1c89dba4dae4f8e60d63/memory.kmem.limit_in_bytes)',
    );
    assert.equal(kubeletVerdict({ ...reached, outcome: 'timeout' }, trace, context).status, 'fail');
  });

  it('a run that never got to the pod cgroup is inconclusive, with the last kubelet log lines', () => {
    const trace = readKubeletTrace(created.slice(0, 1).join('\n'));
    const timeout = kubeletVerdict({ ...reached, outcome: 'timeout', pod: undefined }, trace, context);
    assert.equal(timeout.status, 'fail');
    assert.match(
      timeout.detail,
      /^inconclusive: the kubelet did not create the pod cgroup with its memory limit within 90s: E1206 .*skipping pod synchronization$/,
    );
    const exited = kubeletVerdict({ ...reached, outcome: 'exited', pod: undefined }, trace, context);
    assert.match(exited.detail, /^inconclusive: the kubelet exited before it created the pod cgroup: E1206/);
    const containerd = kubeletVerdict({ outcome: 'containerd', withKmemFile: [], left: [] }, trace, context);
    assert.match(containerd.detail, /^inconclusive: the private containerd did not start: time="x" level=fatal/);
    const none = kubeletVerdict(readResult(''), trace, { ...context, sandbox: { exitCode: 137, stderr: 'killed\n' } });
    assert.match(none.detail, /^inconclusive: the sandbox ended without a result \(exit 137: killed\)/);
  });

  it('a pod cgroup the trace does not show the kubelet making is inconclusive', () => {
    const check = kubeletVerdict(reached, readKubeletTrace(created.slice(2).join('\n')), context);
    assert.equal(check.status, 'fail');
    assert.match(check.detail, /^inconclusive: the trace shows no mkdir of kubepods, kubepods\/pod/);
  });

  it('is skipped, never passed, where the kernel has no memory.kmem.limit_in_bytes', () => {
    const check = kubeletVerdict(
      { ...reached, withKmemFile: [KUBEPODS] },
      readKubeletTrace(created.join('\n')),
      context,
    );
    assert.equal(check.status, 'skipped');
    assert.match(check.detail, /no memory\.kmem\.limit_in_bytes in kubepods\/pod.*proves nothing/);
  });

  it('says which cgroups it could not remove', () => {
    const check = kubeletVerdict(
      { ...reached, left: ['/sys/fs/cgroup/cpu/x'] },
      readKubeletTrace(created.join('\n')),
      context,
    );
    assert.match(check.detail, /; could not remove \/sys\/fs\/cgroup\/cpu\/x$/);
  });
});
