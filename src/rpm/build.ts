// rpmbuild and rpmsign, in the packager container. The packaged binary stays byte-identical to the verified one
// (no strip, no build-id links: see the spec headers), the payload is xz (EL7's rpm 4.11 cannot read zstd), and
// SOURCE_DATE_EPOCH with a fixed build host makes the same inputs give the same bytes (wherever _topdir is).
// Host paths are mounted with hostMount, so that a packager session (Docker.session) can run these commands.

import { copyFile, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type DockerEngine, hostMount } from '../docker.js';
import { UserError } from '../errors.js';
import { GNUPG, signingCommand } from '../gpg.js';
import type { SigningKey } from '../signing.js';
import type { Component } from '../version.js';
import { PACKAGES, RPM_SPECS_DIR, type SpecInputs, renderSpec, specValues } from './spec.js';

/** rpmbuild settings for EL7-readable, reproducible packages. */
export const RPMBUILD_DEFINES: [string, string][] = [
  // xz preset 1: about half the time of preset 2 for a 10 MB Go binary, 1 % larger; EL7's rpm reads any xz preset.
  // Two threads (liblzma's multithreaded encoder: independent blocks, which any xz decoder reads, EL7's included)
  // halve the kubelet's 9 s of compression; its output depends on the settings, never on the machine's cores.
  ['_binary_payload', 'w1T2.xzdio'],
  ['_binary_filedigest_algorithm', '8'],
  ['_buildhost', 'nokmem'],
  ['use_source_date_epoch_as_buildtime', '1'],
  ['clamp_mtime_to_source_date_epoch', '1'],
  ['_unpackaged_files_terminate_build', '1'],
];

export interface BuiltRpm {
  file: string;
  spec: string;
}

export async function buildRpm(
  binary: string,
  inputs: SpecInputs,
  workDir: string,
  docker: DockerEngine,
  image: string,
  overrides: [string, string][] = [],
): Promise<BuiltRpm> {
  const pkg = PACKAGES[inputs.component];
  const top = path.join(workDir, 'rpmbuild');
  for (const dir of ['SOURCES', 'SPECS', 'RPMS', 'BUILD', 'BUILDROOT', 'SRPMS'])
    await mkdir(path.join(top, dir), { recursive: true });
  const values = specValues(inputs);
  await copyFile(binary, path.join(top, 'SOURCES', values.binary!));
  // The wiring files name the binary's path: they are templates too.
  for (const source of pkg.extraSources)
    await writeFile(
      path.join(top, 'SOURCES', source),
      renderSpec(await readFile(path.join(RPM_SPECS_DIR, 'files', source), 'utf8'), values),
    );
  const spec = renderSpec(await readFile(path.join(RPM_SPECS_DIR, pkg.template), 'utf8'), values);
  await writeFile(path.join(top, 'SPECS', `${values.name}.spec`), spec);
  await docker.prepareWritable(top);
  const defines = [...RPMBUILD_DEFINES, ...overrides].flatMap(([k, v]) => ['--define', `${k} ${v}`]);
  const topdir = hostMount(top);
  await docker.run({
    image,
    command: [
      'rpmbuild',
      '-bb',
      '--target',
      'x86_64',
      '--define',
      `_topdir ${topdir.container}`,
      ...defines,
      `${topdir.container}/SPECS/${values.name}.spec`,
    ],
    mounts: [topdir],
    env: { SOURCE_DATE_EPOCH: String(inputs.epoch), TZ: 'UTC', LC_ALL: 'C' },
    purpose: `package ${values.name}`,
  });
  const rpms = (await readdir(path.join(top, 'RPMS', 'x86_64')).catch(() => [])).filter((f) => f.endsWith('.rpm'));
  if (rpms.length !== 1)
    throw new UserError(
      `rpmbuild of ${values.name} produced ${rpms.length} packages instead of one; check specs/rpm/${pkg.template} (one package per spec)`,
    );
  return { file: path.join(top, 'RPMS', 'x86_64', rpms[0]!), spec };
}

/**
 * Adds both signatures: the v4 header signature and the v3 header+payload one that EL7's rpm 4.11 checks. Only the
 * packager container holds the key, so the packages go through its scratch directory: copied in, signed, copied back.
 */
export async function signRpms(files: string[], key: SigningKey): Promise<void> {
  const names = files.map((f) => path.basename(f));
  if (new Set(names).size !== names.length) throw new Error('bug: sign RPMs of distinct file names at a time');
  await key.ready();
  const dir = await mkdtemp(path.join(key.scratch, '.sign-'));
  try {
    for (const f of files) await copyFile(f, path.join(dir, path.basename(f)));
    await key.packager.prepareWritable(dir);
    const rpmDir = hostMount(dir);
    const signing = signingCommand(key, (unlock) => [
      'rpmsign',
      '--addsign',
      '--rpmv3',
      '--define',
      `_gpg_name ${key.fingerprint}`,
      '--define',
      '_gpg_digest_algo sha256',
      '--define',
      '__gpg /usr/bin/gpg',
      '--define',
      `_gpg_sign_cmd_extra_args ${['--batch', '--no-tty', ...unlock].join(' ')}`,
      ...names.map((name) => `${rpmDir.container}/${name}`),
    ]);
    await key.packager.run({
      image: key.image,
      command: signing.command,
      input: signing.stdinPrefix,
      mounts: [rpmDir],
      env: { GNUPGHOME: GNUPG },
      purpose: 'sign the packages',
      needsSession: true,
    });
    for (const f of files) await copyFile(path.join(dir, path.basename(f)), f);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A detached, armored signature of a file (SHA256SUMS.asc, repomd.xml.asc): the file in on stdin, the signature out. */
export async function signDetached(file: string, key: SigningKey): Promise<string> {
  const out = `${file}.asc`;
  await key.ready();
  const signing = signingCommand(key, (unlock) => [
    'gpg',
    '--batch',
    '--no-tty',
    ...unlock,
    '--local-user',
    key.fingerprint,
    '--digest-algo',
    'SHA256',
    '--armor',
    '--detach-sign',
    '--output',
    '-',
  ]);
  const r = await key.packager.run({
    image: key.image,
    command: signing.command,
    input: Buffer.concat([Buffer.from(signing.stdinPrefix ?? ''), await readFile(file)]),
    mounts: [],
    env: { GNUPGHOME: GNUPG },
    purpose: `sign ${path.basename(file)}`,
    needsSession: true,
  });
  if (!r.stdout.includes('-----BEGIN PGP SIGNATURE-----'))
    throw new Error(`bug: gpg made no signature of ${path.basename(file)}`);
  await writeFile(out, r.stdout);
  return out;
}

export function componentOfPackage(name: string): Component | undefined {
  return (Object.entries(PACKAGES) as [Component, { name: string }][]).find(([, p]) => p.name === name)?.[0];
}
