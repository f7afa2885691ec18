// gpg in the packager image (the host needs none), with a GNUPGHOME that never touches a disk: a tmpfs of the
// container that uses it, which dies with the container. A throwaway container gets a tmpfs of its own (Gpg);
// the packager session (src/signing.ts) holds the imported key on its tmpfs, and every signing operation in it
// runs through signingCommand: the passphrase comes in on stdin, lives in a file on that tmpfs for the one
// operation (gpg's loopback pinentry reads it there: never an argument, never the environment), and is removed
// with the gpg-agent when the operation ends. The agent is told to cache nothing (AGENT_CONF), so no unlocked key
// outlives an operation even when the cleanup does not run.

import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { type DockerEngine, hostMount } from './docker.js';
import { InputError } from './errors.js';

/** Where the GNUPGHOME is, in every container that uses one: a tmpfs of that container. */
export const GNUPG = '/gnupg';

/** The `docker run --tmpfs` value of a private GNUPGHOME for the container user `user` ("uid:gid"). */
export function gnupgTmpfs(user: string): string {
  const [uid, gid] = user.split(':');
  return `${GNUPG}:rw,nosuid,nodev,noexec,size=64m,mode=0700,uid=${uid},gid=${gid}`;
}

/** gpg-agent.conf: no passphrase is ever cached; loopback pinentry reads it from the file of the operation. */
export const AGENT_CONF = ['default-cache-ttl 0', 'max-cache-ttl 0', 'allow-loopback-pinentry'];

/** Shell lines that write AGENT_CONF into $GNUPGHOME (printf is a builtin). */
export const WRITE_AGENT_CONF = `printf '%s\\n' ${AGENT_CONF.map((l) => `'${l}'`).join(' ')} > "$GNUPGHOME/gpg-agent.conf"`;

/** gpg commands in a throwaway container of `image` with a GNUPGHOME on a tmpfs of its own. */
export class Gpg {
  constructor(
    private readonly docker: DockerEngine,
    private readonly image: string,
  ) {}

  run(args: string[], options: { input?: string | Buffer; purpose: string; allowFailure?: boolean }) {
    return this.script('gpg --batch --no-tty --quiet "$@"', args, options);
  }

  /** A shell script (several gpg commands in one container), its arguments after it. */
  script(
    script: string,
    args: string[],
    options: { input?: string | Buffer; purpose: string; allowFailure?: boolean },
  ) {
    return this.docker.run({
      image: this.image,
      command: ['sh', '-c', `${WRITE_AGENT_CONF}\n${script}`, 'gpg-script', ...args],
      mounts: [],
      options: ['--tmpfs', gnupgTmpfs(this.docker.buildUser())],
      env: { GNUPGHOME: GNUPG },
      input: options.input,
      purpose: options.purpose,
      allowFailure: options.allowFailure,
    });
  }
}

/** The sections of a script's output, each started by a line "== name" (the script prints them in order). */
export function sections(text: string): Map<string, string> {
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

// One signing operation: $1 is the passphrase file on the GNUPGHOME's tmpfs ('' for a key without one), the rest
// the command. The passphrase line is read from stdin by `read` and written by `printf` (shell builtins: never
// an argument of any process); whatever follows it on stdin is the command's. On exit, however the command
// ended, the file and the agent go.
const SIGN_SCRIPT = [
  'pass=$1; shift',
  `trap 'rm -f "$pass"; gpgconf --kill gpg-agent' EXIT`,
  'if [ -n "$pass" ]; then umask 077; IFS= read -r line || exit 97; printf "%s\\n" "$line" > "$pass"; unset line; fi',
  '"$@"',
].join('\n');

/**
 * The command (and what precedes the command's own input on stdin) of one signing operation in the container
 * that holds the key: `build` gets the gpg arguments that use the key non-interactively.
 */
export function signingCommand(
  key: { passphrase?: string },
  build: (unlock: string[]) => string[],
  operation = randomBytes(6).toString('hex'),
): { command: string[]; stdinPrefix?: string } {
  const file = key.passphrase === undefined ? '' : `${GNUPG}/.passphrase-${operation}`;
  const unlock = file ? ['--pinentry-mode', 'loopback', '--passphrase-file', file] : [];
  return {
    command: ['sh', '-c', SIGN_SCRIPT, 'sign', file, ...build(unlock)],
    stdinPrefix: key.passphrase === undefined ? undefined : `${key.passphrase}\n`,
  };
}

/**
 * Whether `signature` is a valid detached signature of `file` by the key `fingerprint`, checked with a keyring of
 * only `publicKeyFile`, in a throwaway container (it holds nothing secret).
 */
export async function detachedSignatureValid(
  file: string,
  signature: string,
  publicKeyFile: string,
  fingerprint: string,
  tools: { docker: DockerEngine; image: string },
): Promise<boolean> {
  const files = [hostMount(publicKeyFile, true), hostMount(file, true), hostMount(signature, true)];
  const r = await tools.docker.run({
    image: tools.image,
    command: [
      'sh',
      '-c',
      'GNUPGHOME=$(mktemp -d) && export GNUPGHOME && gpg --batch --quiet --import "$1" 2>/dev/null && gpg --batch --status-fd 1 --verify "$3" "$2" 2>&1; code=$?; rm -rf "$GNUPGHOME"; exit $code',
      'verify-signature',
      ...files.map((f) => f.container),
    ],
    mounts: files,
    purpose: `check the signature of ${path.basename(file)}`,
    allowFailure: true,
  });
  return r.stdout.split('\n').some((l) => l.startsWith('[GNUPG:] VALIDSIG ') && l.includes(fingerprint));
}
