// A release of real build outputs (runc rc5 and kubelet 1.12.4, built and signed here), laid out as the release
// workflow downloads them — artifacts/nokmem-<build>/<build>/, one directory per artifact, file modes lost on the
// way — against the GitHub stand-in, whose every request and response is checked against GitHub's OpenAPI
// description. Two builds once made the release refuse (build-record.json, SHA256SUMS, the key … of every build
// would be the same asset); now they ship as their RPMs, one archive each, the key once, and one SHA256SUMS over
// every asset signed with the project key. A user checks it as the notes say; a re-run changes nothing.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chmod, cp, mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { Docker } from '../../src/docker.ts';
import { detachedSignatureValid } from '../../src/gpg.ts';
import { archiveBuildOutput } from '../../src/publish/archive.ts';
import { parseSha256sums } from '../../src/attest.ts';
import { realRunner } from '../../src/runner.ts';
import { keyFingerprint } from '../../src/verify/packages.ts';
import { KUBELET_TEST_IMAGE, TEST_IMAGE, type Workbench, nokmem, workbench } from '../helpers/cli.ts';
import { startGithubStandin } from '../helpers/github-standin.ts';
import { type TestKey, makeTestKey, signingEnv } from '../helpers/keys.ts';
import { tempDir } from '../helpers/tmp.ts';

const TOKEN = 'ghs_nokmemReleaseBuildsToken0123456789';
const BUILDS = ['runc-v1.0.0-rc5', 'kubelet-v1.12.4'];
const docker = new Docker(realRunner);
let wb: Workbench;
let key: TestKey;
let fingerprint: string;
/** What `artifacts/*\/* nokmem-doctor.tar nokmem-doctor.tar.sha256` gives in the release job. */
let inputs: string[];

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

before(async () => {
  wb = await workbench((runc, kube) => ({
    runc: { 'v1.0.0-rc5': runc.tags['v1.0.0-rc5']! },
    kubelet: { 'v1.12.4': kube.tags['v1.12.4']! },
  }));
  key = await makeTestKey('nokmem release key', 'release pass phrase');
  const artifacts = path.join(wb.root, 'job', 'artifacts');
  for (const [name, args] of [
    ['runc-v1.0.0-rc5', ['--runc', 'v1.0.0-rc5', '--remote', wb.runc.url]],
    // the kubelet links with cgo, as upstream's: built in the image whose glibc EL7's 2.17 can run
    ['kubelet-v1.12.4', ['--kubelet', 'v1.12.4', '--remote', wb.kubernetes.url, '--image', KUBELET_TEST_IMAGE]],
  ] as const) {
    // one build job: `nokmem build ... --out out`, then upload-artifact of out/ as nokmem-<build>
    const out = wb.out(name);
    const r = await nokmem(['build', ...wb.common, ...args, '--out', out], signingEnv(key));
    assert.equal(r.exitCode, 0, r.stderr);
    // download-artifact (path: artifacts, pattern: nokmem-*): each artifact in a directory of its name, holding
    // what was uploaded from out/; zip keeps no modes, so nothing is executable any more
    const artifact = path.join(artifacts, `nokmem-${name}`);
    await cp(out, artifact, { recursive: true });
    for (const f of await readdir(path.join(artifact, name))) await chmod(path.join(artifact, name, f), 0o644);
  }
  const doctor = path.join(wb.root, 'job', 'nokmem-doctor.tar');
  await writeFile(doctor, Buffer.alloc(64 * 1024, 3));
  await writeFile(`${doctor}.sha256`, `${sha256(await readFile(doctor))}  nokmem-doctor.tar\n`);
  inputs = [];
  for (const a of (await readdir(artifacts)).sort())
    for (const b of (await readdir(path.join(artifacts, a))).sort()) inputs.push(path.join(artifacts, a, b));
  inputs.push(doctor, `${doctor}.sha256`);
  fingerprint = await keyFingerprint(
    path.join(wb.out('runc-v1.0.0-rc5'), BUILDS[0]!, 'RPM-GPG-KEY-nokmem'),
    docker,
    TEST_IMAGE,
  );
});

