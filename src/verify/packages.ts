// Verification of built packages (one RPM or a directory of them) against the project's public key: the RPM
// checks (signature, EL7 payload and rpmlib), the GLIBC needs of every ELF file in the payload, the nokmem
// proofs re-run on the binary extracted from the package, and SHA256SUMS with its detached signature.

import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, realpath, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { parseSha256sums, sha256 } from '../attest.js';
import { type DockerEngine, hostMount } from '../docker.js';
import { InputError } from '../errors.js';
import { detachedSignatureValid } from '../gpg.js';
import { componentOfPackage } from '../rpm/build.js';
import { readNevra } from '../rpm/header.js';
import { elfChecks, fileNameCheck, inspectRpm, rpmChecks } from './rpm.js';
import { tagFromRpmVersion } from '../rpm/spec.js';
import type { VersionTable } from '../specs.js';
import { eraFor, fsPackageFor, reportedVersion } from '../specs.js';
import { type Component, parseVersion } from '../version.js';
import { RUNC_PROOF } from './functional-proof.js';
import { allInOrder, verifyBinary } from './index.js';
import { KUBELET_PROOF } from './kubelet-trace.js';
import { PROBE_NAME } from './toolchain-probe.js';
import { type Check, type Verdict, fail, pass, skipped, verdictOf } from './verdict.js';

export const NOT_TRUSTED = 'not run: the package is not signed by the project key';
/** The checks that execute the payload (or inspect it in a toolchain container): only for a trusted package. */
const UNTRUSTED_PROOFS = ['version string', 'nokmem proof', RUNC_PROOF];

export interface PackageVerdict extends Verdict {
  file: string;
}

export interface PackagesReport {
  ok: boolean;
  packages: PackageVerdict[];
  sums: Check[];
}

/** What the binary in the packages must be, when the caller knows it (a build's plan). */
export interface PackageExpectation {
  component: Component;
  tag: string;
  /** What `--version` prints, where it is not the tag's (specs/versions.yaml `reports`). */
  version?: string;
  fsPackage: string;
  marker: boolean;
  /**
   * The binary this build verified: its sha256 and the checks that proved it. A packaged binary with these exact
   * bytes carries that proof (the checks are functions of the bytes); any other bytes are proven again.
   */
  proven?: { sha256: string; checks: readonly Check[] };
}

export interface PackageVerifyTools {
  docker: DockerEngine;
  image: string;
  scratchRoot: string;
  functional: boolean;
  /**
   * The build that made the packages knows what they hold; `nokmem verify PACKAGE` does not, and works it out from
   * the package header and the version table.
   */
  expect: PackageExpectation | { table: VersionTable };
}

/** What the binary of a package must be: given by the build, or read from its header against the version table. */
function expectationOf(name: string, version: string, expect: PackageVerifyTools['expect']): PackageExpectation {
  if ('component' in expect) return expect;
  const component = componentOfPackage(name) ?? 'runc';
  const tag = tagFromRpmVersion(version);
  const spec = expect.table[component];
  let era;
  try {
    era = eraFor(spec, parseVersion(component, tag));
  } catch {
    era = undefined; // a fork's own version (e.g. v1.0.0-rc5+dev) is not an upstream release
  }
  return {
    component,
    tag,
    version: reportedVersion(spec, tag),
    fsPackage: fsPackageFor(spec, era),
    marker: era?.marker ?? false,
  };
}

/** The fingerprint of an armored public key (read once per run, not per package). */
export async function keyFingerprint(publicKeyFile: string, docker: DockerEngine, image: string): Promise<string> {
  const key = hostMount(publicKeyFile, true);
  const r = await docker.run({
    image,
    command: ['gpg', '--batch', '--with-colons', '--show-keys', key.container],
    mounts: [key],
    purpose: 'read the public key',
    allowFailure: true,
  });
  const fpr = r.stdout
    .split('\n')
    .find((l) => l.startsWith('fpr:'))
    ?.split(':')[9];
  if (!fpr)
    throw new InputError(`${publicKeyFile} is not an armored OpenPGP public key; pass the project's key with --key`);
  return fpr;
}

