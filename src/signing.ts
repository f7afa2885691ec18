// The signing key, in a private GNUPGHOME that lives only as long as the run, on a tmpfs where there is one
// (/dev/shm), 0700, named with the owner's pid so that a later run removes it if this one is killed. The key
// comes from the environment (read in cli.ts), as armored text or a file, with an optional passphrase; both are
// fed to gpg on stdin and the passphrase is never written anywhere: each signing container first unlocks the
// key through --passphrase-fd 0 (the container's gpg-agent keeps it for the command that follows), so neither
// is ever an argument, a file, a log line or an artifact. The key is imported and a test signature made in the
// preflight, before any long work.
// With no key configured, a development key is made once and kept in the cache, and every run says plainly
// that its packages are not for production. gpg and rpmsign run in the packager image (the host needs neither).

import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { DockerEngine } from './docker.js';
import { InputError } from './errors.js';
import { removeOnInterrupt } from './interrupt.js';
import type { Logger } from './log.js';
import { registerSecret } from './redact.js';

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

  async fingerprint(home: string): Promise<string> {
    const r = await this.run(home, ['--with-colons', '--list-secret-keys'], { purpose: 'read the signing key' });
    const fpr = r.stdout
      .split('\n')
      .find((l) => l.startsWith('fpr:'))
      ?.split(':')[9];
    if (!fpr)
      throw new InputError(
        'the signing key has no secret key; give an armored PRIVATE key in NOKMEM_SIGNING_KEY or NOKMEM_SIGNING_KEY_FILE',
      );
    const algo = r.stdout
      .split('\n')
      .find((l) => l.startsWith('sec:'))
      ?.split(':');
    if (algo && algo[3] !== '1')
      throw new InputError(
        'the signing key is not an RSA key; EL7 rpm verifies RSA signatures only: use an RSA 4096 key',
      );
    return fpr;
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
  return { command: ['sh', '-c', UNLOCK_SCRIPT, 'unlock', key.fingerprint, ...command], input: `${key.passphrase}\n` };
}

export const WRONG_PASSPHRASE =
  'NOKMEM_SIGNING_PASSPHRASE does not unlock the key in NOKMEM_SIGNING_KEY (or NOKMEM_SIGNING_KEY_FILE); set the right passphrase';

export async function prepareSigningKey(
  config: SigningConfig,
  deps: { docker: DockerEngine; log: Logger; image: string; scratchRoot: string; devKeyDir: string },
): Promise<SigningKey> {
  const gpg = new Gpg(deps.docker, deps.image);
  const home = await privateDir(gnupgParent(deps.scratchRoot), `${GNUPG_PREFIX}${process.pid}-`);
  const forget = removeOnInterrupt(home);
  const dispose = async () => {
    await rm(home, { recursive: true, force: true });
    forget();
  };
  try {
    let development = false;
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
    if (!armored) {
      development = true;
      armored = await developmentKey(gpg, deps);
      deps.log.warn(DEV_KEY_NOTICE);
    }
    await deps.docker.prepareWritable(home);
    await chmod(home, 0o700);
    // gpg ≥ 2.1 imports a protected secret key in batch mode without its passphrase; the test signature checks it.
    await gpg.run(home, ['--import'], { input: armored, purpose: 'import the signing key' }).catch(() => {
      throw new InputError(
        'the signing key could not be imported; give an armored OpenPGP private key (gpg --export-secret-keys --armor) in NOKMEM_SIGNING_KEY or NOKMEM_SIGNING_KEY_FILE',
      );
    });
    const fingerprint = await gpg.fingerprint(home);
    // A test signature now, so that a wrong passphrase stops the run before the compile, not after it.
    const probe = signingCommand({ fingerprint, passphrase: config.passphrase ?? '' }, ['true']);
    const unlocked = await deps.docker.run({
      image: deps.image,
      command: probe.command,
      input: probe.input,
      mounts: [{ host: home, container: GNUPG }],
      env: { GNUPGHOME: GNUPG },
      purpose: 'make a test signature',
      allowFailure: true,
    });
    if (unlocked.exitCode !== 0) {
      throw new InputError(
        config.passphrase
          ? WRONG_PASSPHRASE
          : 'the signing key is protected by a passphrase; set NOKMEM_SIGNING_PASSPHRASE',
      );
    }
    const pub = await gpg.run(home, ['--armor', '--export', fingerprint], { purpose: 'export the public key' });
    return {
      gnupgHome: home,
      fingerprint,
      publicKeyArmored: pub.stdout,
      development,
      hasPassphrase: Boolean(config.passphrase),
      passphrase: config.passphrase,
      dispose,
    };
  } catch (error) {
    await dispose();
    throw error;
  }
}

/** The development key, made once per cache (RSA 4096, no passphrase) and exported as armored text. */
async function developmentKey(gpg: Gpg, deps: { docker: DockerEngine; devKeyDir: string }): Promise<string> {
  const keyFile = path.join(deps.devKeyDir, 'dev-signing-key.asc');
  if (existsSync(keyFile)) return readFile(keyFile, 'utf8');
  const home = await privateDir(path.dirname(deps.devKeyDir), '.devkey-');
  try {
    await deps.docker.prepareWritable(home);
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
    await gpg.run(home, ['--gen-key'], { input: params, purpose: 'make a development signing key' });
    const exported = await gpg.run(home, ['--armor', '--export-secret-keys'], {
      purpose: 'export the development key',
    });
    await mkdir(deps.devKeyDir, { recursive: true, mode: 0o700 });
    await writeFile(`${keyFile}.tmp`, exported.stdout, { mode: 0o600 });
    await rename(`${keyFile}.tmp`, keyFile);
    return exported.stdout;
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}

/** gpg arguments that use the key non-interactively (unlocked by signingCommand, cached by the agent). */
export function unlockArgs(key: SigningKey): string[] {
  return key.hasPassphrase ? ['--pinentry-mode', 'loopback'] : [];
}

export const GNUPG_MOUNT = GNUPG;
