// The signing key of a run. It comes from the environment (read in cli.ts), as armored text or a file, with an
// optional passphrase; both reach gpg on stdin only, never as an argument, a file on the host, a log line or an
// artifact. Nothing that can sign outlives the process that owns it: the key is held only by the run's packager
// container (Docker.session), in a GNUPGHOME on that container's tmpfs, and the container is tied to this
// process (it ends, and is removed, when the process ends, kill -9 included); its gpg-agent caches no passphrase
// and is ended after each signing operation (src/gpg.ts). The key is checked in the preflight, before any long
// work, in a throwaway container with a tmpfs of its own: imported, listed, and a test signature made with the
// passphrase; it is imported into the packager container only when something is signed. With no key configured, the
// development key (dev-key.ts: made once, kept in the data directory) signs, and every run says
// plainly that its packages are not for production. gpg and rpmsign run in the packager image (the host needs
// neither); the packaging commands of the run share that one container, with the workspace and the results mounted.

import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { adoptFormerDevelopmentKey, developmentKey, hasDevelopmentKey } from './dev-key.js';
import { type DockerEngine, type DockerEngineSession, hostMount } from './docker.js';
import { CommandFailed, InputError } from './errors.js';
import { GNUPG, Gpg, WRITE_AGENT_CONF, secretKeyFingerprint, sections } from './gpg.js';
import type { Logger } from './log.js';
import { registerSecret } from './redact.js';
import { tail } from './runner.js';

/** The name of the armored public key shipped with the packages (clients import it as the repository's gpgkey). */
export const PUBLIC_KEY_FILE = 'RPM-GPG-KEY-nokmem';

export interface SigningConfig {
  armoredKey?: string;
  keyFile?: string;
  passphrase?: string;
  /**
   * Where the development key is kept (the commands give <data dir>/dev-signing-key); without it, in the cache
   * directory of the run, as before.
   */
  devKeyDir?: string;
}

export interface SigningKey {
  fingerprint: string;
  publicKeyArmored: string;
  development: boolean;
  hasPassphrase: boolean;
  /** Kept in memory only; fed to gpg on stdin by signingCommand. */
  readonly passphrase?: string;
  /** The packager image, whose container holds the key. */
  image: string;
  /**
   * The run's packager container (a Docker.session): the packaging commands of the run go there, and the signing
   * ones must (needsSession): only it holds the key.
   */
  packager: DockerEngine;
  /** A host directory mounted writable in the packager container (signing copies packages through it). */
  scratch: string;
  /** Imports the key into the packager container, at the first signing operation. */
  ready(): Promise<void>;
  /** Ends the packager container, and with it the GNUPGHOME. */
  dispose(): Promise<void>;
}

export const DEV_KEY_NOTICE =
  'packages are signed with a throwaway development key: NOT FOR PRODUCTION (set NOKMEM_SIGNING_KEY or NOKMEM_SIGNING_KEY_FILE)';

/**
 * Where private GNUPGHOMEs were made on the host before they lived only in containers (a tmpfs when the host has
 * one): sweepDeadWorkspaces still removes those a killed older run left there.
 */
export function gnupgParent(fallback: string): string {
  return existsSync('/dev/shm') ? '/dev/shm' : fallback;
}

/** The prefix of those GNUPGHOMEs (the pid lets sweepDeadWorkspaces find a dead run's). */
export const GNUPG_PREFIX = 'nokmem-gnupg-';

export const WRONG_PASSPHRASE =
  'NOKMEM_SIGNING_PASSPHRASE does not unlock the key in NOKMEM_SIGNING_KEY (or NOKMEM_SIGNING_KEY_FILE); set the right passphrase';

// One throwaway container: import the key, list it, make a test signature, export the public key; the caller judges
// the sections in that order. Its stdin is the passphrase line, then the armored key: `read` (a shell builtin) takes
// the line, gpg --import the rest, and the passphrase reaches the test signature through a pipe from printf (a
// builtin too), so neither is ever an argument or a file. The test signature goes to stdout (--output -), thrown
// away by the shell: gpg removes an --output file when signing fails, and /dev/null is one nobody should lose.
const PREPARE_SCRIPT = [
  'IFS= read -r passphrase',
  'gpg --batch --no-tty --quiet --import >/dev/null 2>&1 || exit 91',
  'echo "== keys"; gpg --batch --no-tty --quiet --with-colons --list-secret-keys',
  'fpr=$(gpg --batch --no-tty --quiet --with-colons --list-secret-keys | awk -F: \'$1 == "fpr" { print $10; exit }\')',
  '[ -n "$fpr" ] || exit 0',
  'echo "== unlock"',
  'printf "%s\\n" "$passphrase" | gpg --batch --no-tty --quiet --pinentry-mode loopback --passphrase-fd 0 --local-user "$fpr" --output - --sign /etc/hostname >/dev/null 2>&1',
  'echo "exit=$?"',
  'echo "== public"; gpg --batch --no-tty --quiet --armor --export "$fpr"',
].join('\n');

