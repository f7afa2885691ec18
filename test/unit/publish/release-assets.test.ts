import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { InputError } from '../../../src/errors.ts';
import {
  githubAssetName,
  readReleaseInputs,
  releaseContents,
  releaseSums,
} from '../../../src/publish/release-assets.ts';
import { tempDir } from '../../helpers/tmp.ts';

const KEY = '-----BEGIN PGP PUBLIC KEY BLOCK-----\nthe project key\n';

function record(component: 'runc' | 'kubelet', version: string, ok = true) {
  return {
    schema: 'nokmem/build-record@1',
    component,
    version,
    method: 'source-patch',
    source: { repository: 'file:///x', tag: version, commit: 'c'.repeat(40), pinned: true, commitTime: 1_500_000_000 },
    verification: { ok, checks: [{ name: 'kmem symbols', status: ok ? 'pass' : 'fail', detail: 'x' }] },
  };
}

/** A build output as nokmem build writes it (the files the release cares about), in artifacts/nokmem-<name>/. */
async function buildOutput(root: string, component: 'runc' | 'kubelet', version: string, rpm: string, key = KEY) {
  const dir = path.join(root, `nokmem-${component}-${version}`, `${component}-${version}`);
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'build-record.json'), JSON.stringify(record(component, version)));
  await writeFile(path.join(dir, component), `${component} ${version}`);
  await writeFile(path.join(dir, rpm), `rpm of ${component} ${version}`);
  await writeFile(path.join(dir, 'SHA256SUMS'), `sums of ${version}\n`);
  await writeFile(path.join(dir, 'SHA256SUMS.asc'), `signature of ${version}\n`);
  await writeFile(path.join(dir, 'RPM-GPG-KEY-nokmem'), key);
  return dir;
}

const tmp = () => tempDir('nokmem-release-assets-');
const rejectsWith = (p: Promise<unknown>, re: RegExp) =>
  assert.rejects(p, (e: unknown) => e instanceof InputError && re.test(e.message));

