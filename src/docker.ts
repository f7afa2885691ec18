// Docker, as the pipeline uses it: is the engine there, which image (by id) builds, and running a command in
// a throwaway container with no network, as a non-root user, with the Go build cache mounted. Every container
// has a name nokmem owns (nokmem-<pid>-<random>) and is removed when its run fails, on interrupt and on exit:
// a killed docker client does not stop its container.
//
// Starting a container costs a few tenths of a second, more than most packaging commands take. A DockerSession
// (Docker.session) is one long-lived container of one image with a few directories mounted, started at its
// first use; a run whose mounts it already has becomes a `docker exec` in it, any other run (another image,
// other mounts, extra options such as the functional proof's sandbox, a time limit, or `isolated`: it executes
// the binary under test) still gets a throwaway container. Commands that want to be served by a session name
// their host paths with hostMount, which places every host path at the same container path in both.

import { randomBytes } from 'node:crypto';
import { constants, type Stats } from 'node:fs';
import { lstat, mkdir, readFile } from 'node:fs/promises';
import { writeFileAtomically } from './atomic-dir.js';
import path from 'node:path';
import { CommandFailed, MissingPrerequisite } from './errors.js';
import { trackContainer } from './interrupt.js';
import { type Runner, commandFailed, quoteForDisplay, tail } from './runner.js';

/** The user the compile runs as inside the container (never root). */
export const BUILD_UID = 10001;

export interface Mount {
  host: string;
  container: string;
  readOnly?: boolean;
}

/**
 * A host path as nokmem's containers see it: under /host, at its own path. The same in a throwaway container and
 * in a session, so a command written with it runs in either.
 */
export function hostMount(host: string, readOnly = false): Mount {
  const absolute = path.resolve(host);
  return { host: absolute, container: path.posix.join('/host', absolute), readOnly };
}

export interface ContainerRun {
  image: string;
  command: string[];
  mounts: Mount[];
  workdir?: string;
  env?: Record<string, string>;
  /** Fed to the container's stdin (e.g. a key, which must never be an argument). */
  input?: string | Buffer;
  onOutput?: (chunk: string) => void;
  purpose: string;
  allowFailure?: boolean;
  /** Run as this user instead of the unprivileged build user (the sandboxed functional proof runs as root). */
  user?: string;
  /** More `docker run` options (capabilities, security options, cgroup namespace). */
  options?: string[];
  timeoutMs?: number;
  /** Never in a shared session: the command executes the binary under test, which sees only its own mounts. */
  isolated?: boolean;
}

export interface ContainerResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export class Docker {
  /** asInvoker: containers run as the invoking user (root when root) and no directory is handed to BUILD_UID. */
  constructor(
    protected readonly runner: Runner,
    protected readonly asInvoker = false,
  ) {}

  /**
   * One long-lived container of `image` with `roots` mounted (started at its first use), in which the runs that
   * fit it are executed; close() removes it. A writable root is handed to the container's user (the directory
   * itself, not its contents), so that what packaging makes beneath it is reachable.
   */
  session(image: string, roots: Mount[]): DockerEngineSession {
    return new DockerSession(this.runner, this.asInvoker, image, roots);
  }

  /**
   * The same engine for what gets published (repository metadata, its signature, the GnuPG home that signs it):
   * owned by the invoking user, never by BUILD_UID, which any host account with that uid could change.
   */
  asInvokingUser(): DockerEngine {
    return new Docker(this.runner, true);
  }

  async ping(): Promise<string> {
    const r = await this.runner.run('docker', ['version', '--format', '{{.Server.Version}}'], {
      allowFailure: true,
      timeoutMs: 20_000,
    });
    if (r.exitCode !== 0) {
      const why = r.stderr.trim().split('\n').pop() ?? 'no answer';
      const fix = /permission denied/i.test(r.stderr)
        ? 'run as root or add your user to the docker group'
        : 'start dockerd or set DOCKER_HOST (sudo bash scripts/setup.sh starts dockerd)';
      throw new MissingPrerequisite(`the Docker engine is not reachable (${why}); ${fix}, then run again`, fix);
    }
    return r.stdout.trim();
  }

