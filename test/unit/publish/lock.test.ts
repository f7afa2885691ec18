// The publish lock: publishers started on the same millisecond never hold it together, and a dead owner's lock
// is taken over.

import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { acquireLock } from '../../../src/publish/lock.ts';

const HOLDER = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../helpers/lock-holder.ts');
let dir: string;

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'nokmem-lock-'));
});
after(async () => rm(dir, { recursive: true, force: true }));

async function deadPid(): Promise<number> {
  const child = await execa('sh', ['-c', 'echo $$']);
  return Number(child.stdout.trim());
}

describe('publish lock', () => {
  it('8 publishers started at once: never two inside, no increment lost', async () => {
    const lock = path.join(dir, 'race.lock');
    const log = path.join(dir, 'race.log');
    const counter = path.join(dir, 'race.counter');
    await writeFile(log, '');
    await writeFile(counter, '0');
    const rounds = 5;
    // Children load tsx first; start them all on the same future millisecond.
    const startAt = Date.now() + 4000;
    const children = Array.from({ length: 8 }, () =>
      execa('node', ['--import', 'tsx', HOLDER, lock, log, counter, String(rounds), String(startAt)], {
        reject: false,
      }),
    );
    for (const r of await Promise.all(children)) assert.equal(r.exitCode, 0, r.stderr);
    const lines = (await readFile(log, 'utf8')).trim().split('\n');
    assert.equal(lines.length, 8 * rounds * 2);
    for (let i = 0; i < lines.length; i += 2) {
      const [enter, exit] = [lines[i]!.split(' '), lines[i + 1]!.split(' ')];
      assert.deepEqual(
        [enter[0], exit[0], exit[1]],
        ['enter', 'exit', enter[1]],
        `holder ${enter[1]} was not alone at line ${i + 1}: ${lines.slice(i, i + 4).join(' | ')}`,
      );
    }
    assert.equal(Number(await readFile(counter, 'utf8')), 8 * rounds);
    assert.deepEqual(
      (await readdir(dir)).filter((f) => f.startsWith('race.lock')),
      [],
      'no lock or temporary file left',
    );
  });

  it("takes over a dead owner's lock, and an empty one left by an older nokmem", async () => {
    for (const content of [`${await deadPid()} old-token\n`, '']) {
      const lock = path.join(dir, 'dead.lock');
      await writeFile(lock, content);
      const release = await acquireLock(lock, { waitMs: 1000, pollMs: 10 });
      assert.match(await readFile(lock, 'utf8'), new RegExp(`^${process.pid} `));
      await release();
      assert.deepEqual(
        (await readdir(dir)).filter((f) => f.startsWith('dead.lock')),
        [],
      );
    }
  });

  it('a live owner is waited for, then named', async () => {
    const lock = path.join(dir, 'live.lock');
    await writeFile(lock, `${process.ppid} someone-else\n`);
    await assert.rejects(
      acquireLock(lock, { waitMs: 50, pollMs: 10 }),
      new RegExp(`another publish \\(pid ${process.ppid}\\) holds ${lock}`),
    );
    assert.equal(await readFile(lock, 'utf8'), `${process.ppid} someone-else\n`);
  });
});
