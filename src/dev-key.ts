// The development key: what signs when no key is configured (NOT FOR PRODUCTION). Made once (RSA 4096, no
// passphrase) and kept with its fingerprint and public key in the data directory, not the cache: wiping a cache must
// not change which key signs what a repository trusts. A key an earlier nokmem kept in the cache is moved from there.

import { existsSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomically } from './atomic-dir.js';
import { type Gpg, secretKeyFingerprint, sections } from './gpg.js';
import type { Logger } from './log.js';

/**
 * Where a run keeps the development key, and where a key made by an earlier nokmem, which kept it in the cache, is
 * found and moved from: the key an existing repository trusts stays the one that signs.
 */
export function devKeyPlace(
  config: { devKeyDir?: string },
  cacheDir: string,
): { devKeyDir: string; formerDevKeyDir?: string } {
  const inCache = path.join(cacheDir, 'dev-signing-key');
  if (!config.devKeyDir || path.resolve(config.devKeyDir) === path.resolve(inCache)) return { devKeyDir: inCache };
  return { devKeyDir: config.devKeyDir, formerDevKeyDir: inCache };
}

export interface DevelopmentKey {
  armored: string;
  facts: { fingerprint: string; publicKeyArmored: string };
}

/** The files of the development key and of its facts, in the directory that keeps them. */
const devKeyFiles = (dir: string) => ({
  keyFile: path.join(dir, 'dev-signing-key.asc'),
  factsFile: path.join(dir, 'dev-signing-key.json'),
});

/** The directory holds the development key (it is read, not made). */
export const hasDevelopmentKey = (dir: string): boolean => existsSync(devKeyFiles(dir).keyFile);

/** A development key kept where an earlier nokmem kept it (the cache) is moved to where it is kept now. */
export async function adoptFormerDevelopmentKey(deps: { devKeyDir: string; formerDevKeyDir?: string; log: Logger }) {
  const former = deps.formerDevKeyDir;
  if (!former || hasDevelopmentKey(deps.devKeyDir) || !hasDevelopmentKey(former)) return;
  const from = devKeyFiles(former);
  const to = devKeyFiles(deps.devKeyDir);
  await mkdir(deps.devKeyDir, { recursive: true, mode: 0o700 });
  if (existsSync(from.factsFile)) await writeFileAtomically(to.factsFile, await readFile(from.factsFile), 0o600);
  await writeFileAtomically(to.keyFile, await readFile(from.keyFile), 0o600);
  await rm(former, { recursive: true, force: true });
  deps.log.info(
    `  the development key moved from ${former} to ${deps.devKeyDir} (a cache may be wiped; the key stays)`,
  );
}

/**
 * The development key, made once per data directory (RSA 4096, no passphrase), with its fingerprint and public key beside
 * it, so that a run that signs nothing needs no container to know them.
 */
export async function developmentKey(gpg: Gpg, deps: { devKeyDir: string }): Promise<DevelopmentKey> {
  const { keyFile, factsFile } = devKeyFiles(deps.devKeyDir);
  if (existsSync(keyFile) && existsSync(factsFile)) {
    const facts = JSON.parse(await readFile(factsFile, 'utf8')) as DevelopmentKey['facts'];
    if (facts.fingerprint && facts.publicKeyArmored) return { armored: await readFile(keyFile, 'utf8'), facts };
  }
  // A key kept from before its facts were (or its facts lost): read them from the key itself.
  const existing = existsSync(keyFile) ? await readFile(keyFile, 'utf8') : undefined;
  const params = [
    'Key-Type: RSA',
    'Key-Length: 4096',
    'Key-Usage: sign',
    'Name-Real: nokmem development key (NOT FOR PRODUCTION)',
    'Name-Email: nokmem-dev@localhost',
    'Expire-Date: 0',
    '%no-protection',
    '%commit',
    '',
  ].join('\n');
  const r = await gpg.script(
    [
      `gpg --batch --no-tty --quiet ${existing ? '--import' : '--gen-key'} >/dev/null`,
      'echo "== keys"; gpg --batch --no-tty --quiet --with-colons --list-secret-keys',
      'echo "== secret"; gpg --batch --no-tty --quiet --armor --export-secret-keys',
      'echo "== public"; gpg --batch --no-tty --quiet --armor --export',
    ].join(' && '),
    [],
    {
      input: existing ?? params,
      purpose: existing ? 'read the development signing key' : 'make a development signing key',
    },
  );
  const found = sections(r.stdout);
  const armored = existing ?? found.get('secret') ?? '';
  const facts = {
    fingerprint: secretKeyFingerprint(found.get('keys') ?? ''),
    publicKeyArmored: found.get('public') ?? '',
  };
  await mkdir(deps.devKeyDir, { recursive: true, mode: 0o700 });
  if (!existing) await writeFileAtomically(keyFile, armored, 0o600);
  await writeFileAtomically(factsFile, `${JSON.stringify(facts, null, 2)}\n`, 0o600);
  return { armored, facts };
}
