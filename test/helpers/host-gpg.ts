// gpg on this host, for unit tests of code that runs gpg in the packager image (src/gpg.ts, src/signing.ts), with
// no Docker: a FakeDocker whose containers run their command here, and throwaway RSA keys made the same way. Each
// container gets a private GNUPGHOME (a new directory, mode 0700), as the real one gets a tmpfs of its own; it is
// removed, with its gpg-agent and the agent's socket directory, when the container would end — a session's when
// the session closes. Paths under /host are the host's own (hostMount); /gnupg is the container's GNUPGHOME.

import { existsSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import type { ContainerRun, DockerEngineSession, Mount, SessionOptions } from '../../src/docker.ts';
import { GNUPG } from '../../src/gpg.ts';
import { commandFailed, quoteForDisplay, tail } from '../../src/runner.ts';
import { FakeDocker } from './fakes.ts';
import { tempDir } from './tmp.ts';

let parent: Promise<string> | undefined;

/** A new private GNUPGHOME (mode 0700, as mkdtemp makes it), under a directory removed when the tests end. */
export async function privateGnupgHome(): Promise<string> {
  parent ??= tempDir('nokmem-host-gpg-');
  return mkdtemp(path.join(await parent, 'home-'));
}

/**
 * Ends the home's gpg-agent, removes the agent's socket directory (it may live in /run/user/<uid>/gnupg) and the
 * home. Returns what could not be removed (nothing, unless the agent would not end).
 */
export async function removeGnupgHome(home: string): Promise<string[]> {
  const env = { GNUPGHOME: home };
  await execa('gpgconf', ['--kill', 'all'], { env, reject: false });
  const socketDir = (await execa('gpgconf', ['--list-dirs', 'socketdir'], { env, reject: false })).stdout.trim();
  // The agent removes its sockets as it exits, which may take a while on a busy machine; the directory goes once
  // it is empty.
  const deadline = Date.now() + 30_000;
  while (socketDir && socketDir !== home && existsSync(socketDir) && Date.now() < deadline) {
    await execa('gpgconf', ['--remove-socketdir'], { env, reject: false });
    if (existsSync(socketDir)) await sleep(100);
  }
  await rm(home, { recursive: true, force: true });
  return [home, socketDir].filter((dir) => dir && existsSync(dir));
}

/**
 * A container's argument as the host sees it: /host/<path> is <path>, /gnupg/<name> is in the container's home. A
 * script that makes a GNUPGHOME of its own removes, here, the socket directory gpg made for it in
 * /run/user/<uid>/gnupg too. (gpg removes its --output file when signing fails, so a script run here must never
 * name a file under /dev as one: the run below refuses it.)
 */
function hostArg(arg: string, home: string): string {
  if (arg.startsWith('/host/')) return arg.slice('/host'.length);
  if (arg === GNUPG || arg.startsWith(`${GNUPG}/`)) return path.join(home, arg.slice(GNUPG.length));
  return (
    arg
      // A script's own scratch GNUPGHOME: the socket directory gpg made for it goes with it (a container's would).
      .replaceAll('rm -rf "$GNUPGHOME"', 'gpgconf --remove-socketdir; rm -rf "$GNUPGHOME"')
  );
}

/** A FakeDocker whose containers run their command on this host, each with a private GNUPGHOME. */
export class HostGpgDocker extends FakeDocker {
  /** Every GNUPGHOME a container had, with its mode when it was made. */
  readonly homes: { dir: string; mode: number }[] = [];

  constructor() {
    super({ engine: '27.0.0' });
  }

  private async newHome(): Promise<string> {
    const dir = await privateGnupgHome();
    this.homes.push({ dir, mode: (await stat(dir)).mode & 0o777 });
    return dir;
  }

  /** What could not be removed when a container ended. */
  private readonly left: string[] = [];

  private async removeHome(home: string): Promise<void> {
    this.left.push(...(await removeGnupgHome(home)));
  }

  /** The homes, and their agents' socket directories, still there (none once every container and session ended). */
  leftHomes(): string[] {
    return [
      ...this.homes.filter((h) => existsSync(h.dir)).map((h) => h.dir),
      ...this.left.filter((d) => existsSync(d)),
    ];
  }

  private async execute(spec: ContainerRun, home: string) {
    this.runs.push(spec);
    const [command = 'true', ...args] = spec.command.map((a) => hostArg(a, home));
    if (args.some((a) => /--output\s+\/dev\//.test(a)))
      throw new Error(
        `HostGpgDocker: a gpg --output into /dev would remove the host's file on failure: ${args.join(' ')}`,
      );
    const r = await execa(command, args, {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C', ...spec.env, GNUPGHOME: home, TMPDIR: home },
      extendEnv: false,
      input: spec.input,
      reject: false,
      stripFinalNewline: false,
    });
    const result = { stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? ''), exitCode: r.exitCode ?? 1 };
    if (result.exitCode !== 0 && !spec.allowFailure)
      throw commandFailed(
        quoteForDisplay('docker', ['run', spec.image, ...spec.command]),
        result.exitCode,
        tail(result.stderr || result.stdout),
        spec.purpose,
      );
    return result;
  }

  /** A throwaway container: a GNUPGHOME of its own, gone when the command ends. */
  override async run(spec: ContainerRun): Promise<{ stdout: string; stderr: string; exitCode: number }> {
    const home = await this.newHome();
    try {
      return await this.execute(spec, home);
    } finally {
      await this.removeHome(home);
    }
  }

  /** A session: one GNUPGHOME for all its commands (its tmpfs), gone when it closes. */
  override session(image: string, roots: Mount[], options: SessionOptions = {}): DockerEngineSession {
    const session = super.session(image, roots, options);
    const recordClose = session.close.bind(session);
    let home: Promise<string> | undefined;
    return Object.assign(session, {
      run: async (spec: ContainerRun) => this.execute(spec, await (home ??= this.newHome())),
      close: async () => {
        await recordClose();
        if (home) await this.removeHome(await home);
      },
    });
  }
}

export interface HostTestKey {
  fingerprint: string;
  armoredPrivate: string;
  armoredPublic: string;
  passphrase: string;
  /** Writes <file>.asc, an armored detached signature of `file` by this key. */
  signDetached(file: string): Promise<string>;
  /** Removes the key's GNUPGHOME. */
  dispose(): Promise<void>;
}

/**
 * A throwaway key made with the host's gpg in a private GNUPGHOME: RSA (as nokmem requires; 2048 bits, to be quick)
 * with a passphrase, or ed25519 for a key that only needs to be some other key.
 */
export async function makeHostTestKey(options: { passphrase?: string; algo?: 'rsa2048' | 'ed25519' } = {}) {
  const passphrase = options.passphrase ?? '';
  const home = await privateGnupgHome();
  const gpg = (args: string[]) =>
    execa(
      'gpg',
      ['--batch', '--no-tty', '--quiet', '--pinentry-mode', 'loopback', '--passphrase', passphrase, ...args],
      {
        env: { GNUPGHOME: home },
      },
    );
  try {
    await gpg([
      '--quick-gen-key',
      'nokmem host test <test@nokmem.invalid>',
      options.algo ?? 'rsa2048',
      'sign',
      'never',
    ]);
    const listing = (await gpg(['--with-colons', '--list-secret-keys'])).stdout;
    const fingerprint =
      listing
        .split('\n')
        .find((l) => l.startsWith('fpr:'))
        ?.split(':')[9] ?? '';
    const key: HostTestKey = {
      fingerprint,
      passphrase,
      armoredPrivate: (await gpg(['--armor', '--export-secret-keys', fingerprint])).stdout,
      armoredPublic: `${(await gpg(['--armor', '--export', fingerprint])).stdout}\n`,
      async signDetached(file) {
        await gpg(['--yes', '--local-user', fingerprint, '--armor', '--detach-sign', '--output', `${file}.asc`, file]);
        return `${file}.asc`;
      },
      dispose: async () => void (await removeGnupgHome(home)),
    };
    return key;
  } catch (error) {
    await removeGnupgHome(home);
    throw error;
  }
}

/** The fingerprint of the key whose valid signature `signature` is of `file`, checked with only `publicKey`. */
export async function hostSignatureBy(file: string, signature: string, publicKey: string): Promise<string | undefined> {
  const home = await privateGnupgHome();
  try {
    const env = { GNUPGHOME: home };
    await execa('gpg', ['--batch', '--quiet', '--import', publicKey], { env });
    const r = await execa('gpg', ['--batch', '--status-fd', '1', '--verify', signature, file], { env, reject: false });
    return /^\[GNUPG:\] VALIDSIG (\S+)/m.exec(r.stdout)?.[1];
  } finally {
    await removeGnupgHome(home);
  }
}