/** Imports the armored key on stdin into the packager container's GNUPGHOME, with the agent told to cache nothing. */
const IMPORT_SCRIPT = `${WRITE_AGENT_CONF}\ngpg --batch --no-tty --quiet --import; code=$?; gpgconf --kill gpg-agent; exit $code`;

export interface SigningKeyDeps {
  docker: DockerEngine;
  log: Logger;
  image: string;
  /** Mounted writable in the packager container (the run's workspace). */
  scratchRoot: string;
  devKeyDir: string;
  /** Where an earlier nokmem kept the development key (devKeyPlace): moved from there when devKeyDir has none. */
  formerDevKeyDir?: string;
  /** Directories the packager container also sees, read-only (where the verified results are). */
  session?: { readOnly: string[] };
}

/** The signing key of a run, ready to sign (a development key not yet made is made first). */
export async function prepareSigningKey(config: SigningConfig, deps: SigningKeyDeps): Promise<SigningKey> {
  const started = await startSigningKey(config, deps);
  try {
    return await started.key;
  } catch (error) {
    await started.packager.close();
    throw error;
  }
}

/**
 * A signing key being prepared. A configured key has been checked (imported, test signature) when this returns;
 * a development key the cache does not hold yet is still being made (`making`): the build compiles meanwhile, and
 * the key settles when it is ready. `key` never rejects unobserved: whoever awaits it sees the failure, and whoever
 * started it closes `packager` when its run ends, whether the key was made or not.
 */
export interface StartedKey {
  key: Promise<SigningKey>;
  /** The packager container of the run (the key's, once it is ready). */
  packager: DockerEngineSession;
  /** A development key is being made in the background. */
  making: boolean;
}

export async function startSigningKey(config: SigningConfig, deps: SigningKeyDeps): Promise<StartedKey> {
  const gpg = new Gpg(deps.docker, deps.image);
  const packager = deps.docker.session(
    deps.image,
    [hostMount(deps.scratchRoot), ...(deps.session?.readOnly ?? []).map((dir) => hostMount(dir, true))],
    { tmpfs: [GNUPG] },
  );
  const importer = (armored: string, what: string) => {
    let imported: Promise<void> | undefined;
    return () =>
      (imported ??= (async () => {
        await packager.run({
          image: deps.image,
          command: ['sh', '-c', IMPORT_SCRIPT],
          mounts: [],
          env: { GNUPGHOME: GNUPG },
          input: armored,
          purpose: `import the ${what} into the packager container`,
          needsSession: true,
        });
      })());
  };
  const common = { image: deps.image, packager, scratch: deps.scratchRoot, dispose: () => packager.close() };
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
    if (!armored) {
      deps.log.warn(DEV_KEY_NOTICE);
      await adoptFormerDevelopmentKey(deps);
      const making = !hasDevelopmentKey(deps.devKeyDir);
      const key = developmentKey(gpg, deps).then((dev): SigningKey => ({
        ...dev.facts,
        ...common,
        development: true,
        hasPassphrase: false,
        ready: importer(dev.armored, 'development signing key'),
      }));
      // observed here so that a failure while the compile runs is not an unhandled rejection; it reaches the
      // step that awaits the key. The packager container is not closed then (the verify step may be using it):
      // its owner closes it when the run ends.
      key.catch(() => undefined);
      if (!making) await key;
      return { key, packager, making };
    }
    // gpg ≥ 2.1 imports a protected secret key in batch mode without its passphrase; the test signature checks it,
    // so that a wrong passphrase stops the run before the compile, not after it.
    const r = await gpg.script(PREPARE_SCRIPT, [], {
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
    const key: SigningKey = {
      ...common,
      fingerprint,
      publicKeyArmored: found.get('public') ?? '',
      development: false,
      hasPassphrase: Boolean(config.passphrase),
      passphrase: config.passphrase,
      ready: importer(armored, 'signing key'),
    };
    return { key: Promise.resolve(key), packager, making: false };
  } catch (error) {
    await packager.close();
    throw error;
  }
}
