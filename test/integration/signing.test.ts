// The signing key is checked before the long work, the passphrase never reaches a disk, and a run killed
// with SIGKILL leaves nothing the next run does not sweep away.

import assert from 'node:assert/strict';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { ROOT, type Workbench, exists, nokmem, workbench } from '../helpers/cli.ts';
import { type TestKey, makeTestKey, publicKeyOf, signingEnv } from '../helpers/keys.ts';

let wb: Workbench;
let key: TestKey;

before(async () => {
  wb = await workbench((runc) => ({ runc: { 'v1.0.0-rc5': runc.tags['v1.0.0-rc5']! } }));
  key = await makeTestKey('nokmem signing test key', 'the right passphrase');
});

after(async () => wb?.cleanup());

/** A pid that certainly belonged to a process that has ended. */
async function deadPid(): Promise<number> {
  const child = execa('true');
  await child;
  return child.pid!;
}

async function filesNamed(name: string, roots: string[]): Promise<string[]> {
  const r = await execa('find', [...roots.filter(exists), '-name', name], { reject: false });
  return r.stdout.split('\n').filter(Boolean);
}

describe('signing key', () => {
  it('a wrong passphrase stops the build in the preflight, before any compile, with one line naming the fix', async () => {
    const out = wb.out('wrong-passphrase');
    const started = Date.now();
    const r = await nokmem(['build', '--runc', 'v1.0.0-rc5', '--remote', wb.runc.url, '--out', out, ...wb.common], {
      ...signingEnv(key),
      NOKMEM_SIGNING_PASSPHRASE: 'not the passphrase',
    });
    assert.equal(r.exitCode, 1, r.stderr);
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('nokmem: '));
    assert.deepEqual(errors, [
      'nokmem: error: NOKMEM_SIGNING_PASSPHRASE does not unlock the key in NOKMEM_SIGNING_KEY (or NOKMEM_SIGNING_KEY_FILE); set the right passphrase',
    ]);
    assert.doesNotMatch(r.stderr, /compile|make static|fetch source/);
    assert.ok(!r.stderr.includes('not the passphrase'));
    assert.ok(!exists(out), 'something was written to --out');
    assert.ok(Date.now() - started < 60_000, `took ${Date.now() - started} ms`);
  });

  it('a public key in NOKMEM_SIGNING_KEY: one line saying it holds no secret key, before any compile', async () => {
    const out = wb.out('public-key');
    const r = await nokmem(['build', '--runc', 'v1.0.0-rc5', '--remote', wb.runc.url, '--out', out, ...wb.common], {
      NOKMEM_SIGNING_KEY: await publicKeyOf(key),
    });
    assert.equal(r.exitCode, 1, r.stderr);
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('nokmem: '));
    assert.deepEqual(errors, [
      'nokmem: error: NOKMEM_SIGNING_KEY (or NOKMEM_SIGNING_KEY_FILE) holds no secret key, only a public one; give the armored PRIVATE key (gpg --export-secret-keys --armor)',
    ]);
    assert.doesNotMatch(r.stderr, /compile|exited 0/);
    assert.ok(!exists(out), 'something was written to --out');
  });

  it('the next run removes the workspace of a run that died, with its GNUPGHOME and passphrase', async () => {
    const pid = await deadPid();
    const leftover = path.join(wb.cache, 'work', `runc-v1.0.0-rc5-${pid}-aB3dE9`);
    await mkdir(path.join(leftover, '.gnupg-x1Y2z3'), { recursive: true });
    await writeFile(path.join(leftover, '.gnupg-x1Y2z3', 'passphrase'), 'secret');
    const shm = path.join('/dev/shm', `nokmem-gnupg-${pid}-Zz9Yy8`);
    await mkdir(shm, { recursive: true });
    await writeFile(path.join(shm, 'pubring.kbx'), '');
    const alive = path.join(wb.cache, 'work', `runc-v1.0.0-rc5-${process.pid}-aB3dE9`);
    await mkdir(alive, { recursive: true });
    const r = await nokmem(
      ['build', '--runc', 'v1.0.0-rc5', '--remote', wb.runc.url, '--out', wb.out('sweep'), ...wb.common],
      { ...signingEnv(key), NOKMEM_SIGNING_PASSPHRASE: 'not the passphrase' },
    );
    assert.equal(r.exitCode, 1, r.stderr);
    assert.ok(!exists(leftover), "the dead run's workspace is still there");
    assert.ok(!exists(shm), "the dead run's GNUPGHOME is still there");
    assert.ok(exists(alive), 'the workspace of a live process was removed');
    assert.deepEqual(await readdir(path.join(wb.cache, 'work')), [path.basename(alive)]);
  });

  it('a signed build never writes a file named passphrase', async () => {
    const out = wb.out('signed');
    const child = execa(
      'node',
      [
        '--import',
        'tsx',
        path.join(ROOT, 'src/cli.ts'),
        'build',
        '--runc',
        'v1.0.0-rc5',
        '--remote',
        wb.runc.url,
        '--out',
        out,
        ...wb.common,
      ],
      {
        cwd: ROOT,
        reject: false,
        env: { NOKMEM_BUILDER_IMAGE: '', ...signingEnv(key) },
      },
    );
    const seen = new Set<string>();
    while (child.exitCode === null) {
      for (const f of await filesNamed('passphrase', [path.join(wb.cache, 'work'), '/dev/shm'])) seen.add(f);
      await sleep(100);
    }
    const r = await child;
    assert.equal(r.exitCode, 0, String(r.stderr));
    assert.deepEqual([...seen], []);
    assert.ok((await readdir(path.join(out, 'runc-v1.0.0-rc5'))).some((f) => f.endsWith('.rpm')));
  });
});