describe('release assets', () => {
  it('GitHub stores ~ (and anything outside its set) as .', () => {
    assert.equal(githubAssetName('/x/runc-nokmem-1.0.0~rc5-1.x86_64.rpm'), 'runc-nokmem-1.0.0.rc5-1.x86_64.rpm');
  });

  it('sorts the inputs: directories with a build record are builds; files and plain directories ship as they are', async () => {
    const root = await tmp();
    const build = await buildOutput(root, 'runc', 'v1.0.0-rc5', 'runc-nokmem-1.0.0~rc5-1.x86_64.rpm');
    const plain = path.join(root, 'plain');
    await mkdir(path.join(plain, 'sub'), { recursive: true });
    await writeFile(path.join(plain, 'b.txt'), 'b');
    await writeFile(path.join(plain, 'a.txt'), 'a');
    await writeFile(path.join(root, 'doctor.tar'), 'image');
    const given = readReleaseInputs([build, plain, path.join(root, 'doctor.tar')]);
    assert.deepEqual(
      given.builds.map((b) => [b.dir, b.record.version]),
      [[build, 'v1.0.0-rc5']],
    );
    assert.deepEqual(given.files, [
      path.join(plain, 'a.txt'),
      path.join(plain, 'b.txt'),
      path.join(root, 'doctor.tar'),
    ]);
    assert.throws(() => readReleaseInputs([path.join(root, 'missing')]), /missing does not exist; give asset files/);
  });

  it('refuses a build record that is not one, and a build that failed its verification', async () => {
    const root = await tmp();
    const dir = path.join(root, 'x');
    await mkdir(dir);
    await writeFile(path.join(dir, 'build-record.json'), JSON.stringify({ component: 'kubelet' }));
    assert.throws(
      () => readReleaseInputs([dir]),
      /x\/build-record\.json is not a nokmem build record \(schema: .*\); give build output directories as nokmem build wrote them/,
    );
    await writeFile(path.join(dir, 'build-record.json'), '{');
    assert.throws(() => readReleaseInputs([dir]), /build-record\.json is not JSON/);
    await writeFile(path.join(dir, 'build-record.json'), JSON.stringify(record('kubelet', 'v1.12.4', false)));
    assert.throws(
      () => readReleaseInputs([dir]),
      /says kubelet v1\.12\.4 failed its verification; only verified builds are released/,
    );
  });

  it('two builds: their RPMs, one archive each, the key once; every build-wide file only in the archives', async () => {
    const root = await tmp();
    const work = await tmp();
    const runc = await buildOutput(root, 'runc', 'v1.0.0-rc5', 'runc-nokmem-1.0.0~rc5-1.x86_64.rpm');
    const kubelet = await buildOutput(root, 'kubelet', 'v1.12.4', 'kubelet-1.12.4-0.nokmem.1.x86_64.rpm');
    await writeFile(path.join(root, 'doctor.tar'), 'image');
    const contents = await releaseContents(readReleaseInputs([kubelet, runc, path.join(root, 'doctor.tar')]), work);
    assert.deepEqual(contents.assets.map((a) => a.name).sort(), [
      'RPM-GPG-KEY-nokmem',
      'doctor.tar',
      'kubelet-1.12.4-0.nokmem.1.x86_64.rpm',
      'kubelet-v1.12.4.tar.gz',
      'runc-nokmem-1.0.0.rc5-1.x86_64.rpm',
      'runc-v1.0.0-rc5.tar.gz',
    ]);
    assert.equal(
      contents.assets.find((a) => a.name === 'kubelet-v1.12.4.tar.gz')?.file,
      path.join(work, 'kubelet-v1.12.4.tar.gz'),
    );
    assert.deepEqual(
      contents.builds.map((b) => [b.record.version, b.assets]),
      [
        ['v1.12.4', ['kubelet-1.12.4-0.nokmem.1.x86_64.rpm', 'kubelet-v1.12.4.tar.gz']],
        ['v1.0.0-rc5', ['runc-nokmem-1.0.0.rc5-1.x86_64.rpm', 'runc-v1.0.0-rc5.tar.gz']],
      ],
    );
    // the same build given twice is one build
    const twice = await releaseContents(readReleaseInputs([runc, runc]), await tmp());
    assert.equal(twice.builds.length, 1);
  });

  it('different keys are an error naming both builds; names that clash with other bytes, naming both inputs', async () => {
    const root = await tmp();
    const runc = await buildOutput(root, 'runc', 'v1.0.0-rc5', 'runc-nokmem-1.0.0~rc5-1.x86_64.rpm');
    const other = await buildOutput(
      root,
      'kubelet',
      'v1.12.4',
      'kubelet-1.12.4-0.nokmem.1.x86_64.rpm',
      `${KEY}another\n`,
    );
    await rejectsWith(
      releaseContents(readReleaseInputs([runc, other]), await tmp()),
      new RegExp(
        `^kubelet v1\\.12\\.4 \\(${other}\\) and runc v1\\.0\\.0-rc5 \\(${runc}\\) ship different RPM-GPG-KEY-nokmem; a release has one project key`,
      ),
    );
    const rpm = path.join(root, 'runc-nokmem-1.0.0~rc5-1.x86_64.rpm');
    await writeFile(rpm, 'another package of that name');
    await rejectsWith(
      releaseContents(readReleaseInputs([runc, rpm]), await tmp()),
      new RegExp(
        `^${rpm} and ${runc}/runc-nokmem-1\\.0\\.0~rc5-1\\.x86_64\\.rpm would both be the release asset runc-nokmem-1\\.0\\.0\\.rc5-1\\.x86_64\\.rpm, with different contents`,
      ),
    );
    // the same bytes under the same name are one asset
    await writeFile(rpm, 'rpm of runc v1.0.0-rc5');
    const same = await releaseContents(readReleaseInputs([runc, rpm]), await tmp());
    assert.equal(same.assets.filter((a) => a.name.endsWith('.rpm')).length, 1);
    const sums = path.join(root, 'SHA256SUMS');
    await writeFile(sums, 'x');
    await rejectsWith(
      releaseContents(readReleaseInputs([runc, sums]), await tmp()),
      /SHA256SUMS would be the release asset SHA256SUMS, which is the release's own SHA256SUMS of every asset; leave it out/,
    );
    // without builds, a SHA256SUMS is a file like any other (the release makes none)
    const plain = await releaseContents(readReleaseInputs([sums]), '');
    assert.deepEqual(
      plain.assets.map((a) => a.name),
      ['SHA256SUMS'],
    );
  });

  it('SHA256SUMS: every asset under its GitHub name, by name, in sha256sum -c form', async () => {
    const root = await tmp();
    await writeFile(path.join(root, 'b'), 'b');
    await writeFile(path.join(root, 'a'), 'a');
    const text = await releaseSums([
      { name: 'b.x', file: path.join(root, 'b'), from: '' },
      { name: 'a~', file: path.join(root, 'a'), from: '' },
    ]);
    assert.equal(
      text,
      'ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb  a~\n3e23e8160039594a33894f6564e1b1348bbd7a0088d42c4acb73eeaed59c009d  b.x\n',
    );
  });
});
