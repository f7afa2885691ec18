// `publish` (src/publish/index.ts) with a fake Docker engine: bad inputs stop before any container, and a package
// that fails verification stops the run with nothing published and nothing left behind (the key's scratch
// directory removed, the packager container closed). test/integration/publish.test.ts publishes real packages.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { InputError, VerificationFailed } from '../../../src/errors.ts';
import { silentLogger } from '../../../src/log.ts';
import { type PublishRequest, publish } from '../../../src/publish/index.ts';
import { DEFAULT_SPECS_DIR, type VersionTable, loadVersionTable } from '../../../src/specs.ts';
import { FakeDocker, fakeRunner } from '../../helpers/fakes.ts';
import { makeThrowawayKey } from '../../helpers/keys.ts';
import { removeTempDirs, tempDir } from '../../helpers/steps.ts';

after(removeTempDirs);

let table: VersionTable;
before(async () => {
  table = await loadVersionTable(DEFAULT_SPECS_DIR);
});

async function request(inputs: string[], root: string): Promise<PublishRequest> {
  return {
    inputs,
    repo: path.join(root, 'repo'),
    keep: 3,
    signing: {},
    image: 'packager:1',
    cacheDir: path.join(root, 'cache'),
    functional: false,
    table,
  };
}

/**
 * A development key made by an earlier run: its facts beside it, so no container is needed to know them. A
 * throwaway key made for this test, never one kept in the repository.
 */
async function devKey(cacheDir: string): Promise<void> {
  const key = await makeThrowawayKey();
  const dir = path.join(cacheDir, 'dev-signing-key');
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'dev-signing-key.asc'), key.armoredPrivate);
  await writeFile(
    path.join(dir, 'dev-signing-key.json'),
    JSON.stringify({ fingerprint: key.fingerprint, publicKeyArmored: key.armoredPublic }),
  );
}

describe('publish', () => {
  it('refuses inputs that do not exist, that are not RPMs, or that hold none, before any container', async () => {
    const root = await tempDir('nokmem-publish-');
    const docker = new FakeDocker();
    const deps = { docker, runner: fakeRunner(), log: silentLogger };
    const notRpm = path.join(root, 'notes.txt');
    await writeFile(notRpm, 'x');
    const empty = path.join(root, 'empty');
    await mkdir(empty);
    const cases: [string[], string][] = [
      [[path.join(root, 'missing.rpm')], `${path.join(root, 'missing.rpm')} does not exist`],
      [[notRpm], `${notRpm} is not an RPM or a directory`],
      [[empty], `no .rpm files in ${empty}; run nokmem build first`],
    ];
    for (const [inputs, message] of cases)
      await assert.rejects(
        publish(await request(inputs, root), deps),
        (e: Error) => e instanceof InputError && e.message.includes(message),
      );
    assert.deepEqual(docker.runs, []);
    assert.deepEqual(docker.sessions, []);
    assert.ok(!existsSync(path.join(root, 'repo')));
  });

  it('publishes nothing when a package fails verification, naming it, and leaves no key material behind', async () => {
    const root = await tempDir('nokmem-publish-');
    const out = path.join(root, 'out');
    await mkdir(out);
    await writeFile(path.join(out, 'runc-nokmem-1.0.0~rc5-1.x86_64.rpm'), 'not an rpm');
    await writeFile(path.join(out, 'README'), 'ignored: not an rpm');
    const req = await request([out], root);
    await devKey(req.cacheDir);
    // the packager's inspection of a file that is no RPM finds no package name
    const docker = new FakeDocker({
      engine: '27.0.0',
      containers: [{ command: ['sh', '-c'], result: { stdout: '' } }],
    });
    await assert.rejects(
      publish(req, { docker, runner: fakeRunner(), log: silentLogger }),
      (e: Error) =>
        e instanceof VerificationFailed &&
        e.message.startsWith('runc-nokmem-1.0.0~rc5-1.x86_64.rpm failed verification (package:') &&
        e.message.endsWith('nothing was published'),
    );
    assert.equal(docker.runs.length, 1, 'only the inspection ran');
    assert.ok(!existsSync(req.repo), 'no repository was made');
    assert.deepEqual(
      docker.sessions.map((s) => s.closed),
      [true],
      'the packager container (and the key in it) is gone',
    );
    const work = await readdir(path.join(req.cacheDir, 'work'));
    assert.deepEqual(
      work.filter((f) => f.startsWith('publish-')),
      [],
      'the key scratch directory is removed',
    );
    assert.equal(docker.sweeps, 1, "dead runs' containers are swept first");
  });
});
