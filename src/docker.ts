// Docker, as the pipeline uses it: is the engine there, which image (by id) builds, and running a command in
// a throwaway container with no network, as a non-root user, with the Go build cache mounted. Every container
// has a name nokmem owns (nokmem-<pid>-<random>) and labels naming its owner beyond the pid (src/owner.ts); it
// is removed when its run fails, on interrupt and on exit, and a later run removes the containers of owners that
// are provably dead (sweepDeadContainers): a killed docker client does not stop its container.
//
// Starting a container costs a few tenths of a second, more than most packaging commands take. A DockerSession
// (Docker.session) is one long-lived container of one image with a few directories (and private tmpfs ones, such
// as the signing GNUPGHOME) mounted, started at its first use: a run whose mounts it has becomes a `docker exec`
// in it; any other run (another image or mounts, extra options, a time limit, `isolated`) gets a throwaway
// container. A session's main process waits on its stdin, a pipe from this process: when nokmem ends, however
// (kill -9 included), the container ends and --rm removes it with its tmpfs. Commands served by a session name
// their host paths with hostMount.

import { mkdir } from 'node:fs/promises';
import type { EngineApi, ImageSummary } from './docker-api.js';
import type { Mount } from './docker-mounts.js';
import { CommandFailed, MissingPrerequisite } from './errors.js';
import { trackContainer } from './interrupt.js';
import {
  type ContainerResult,
  type ContainerRun,
  type SessionOptions,
  TIED_MAIN,
  type TiedContainer,
  containerName,
  fitsSession,
  runArgs,
  startTied,
  sweepDeadContainers,
} from './containers.js';
import { goVersion, missingTools, vouchedTools } from './image-facts.js';
import { type Runner, commandFailed, quoteForDisplay, tail } from './runner.js';

export { type Mount, hostMount } from './docker-mounts.js';
export { type ContainerResult, type ContainerRun, type SessionOptions, containerName } from './containers.js';

/** The user the compile runs as inside the container (never root). */
export const BUILD_UID = 10001;

export class Docker {
  /**
   * asInvoker: containers run as the invoking user (root when root) and no directory is handed to BUILD_UID.
   * api: the engine's API on its local socket (docker-api.ts), which answers the questions asked before any
   * container runs in milliseconds instead of a docker process each; without it (or when it fails) the CLI answers.
   */
  constructor(
    protected readonly runner: Runner,
    protected readonly asInvoker = false,
    protected readonly api?: EngineApi,
  ) {}

  /**
   * One long-lived container of `image` with `roots` mounted (started at its first use), in which the runs that
   * fit it are executed; close() removes it. A writable root is handed to the container's user (the directory
   * itself, not its contents), so that what packaging makes beneath it is reachable.
   */
  session(image: string, roots: Mount[], options: SessionOptions = {}): DockerEngineSession {
    return new DockerSession(this.runner, this.asInvoker, image, roots, options.tmpfs ?? []);
  }

  /** Removes the containers of owners that are provably dead (containers.ts); returns their names. */
  sweepDeadContainers(): Promise<string[]> {
    return sweepDeadContainers(this.runner, this.api);
  }

  /**
   * The same engine for what gets published (repository metadata, its signature, the GnuPG home that signs it):
   * owned by the invoking user, never by BUILD_UID, which any host account with that uid could change.
   */
  asInvokingUser(): DockerEngine {
    return new Docker(this.runner, true, this.api);
  }

  async ping(): Promise<string> {
    const version = await this.api?.version().catch(() => undefined);
    if (version) return version;
    const r = await this.runner.run('docker', ['version', '--format', '{{.Server.Version}}'], {
      allowFailure: true,
      timeoutMs: 20_000,
    });
    if (r.exitCode === 0) return r.stdout.trim();
    const why = r.stderr.trim().split('\n').pop() ?? 'no answer';
    const fix = /permission denied/i.test(r.stderr)
      ? 'run as root or add your user to the docker group'
      : 'start dockerd or set DOCKER_HOST (sudo bash scripts/setup.sh starts dockerd)';
    throw new MissingPrerequisite(`the Docker engine is not reachable (${why}); ${fix}, then run again`, fix);
  }

