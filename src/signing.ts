// The signing key, in a private GNUPGHOME that lives only as long as the run, on a tmpfs where there is one
// (/dev/shm), 0700, named with the owner's pid so that a later run removes it if this one is killed. The key
// comes from the environment (read in cli.ts), as armored text or a file, with an optional passphrase; both are
// fed to gpg on stdin and the passphrase is never written anywhere: each signing container first unlocks the
// key through --passphrase-fd 0 (the container's gpg-agent keeps it for the command that follows), so neither
// is ever an argument, a file, a log line or an artifact. The key is imported and a test signature made in the
// preflight, before any long work, in one container that ends with it (and its agent with the passphrase).
// With no key configured, a development key is made once and kept in the cache with its fingerprint and public
// key, and every run says plainly that its packages are not for production; it has no passphrase to check, so it
// is imported only when something is signed (a cache hit signs nothing and starts no container). gpg and rpmsign
// run in the packager image (the host needs neither); asked for a session, the packaging commands of the run share
// one packager container (Docker.session) with the GNUPGHOME, the workspace and the results mounted.

import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { writeFileAtomically } from './atomic-dir.js';
import path from 'node:path';
import { type DockerEngine, type DockerEngineSession, hostMount } from './docker.js';
import { CommandFailed, InputError } from './errors.js';
import { removeOnInterrupt } from './interrupt.js';
import type { Logger } from './log.js';
import { registerSecret } from './redact.js';
import { tail } from './runner.js';

/** The name of the armored public key shipped with the packages (clients import it as the repository's gpgkey). */
export const PUBLIC_KEY_FILE = 'RPM-GPG-KEY-nokmem';

export interface SigningConfig {
  armoredKey?: string;
  keyFile?: string;
  passphrase?: string;
}

export interface SigningKey {
  /** Host directory mounted as /gnupg in the packager container. */
  gnupgHome: string;
  fingerprint: string;
  publicKeyArmored: string;
  development: boolean;
  hasPassphrase: boolean;
  /** Kept in memory only; fed to gpg on stdin by signingCommand. */
  readonly passphrase?: string;
  /**
   * Where the packaging commands of this run go: one packager container session when prepareSigningKey was asked
   * for one (see Docker.session), otherwise the Docker it was given.
   */
  packager: DockerEngine;
  /** The key is in gnupgHome (a cached development key is imported at its first use). */
  ready(): Promise<void>;
  /** Removes the GNUPGHOME and ends the packager session. */
  dispose(): Promise<void>;
}

export const DEV_KEY_NOTICE =
  'packages are signed with a throwaway development key: NOT FOR PRODUCTION (set NOKMEM_SIGNING_KEY or NOKMEM_SIGNING_KEY_FILE)';

const GNUPG = '/gnupg';

export class Gpg {
  constructor(
    private readonly docker: DockerEngine,
    private readonly image: string,
  ) {}

  run(
    home: string,
    args: string[],
    options: {
      input?: string | Buffer;
      mounts?: { host: string; container: string; readOnly?: boolean }[];
      purpose: string;
    },
  ) {
    return this.docker.run({
      image: this.image,
      command: ['gpg', '--batch', '--no-tty', '--quiet', ...args],
      mounts: [{ host: home, container: GNUPG }, ...(options.mounts ?? [])],
      env: { GNUPGHOME: GNUPG },
      input: options.input,
      purpose: options.purpose,
    });
  }

  /** A shell script with the GNUPGHOME mounted (several gpg commands in one container). */
  script(
    home: string,
    script: string,
    args: string[],
    options: { input?: string; purpose: string; allowFailure?: boolean },
  ) {
    return this.docker.run({
      image: this.image,
      command: ['sh', '-c', script, 'gpg-script', ...args],
      mounts: [{ host: home, container: GNUPG }],
      env: { GNUPGHOME: GNUPG },
      input: options.input,
      purpose: options.purpose,
      allowFailure: options.allowFailure,
    });
  }
}

async function privateDir(parent: string, prefix: string): Promise<string> {
  await mkdir(parent, { recursive: true });
  const dir = await mkdtemp(path.join(parent, prefix));
  await chmod(dir, 0o700);
  return dir;
}

/** Where private GNUPGHOMEs are made: a tmpfs when the host has one, so a key never reaches a disk. */
export function gnupgParent(fallback: string): string {
  return existsSync('/dev/shm') ? '/dev/shm' : fallback;
}

/** The prefix of a private GNUPGHOME of this process (the pid lets sweepDeadWorkspaces find a dead run's). */
export const GNUPG_PREFIX = 'nokmem-gnupg-';