/** The key's fingerprint may still be being read (keyFingerprint): the package is inspected meanwhile. */
export async function verifyRpm(
  rpm: string,
  publicKeyFile: string,
  fingerprint: string | Promise<string>,
  tools: PackageVerifyTools,
): Promise<PackageVerdict> {
  const extract = await mkdtemp(path.join(tools.scratchRoot, '.payload-'));
  try {
    const facts = await inspectRpm(rpm, publicKeyFile, extract, tools.docker, tools.image);
    if (!facts.name)
      return { file: rpm, ok: false, checks: [fail('package', `${path.basename(rpm)} is not a readable RPM`)] };
    const checks = rpmChecks(facts, await fingerprint);
    const elves = await elfChecks(extract);
    checks.push(...elves.checks);
    // Nothing in a package is executed before it is trusted: a payload not signed by the project key could do
    // anything the verifier may do (the functional proof runs the binary as root).
    if (checks.some((c) => c.name === 'signature' && c.status !== 'pass')) {
      const proofs = facts.name === 'kubelet' ? [...UNTRUSTED_PROOFS, KUBELET_PROOF] : UNTRUSTED_PROOFS;
      checks.push(...proofs.map((name) => skipped(name, NOT_TRUSTED)));
      return { file: rpm, ...verdictOf(checks) };
    }
    // kubelet is /usr/bin/kubelet; runc-nokmem's or a fork's runtime is the one ELF file in /usr/libexec/<name>/.
    const expected = expectationOf(facts.name, facts.version, tools.expect);
    const { component } = expected;
    const own = elves.files.filter((f) => path.relative(extract, f).startsWith(`usr/libexec/${facts.name}/`));
    const binary = component === 'kubelet' ? path.join(extract, 'usr/bin/kubelet') : own.length === 1 ? own[0]! : '';
    if (!binary || !existsSync(binary)) {
      checks.push(
        fail(
          'nokmem proof',
          `the package has no ${facts.name === 'kubelet' ? '/usr/bin/kubelet' : `single runtime binary in /usr/libexec/${facts.name}/`}`,
        ),
      );
      return { file: rpm, ...verdictOf(checks) };
    }
    const proven = expected.proven;
    if (proven && sha256(await readFile(binary)) === proven.sha256) {
      const same = `the packaged binary is byte-identical to the one this build verified (sha256 ${proven.sha256.slice(0, 16)}…)`;
      checks.push(
        ...proven.checks
          .filter((c) => c.name !== 'EL7 glibc' && c.name !== PROBE_NAME)
          .map((c) => ({ ...c, detail: `${c.detail}; ${same}` })),
      );
      return { file: rpm, ...verdictOf(checks) };
    }
    const proof = await verifyBinary(
      {
        binary,
        component,
        tag: expected.tag,
        version: expected.version,
        expect: { fsPackage: expected.fsPackage, marker: expected.marker },
      },
      {
        docker: tools.docker,
        toolImage: tools.image,
        scratchRoot: tools.scratchRoot,
        functional: tools.functional,
      },
    );
    // The payload's EL7 check already covers the binary; keep the proof's other checks.
    checks.push(...proof.checks.filter((c) => c.name !== 'EL7 glibc'));
    return { file: rpm, ...verdictOf(checks) };
  } finally {
    await rm(extract, { recursive: true, force: true });
  }
}

/** SHA256SUMS next to the packages: every package is listed with its hash, and the file is signed by the key. */
export async function verifySums(
  dir: string,
  rpms: string[],
  publicKeyFile: string,
  fingerprint: string | Promise<string>,
  tools: Pick<PackageVerifyTools, 'docker' | 'image'>,
): Promise<Check[]> {
  const sumsFile = path.join(dir, 'SHA256SUMS');
  if (!existsSync(sumsFile)) return [fail('SHA256SUMS', `no SHA256SUMS in ${dir}`)];
  const sums = parseSha256sums(await readFile(sumsFile, 'utf8'));
  const checks: Check[] = [];
  // Every listed file that is here must match; every package must be listed.
  for (const [name, want] of sums) {
    const file = path.join(dir, name);
    if (rpms.includes(file) || !existsSync(file)) continue;
    const have = sha256(await readFile(file));
    if (have !== want) checks.push(fail('SHA256SUMS', `${name} has sha256 ${have}, SHA256SUMS says ${want}`));
  }
  for (const rpm of rpms) {
    const want = sums.get(path.basename(rpm));
    const have = sha256(await readFile(rpm));
    checks.push(
      !want
        ? fail('SHA256SUMS', `${path.basename(rpm)} is not listed`)
        : want === have
          ? pass('SHA256SUMS', `${path.basename(rpm)} ${have.slice(0, 16)}… matches`)
          : fail('SHA256SUMS', `${path.basename(rpm)} has sha256 ${have}, SHA256SUMS says ${want}`),
    );
  }
  if (!existsSync(`${sumsFile}.asc`)) {
    checks.push(fail('SHA256SUMS signature', 'SHA256SUMS.asc is missing'));
    return checks;
  }
  const key = await fingerprint;
  const valid = await detachedSignatureValid(sumsFile, `${sumsFile}.asc`, publicKeyFile, key, tools);
  checks.push(
    valid
      ? pass('SHA256SUMS signature', `signed by ${key.slice(-16)}`)
      : fail('SHA256SUMS signature', `SHA256SUMS.asc is not a valid signature by ${key.slice(-16)}`),
  );
  return checks;
}

