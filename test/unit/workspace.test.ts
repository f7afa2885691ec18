// Workspaces named after the process that owns them (src/workspace.ts): a run removes what dead runs left in
// <cache>/work and in the GNUPGHOME parent, and never touches a live run's or a name it did not make.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { GNUPG_PREFIX, gnupgParent } from '../../src/signing.ts';
import { alive, newWorkspace, ownerOf, sweepDeadWorkspaces } from '../../src/workspace.ts';

let root = '';
before(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'nokmem-workspace-'));
});
after(() => rm(root, { recursive: true, force: true }));

/** The pid of a process that has exited. */
async function deadPid(): Promise<number> {
  return Number((await execa('sh', ['-c', 'echo $$'])).stdout.trim());
}

describe('ownerOf', () => {
  it('reads the pid from <label>-<pid>-XXXXXX, and nothing from other names', () => {
    assert.equal(ownerOf('build-runc-4242-a1B2c3'), 4242);
    assert.equal(ownerOf(`${GNUPG_PREFIX}77-Zz09aa`), 77);
    assert.equal(ownerOf('build-runc-4242'), undefined);
    assert.equal(ownerOf('notes.txt'), undefined);
    assert.equal(ownerOf('x-12-abcde'), undefined, 'mkdtemp adds six characters');
  });
});

describe('alive', () => {
  it('is true for this process, and false for one that has exited', async () => {
    assert.ok(alive(process.pid));
    assert.ok(!alive(await deadPid()));
  });
});

describe('sweepDeadWorkspaces', () => {
  it("removes dead runs' workspaces and keeps this run's, a live run's and foreign names", async () => {
    const cache = await mkdtemp(path.join(root, 'cache-'));
    const work = path.join(cache, 'work');
    const dead = await deadPid();
    const names = {
      dead: `build-runc-${dead}-aaaaaa`,
      mine: `build-runc-${process.pid}-bbbbbb`,
      live: `build-runc-${process.ppid}-cccccc`,
      foreign: 'kept-by-hand',
    };
    for (const name of Object.values(names)) await mkdir(path.join(work, name, 'tree'), { recursive: true });
    const removed = await sweepDeadWorkspaces(cache);
    assert.ok(removed.includes(names.dead));
    assert.deepEqual((await readdir(work)).sort(), [names.foreign, names.live, names.mine].sort());
  });

  it("removes a dead run's private GNUPGHOME, where they are made", async () => {
    const cache = await mkdtemp(path.join(root, 'cache-'));
    const work = path.join(cache, 'work');
    await mkdir(work, { recursive: true });
    const parent = gnupgParent(work);
    const home = path.join(
      parent,
      `${GNUPG_PREFIX}${await deadPid()}-t${String(process.pid).slice(-5).padStart(5, '0')}`,
    );
    const other = path.join(parent, `not-nokmem-${await deadPid()}-abcdef`);
    try {
      await mkdir(home);
      await mkdir(other);
      const removed = await sweepDeadWorkspaces(cache);
      assert.ok(removed.includes(path.basename(home)));
      assert.ok(!existsSync(home));
      assert.ok(existsSync(other), 'only names with the GnuPG prefix are swept there');
    } finally {
      await rm(home, { recursive: true, force: true });
      await rm(other, { recursive: true, force: true });
    }
  });

  it('a cache without work/ has nothing to sweep', async () => {
    assert.deepEqual(await sweepDeadWorkspaces(path.join(root, 'never-made')), []);
  });
});

describe('newWorkspace', () => {
  it("makes <cache>/work/<label>-<pid>-XXXXXX, after sweeping dead runs' ones", async () => {
    const cache = await mkdtemp(path.join(root, 'cache-'));
    const stale = path.join(cache, 'work', `build-${await deadPid()}-zzzzzz`);
    await mkdir(stale, { recursive: true });
    const dir = await newWorkspace(cache, 'build');
    assert.equal(path.dirname(dir), path.join(cache, 'work'));
    assert.equal(ownerOf(path.basename(dir)), process.pid);
    assert.ok(path.basename(dir).startsWith('build-'));
    assert.ok(existsSync(dir));
    assert.ok(!existsSync(stale));
  });
});