  /** The image's id, or undefined when the engine does not have it. */
  async imageId(image: string): Promise<string | undefined> {
    const r = await this.runner.run('docker', ['image', 'inspect', '--format', '{{.Id}}', image], {
      allowFailure: true,
    });
    return r.exitCode === 0 ? r.stdout.trim() : undefined;
  }

  /**
   * Which of `tools` the image lacks (`command -v` in a throwaway container; exitCode is not 0 when the image has
   * no shell to ask). An image id names the image's contents, so the answer that none is missing is kept in
   * `memo.dir` (when `memo.write`) and a later run with the same image id starts no container to ask again.
   */
  async missingTools(
    image: string,
    imageId: string,
    tools: readonly string[],
    memo?: { dir: string; write: boolean },
  ): Promise<{ exitCode: number; missing: string[] }> {
    const file = memo && path.join(memo.dir, `${imageId.replace(/^sha256:/, '')}.tools.json`);
    const known = file
      ? ((await readFile(file, 'utf8')
          .then((text) => JSON.parse(text) as unknown)
          .catch(() => [])) as string[])
      : [];
    if (Array.isArray(known) && tools.every((t) => known.includes(t))) return { exitCode: 0, missing: [] };
    // A named, tracked container like every other (removed on interrupt).
    const probe = await this.run({
      image,
      command: [
        'sh',
        '-c',
        'for t in "$@"; do command -v "$t" >/dev/null 2>&1 || echo "$t"; done',
        'check-tools',
        ...tools,
      ],
      mounts: [],
      purpose: `check ${image} for ${tools.join(', ')}`,
      allowFailure: true,
      timeoutMs: 60_000,
    });
    const missing = probe.stdout
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
    if (file && memo?.write && probe.exitCode === 0 && missing.length === 0) {
      await mkdir(memo.dir, { recursive: true });
      await writeFileAtomically(file, `${JSON.stringify([...new Set([...known, ...tools])].sort())}\n`);
    }
    return { exitCode: probe.exitCode, missing };
  }

  /**
   * `go version` in the image (as the purpose says, for the build record). Kept per image id in `memo.dir`, like
   * the tool probe: the Go of an image id cannot change.
   */
  async goVersion(image: string, memo?: { dir: string; imageId: string }): Promise<string> {
    const file = memo && path.join(memo.dir, `${memo.imageId.replace(/^sha256:/, '')}.go-version`);
    const known = file ? (await readFile(file, 'utf8').catch(() => '')).trim() : '';
    if (known) return known;
    const r = await this.run({
      image,
      command: ['go', 'version'],
      mounts: [],
      purpose: 'ask the builder image for its Go version',
    });
    const version = r.stdout.trim();
    if (file && version) {
      await mkdir(path.dirname(file), { recursive: true });
      await writeFileAtomically(file, `${version}\n`);
    }
    return version;
  }

  /** The user the container runs as, and a host directory made writable for it. */
  buildUser(): string {
    const uid = process.getuid?.() ?? BUILD_UID;
    if (this.asInvoker) return `${uid}:${process.getgid?.() ?? uid}`;
    // As root on the host, hand the workspace to an unprivileged uid; otherwise the caller's uid is already not root.
    return uid === 0 ? `${BUILD_UID}:${BUILD_UID}` : `${uid}:${process.getgid?.() ?? uid}`;
  }

  async prepareWritable(dir: string): Promise<void> {
    await mkdir(dir, { recursive: true });
    if (process.getuid?.() === 0 && !this.asInvoker)
      await this.runner.run('chown', ['-R', `${BUILD_UID}:${BUILD_UID}`, dir], {
        purpose: 'hand the build directory to the build user',
      });
  }

