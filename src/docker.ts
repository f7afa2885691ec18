// Docker, as the pipeline uses it: is the engine there, which image (by id) builds, and running a command in
// a throwaway container with no network, as a non-root user, with the Go build cache mounted. Every container
// has a name nokmem owns (nokmem-<pid>-<random>) and is removed when its run fails, on interrupt and on exit:
// a killed docker client does not stop its container.

import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { MissingPrerequisite } from './errors.js';
import { trackContainer } from './interrupt.js';
import type { Runner } from './runner.js';

/** The user the compile runs as inside the container (never root). */
export const BUILD_UID = 10001;

export interface ContainerRun {
  image: string;
  command: string[];
  mounts: { host: string; container: string; readOnly?: boolean }[];
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
}

export class Docker {
  /** asInvoker: containers run as the invoking user (root when root) and no directory is handed to BUILD_UID. */
  constructor(
    private readonly runner: Runner,
    private readonly asInvoker = false,
  ) {}

  /**
   * The same engine for what gets published (repository metadata, its signature, the GnuPG home that signs it):
   * owned by the invoking user, never by BUILD_UID, which any host account with that uid could change.
   */
  asInvokingUser(): Docker {
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
      throw new MissingPrerequisite(`the Docker engine is not reachable (${why}); ${fix}, then run again`);
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
    const probe = await this.runner.run(
      'docker',
      [
        'run',
        '--rm',
        '--network',
        'none',
        image,
        'sh',
        '-c',
        'for t in "$@"; do command -v "$t" >/dev/null 2>&1 || echo "$t"; done',
        'check-tools',
        ...tools,
      ],
      { allowFailure: true, timeoutMs: 60_000 },
    );
    const missing = probe.stdout
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
    if (file && memo?.write && probe.exitCode === 0 && missing.length === 0) {
      await mkdir(memo.dir, { recursive: true });
      const tmp = `${file}.${process.pid}.tmp`;
      await writeFile(tmp, `${JSON.stringify([...new Set([...known, ...tools])].sort())}\n`);
      await rename(tmp, file);
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
      await writeFile(`${file}.${process.pid}.tmp`, `${version}\n`);
      await rename(`${file}.${process.pid}.tmp`, file);
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

  async run(spec: ContainerRun): Promise<{ stdout: string; stderr: string; exitCode: number }> {
    const name = containerName();
    const args = [
      'run',
      '--rm',
      '--name',
      name,
      '--network',
      'none',
      '--user',
      spec.user ?? this.buildUser(),
      '--env',
      'HOME=/tmp',
      ...(spec.options ?? []),
    ];
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
export function containerName(): string {
  return `nokmem-${process.pid}-${randomBytes(4).toString('hex')}`;
}
