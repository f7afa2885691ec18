// What a killed publish leaves inside the served repository (src/publish/leftovers.ts): the next publish removes
// what provably dead owners left, and nothing of a live owner or of one it cannot judge (another host or boot).

import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { execa } from 'execa';
import { currentOwner, ownerTag } from '../../../src/owner.ts';
import { linkName, partialName, stagingName, sweepDeadPublishes } from '../../../src/publish/leftovers.ts';

const roots: string[] = [];
after(() => Promise.all(roots.map((r) => rm(r, { recursive: true, force: true }))));

describe('sweepDeadPublishes', () => {
  it("removes dead publishes' staging, links and package copies; keeps a live one's and another host's", async () => {
    const repo = await mkdtemp(path.join(os.tmpdir(), 'leftovers-'));
    roots.push(repo);
    const me = currentOwner()!;
    const child = execa('true');
    await child;
    const deadPid = child.pid!;
    const dead = ownerTag({ ...me, pid: deadPid, start: '1' });
    const otherBoot = ownerTag({ ...me, pid: deadPid, start: '1', boot: '00000000-0000-4000-8000-000000000000' });
    await mkdir(path.join(repo, 'Packages'));
    for (const dir of [`.staging-${dead}`, `.staging-${otherBoot}`, `.staging-${deadPid}`, stagingName()])
      await mkdir(path.join(repo, dir, 'repodata'), { recursive: true });
    await mkdir(path.join(repo, `.staging-${process.pid}`));
    for (const file of [
      `.repodata-link-${dead}`,
      linkName(),
      'Packages/a-1-1.x86_64.rpm.partial',
      `Packages/b-1-1.x86_64.rpm.partial-${dead}`,
      partialName('Packages/c-1-1.x86_64.rpm'),
      'Packages/d-1-1.x86_64.rpm',
    ])
      await writeFile(path.join(repo, file), '');
    assert.deepEqual((await sweepDeadPublishes(repo)).sort(), [
      `.repodata-link-${dead}`,
      `.staging-${deadPid}`,
      `.staging-${dead}`,
      'Packages/a-1-1.x86_64.rpm.partial',
      `Packages/b-1-1.x86_64.rpm.partial-${dead}`,
    ]);
    assert.deepEqual(
      (await readdir(repo)).sort(),
      [linkName(), 'Packages', `.staging-${otherBoot}`, `.staging-${process.pid}`, stagingName()].sort(),
    );
    assert.deepEqual((await readdir(path.join(repo, 'Packages'))).sort(), [
      path.basename(partialName('Packages/c-1-1.x86_64.rpm')),
      'd-1-1.x86_64.rpm',
    ]);
  });
});