  async run(spec: ContainerRun): Promise<ContainerResult> {
    const name = containerName();
    const args = [...runArgs(name, spec.user ?? this.buildUser()), ...(spec.options ?? [])];
    if (spec.input !== undefined) args.push('--interactive');
    for (const [k, v] of Object.entries(spec.env ?? {})) args.push('--env', `${k}=${v}`);
    for (const m of spec.mounts) args.push('--volume', `${m.host}:${m.container}${m.readOnly ? ':ro' : ''}`);
    if (spec.workdir) args.push('--workdir', spec.workdir);
    args.push(spec.image, ...spec.command);
    const untrack = trackContainer(name);
    let finished = false;
    try {
      const r = await this.runner.run('docker', args, {
        purpose: spec.purpose,
        onOutput: spec.onOutput,
        input: spec.input,
        allowFailure: spec.allowFailure,
        timeoutMs: spec.timeoutMs,
      });
      finished = r.exitCode === 0;
      return { stdout: r.stdout, stderr: r.stderr, exitCode: r.exitCode };
    } finally {
      // After a failure (a timeout kills only the client) the container may still run; --rm covers the rest.
      if (!finished) await this.remove(name);
      untrack();
    }
  }

  /** Stops and removes a container of this run, if it is still there. */
  async remove(name: string): Promise<void> {
    await this.runner.run('docker', ['rm', '--force', name], { allowFailure: true, timeoutMs: 30_000 });
  }
}

/** A container name nokmem owns: the pid says which run it belongs to. */
/**
 * What code that uses the engine depends on: the public surface of Docker. Deps and tools take this, so that a
 * test can pass a fake engine (test/helpers/fakes.ts) where the class, with its private fields, would not fit.
 */
export type DockerEngine = Pick<Docker, keyof Docker>;

/** A session (Docker.session): the engine's surface, and close() to remove its container. */
export type DockerEngineSession = DockerEngine & { close(): Promise<void> };

/** How every container of nokmem starts: named (so it can be removed), removed when it ends, no network. */
function runArgs(name: string, user: string): string[] {
  return ['run', '--rm', '--name', name, '--network', 'none', '--user', user, '--env', 'HOME=/tmp'];
}

export function containerName(): string {
  return `nokmem-${process.pid}-${randomBytes(4).toString('hex')}`;
}

/** Whether uid:gid may use a file or directory with these stats, by its mode bits (read, write, search). */
function permits(stats: Stats, uid: number, gid: number, bits: number): boolean {
  if (uid === 0) return true;
  const shift = stats.uid === uid ? 6 : stats.gid === gid ? 3 : 0;
  return ((stats.mode >> shift) & bits) === bits;
}

/** See Docker.session. */
export class DockerSession extends Docker {
  private started?: Promise<string>;
  private untrack?: () => void;

  constructor(
    runner: Runner,
    asInvoker: boolean,
    readonly image: string,
    private readonly roots: Mount[],
  ) {
    super(runner, asInvoker);
  }

  override async run(spec: ContainerRun): Promise<ContainerResult> {
    if (!(await this.fits(spec))) return super.run(spec);
    const name = await this.start();
    const args = ['exec'];
    if (spec.input !== undefined) args.push('--interactive');
    for (const [k, v] of Object.entries(spec.env ?? {})) args.push('--env', `${k}=${v}`);
    if (spec.workdir) args.push('--workdir', spec.workdir);
    args.push(name, ...spec.command);
    const r = await this.runner.run('docker', args, {
      purpose: spec.purpose,
      onOutput: spec.onOutput,
      input: spec.input,
      allowFailure: true,
    });
    if (r.exitCode !== 0) {
      // The command failed, or the container is gone (then no later run may pretend to have run in it).
      const state = await this.runner.run('docker', ['container', 'inspect', '--format', '{{.State.Running}}', name], {
        allowFailure: true,
      });
      if (state.stdout.trim() !== 'true') {
        await this.close();
        throw new CommandFailed(
          `${spec.purpose}: the packager container ${name} stopped (${tail(r.stderr, 1)}); run again`,
          quoteForDisplay('docker', args),
          r.exitCode,
          tail(r.stderr),
        );
      }
      if (!spec.allowFailure)
        throw commandFailed(quoteForDisplay('docker', args), r.exitCode, tail(r.stderr || r.stdout), spec.purpose);
    }
    return { stdout: r.stdout, stderr: r.stderr, exitCode: r.exitCode };
  }

