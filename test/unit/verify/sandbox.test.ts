import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import {
  SANDBOX_UNAVAILABLE,
  hostCannotSandbox,
  memoryCgroupMount,
  sandboxOptions,
  sandboxUnavailable,
} from '../../../src/verify/sandbox.ts';

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

  it('an EL7 kernel (3.10, no cgroup namespaces) skips the proof with the reason, never fails it', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'nokmem-sandbox-'));
    try {
      const mountinfo = path.join(dir, 'mountinfo');
      await writeFile(mountinfo, '34 25 0:30 / /sys/fs/cgroup/memory rw,relatime shared:8 - cgroup cgroup rw,memory\n');
      const el7 = { uid: 0, mountinfo, cgroupNamespace: path.join(dir, 'no-such-ns') };
      assert.match((await hostCannotSandbox('memory cgroups', el7)) ?? '', /no cgroup namespaces .*3\.10/);
      await writeFile(path.join(dir, 'cgroup'), '');
      assert.equal(
        await hostCannotSandbox('memory cgroups', { ...el7, cgroupNamespace: path.join(dir, 'cgroup') }),
        undefined,
      );
      assert.match((await hostCannotSandbox('memory cgroups', { ...el7, uid: 1000 })) ?? '', /needs root/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a Docker without --cgroupns (before 20.10) or a sandbox that cannot set itself up is a skip', () => {
    assert.match(
      sandboxUnavailable({ exitCode: 125, stdout: '', stderr: 'unknown flag: --cgroupns\nSee docker run --help.\n' }) ??
        '',
      /Docker 20\.10/,
    );
    assert.match(
      sandboxUnavailable({ exitCode: SANDBOX_UNAVAILABLE, stdout: '', stderr: 'no cgroup-v1 memory hierarchy\n' }) ??
        '',
      /could not be set up: no cgroup-v1 memory hierarchy/,
    );
    assert.equal(sandboxUnavailable({ exitCode: 1, stdout: '', stderr: 'boom' }), undefined);
    assert.equal(sandboxUnavailable({ exitCode: 125, stdout: '', stderr: 'image not found' }), undefined);
  });
});
