// The signing key is checked before the long work, the passphrase never reaches a disk, and a run killed
// with SIGKILL leaves nothing the next run does not sweep away.

import assert from 'node:assert/strict';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { currentOwner, ownerLabelArgs } from '../../src/owner.ts';
import { ROOT, TEST_IMAGE, type Workbench, compiledCli, exists, nokmem, workbench } from '../helpers/cli.ts';
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

/** The containers (running or not) whose name starts with `prefix`. */
async function containersNamed(prefix: string): Promise<string[]> {
  const r = await execa('docker', ['ps', '--all', '--filter', `name=^/${prefix}`, '--format', '{{.Names}}']);
  return r.stdout.split('\n').filter(Boolean);
}

/** The host processes that run in the container with this id (by their cgroup). */
async function processesIn(id: string): Promise<string[]> {
  const r = await execa('sh', ['-c', 'grep -l "$1" /proc/[0-9]*/cgroup 2>/dev/null || true', 'sh', id]);
  return r.stdout.split('\n').filter(Boolean);
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
    // a dead run's container (its docker client lived on), and one of another host sharing the engine
    const me = currentOwner()!;
    const deadRun = `nokmem-${pid}-dead0001`;
    const otherHost = `nokmem-${pid}-0th3r001`;
    for (const [name, owner] of [
      [deadRun, { ...me, pid, start: '1' }],
      [otherHost, { ...me, pid, start: '1', boot: '00000000-0000-4000-8000-000000000000' }],
    ] as const)
      await execa(
        'docker',
        ['run', '--detach', '--name', name, ...ownerLabelArgs(owner), '--network', 'none'].concat([
          TEST_IMAGE,
          'sleep',
          '600',
        ]),
      );
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
    assert.deepEqual(await containersNamed(deadRun), [], "the dead run's container is still there");
    assert.deepEqual(await containersNamed(otherHost), [otherHost], "another host's container was removed");
    await execa('docker', ['rm', '--force', otherHost]);
  });

  it('kill -9 during sign and attest: within seconds no container of the run, no gpg-agent, no GNUPGHOME', async () => {
    const child = execa(
      'node',
      [
        compiledCli(),
        'build',
        '--runc',
        'v1.0.0-rc5',
        '--remote',
        wb.runc.url,
        '--out',
        wb.out('killed'),
        '--release',
        '7',
        ...wb.common,
      ],
      { cwd: ROOT, reject: false, env: { NOKMEM_BUILDER_IMAGE: '', ...signingEnv(key) } },
    );
    const prefix = `nokmem-${child.pid}-`;
    let log = '';
    child.stderr!.on('data', (chunk: Buffer) => (log += chunk.toString()));
    const deadline = Date.now() + 300_000;
    while (!/sign and attest \.\.\./.test(log)) {
      assert.ok(Date.now() < deadline, 'signing never started');
      assert.equal(child.exitCode, null, `nokmem ended before signing: ${log}`);
      await sleep(20);
    }
    // the packager container that holds the key, by id: what runs in it is found by its cgroup
    const ids = (
      await execa('docker', ['ps', '--no-trunc', '--filter', `name=${prefix}`, '--format', '{{.ID}}'])
    ).stdout
      .split('\n')
      .filter(Boolean);
    assert.equal(ids.length, 1, `the packager container of the run: ${ids.join(', ')}`);
    child.kill('SIGKILL');
    await child;
    const killedAt = Date.now();
    while ((await containersNamed(prefix)).length > 0 && Date.now() - killedAt < 10_000) await sleep(200);
    assert.deepEqual(await containersNamed(prefix), [], 'a container of the killed run is still there');
    // its gpg-agent included: a process of the container that outlived it would hold the key
    assert.deepEqual(await processesIn(ids[0]!), [], 'a process of the packager container lives on');
    // the GNUPGHOME was only ever on the container's tmpfs: nothing of it on the host
    assert.deepEqual(await filesNamed(`nokmem-gnupg-${child.pid}-*`, ['/dev/shm', wb.cache]), []);
    assert.deepEqual(await filesNamed('pubring.kbx', [wb.cache, '/dev/shm']), []);
    assert.deepEqual(await filesNamed('private-keys-v1.d', [wb.cache, '/dev/shm']), []);
  });

  it('a signed build never writes a file named passphrase', async () => {
    const out = wb.out('signed');
    const child = execa(
      'node',
      [compiledCli(), 'build', '--runc', 'v1.0.0-rc5', '--remote', wb.runc.url, '--out', out, ...wb.common],
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
