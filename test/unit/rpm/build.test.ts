// Packaging and signing commands (src/rpm/build.ts) with a fake Docker engine standing in for the packager
// container: what rpmbuild is given (the binary byte for byte, the rendered wiring files and spec, the reproducible
// defines and environment), how signing reaches the key's container, and what a wrong answer from either means.
// test/integration/packages.test.ts runs the real rpmbuild, rpmsign and gpg.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import type { ContainerRun } from '../../../src/docker.ts';
import { UserError } from '../../../src/errors.ts';
import { GNUPG } from '../../../src/gpg.ts';
import { RPMBUILD_DEFINES, buildRpm, componentOfPackage, signDetached, signRpms } from '../../../src/rpm/build.ts';
import type { SpecInputs } from '../../../src/rpm/spec.ts';
import type { SigningKey } from '../../../src/signing.ts';
import { FakeDocker } from '../../helpers/fakes.ts';
import { removeTempDirs, tempDir } from '../../helpers/steps.ts';

after(removeTempDirs);

const FPR = 'D0D777394E3F2397D2D44B41D52D9CC9255CE5C7';
const COMMIT = '4fc53a81fb7c994640722ac585fa9ca548971871';

const runcInputs: SpecInputs = {
  component: 'runc',
  tag: 'v1.0.0-rc5',
  commit: COMMIT,
  methodSummary: 'source patch: libcontainer never enables kmem',
  epoch: 1519776000,
  iteration: 1,
};

/** An rpmbuild that leaves `count` packages in RPMS/x86_64 of the _topdir it was given. */
function rpmbuild(count = 1) {
  return {
    command: ['rpmbuild'],
    result: async (spec: ContainerRun) => {
      const top = spec.mounts[0]!.host;
      await mkdir(path.join(top, 'RPMS', 'x86_64'), { recursive: true });
      for (let i = 0; i < count; i++)
        await writeFile(path.join(top, 'RPMS', 'x86_64', `runc-nokmem-1.0.0~rc5-1.${i}.x86_64.rpm`), 'rpm');
      return {};
    },
  };
}

async function binary(): Promise<string> {
  const dir = await tempDir('nokmem-rpm-bin-');
  const file = path.join(dir, 'runc');
  await writeFile(file, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2, 3]));
  return file;
}

function key(packager: FakeDocker, scratch: string, passphrase?: string): SigningKey & { readies: number } {
  const k = {
    fingerprint: FPR,
    publicKeyArmored: '',
    development: false,
    hasPassphrase: passphrase !== undefined,
    passphrase,
    image: 'packager:1',
    packager,
    scratch,
    readies: 0,
    ready: async () => {
      k.readies++;
    },
    dispose: async () => {},
  };
  return k;
}

describe('buildRpm', () => {
  it('gives rpmbuild the binary byte for byte, the rendered spec and wiring files, and reproducible settings', async () => {
    const docker = new FakeDocker({ containers: [rpmbuild()] });
    const work = await tempDir('nokmem-rpm-work-');
    const bin = await binary();
    const built = await buildRpm(bin, runcInputs, work, docker, 'packager:1', [['_test_override', 'x']]);

    const top = path.join(work, 'rpmbuild');
    assert.equal(built.file, path.join(top, 'RPMS', 'x86_64', 'runc-nokmem-1.0.0~rc5-1.0.x86_64.rpm'));
    assert.deepEqual(await readFile(path.join(top, 'SOURCES', 'runc')), await readFile(bin));
    for (const source of ['README.nokmem', 'daemon.json.example', 'docker-nokmem.conf.example'])
      assert.doesNotMatch(await readFile(path.join(top, 'SOURCES', source), 'utf8'), /\{\{\w+\}\}/, source);
    assert.equal(await readFile(path.join(top, 'SPECS', 'runc-nokmem.spec'), 'utf8'), built.spec);
    assert.match(built.spec, /1\.0\.0~rc5/);
    assert.match(built.spec, new RegExp(COMMIT));
    assert.doesNotMatch(built.spec, /\{\{\w+\}\}/);
    assert.deepEqual(docker.writable, [top]);

    const [run] = docker.runs;
    assert.equal(run?.image, 'packager:1');
    assert.deepEqual(run?.mounts, [{ host: top, container: `/host${top}`, readOnly: false }]);
    assert.deepEqual(run?.command.slice(0, 6), [
      'rpmbuild',
      '-bb',
      '--target',
      'x86_64',
      '--define',
      `_topdir /host${top}`,
    ]);
    assert.equal(run?.command.at(-1), `/host${top}/SPECS/runc-nokmem.spec`);
    const defines = run!.command.slice(6, -1);
    assert.deepEqual(
      defines,
      [...RPMBUILD_DEFINES, ['_test_override', 'x']].flatMap(([k, v]) => ['--define', `${k} ${v}`]),
    );
    // xz (EL7's rpm 4.11 cannot read zstd), the build time and host fixed
    assert.ok(defines.includes('_binary_payload w1T2.xzdio'));
    assert.ok(defines.includes('_buildhost nokmem'));
    assert.deepEqual(run?.env, { SOURCE_DATE_EPOCH: '1519776000', TZ: 'UTC', LC_ALL: 'C' });
  });

  it("names a fork's package and binary as its inputs say", async () => {
    const docker = new FakeDocker({ containers: [rpmbuild()] });
    const work = await tempDir('nokmem-rpm-work-');
    const built = await buildRpm(
      await binary(),
      { ...runcInputs, packageName: 'runc-acme-nokmem', binaryName: 'runc-acme', upstream: 'acme/runc' },
      work,
      docker,
      'packager:1',
    );
    assert.ok(existsSync(path.join(work, 'rpmbuild', 'SOURCES', 'runc-acme')));
    assert.ok(existsSync(path.join(work, 'rpmbuild', 'SPECS', 'runc-acme-nokmem.spec')));
    assert.match(built.spec, /acme\/runc/);
  });

  for (const count of [0, 2])
    it(`refuses an rpmbuild that makes ${count} packages instead of one, naming the spec template`, async () => {
      const docker = new FakeDocker({ containers: [rpmbuild(count)] });
      await assert.rejects(
        buildRpm(await binary(), runcInputs, await tempDir('nokmem-rpm-work-'), docker, 'packager:1'),
        (e: Error) =>
          e instanceof UserError &&
          e.message.includes(`produced ${count} packages instead of one`) &&
          e.message.includes('specs/rpm/runc-nokmem.spec'),
      );
    });
});