const UNLOCK_SCRIPT =
  'gpg --batch --no-tty --quiet --pinentry-mode loopback --passphrase-fd 0 --local-user "$1" --output /dev/null --sign /etc/hostname || exit 97; shift; exec "$@" </dev/null';

/**
 * The command and stdin of a container that runs `command` with the key unlocked: gpg reads the passphrase from
 * stdin once, its agent caches it for the command (rpmsign, gpg) that follows in the same container.
 */
export function signingCommand(
  key: Pick<SigningKey, 'fingerprint' | 'passphrase'>,
  command: string[],
): { command: string[]; input?: string } {
  if (key.passphrase === undefined) return { command };
  return {
    command: ['sh', '-c', UNLOCK_SCRIPT, 'unlock', key.fingerprint, ...command],
    input: `${key.passphrase}\n`,
  };
}

export const WRONG_PASSPHRASE =
  'NOKMEM_SIGNING_PASSPHRASE does not unlock the key in NOKMEM_SIGNING_KEY (or NOKMEM_SIGNING_KEY_FILE); set the right passphrase';

// One container: import the key, list it, make a test signature, export the public key; the caller judges the
// sections in that order. Its stdin is the passphrase line, then the armored key: `read` (a shell builtin) takes
// the line, gpg --import the rest, and the passphrase reaches the test signature through a pipe from printf (a
// builtin too), so neither is ever an argument or a file.
const PREPARE_SCRIPT = [
  'IFS= read -r passphrase',
  'gpg --batch --no-tty --quiet --import >/dev/null 2>&1 || exit 91',
  'echo "== keys"; gpg --batch --no-tty --quiet --with-colons --list-secret-keys',
  'fpr=$(gpg --batch --no-tty --quiet --with-colons --list-secret-keys | awk -F: \'$1 == "fpr" { print $10; exit }\')',
  '[ -n "$fpr" ] || exit 0',
  'echo "== unlock"',
  'printf "%s\\n" "$passphrase" | gpg --batch --no-tty --quiet --pinentry-mode loopback --passphrase-fd 0 --local-user "$fpr" --output /dev/null --sign /etc/hostname >/dev/null 2>&1',
  'echo "exit=$?"',
  'echo "== public"; gpg --batch --no-tty --quiet --armor --export "$fpr"',
].join('\n');

function sections(text: string): Map<string, string> {
  const found = new Map<string, string>();
  let current = '';
  // Each section as the command printed it: every line ends with a newline.
  for (const line of text.replace(/\n$/, '').split('\n')) {
    const m = /^== (\w+)$/.exec(line);
    if (m) current = m[1]!;
    else if (current) found.set(current, `${found.get(current) ?? ''}${line}\n`);
  }
  return found;
}

/** The fingerprint in a `--with-colons --list-secret-keys` listing; refuses no secret key and keys other than RSA. */
export function secretKeyFingerprint(listing: string): string {
  const lines = listing.split('\n');
  const fpr = lines.find((l) => l.startsWith('fpr:'))?.split(':')[9];
  if (!fpr)
    throw new InputError(
      'NOKMEM_SIGNING_KEY (or NOKMEM_SIGNING_KEY_FILE) holds no secret key, only a public one; give the armored PRIVATE key (gpg --export-secret-keys --armor)',
    );
  const algo = lines.find((l) => l.startsWith('sec:'))?.split(':');
  if (algo && algo[3] !== '1')
    throw new InputError(
      'the signing key is not an RSA key; EL7 rpm verifies RSA signatures only: use an RSA 4096 key',
    );
  return fpr;
}

