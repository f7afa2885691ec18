// The signature of a release's own SHA256SUMS, made in the release job with the project key: one signed file vouches
// for every asset (the RPMs, each build's archive, the doctor's image), so a user checks one signature and then
// `sha256sum -c`. The key comes from the environment, as for build and publish (src/signing.ts: it lives only in
// the packager container). Before anything reaches GitHub: the key must be the one the release ships (the builds'
// RPM-GPG-KEY-nokmem), and each build must match its own SHA256SUMS, signed by that key — the release signs only
// what the builds signed. A re-run keeps the signature the release already holds when it is over the same sums and
// valid by the key: a new one would differ (gpg puts the time in it), and the re-run would not be idempotent.

import { readdirSync } from 'node:fs';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { DockerEngine } from '../docker.js';
import { InputError, VerificationFailed } from '../errors.js';
import { detachedSignatureValid } from '../gpg.js';
import type { Logger } from '../log.js';
import { signDetached } from '../rpm/build.js';
import { PUBLIC_KEY_FILE, type SigningConfig, type SigningKey, prepareSigningKey } from '../signing.js';
import { devKeyPlace } from '../dev-key.js';
import { keyFingerprint, verifySums } from '../verify/packages.js';
import type { ExistingAsset } from './github.js';
import { type BuildOutput, RELEASE_SUMS, RELEASE_SUMS_SIGNATURE, type ReleaseAsset } from './release-assets.js';

export interface ReleaseSigner {
  fingerprint: string;
  /** The project's public key: the one the release ships, or (when it ships none yet) the signing key's, to ship. */
  publicKeyFile: string;
  development: boolean;
  /** Writes SHA256SUMS.asc beside `sumsFile`: the release's own when still valid ("kept"), else a new one. */
  sign(sumsFile: string, existing: readonly ExistingAsset[]): Promise<'kept' | 'signed'>;
  dispose(): Promise<void>;
}

export interface ReleaseSigningRequest {
  signing: SigningConfig;
  builds: readonly BuildOutput[];
  /** The RPM-GPG-KEY-nokmem among the assets, if any. */
  shippedKey?: ReleaseAsset;
  docker: DockerEngine;
  image: string;
  log: Logger;
  /** This run's scratch directory (the packager container's too). */
  workDir: string;
  cacheDir: string;
}

export async function releaseSigner(request: ReleaseSigningRequest): Promise<ReleaseSigner> {
  const { docker, image } = request;
  const key: SigningKey = await prepareSigningKey(request.signing, {
    docker,
    log: request.log,
    image,
    scratchRoot: request.workDir,
    ...devKeyPlace(request.signing, request.cacheDir),
  });
  try {
    const shippedKey = request.shippedKey;
    let publicKeyFile: string;
    if (shippedKey) {
      publicKeyFile = shippedKey.file;
      const shipped = await keyFingerprint(publicKeyFile, docker, image);
      if (shipped !== key.fingerprint)
        throw new InputError(
          `the release's ${PUBLIC_KEY_FILE} (${shippedKey.from}) is key ${shipped}, but the signing key is ${key.fingerprint}; release with the key the builds were signed with (NOKMEM_SIGNING_KEY)`,
        );
    } else {
      publicKeyFile = path.join(request.workDir, PUBLIC_KEY_FILE);
      await writeFile(publicKeyFile, key.publicKeyArmored);
    }
    for (const build of request.builds) await checkBuildSums(build, publicKeyFile, key.fingerprint, docker, image);
    return {
      fingerprint: key.fingerprint,
      publicKeyFile,
      development: key.development,
      async sign(sumsFile, existing) {
        const signature = `${sumsFile}.asc`;
        if (await keepSignature(sumsFile, signature, existing, publicKeyFile, key.fingerprint, docker, image))
          return 'kept';
        await signDetached(sumsFile, key);
        return 'signed';
      },
      dispose: () => key.dispose(),
    };
  } catch (error) {
    await key.dispose();
    throw error;
  }
}

/** A build's files against its own SHA256SUMS, and that file's signature by the release's key. */
async function checkBuildSums(
  build: BuildOutput,
  publicKeyFile: string,
  fingerprint: string,
  docker: DockerEngine,
  image: string,
): Promise<void> {
  const names = readdirSync(build.dir);
  if (!names.includes('SHA256SUMS')) return; // a build without packages (--no-package) signs nothing
  const rpms = names.filter((n) => n.endsWith('.rpm')).map((n) => path.join(build.dir, n));
  const failed = (await verifySums(build.dir, rpms, publicKeyFile, fingerprint, { docker, image })).filter(
    (c) => c.status === 'fail',
  );
  if (failed.length > 0)
    throw new VerificationFailed(
      `${build.record.component} ${build.record.version} (${build.dir}) does not match its signed SHA256SUMS (${failed.map((c) => c.detail).join('; ')}); nothing was released: release the build outputs as nokmem build wrote them`,
      failed.map((c) => ({ name: c.name, detail: c.detail, where: build.dir })),
    );
}

/** Whether the release holds a valid signature of these very sums; if so it is written beside them. */
async function keepSignature(
  sumsFile: string,
  signature: string,
  existing: readonly ExistingAsset[],
  publicKeyFile: string,
  fingerprint: string,
  docker: DockerEngine,
  image: string,
): Promise<boolean> {
  const sums = existing.find((a) => a.name === RELEASE_SUMS && a.uploaded);
  const asc = existing.find((a) => a.name === RELEASE_SUMS_SIGNATURE && a.uploaded);
  if (!sums || !asc) return false;
  if (!(await sums.download()).equals(await readFile(sumsFile))) return false;
  // The release's signature is checked beside the sums; an invalid one is not left there.
  const candidate = `${signature}.release`;
  await writeFile(candidate, await asc.download());
  try {
    if (!(await detachedSignatureValid(sumsFile, candidate, publicKeyFile, fingerprint, { docker, image })))
      return false;
    await rename(candidate, signature);
    return true;
  } finally {
    await rm(candidate, { force: true });
  }
}