describe('signRpms', () => {
  it("signs in the key's container through its scratch directory, copies the signed packages back, leaves nothing", async () => {
    const packager = new FakeDocker({
      containers: [
        {
          command: ['sh', '-c'],
          result: async (spec) => {
            const dir = spec.mounts[0]!.host;
            for (const f of await readdir(dir)) await writeFile(path.join(dir, f), `signed ${f}`);
            return {};
          },
        },
      ],
    });
    const scratch = await tempDir('nokmem-rpm-scratch-');
    const out = await tempDir('nokmem-rpm-out-');
    const files = ['a.rpm', 'b.rpm'].map((n) => path.join(out, n));
    for (const f of files) await writeFile(f, 'unsigned');
    const k = key(packager, scratch, 'open sesame');
    await signRpms(files, k);

    assert.equal(k.readies, 1);
    assert.deepEqual(await Promise.all(files.map((f) => readFile(f, 'utf8'))), ['signed a.rpm', 'signed b.rpm']);
    assert.deepEqual(await readdir(scratch), []);
    const [run] = packager.runs;
    assert.equal(run?.image, 'packager:1');
    assert.equal(run?.needsSession, true);
    assert.deepEqual(run?.env, { GNUPGHOME: GNUPG });
    assert.equal(run?.input, 'open sesame\n');
    assert.ok(!run!.command.some((a) => a.includes('open sesame')));
    const args = run!.command.slice(run!.command.indexOf('rpmsign'));
    // both signatures: EL7's rpm 4.11 checks the v3 one
    assert.deepEqual(args.slice(0, 3), ['rpmsign', '--addsign', '--rpmv3']);
    assert.ok(args.includes(`_gpg_name ${FPR}`));
    assert.ok(args.includes('_gpg_digest_algo sha256'));
    const dir = run!.mounts[0]!;
    assert.deepEqual(args.slice(-2), [`${dir.container}/a.rpm`, `${dir.container}/b.rpm`]);
    assert.ok(packager.writable.includes(dir.host));
  });

  it('removes its scratch copy when signing fails', async () => {
    const packager = new FakeDocker({ containers: [{ command: ['sh'], result: { exitCode: 2, stderr: 'no key' } }] });
    const scratch = await tempDir('nokmem-rpm-scratch-');
    const file = path.join(await tempDir('nokmem-rpm-out-'), 'a.rpm');
    await writeFile(file, 'unsigned');
    await assert.rejects(signRpms([file], key(packager, scratch)), /no key/);
    assert.deepEqual(await readdir(scratch), []);
    assert.equal(await readFile(file, 'utf8'), 'unsigned');
  });

  it('refuses two packages of the same file name in one call (they would overwrite each other)', async () => {
    const packager = new FakeDocker();
    await assert.rejects(signRpms(['/x/a.rpm', '/y/a.rpm'], key(packager, await tempDir())), /distinct file names/);
    assert.deepEqual(packager.runs, []);
  });
});

describe('signDetached', () => {
  const SIGNATURE = '-----BEGIN PGP SIGNATURE-----\n\nabc\n-----END PGP SIGNATURE-----\n';

  it('feeds the file on stdin (after the passphrase) and writes the armored signature beside it', async () => {
    const packager = new FakeDocker({ containers: [{ command: ['sh'], result: { stdout: SIGNATURE } }] });
    const file = path.join(await tempDir(), 'SHA256SUMS');
    await writeFile(file, 'abc  runc\n');
    const out = await signDetached(file, key(packager, await tempDir(), 'pw'));
    assert.equal(out, `${file}.asc`);
    assert.equal(await readFile(out, 'utf8'), SIGNATURE);
    const [run] = packager.runs;
    assert.deepEqual(run?.mounts, []);
    assert.equal(run?.needsSession, true);
    assert.equal(String(run?.input), 'pw\nabc  runc\n');
    const args = run!.command.slice(run!.command.indexOf('gpg'));
    assert.ok(args.includes('--detach-sign') && args.includes('--armor'));
    assert.equal(args[args.indexOf('--local-user') + 1], FPR);
    assert.equal(args[args.indexOf('--digest-algo') + 1], 'SHA256');
  });

  it('is a bug, and writes nothing, when gpg answers without a signature', async () => {
    const packager = new FakeDocker({ containers: [{ command: ['sh'], result: { stdout: '' } }] });
    const file = path.join(await tempDir(), 'repomd.xml');
    await writeFile(file, '<repomd/>');
    await assert.rejects(
      signDetached(file, key(packager, await tempDir())),
      /bug: gpg made no signature of repomd.xml/,
    );
    assert.ok(!existsSync(`${file}.asc`));
  });
});

describe('componentOfPackage', () => {
  it('maps package names to components, and nothing else', () => {
    assert.equal(componentOfPackage('kubelet'), 'kubelet');
    assert.equal(componentOfPackage('runc-nokmem'), 'runc');
    assert.equal(componentOfPackage('runc'), undefined);
  });
});