/**
 * What `nokmem verify` adds to a package's verdict: its file name must be what its header says (publish, which
 * names packages by their header itself, does not need this).
 */
async function withFileName(verdict: PackageVerdict): Promise<PackageVerdict> {
  const header = await readNevra(verdict.file).catch(() => undefined);
  if (!header) return verdict; // not a readable RPM: its verdict says so already
  return { file: verdict.file, ...verdictOf([...verdict.checks, fileNameCheck(verdict.file, header)]) };
}

/**
 * The key a verification trusts must come from elsewhere than what it verifies: whoever replaced the packages and
 * SHA256SUMS in a directory replaced the RPM-GPG-KEY-nokmem beside them too. Refused: a key file inside `dir` (by
 * any path that resolves there, e.g. a symbolic link), or the same file as one in it (a hard link).
 */
export async function refuseShippedKey(dir: string, publicKeyFile: string): Promise<void> {
  const fix = `pass the project's key from a copy you trust, held outside ${dir}`;
  const [realDir, realKey] = await Promise.all([realpath(dir), realpath(publicKeyFile)]);
  if (realKey.startsWith(`${realDir}${path.sep}`))
    throw new InputError(
      `--key ${publicKeyFile} is inside ${dir}, which is being verified: a key shipped with the packages proves nothing; ${fix}`,
    );
  const key = await stat(realKey);
  for (const name of await readdir(realDir)) {
    const other = await stat(path.join(realDir, name)).catch(() => undefined);
    if (other?.isFile() && other.ino === key.ino && other.dev === key.dev)
      throw new InputError(
        `--key ${publicKeyFile} is the same file as ${path.join(dir, name)}, which is being verified: a key shipped with the packages proves nothing; ${fix}`,
      );
  }
}

/** Verifies one RPM, or every RPM in a directory together with its SHA256SUMS. */
export async function verifyPackageDir(
  target: string,
  publicKeyFile: string,
  tools: PackageVerifyTools,
): Promise<PackagesReport> {
  if (!existsSync(publicKeyFile))
    throw new InputError(
      `public key ${publicKeyFile} does not exist; pass the project's key (RPM-GPG-KEY-nokmem) with --key`,
    );
  const isDir = (await stat(target)).isDirectory();
  await refuseShippedKey(isDir ? target : path.dirname(target), publicKeyFile);
  const rpms = isDir
    ? (await readdir(target))
        .filter((f) => f.endsWith('.rpm'))
        .sort()
        .map((f) => path.join(target, f))
    : [target];
  if (rpms.length === 0) throw new InputError(`${target} holds no .rpm files; give an RPM or a directory of them`);
  // Read while the first package is inspected; each check awaits it where it compares (a key that is not one
  // still stops the run with its one-line error, once both have ended).
  const fingerprint = keyFingerprint(publicKeyFile, tools.docker, tools.image);
  fingerprint.catch(() => undefined);
  const dir = isDir ? target : path.dirname(target);
  // The sums are checked while the packages are (one package after another).
  const [packages, sums] = await allInOrder<[PackageVerdict[], Check[]]>(
    (async () => {
      const verdicts: PackageVerdict[] = [];
      for (const rpm of rpms)
        verdicts.push(await withFileName(await verifyRpm(rpm, publicKeyFile, fingerprint, tools)));
      return verdicts;
    })(),
    isDir || existsSync(path.join(dir, 'SHA256SUMS'))
      ? verifySums(dir, rpms, publicKeyFile, fingerprint, tools)
      : Promise.resolve([]),
  );
  return { ok: packages.every((p) => p.ok) && sums.every((c) => c.status !== 'fail'), packages, sums };
}
