// How exhaustion shows in the node's logs (src/node/facts/kubelet-log.ts): the kubelet's failed mkdir of a pod's
// memory cgroup, counted across the logs that could be read under the root.

import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { countExhaustion, exhaustionErrors } from '../../../../src/node/facts/kubelet-log.ts';
import { removeTempDirs, tempDir } from '../../../helpers/steps.ts';

after(removeTempDirs);

const ENOSPC =
  'Dec  7 03:00:01 node1 kubelet: E1207 pod_workers.go:190] failed to create container: mkdir /sys/fs/cgroup/memory/kubepods/burstable/pod1234: no space left on device';
const ENOMEM =
  'Dec  7 03:00:02 node1 kubelet: E1207 mkdir /sys/fs/cgroup/memory/kubepods.slice/kubepods-pod99.slice: Cannot allocate memory';

describe('countExhaustion', () => {
  it("counts the kubelet's failed mkdir of a kubepods cgroup, ENOSPC or ENOMEM", () => {
    assert.equal(countExhaustion([ENOSPC, 'unrelated line', ENOMEM, ENOSPC].join('\n')), 3);
  });

  it('ignores a full disk outside kubepods, and other failures of kubepods', () => {
    assert.equal(countExhaustion('mkdir /var/lib/docker/tmp: no space left on device'), 0);
    assert.equal(countExhaustion('mkdir /sys/fs/cgroup/memory/kubepods/pod1: permission denied'), 0);
  });
});

describe('exhaustionErrors', () => {
  it('adds up every log it could read, and names them', async () => {
    const root = await tempDir('nokmem-klog-');
    await mkdir(path.join(root, 'var/log'), { recursive: true });
    await writeFile(path.join(root, 'var/log/messages'), `${ENOSPC}\n${ENOSPC}\n`);
    await writeFile(path.join(root, 'var/log/kubelet.log'), `${ENOMEM}\n`);
    assert.deepEqual(await exhaustionErrors(root), { errors: 3, logs: ['/var/log/messages', '/var/log/kubelet.log'] });
  });

  it('is undefined when no log could be read (unknown, not zero), and skips a directory where a log should be', async () => {
    const root = await tempDir('nokmem-klog-');
    assert.equal(await exhaustionErrors(root), undefined);
    await mkdir(path.join(root, 'var/log/messages'), { recursive: true });
    assert.equal(await exhaustionErrors(root), undefined);
    await writeFile(path.join(root, 'var/log/syslog'), 'nothing here\n');
    assert.deepEqual(await exhaustionErrors(root), { errors: 0, logs: ['/var/log/syslog'] });
  });
});
