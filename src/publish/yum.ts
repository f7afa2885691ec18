// Publishing verified RPMs into a yum repository that EL7 clients use with gpgcheck=1 and repo_gpgcheck=1.
//
// Layout:  Packages/*.rpm   .repodata-<generation>/   repodata -> .repodata-<generation>   RPM-GPG-KEY-nokmem
//          nokmem.repo
// Atomic:  packages first (unreferenced until the metadata names them), then a complete new metadata
//          generation (hashed files, repomd.xml and its signature, plus the superseded hashed files clients
//          may still ask for), and last the `repodata` symlink swapped by rename(2): a client sees the old
//          repository or the new one, never a mix. An interrupted publish leaves the previous generation live.

import { existsSync } from 'node:fs';
import {
  copyFile,
  link,
  lstat,
  mkdir,
  readFile,
  readdir,
  readlink,
  rename,
  rm,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomically } from '../atomic-dir.js';
import type { DockerEngine } from '../docker.js';
import { InputError, PinMismatch } from '../errors.js';
import type { Logger } from '../log.js';
import { signDetached } from '../rpm/build.js';
import { type Nevra, canonicalFileName, nevr, readNevra } from '../rpm/header.js';
import type { SigningKey } from '../signing.js';
import { PUBLIC_KEY_FILE } from '../signing.js';
import { linkName, partialName, stagingName, sweepDeadPublishes } from './leftovers.js';
import { acquireLock } from './lock.js';
import { rpmvercmp } from '../rpm/vercmp.js';
import { sha256File } from '../digest.js';

export { rpmvercmp };

export const REPO_FILE = 'nokmem.repo';
/** Metadata generations kept on disk, so a client holding an older repomd.xml still finds its files. */
export const KEEP_GENERATIONS = 3;

type CrashAt = 'after-packages' | 'after-metadata' | 'before-swap';
export type CrashPoint = CrashAt | `${CrashAt}:hold`;

export interface PublishInput extends Nevra {
  rpm: string;
}

/** A package to publish, known by its header (its file name may say anything). */
export async function publishInput(rpm: string): Promise<PublishInput> {
  return { rpm, ...(await readNevra(rpm)) };
}

/** NAME-VERSION-RELEASE.ARCH.rpm, as rpmbuild names packages. */
export function parseRpmName(file: string): PublishInput {
  const m = /^(.+)-([^-]+)-([^-]+)\.([^.]+)\.rpm$/.exec(path.basename(file));
  if (!m) throw new InputError(`${path.basename(file)} is not named NAME-VERSION-RELEASE.ARCH.rpm`);
  return { rpm: file, name: m[1]!, version: m[2]!, release: m[3]!, arch: m[4]! };
}

export interface PublishOptions {
  repo: string;
  packages: PublishInput[];
  key: SigningKey;
  keep: number;
  baseUrl: string;
  docker: DockerEngine;
  image: string;
  log: Logger;
  lockWaitMs?: number;
  /** Test hook (set from the environment at the edge): stop the process at this point, as a crash would. */
  crashAt?: CrashPoint;
}

export interface PublishResult {
  added: string[];
  unchanged: string[];
  removed: string[];
  generation: string;
}

/** The test hook: exit at the point as a crash would, or (`<point>:hold`) wait there to be killed. */
async function crash(options: PublishOptions, point: CrashPoint): Promise<void> {
  if (options.crashAt === `${point}:hold`) {
    process.stderr.write(`nokmem: holding at ${point}\n`);
    await new Promise(() => {});
  }
  if (options.crashAt === point) {
    process.stderr.write(`nokmem: simulated crash at ${point}\n`);
    process.exit(137);
  }
}

export function repoFile(baseUrl: string): string {
  return [
    '[nokmem]',
    'name=nokmem: kubelet and runc without kernel-memory accounting',
    `baseurl=${baseUrl}`,
    'enabled=1',
    'gpgcheck=1',
    'repo_gpgcheck=1',
    `gpgkey=${baseUrl.replace(/\/$/, '')}/${PUBLIC_KEY_FILE}`,
    '',
  ].join('\n');
}