export async function prepareSigningKey(
  config: SigningConfig,
  deps: {
    docker: DockerEngine;
    log: Logger;
    image: string;
    scratchRoot: string;
    devKeyDir: string;
    /**
     * Share one packager container among the run's packaging commands, with the GNUPGHOME and scratchRoot
     * mounted, and these directories read-only (where the verified results are).
     */
    session?: { readOnly: string[] };
  },
): Promise<SigningKey> {
  const gpg = new Gpg(deps.docker, deps.image);
  const home = await privateDir(gnupgParent(deps.scratchRoot), `${GNUPG_PREFIX}${process.pid}-`);
  const forget = removeOnInterrupt(home);
  let session: DockerEngineSession | undefined;
  const dispose = async () => {
    await session?.close();
    await rm(home, { recursive: true, force: true });
    forget();
  };
  try {
    let armored = config.armoredKey;
    if (!armored && config.keyFile) {
      armored = await readFile(config.keyFile, 'utf8').catch(() => {
        throw new InputError(
          `NOKMEM_SIGNING_KEY_FILE ${config.keyFile} cannot be read; point it at an armored private key`,
        );
      });
    }
    if (armored) registerSecret(armored);
    if (config.passphrase) registerSecret(config.passphrase);
    session = deps.session
      ? deps.docker.session(deps.image, [
          { host: home, container: GNUPG },
          hostMount(deps.scratchRoot),
          ...deps.session.readOnly.map((dir) => hostMount(dir, true)),
        ])
      : undefined;
    const packager = session ?? deps.docker;
    if (!armored) {
      const dev = await developmentKey(gpg, deps);
      deps.log.warn(DEV_KEY_NOTICE);
      await deps.docker.prepareWritable(home);
      await chmod(home, 0o700);
      let imported: Promise<void> | undefined;
      const ready = () =>
        (imported ??= (async () => {
          await new Gpg(packager, deps.image).run(home, ['--import'], {
            input: dev.armored,
            purpose: 'import the development signing key',
          });
        })());
      return {
        gnupgHome: home,
        ...dev.facts,
        development: true,
        hasPassphrase: false,
        packager,
        ready,
        dispose,
      };
    }
    await deps.docker.prepareWritable(home);
    await chmod(home, 0o700);
    // gpg ≥ 2.1 imports a protected secret key in batch mode without its passphrase; the test signature checks it,
    // so that a wrong passphrase stops the run before the compile, not after it.
    const r = await gpg.script(home, PREPARE_SCRIPT, [], {
      input: `${config.passphrase ?? ''}\n${armored}`,
      purpose: 'import the signing key and make a test signature',
      allowFailure: true,
    });
    if (r.exitCode === 91)
      throw new InputError(
        'the signing key could not be imported; give an armored OpenPGP private key (gpg --export-secret-keys --armor) in NOKMEM_SIGNING_KEY or NOKMEM_SIGNING_KEY_FILE',
      );
    const found = sections(r.stdout);
    // An empty listing (a public key imports fine) is no section at all: secretKeyFingerprint names it.
    if (r.exitCode !== 0 || !/^== keys$/m.test(r.stdout))
      throw new CommandFailed(
        `import the signing key: the packager container exited ${r.exitCode} — ${tail(r.stderr)}`,
        'gpg --import',
        r.exitCode,
        tail(r.stderr),
      );
    const fingerprint = secretKeyFingerprint(found.get('keys') ?? '');
    if (!/^exit=0$/m.test(found.get('unlock') ?? '')) {
      throw new InputError(
        config.passphrase
          ? WRONG_PASSPHRASE
          : 'the signing key is protected by a passphrase; set NOKMEM_SIGNING_PASSPHRASE',
      );
    }
    return {
      gnupgHome: home,
      fingerprint,
      publicKeyArmored: found.get('public') ?? '',
      development: false,
      hasPassphrase: Boolean(config.passphrase),
      passphrase: config.passphrase,
      packager,
      ready: () => Promise.resolve(),
      dispose,
    };
  } catch (error) {
    await dispose();
    throw error;
  }
}

interface DevelopmentKey {
  armored: string;
  facts: { fingerprint: string; publicKeyArmored: string };
}

/**
 * The development key, made once per cache (RSA 4096, no passphrase), with its fingerprint and public key beside
 * it, so that a run that signs nothing needs no container to know them.
 */
async function developmentKey(gpg: Gpg, deps: { docker: DockerEngine; devKeyDir: string }): Promise<DevelopmentKey> {
  const keyFile = path.join(deps.devKeyDir, 'dev-signing-key.asc');
  const factsFile = path.join(deps.devKeyDir, 'dev-signing-key.json');
  if (existsSync(keyFile) && existsSync(factsFile)) {
    const facts = JSON.parse(await readFile(factsFile, 'utf8')) as DevelopmentKey['facts'];
    if (facts.fingerprint && facts.publicKeyArmored) return { armored: await readFile(keyFile, 'utf8'), facts };
  }
  const home = await privateDir(path.dirname(deps.devKeyDir), '.devkey-');
  try {
    await deps.docker.prepareWritable(home);
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
      home,
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
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}

/** gpg arguments that use the key non-interactively (unlocked by signingCommand, cached by the agent). */
export function unlockArgs(key: SigningKey): string[] {
  return key.hasPassphrase ? ['--pinentry-mode', 'loopback'] : [];
}

export const GNUPG_MOUNT = GNUPG;
