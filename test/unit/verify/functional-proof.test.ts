import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readTrace, runtimeConfig } from '../../../src/verify/functional-proof.ts';

describe('functional proof parsers', () => {
  it("the container's config names the host platform: runc rc3 refuses one without (target os mismatch)", () => {
    assert.deepEqual((runtimeConfig('/x', 1) as { platform: unknown }).platform, { os: 'linux', arch: 'amd64' });
  });

  it('reads a trace: kmem access, cgroup creation, limit', () => {
    const dir = '/sys/fs/cgroup/memory/x';
    const trace = [
      `12 mkdirat(AT_FDCWD, "${dir}", 0755) = 0`,
      `12 openat(AT_FDCWD, "${dir}/memory.kmem.limit_in_bytes", O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC, 0700) = 5`,
      '12 write(5, "1", 1) = 1',
      `12 openat(AT_FDCWD, "${dir}/memory.limit_in_bytes", O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC, 0700) = 5`,
    ].join('\n');
    const found = readTrace(trace, 'x');
    assert.equal(found.kmemAccess.length, 1);
    assert.ok(found.createdCgroup && found.setLimit);
    assert.equal(
      readTrace(
        trace
          .split('\n')
          .filter((l) => !l.includes('kmem'))
          .join('\n'),
        'x',
      ).kmemAccess.length,
      0,
    );
    // runc rc93 opens cgroup files with openat2 relative to the cgroup root
    const rc93 = readTrace(
      '7 openat2(3, "memory/x/memory.limit_in_bytes", {flags=O_WRONLY}, 24) = 9\n7 mkdirat(AT_FDCWD, "/sys/fs/cgroup/memory/x", 0755) = 0',
      'x',
    );
    assert.ok(rc93.setLimit && rc93.createdCgroup);
  });
});
