import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { memoryCgroupMount, sandboxOptions, toolsIn } from '../../../src/verify/sandbox.ts';
import { FakeDocker } from '../../helpers/fakes.ts';

describe('the proofs sandbox', () => {
  it('finds the cgroup-v1 memory mount and ignores cgroup2', () => {
    const mountinfo = [
      '30 25 0:26 / /sys/fs/cgroup/unified rw,relatime shared:4 - cgroup2 cgroup2 rw',
      '34 25 0:30 / /sys/fs/cgroup/memory rw,relatime shared:8 - cgroup cgroup rw,memory',
    ].join('\n');
    assert.equal(memoryCgroupMount(mountinfo), '/sys/fs/cgroup/memory');
    assert.equal(memoryCgroupMount(mountinfo.split('\n')[0] ?? ''), undefined);
  });

  it('drops every capability but the ones asked for, and limits pids and memory', () => {
    const options = sandboxOptions(['SYS_PTRACE'], { pids: 64, memory: '128m' });
    assert.deepEqual(options.slice(0, 4), ['--cap-drop', 'ALL', '--cap-add', 'SYS_PTRACE']);
    assert.ok(!options.includes('SYS_ADMIN'));
    assert.deepEqual(options.slice(options.indexOf('--pids-limit'), options.indexOf('--pids-limit') + 2), [
      '--pids-limit',
      '64',
    ]);
    assert.ok(options.join(' ').includes('--cgroupns private'));
    assert.ok(options.join(' ').includes('--memory 128m'));
  });

  it('finds the tools in the image, and none where the image has no shell', async () => {
    const docker = new FakeDocker({
      containers: [{ result: { stdout: 'strace /usr/bin/strace\ncontainerd \n' } }],
    });
    assert.deepEqual(await toolsIn(docker, 'img', ['strace', 'containerd']), {
      strace: '/usr/bin/strace',
      containerd: undefined,
    });
    const shell = new FakeDocker({ containers: [{ result: { exitCode: 127, stdout: 'strace /usr/bin/strace\n' } }] });
    assert.deepEqual(await toolsIn(shell, 'img', ['strace']), { strace: undefined });
  });
});