after(async () => wb?.cleanup());

const release = (api: string, args: string[], env: Record<string, string> = signingEnv(key)) =>
  nokmem(
    [
      'release',
      ...args,
      '--repository',
      'acme/nokmem',
      '--tag',
      'v1.0.0',
      '--api-url',
      api,
      '--cache-dir',
      wb.cache,
      '--image',
      TEST_IMAGE,
      '--json',
    ],
    { GITHUB_TOKEN: TOKEN, ...env },
  );

interface Result {
  uploaded: string[];
  replaced: string[];
  unchanged: string[];
  published: boolean;
  sums: { fingerprint: string; signature: 'kept' | 'signed' };
}

const ASSETS = [
  'RPM-GPG-KEY-nokmem',
  'SHA256SUMS',
  'SHA256SUMS.asc',
  'kubelet-1.12.4-0.nokmem.1.x86_64.rpm',
  'kubelet-v1.12.4.tar.gz',
  'nokmem-doctor.tar',
  'nokmem-doctor.tar.sha256',
  'runc-nokmem-1.0.0.rc5-1.x86_64.rpm',
  'runc-v1.0.0-rc5.tar.gz',
];

describe('nokmem release of build outputs', () => {
  it('the inputs are what the release job globs: one build output directory per artifact', () => {
    assert.deepEqual(
      inputs.map((i) => path.relative(path.join(wb.root, 'job'), i)),
      [
        'artifacts/nokmem-kubelet-v1.12.4/kubelet-v1.12.4',
        'artifacts/nokmem-runc-v1.0.0-rc5/runc-v1.0.0-rc5',
        'nokmem-doctor.tar',
        'nokmem-doctor.tar.sha256',
      ],
    );
  });

  it('releases two builds: RPMs, one archive each, the key once, SHA256SUMS of every asset signed; a re-run changes nothing', async () => {
    const gh = await startGithubStandin('acme', 'nokmem');
    try {
      const first = await release(gh.url, inputs);
      assert.equal(first.exitCode, 0, first.stderr);
      const out = JSON.parse(first.stdout) as Result;
      assert.equal(out.published, true);
      assert.equal(out.sums.fingerprint, fingerprint);
      assert.equal(out.sums.signature, 'signed');
      const r = gh.releases[0]!;
      assert.equal(gh.releases.length, 1);
      assert.equal(r.draft, false);
      assert.deepEqual(r.assets.map((a) => a.name).sort(), ASSETS);
      assert.ok(!first.stdout.includes(TOKEN) && !first.stderr.includes(TOKEN));

      // what a user downloads and checks, as the notes say
      const dl = await tempDir('nokmem-release-download-');
      for (const a of r.assets) await writeFile(path.join(dl, a.name), a.data);
      const sums = parseSha256sums(await readFile(path.join(dl, 'SHA256SUMS'), 'utf8'));
      assert.deepEqual(
        [...sums.keys()].sort(),
        ASSETS.filter((n) => !n.startsWith('SHA256SUMS')),
      );
      for (const [name, digest] of sums) assert.equal(sha256(await readFile(path.join(dl, name))), digest, name);
      const signed = (file: string) =>
        detachedSignatureValid(
          file,
          path.join(dl, 'SHA256SUMS.asc'),
          path.join(dl, 'RPM-GPG-KEY-nokmem'),
          fingerprint,
          {
            docker,
            image: TEST_IMAGE,
          },
        );
      assert.equal(await signed(path.join(dl, 'SHA256SUMS')), true, 'SHA256SUMS.asc is a signature by the project key');
      await writeFile(
        path.join(dl, 'SHA256SUMS.tampered'),
        (await readFile(path.join(dl, 'SHA256SUMS'), 'utf8')).replace(/^./, (c) => (c === '0' ? '1' : '0')),
      );
      assert.equal(await signed(path.join(dl, 'SHA256SUMS.tampered')), false);

      // each archive is the whole build output, the binary executable again, and nokmem verify works on it
      for (const build of BUILDS) {
        await execa('tar', ['-xzf', path.join(dl, `${build}.tar.gz`), '-C', dl]);
        const original = path.join(wb.out(build), build);
        assert.deepEqual((await readdir(path.join(dl, build))).sort(), (await readdir(original)).sort());
        for (const f of await readdir(original))
          assert.ok((await readFile(path.join(dl, build, f))).equals(await readFile(path.join(original, f))), f);
        const binary = build.split('-')[0]!;
        assert.equal((await stat(path.join(dl, build, binary))).mode & 0o777, 0o755);
        // the same bytes from the output as the build wrote it (modes and all) as from the downloaded artifact
        const again = await archiveBuildOutput(
          original,
          await tempDir('nokmem-archive-'),
          new Date(
            JSON.parse(await readFile(path.join(original, 'build-record.json'), 'utf8')).source.commitTime * 1000,
          ),
        );
        assert.ok(
          (await readFile(again)).equals(await readFile(path.join(dl, `${build}.tar.gz`))),
          `${build}.tar.gz is reproducible`,
        );
        const key = path.join(dl, 'RPM-GPG-KEY-nokmem');
        const v = await nokmem([
          'verify',
          path.join(dl, build),
          '--key',
          key,
          '--image',
          TEST_IMAGE,
          '--specs',
          wb.specs,
          '--no-functional',
        ]);
        assert.equal(v.exitCode, 0, v.stdout + v.stderr);
        assert.match(v.stdout, /PASS\s+SHA256SUMS signature\s+signed by/);
      }

      // the notes name every build with its verdict and its assets, and how to check them
      assert.match(r.body, /^## Builds$/m);
      for (const [build, rpm] of [
        ['kubelet v1.12.4', 'kubelet-1.12.4-0.nokmem.1.x86_64.rpm'],
        ['runc v1.0.0-rc5', 'runc-nokmem-1.0.0.rc5-1.x86_64.rpm'],
      ] as const)
        assert.match(
          r.body,
          new RegExp(
            `^- ${build.replace(/\./g, '\\.')} \\(source-patch, commit [0-9a-f]{12}\\): verified, \\d+ checks passed — \`${rpm.replace(/\./g, '\\.')}\`, \`${build.replace(' ', '-').replace(/\./g, '\\.')}\\.tar\\.gz\`$`,
            'm',
          ),
          r.body,
        );
      assert.ok(r.body.includes(`fingerprint \`${fingerprint}\``), r.body);
      assert.match(r.body, /^gpg --verify SHA256SUMS\.asc SHA256SUMS$/m);
      assert.match(r.body, /^## Functional proofs$/m);

      // a re-run: the same bytes for every asset, the signature the release holds kept (a new one would differ)
      const before = gh.requests.length;
      const second = await release(gh.url, inputs);
      assert.equal(second.exitCode, 0, second.stderr);
      const again = JSON.parse(second.stdout) as Result;
      assert.deepEqual(again.uploaded, []);
      assert.deepEqual(again.replaced, []);
      assert.deepEqual(again.unchanged.sort(), ASSETS);
      assert.equal(again.sums.signature, 'kept');
      const writes = gh.requests.slice(before).filter((q) => !q.startsWith('GET '));
      assert.deepEqual(writes, [], 'a re-run writes nothing');
      assert.equal(gh.releases.length, 1);
      assert.deepEqual(gh.violations, []);
    } finally {
      await gh.close();
    }
  });

  it('a re-run after the signature broke mid-upload signs again and completes the release', async () => {
    const gh = await startGithubStandin('acme', 'nokmem', { failUploadNumber: ASSETS.length });
    try {
      const first = await release(gh.url, inputs);
      assert.notEqual(first.exitCode, 0);
      assert.equal(gh.releases[0]?.draft, true, 'a failed run leaves a draft');
      assert.equal(gh.releases[0]?.assets.find((a) => a.name === 'SHA256SUMS.asc')?.state, 'open');
      const second = await release(gh.url, inputs);
      assert.equal(second.exitCode, 0, second.stderr);
      const out = JSON.parse(second.stdout) as Result;
      assert.equal(out.sums.signature, 'signed');
      assert.deepEqual(out.replaced, ['SHA256SUMS.asc']);
      const r = gh.releases[0]!;
      assert.equal(r.draft, false);
      assert.deepEqual(r.assets.map((a) => a.name).sort(), ASSETS);
      assert.ok(r.assets.every((a) => a.state === 'uploaded'));
      assert.deepEqual(gh.violations, []);
    } finally {
      await gh.close();
    }
  });

  it('refuses, before anything reaches GitHub: different keys, another signing key, a tampered build, clashing names', async () => {
    const gh = await startGithubStandin('acme', 'nokmem');
    const scratch = await tempDir('nokmem-release-refused-');
    try {
      const [kubelet, runc] = inputs as [string, string];
      const copy = async (dir: string, name: string) => {
        const to = path.join(scratch, name, path.basename(dir));
        await mkdir(path.dirname(to), { recursive: true });
        await cp(dir, to, { recursive: true });
        return to;
      };
      const otherKey = await copy(runc, 'other-key');
      await writeFile(path.join(otherKey, 'RPM-GPG-KEY-nokmem'), '-----BEGIN PGP PUBLIC KEY BLOCK-----\nanother key\n');
      const keys = await release(gh.url, [kubelet, otherKey]);
      assert.equal(keys.exitCode, 1);
      assert.match(
        keys.stderr,
        /^nokmem: error: runc v1\.0\.0-rc5 \(.*other-key\/runc-v1\.0\.0-rc5\) and kubelet v1\.12\.4 \(.*nokmem-kubelet-v1\.12\.4\/kubelet-v1\.12\.4\) ship different RPM-GPG-KEY-nokmem; .* same NOKMEM_SIGNING_KEY$/m,
      );

      // no key in the environment: the development key, which did not sign these builds
      const dev = await release(gh.url, [kubelet, runc], { NOKMEM_SIGNING_KEY: '', NOKMEM_SIGNING_PASSPHRASE: '' });
      assert.equal(dev.exitCode, 1);
      assert.match(
        dev.stderr,
        /^nokmem: error: the release's RPM-GPG-KEY-nokmem \(.*\) is key [0-9A-F]{40}, but the signing key is [0-9A-F]{40}; release with the key the builds were signed with/m,
      );

      const tampered = await copy(kubelet, 'tampered');
      const record = path.join(tampered, 'build-record.json');
      await writeFile(record, (await readFile(record, 'utf8')).replace('"builtAt": "', '"builtAt": "1'));
      const t = await release(gh.url, [tampered, runc]);
      assert.equal(t.exitCode, 1);
      assert.match(
        t.stderr,
        /^nokmem: error: kubelet v1\.12\.4 \(.*tampered\/kubelet-v1\.12\.4\) does not match its signed SHA256SUMS \(build-record\.json has sha256 [0-9a-f]{64}, SHA256SUMS says [0-9a-f]{64}\); nothing was released/m,
      );

      const clash = path.join(scratch, 'SHA256SUMS');
      await writeFile(clash, 'x  y\n');
      const own = await release(gh.url, [kubelet, clash]);
      assert.equal(own.exitCode, 1);
      assert.match(
        own.stderr,
        /^nokmem: error: .*\/SHA256SUMS would be the release asset SHA256SUMS, which is the release's own SHA256SUMS of every asset; leave it out/m,
      );
      const archive = path.join(scratch, 'kubelet-v1.12.4.tar.gz');
      await writeFile(archive, 'not the archive');
      const named = await release(gh.url, [kubelet, archive]);
      assert.equal(named.exitCode, 1);
      assert.match(
        named.stderr,
        /^nokmem: error: .*\/kubelet-v1\.12\.4\.tar\.gz and .*nokmem-kubelet-v1\.12\.4\/kubelet-v1\.12\.4 would both be the release asset kubelet-v1\.12\.4\.tar\.gz, with different contents/m,
      );

      assert.deepEqual(gh.requests, [], 'nothing reached GitHub');
      assert.deepEqual(gh.violations, []);
    } finally {
      await gh.close();
    }
  });
});
