// src/publish/release-signing.ts with the host's gpg in place of the packager image (test/helpers/host-gpg.ts: no
// Docker, every GNUPGHOME private and removed) and throwaway keys made for the test. The release signs its own
// SHA256SUMS only with the key its builds were signed with, only after each build matched its signed SHA256SUMS;
// a re-run keeps the release's signature of the same sums; whatever fails, the packager session is closed and no
// GNUPGHOME, key or passphrase is left behind. test/integration/release.test.ts makes a real release.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { BuildRecord } from '../../../src/build-record.ts';
import { InputError, VerificationFailed } from '../../../src/errors.ts';
import type { Logger } from '../../../src/log.ts';
import type { ExistingAsset } from '../../../src/publish/github.ts';
import { type BuildOutput, RELEASE_SUMS, RELEASE_SUMS_SIGNATURE } from '../../../src/publish/release-assets.ts';
import { type ReleaseSigningRequest, releaseSigner } from '../../../src/publish/release-signing.ts';
import { PUBLIC_KEY_FILE, WRONG_PASSPHRASE } from '../../../src/signing.ts';
import { HostGpgDocker, type HostTestKey, hostSignatureBy, makeHostTestKey } from '../../helpers/host-gpg.ts';
import { tempDir } from '../../helpers/tmp.ts';

const PASSPHRASE = 'pp-Release-Key-9b2e';

let key: HostTestKey;
let other: HostTestKey;
before(async () => {
  [key, other] = await Promise.all([makeHostTestKey({ passphrase: PASSPHRASE }), makeHostTestKey({ algo: 'ed25519' })]);
});
after(async () => {
  await key?.dispose();
  await other?.dispose();
});

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

/** A build output as nokmem build writes it: a package, its SHA256SUMS, signed by `signer` (or unsigned). */
async function buildOutput(root: string, name: string, signer?: HostTestKey): Promise<BuildOutput> {
  const dir = path.join(root, name);
  await mkdir(dir, { recursive: true });
  const rpm = 'runc-nokmem-1.0.0~rc5-1.el7.x86_64.rpm';
  const bytes = `the package of ${name}`;
  await writeFile(path.join(dir, rpm), bytes);
  await writeFile(path.join(dir, 'build-record.json'), '{}');
  await writeFile(path.join(dir, 'SHA256SUMS'), `${sha256(bytes)}  ${rpm}\n`);
  if (signer) await signer.signDetached(path.join(dir, 'SHA256SUMS'));
  return { dir, record: { component: 'runc', version: 'v1.0.0-rc5' } as BuildRecord };
}

/** A build made with --no-package: a binary and its record, no SHA256SUMS. */
async function binaryOnly(root: string): Promise<BuildOutput> {
  const dir = path.join(root, 'binary-only');
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'runc'), 'a binary');
  return { dir, record: { component: 'runc', version: 'v1.0.0-rc5' } as BuildRecord };
}

function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    info: (m) => void lines.push(m),
    warn: (m) => void lines.push(`warning: ${m}`),
    detail: (c) => void lines.push(c),
  };
}

async function setup(more: Partial<ReleaseSigningRequest> = {}) {
  const root = await tempDir('nokmem-release-signing-');
  const workDir = path.join(root, 'work');
  await mkdir(workDir);
  const docker = new HostGpgDocker();
  const log = recordingLogger();
  const request: ReleaseSigningRequest = {
    signing: { armoredKey: key.armoredPrivate, passphrase: PASSPHRASE },
    builds: [],
    docker,
    image: 'packager:test',
    log,
    workDir,
    cacheDir: path.join(root, 'cache'),
    ...more,
  };
  return { root, workDir, docker, log, request };
}

/** The release's SHA256SUMS, as the release command writes it into its workspace. */
async function releaseSums(workDir: string, text = 'abc  nokmem-doctor.tar\n'): Promise<string> {
  const file = path.join(workDir, RELEASE_SUMS);
  await writeFile(file, text);
  return file;
}

/** Assets a release already holds. */
function existing(files: Record<string, Buffer | string>, uploaded = true): ExistingAsset[] {
  return Object.entries(files).map(([name, data]) => ({
    name,
    size: Buffer.byteLength(data),
    uploaded,
    download: async () => Buffer.from(data),
  }));
}

/** After the signer is done: the session closed, every GNUPGHOME gone, each made private. */
function assertNothingLeft(docker: HostGpgDocker) {
  assert.ok(docker.sessions.length > 0);
  assert.ok(
    docker.sessions.every((s) => s.closed),
    'the packager session is closed',
  );
  assert.ok(docker.homes.length > 0);
  for (const home of docker.homes) assert.equal(home.mode, 0o700, `${home.dir} was not private`);
  assert.deepEqual(docker.leftHomes(), []);
}