  /** Removes the container, if it was started; a later run starts a new one. */
  async close(): Promise<void> {
    const started = this.started;
    this.started = undefined;
    if (!started) return;
    const name = await started.catch(() => undefined);
    if (name) await this.remove(name);
    this.untrack?.();
  }

  /** Whether the run can be an exec in this container: same image and user, and every mount is already there. */
  private async fits(spec: ContainerRun): Promise<boolean> {
    if (spec.isolated || spec.options?.length || spec.timeoutMs !== undefined || spec.image !== this.image)
      return false;
    if (spec.user !== undefined && spec.user !== this.buildUser()) return false;
    for (const m of spec.mounts) {
      const root = this.roots.find((r) => m.host === r.host || m.host.startsWith(`${r.host}/`));
      if (!root || m.container !== root.container + m.host.slice(root.host.length)) return false;
      if (root.readOnly && !m.readOnly) return false;
      if (!(await this.reachable(root, m.host, !m.readOnly))) return false;
    }
    return true;
  }

  /**
   * A bind mount of a file works whatever its parents' permissions; inside a mounted root, the container's user
   * must be able to walk to it. Symbolic links (which a bind mount resolves on the host) are not followed.
   */
  private async reachable(root: Mount, target: string, write: boolean): Promise<boolean> {
    const [uid, gid] = this.buildUser().split(':').map(Number) as [number, number];
    let dir = root.host;
    const parts = path.relative(root.host, target).split(path.sep).filter(Boolean);
    for (const [i, part] of ['', ...parts].entries()) {
      if (part) dir = path.join(dir, part);
      // A writable root is the container user's (handed over when the session starts).
      else if (!root.readOnly) continue;
      const stats = await lstat(dir).catch(() => undefined);
      if (!stats || stats.isSymbolicLink()) return false;
      const last = i === parts.length;
      const { S_IROTH: r, S_IWOTH: w, S_IXOTH: x } = constants;
      const need = !last ? x : (stats.isDirectory() ? r | x : r) | (write ? w : 0);
      if (!permits(stats, uid, gid, need)) return false;
    }
    return true;
  }

  private start(): Promise<string> {
    this.started ??= (async () => {
      const name = containerName();
      this.untrack = trackContainer(name);
      const args = [...runArgs(name, this.buildUser()), '--detach'];
      for (const root of this.roots) {
        await mkdir(root.host, { recursive: true });
        if (!root.readOnly) await this.handOver(root.host);
        args.push('--volume', `${root.host}:${root.container}${root.readOnly ? ':ro' : ''}`);
      }
      args.push('--entrypoint', 'sleep', this.image, 'infinity');
      try {
        await this.runner.run('docker', args, { purpose: `start a packager container of ${this.image}` });
      } catch (error) {
        await this.remove(name);
        this.untrack();
        throw error;
      }
      return name;
    })();
    return this.started;
  }

  /** The directory itself (not its contents) becomes the build user's, as prepareWritable does for a whole tree. */
  private async handOver(dir: string): Promise<void> {
    if (process.getuid?.() === 0 && !this.asInvoker)
      await this.runner.run('chown', [`${BUILD_UID}:${BUILD_UID}`, dir], {
        purpose: 'hand the packaging directory to the build user',
      });
  }
}
