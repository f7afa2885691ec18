// Who owns what a run leaves (src/owner.ts): an owner is provably dead only on this boot and in this PID namespace,
// when no process has its pid or the one that has it started at another time. Anything else is left alone.

import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import {
  type Owner,
  currentOwner,
  ownerLabelArgs,
  ownerTag,
  parseOwnerTag,
  provablyDead,
  startTime,
} from '../../src/owner.ts';

/** A pid that certainly belonged to a process that has ended. */
async function deadPid(): Promise<number> {
  const child = execa('true');
  await child;
  return child.pid!;
}

describe('currentOwner', () => {
  it('is this process: its boot id, PID namespace, pid and start time, as /proc has them', async () => {
    const me = currentOwner()!;
    assert.equal(me.pid, process.pid);
    assert.match(me.boot, /^[0-9a-f-]{36}$/);
    assert.equal(me.boot, (await execa('cat', ['/proc/sys/kernel/random/boot_id'])).stdout.trim());
    assert.match(me.pidns, /^\d+$/);
    assert.equal(me.start, startTime(process.pid));
    assert.deepEqual(ownerLabelArgs(me), [
      '--label',
      `dev.nokmem.owner.boot=${me.boot}`,
      '--label',
      `dev.nokmem.owner.pidns=${me.pidns}`,
      '--label',
      `dev.nokmem.owner.pid=${me.pid}`,
      '--label',
      `dev.nokmem.owner.start=${me.start}`,
    ]);
    assert.deepEqual(parseOwnerTag(ownerTag(me)), me);
    assert.equal(parseOwnerTag(String(process.pid)), undefined, 'a bare pid names no owner');
  });
});

describe('startTime', () => {
  let proc: string;
  before(async () => {
    proc = await mkdtemp(path.join(os.tmpdir(), 'owner-proc-'));
  });
  after(() => rm(proc, { recursive: true, force: true }));

  it('reads field 22 of /proc/<pid>/stat, whatever the command name holds', async () => {
    await mkdir(path.join(proc, '42'));
    // a command name with spaces and parentheses: fields are counted after the last ")"
    await writeFile(
      path.join(proc, '42', 'stat'),
      '42 (a (b) c) S 1 42 42 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 1000 10 18446744073709551615\n',
    );
    assert.equal(startTime(42, proc), '987654');
    assert.equal(startTime(43, proc), undefined);
  });
});

describe('provablyDead', () => {
  const me = () => currentOwner()!;

  it('an owner whose pid no process has, on this boot and in this namespace', async () => {
    assert.equal(provablyDead({ ...me(), pid: await deadPid(), start: '1' }), true);
  });

  it('a pid reused by a process that started at another time', () => {
    // pid 1 is alive, but it did not start at tick 1 after this boot's start... unless it did: take its own time + 1
    const init: Owner = { ...me(), pid: 1, start: String(Number(startTime(1) ?? 0) + 1) };
    assert.equal(provablyDead(init), true);
    assert.equal(provablyDead({ ...me(), start: String(Number(me().start) + 1) }), true, 'this pid, another start');
  });

  it('never a live owner, nor one of another boot or PID namespace, nor one that cannot be judged', async () => {
    assert.equal(provablyDead(me()), false);
    assert.equal(provablyDead({ ...me(), pid: 1, start: startTime(1)! }), false);
    const dead = await deadPid();
    assert.equal(provablyDead({ ...me(), pid: dead, boot: '00000000-0000-0000-0000-000000000000' }), false);
    assert.equal(provablyDead({ ...me(), pid: dead, pidns: '1' }), false);
    // a live pid whose start time cannot be read (a /proc that hides it) is not judged
    assert.equal(provablyDead({ ...me(), pid: 1, start: '1' }, me(), '/nonexistent/proc'), false);
  });
});