async function currentGeneration(repo: string): Promise<string | undefined> {
  const link = path.join(repo, 'repodata');
  if (!existsSync(link)) return undefined;
  if (!(await lstat(link)).isSymbolicLink()) {
    throw new InputError(
      `${link} is a directory, not the generation link nokmem publishes; publish into an empty directory or one nokmem made`,
    );
  }
  return readlink(link);
}

export async function publishToRepo(options: PublishOptions): Promise<PublishResult> {
  const { repo, docker, image, log } = options;
  await mkdir(path.join(repo, 'Packages'), { recursive: true });
  const release = await acquireLock(path.join(repo, '.publish.lock'), {
    waitMs: options.lockWaitMs ?? 600_000,
    onWait: (pid) => log.info(`  waiting for the publish of pid ${pid} to finish`),
  });
  const staging = path.join(repo, stagingName());
  try {
    for (const gone of await sweepDeadPublishes(repo)) log.info(`  removed ${gone}, left by a publish that died`);
    // The repository's key: a repository is signed by one key, forever.
    const keyFile = path.join(repo, PUBLIC_KEY_FILE);
    if (existsSync(keyFile) && (await readFile(keyFile, 'utf8')).trim() !== options.key.publicKeyArmored.trim()) {
      throw new PinMismatch(
        `${repo} is signed with another key (${keyFile}); publish with the repository's key, or into a new repository`,
      );
    }

    // 1. Packages. A name-epoch-version-release.arch (from the header, whatever the file is called) is published
    //    once: the same bytes again are a no-op, others are refused. Files get rpmbuild's canonical name.
    const result: PublishResult = { added: [], unchanged: [], removed: [], generation: '' };
    const published = new Map<string, string>();
    for (const file of (await readdir(path.join(repo, 'Packages'))).filter((f) => f.endsWith('.rpm'))) {
      const header = await readNevra(path.join(repo, 'Packages', file));
      published.set(`${nevr(header)}.${header.arch}`, path.join(repo, 'Packages', file));
    }
    const incoming: { rpm: string; target: string }[] = [];
    for (const pkg of options.packages) {
      const id = `${nevr(pkg)}.${pkg.arch}`;
      const target = published.get(id) ?? path.join(repo, 'Packages', canonicalFileName(pkg));
      if (published.has(id) || existsSync(target)) {
        if ((await sha256File(target)) === (await sha256File(pkg.rpm))) {
          if (!result.unchanged.includes(path.basename(target))) result.unchanged.push(path.basename(target));
          continue;
        }
        throw new PinMismatch(
          `${nevr(pkg)} is already published with different bytes (${pkg.arch}, ${target}${path.basename(pkg.rpm) === path.basename(target) ? '' : `; given as ${path.basename(pkg.rpm)}`}); a release is never replaced: build with --release N+1`,
        );
      }
      published.set(id, pkg.rpm);
      incoming.push({ rpm: pkg.rpm, target });
    }
    for (const { rpm, target } of incoming) {
      await copyFile(rpm, partialName(target));
      await rename(partialName(target), target);
      result.added.push(path.basename(target));
    }
    await crash(options, 'after-packages');

    // 2. Retention: keep the newest N releases of each name-version.
    const groups = new Map<string, { file: string; release: string }[]>();
    for (const file of (await readdir(path.join(repo, 'Packages'))).filter((f) => f.endsWith('.rpm'))) {
      const p = parseRpmName(file);
      const key = `${p.name}-${p.version}.${p.arch}`;
      groups.set(key, [...(groups.get(key) ?? []), { file, release: p.release }]);
    }
    const retired: string[] = [];
    for (const list of groups.values()) {
      list.sort((a, b) => rpmvercmp(b.release, a.release));
      for (const old of list.slice(options.keep)) retired.push(old.file);
    }

    // 3. A complete new metadata generation, from the packages that stay.
    await rm(staging, { recursive: true, force: true });
    await mkdir(staging, { recursive: true });
    await docker.prepareWritable(staging);
    const previous = await currentGeneration(repo);
    const excludes = retired.flatMap((f) => ['--excludes', f]);
    await docker.run({
      image,
      command: [
        'createrepo_c',
        '--quiet',
        '--database',
        '--unique-md-filenames',
        '--checksum',
        'sha256',
        ...(previous ? ['--update', '--update-md-path', '/repo'] : []),
        ...excludes,
        '--outputdir',
        `/repo/${path.basename(staging)}`,
        '/repo',
      ],
      mounts: [{ host: repo, container: '/repo' }],
      purpose: 'write the repository metadata',
    });
    const newMd = path.join(staging, 'repodata');
    await signDetached(path.join(newMd, 'repomd.xml'), options.key);
    await crash(options, 'after-metadata');

    const generation = `.repodata-${new Date().toISOString().replace(/[-:.TZ]/g, '')}-${process.pid}`;
    const genDir = path.join(repo, generation);
    await rename(newMd, genDir);
    // Superseded hashed files stay reachable from the new generation for clients holding the old repomd.xml.
    if (previous && existsSync(path.join(repo, previous))) {
      for (const f of await readdir(path.join(repo, previous))) {
        if (f.startsWith('repomd.xml') || existsSync(path.join(genDir, f))) continue;
        await link(path.join(repo, previous, f), path.join(genDir, f)).catch(() =>
          copyFile(path.join(repo, previous, f), path.join(genDir, f)),
        );
      }
    }
    if (!existsSync(keyFile)) await writeFile(keyFile, options.key.publicKeyArmored);
    await crash(options, 'before-swap');

    // 4. The switch: one rename of a symlink.
    const tmpLink = path.join(repo, linkName());
    await rm(tmpLink, { force: true });
    await symlink(generation, tmpLink);
    await rename(tmpLink, path.join(repo, 'repodata'));
    result.generation = generation;
    // The .repo file describes the repository now live, so it changes only after the switch.
    await writeFileAtomically(path.join(repo, REPO_FILE), repoFile(options.baseUrl));

    // 5. Only now: retired packages and generations older than the last few.
    for (const f of retired) {
      await rm(path.join(repo, 'Packages', f), { force: true });
      result.removed.push(f);
    }
    const generations = (await readdir(repo)).filter(
      (d) => d.startsWith('.repodata-') && !d.startsWith('.repodata-link'),
    );
    const dated = await Promise.all(generations.map(async (d) => ({ d, t: (await stat(path.join(repo, d))).mtimeMs })));
    for (const { d } of dated.sort((a, b) => b.t - a.t).slice(KEEP_GENERATIONS))
      if (d !== generation) await rm(path.join(repo, d), { recursive: true, force: true });
    return result;
  } finally {
    await rm(staging, { recursive: true, force: true });
    await release();
  }
}

/** Mirrors the repository to a remote target (rsync over ssh, or a path) in the same safe order. */
export async function syncToRemote(
  repo: string,
  target: string,
  generation: string,
  runner: import('../runner.js').Runner,
): Promise<void> {
  const dest = target.endsWith('/') ? target : `${target}/`;
  const rsync = (args: string[], purpose: string) =>
    runner.run('rsync', ['--archive', '--links', '--mkpath', ...args], { purpose });
  await rsync(['--ignore-existing', `${repo}/Packages/`, `${dest}Packages/`], 'upload the packages');
  await rsync([`${repo}/${generation}/`, `${dest}${generation}/`], 'upload the metadata generation');
  await rsync([`${repo}/${PUBLIC_KEY_FILE}`, `${repo}/${REPO_FILE}`, dest], 'upload the key and the .repo file');
  await rsync([`${repo}/repodata`, dest], 'switch the remote repository to the new metadata');
  await rsync(
    [
      '--delete',
      ...['.publish.lock*', '.staging-*', '.repodata-link-*', '*.partial*'].flatMap((p) => ['--exclude', p]),
    ].concat([`${repo}/`, dest]),
    'remove retired packages and metadata remotely',
  );
}