/** The session's signing operations (not the key's import). */
const signings = (docker: HostGpgDocker) =>
  docker.runs.filter((r) => r.needsSession && r.command.includes('--detach-sign'));

describe('releaseSigner', () => {
  it('checks each build against its signed SHA256SUMS, signs the release’s, and ships the signing key’s public key', async () => {
    const { root, workDir, docker, log, request } = await setup();
    request.builds = [await buildOutput(root, 'out-rc5', key), await binaryOnly(root)];
    const signer = await releaseSigner(request);
    try {
      assert.equal(signer.fingerprint, key.fingerprint);
      assert.equal(signer.development, false);
      // No key shipped with the release: the signing key's public key goes with it.
      assert.equal(signer.publicKeyFile, path.join(workDir, PUBLIC_KEY_FILE));
      const sumsFile = await releaseSums(workDir);
      const sigFile = `${sumsFile}.asc`;
      assert.equal(await signer.sign(sumsFile, []), 'signed');
      assert.equal(await hostSignatureBy(sumsFile, sigFile, signer.publicKeyFile), key.fingerprint);
      assert.match(await readFile(sigFile, 'utf8'), /^-----BEGIN PGP SIGNATURE-----/);
      assert.equal(signings(docker).length, 1);
    } finally {
      await signer.dispose();
    }
    assertNothingLeft(docker);
    // The passphrase and the key went to gpg on stdin only: never an argument, never a log line.
    const seen = JSON.stringify([docker.runs.map((r) => r.command), log.lines]);
    assert.ok(!seen.includes(PASSPHRASE));
    assert.ok(!seen.includes(key.armoredPrivate.split('\n')[3] ?? 'unreachable'));
  });

  it('a re-run keeps the release’s signature of the same sums; other sums, or a signature that is not valid, are signed anew', async () => {
    const { root, workDir, docker, request } = await setup();
    const publicKey = path.join(root, 'shipped.asc');
    await writeFile(publicKey, key.armoredPublic);
    const signer = await releaseSigner({
      ...request,
      shippedKey: { name: PUBLIC_KEY_FILE, file: publicKey, from: 'x' },
    });
    try {
      const sumsFile = await releaseSums(workDir);
      const sigFile = `${sumsFile}.asc`;
      // What an earlier run uploaded: these very sums, signed by the key.
      const earlier = path.join(root, 'earlier');
      await mkdir(earlier);
      await writeFile(path.join(earlier, RELEASE_SUMS), await readFile(sumsFile));
      const earlierSig = await readFile(await key.signDetached(path.join(earlier, RELEASE_SUMS)));

      const same = existing({ [RELEASE_SUMS]: await readFile(sumsFile), [RELEASE_SUMS_SIGNATURE]: earlierSig });
      assert.equal(await signer.sign(sumsFile, same), 'kept');
      assert.deepEqual(await readFile(sigFile), earlierSig, 'the signature the release holds, byte for byte');
      assert.equal(signings(docker).length, 0, 'nothing was signed');

      const cases: [string, ExistingAsset[]][] = [
        ['other sums', existing({ [RELEASE_SUMS]: 'other sums\n', [RELEASE_SUMS_SIGNATURE]: earlierSig })],
        [
          'a signature by another key',
          existing({
            [RELEASE_SUMS]: await readFile(sumsFile),
            [RELEASE_SUMS_SIGNATURE]: await readFile(await other.signDetached(path.join(earlier, RELEASE_SUMS))),
          }),
        ],
        [
          'a signature that is not one',
          existing({ [RELEASE_SUMS]: await readFile(sumsFile), [RELEASE_SUMS_SIGNATURE]: 'not a signature' }),
        ],
        [
          'an upload that broke',
          existing({ [RELEASE_SUMS]: await readFile(sumsFile), [RELEASE_SUMS_SIGNATURE]: earlierSig }, false),
        ],
        ['no signature', existing({ [RELEASE_SUMS]: await readFile(sumsFile) })],
      ];
      for (const [what, assets] of cases) {
        const before = signings(docker).length;
        assert.equal(await signer.sign(sumsFile, assets), 'signed', what);
        assert.equal(signings(docker).length, before + 1, what);
        assert.equal(await hostSignatureBy(sumsFile, sigFile, publicKey), key.fingerprint, what);
        assert.ok(!existsSync(`${sigFile}.release`), `${what}: the release's signature was left beside the sums`);
      }
    } finally {
      await signer.dispose();
    }
    assertNothingLeft(docker);
  });

  it('a shipped key that is not the signing key: one line naming both keys, nothing signed, nothing left', async () => {
    const { root, docker, request } = await setup();
    const shipped = path.join(root, PUBLIC_KEY_FILE);
    await writeFile(shipped, other.armoredPublic);
    await assert.rejects(
      releaseSigner({ ...request, shippedKey: { name: PUBLIC_KEY_FILE, file: shipped, from: 'out-rc5' } }),
      (e: Error) =>
        e instanceof InputError &&
        e.message ===
          `the release's ${PUBLIC_KEY_FILE} (out-rc5) is key ${other.fingerprint}, but the signing key is ${key.fingerprint}; release with the key the builds were signed with (NOKMEM_SIGNING_KEY)`,
    );
    assert.deepEqual(signings(docker), []);
    assertNothingLeft(docker);
  });

  it('a build that does not match its signed SHA256SUMS: nothing is released, the build and its failures named', async () => {
    const { root, docker, request } = await setup();
    const tampered = await buildOutput(root, 'out-tampered', key);
    await writeFile(path.join(tampered.dir, 'runc-nokmem-1.0.0~rc5-1.el7.x86_64.rpm'), 'changed after signing');
    const foreign = await buildOutput(root, 'out-foreign', other);
    const cases: [BuildOutput, RegExp][] = [
      [tampered, /runc-nokmem-1\.0\.0~rc5-1\.el7\.x86_64\.rpm has sha256 [0-9a-f]{64}, SHA256SUMS says [0-9a-f]{64}/],
      [foreign, new RegExp(`SHA256SUMS\\.asc is not a valid signature by ${key.fingerprint.slice(-16)}`)],
    ];
    for (const [build, why] of cases) {
      const error = await releaseSigner({ ...request, builds: [build] }).catch((e: unknown) => e);
      assert.ok(error instanceof VerificationFailed, String(error));
      assert.ok(
        error.message.startsWith(`runc v1.0.0-rc5 (${build.dir}) does not match its signed SHA256SUMS (`) &&
          error.message.endsWith('); nothing was released: release the build outputs as nokmem build wrote them'),
        error.message,
      );
      assert.match(error.message, why);
      assert.ok(error.failed.length > 0 && error.failed.every((f) => f.where === build.dir));
    }
    assert.deepEqual(signings(docker), []);
    assertNothingLeft(docker);
  });

  it('a wrong passphrase stops before any build is checked, without the passphrase in the message', async () => {
    const { root, docker, request } = await setup({
      signing: { armoredKey: key.armoredPrivate, passphrase: 'not-the-passphrase' },
    });
    request.builds = [await buildOutput(root, 'out-rc5', key)];
    await assert.rejects(
      releaseSigner(request),
      (e: Error) => e instanceof InputError && e.message === WRONG_PASSPHRASE,
    );
    assert.equal(docker.runs.length, 1, 'only the key check ran');
    assertNothingLeft(docker);
  });

  it('without a key: the development key of the cache, said so, its public key shipped', async () => {
    const { root, workDir, docker, log, request } = await setup({ signing: {} });
    // A development key an earlier run made, its facts beside it.
    const devKeyDir = path.join(request.cacheDir, 'dev-signing-key');
    const unprotected = await makeHostTestKey();
    try {
      await mkdir(devKeyDir, { recursive: true });
      await writeFile(path.join(devKeyDir, 'dev-signing-key.asc'), unprotected.armoredPrivate);
      await writeFile(
        path.join(devKeyDir, 'dev-signing-key.json'),
        JSON.stringify({ fingerprint: unprotected.fingerprint, publicKeyArmored: unprotected.armoredPublic }),
      );
      request.builds = [await buildOutput(root, 'out-dev', unprotected)];
      const signer = await releaseSigner(request);
      try {
        assert.equal(signer.development, true);
        assert.equal(signer.fingerprint, unprotected.fingerprint);
        assert.equal(await readFile(signer.publicKeyFile, 'utf8'), unprotected.armoredPublic);
        assert.ok(log.lines.some((l) => l.startsWith('warning: packages are signed with a throwaway development key')));
        const sumsFile = await releaseSums(workDir);
        assert.equal(await signer.sign(sumsFile, []), 'signed');
        assert.equal(await hostSignatureBy(sumsFile, `${sumsFile}.asc`, signer.publicKeyFile), unprotected.fingerprint);
      } finally {
        await signer.dispose();
      }
      assertNothingLeft(docker);
      assert.deepEqual((await readdir(workDir)).sort(), [PUBLIC_KEY_FILE, RELEASE_SUMS, RELEASE_SUMS_SIGNATURE].sort());
      assert.ok(
        existsSync(path.join(devKeyDir, 'dev-signing-key.asc')),
        'the development key is kept for the next run',
      );
    } finally {
      await unprotected.dispose();
    }
  });
});