  /** The image's id, or undefined when the engine does not have it. */
  async imageId(image: string): Promise<string | undefined> {
    const viaApi = await this.api?.image(image).then(
      (found) => ({ id: found?.id }),
      () => undefined,
    );
    if (viaApi) return viaApi.id;
    const r = await this.runner.run('docker', ['image', 'inspect', '--format', '{{.Id}}', image], {
      allowFailure: true,
    });
    return r.exitCode === 0 ? r.stdout.trim() : undefined;
  }

  /** The image's labels ({} when it has none), in one API call; undefined without the API or the image. */
  async imageLabels(image: string): Promise<Record<string, string> | undefined> {
    return this.api?.image(image).then(
      (found) => found?.labels,
      () => undefined,
    );
  }

  /** The images carrying `label`, in one API call; undefined without the API (the caller asks the CLI). */
  async imagesWithLabel(label: string): Promise<ImageSummary[] | undefined> {
    return this.api?.imagesWithLabel(label).catch(() => undefined);
  }

  /** Which of `tools` the image lacks (image-facts.ts: vouched for by its label, or remembered in `memo.dir`). */
  async missingTools(image: string, imageId: string, tools: readonly string[], memo?: { dir: string; write: boolean }) {
    const vouched = vouchedTools(await this.api?.image(imageId).catch(() => undefined));
    return missingTools((spec) => this.run(spec), image, imageId, tools, memo, vouched);
  }

  /** `go version` in the image (image-facts.ts: remembered per image id in `memo.dir`). */
  goVersion(image: string, memo?: { dir: string; imageId: string }): Promise<string> {
    return goVersion((spec) => this.run(spec), image, memo);
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
    if (spec.needsSession) throw new Error(`bug: ${spec.purpose} must run in a session's container`);
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

/**
 * What code that uses the engine depends on: the public surface of Docker. Deps and tools take this, so that a
 * test can pass a fake engine (test/helpers/fakes.ts) where the class, with its private fields, would not fit.
 */
export type DockerEngine = Pick<Docker, keyof Docker>;

/** A session (Docker.session): the engine's surface, and close() to remove its container. */
export type DockerEngineSession = DockerEngine & {
  close(): Promise<void>;
  /** Starts its container now, in the background, instead of at its first run (where a failure to start is thrown). */
  warm(): void;
};

/** See Docker.session. */
export class DockerSession extends Docker {
  private started?: Promise<string>;
  private untrack?: () => void;
  /** The docker client of the container, and its stdin: the container lives as long as this stays open. */
  private client?: TiedContainer;

  constructor(
    runner: Runner,
    asInvoker: boolean,
    readonly image: string,
    private readonly roots: Mount[],
    private readonly tmpfs: string[] = [],
  ) {
    super(runner, asInvoker);
  }

  override async run(spec: ContainerRun): Promise<ContainerResult> {
    if (!(await fitsSession(spec, this.image, this.roots, this.buildUser()))) {
      if (spec.needsSession) throw new Error(`bug: ${spec.purpose} must run in the session's container, and cannot`);
      return super.run({ ...spec, needsSession: false });
    }
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

  warm(): void {
    this.start().catch(() => undefined);
  }

  /** Removes the container, if it was started (or is starting); a later run starts a new one. */
  async close(): Promise<void> {
    const started = this.started;
    this.started = undefined;
    if (!started) return;
    const name = await started.catch(() => undefined);
    const client = this.client;
    this.client = undefined;
    client?.stdin.end();
    if (name) await this.remove(name);
    await client?.done.catch(() => undefined);
    this.untrack?.();
  }

  private start(): Promise<string> {
    this.started ??= (async () => {
      const name = containerName();
      this.untrack = trackContainer(name);
      const user = this.buildUser();
      const [uid, gid] = user.split(':');
      const args = [...runArgs(name, user), '--interactive'];
      for (const dir of this.tmpfs)
        args.push('--tmpfs', `${dir}:rw,nosuid,nodev,noexec,size=64m,mode=0700,uid=${uid},gid=${gid}`);
      for (const root of this.roots) {
        await mkdir(root.host, { recursive: true });
        if (!root.readOnly) await this.handOver(root.host);
        args.push('--volume', `${root.host}:${root.container}${root.readOnly ? ':ro' : ''}`);
      }
      args.push('--entrypoint', TIED_MAIN[0]!, this.image, ...TIED_MAIN.slice(1));
      try {
        this.client = await startTied(this.runner, args, `start a packager container of ${this.image}`);
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
