// Docker, as the pipeline uses it: is the engine there, which image (by id) builds, and running a command in
// a throwaway container with no network, as a non-root user, with the Go build cache mounted.

import { mkdir } from 'node:fs/promises';
import { UserError } from './errors.js';
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
    const r = await this.runner.run('docker', ['version', '--format', '{{.Server.Version}}'], { allowFailure: true, timeoutMs: 20_000 });
    if (r.exitCode !== 0) {
      const why = r.stderr.trim().split('\n').pop() ?? 'no answer';
      const fix = /permission denied/i.test(r.stderr) ? 'run as root or add your user to the docker group' : 'start dockerd or set DOCKER_HOST (sudo bash scripts/setup.sh starts dockerd)';
      throw new UserError(`the Docker engine is not reachable (${why}); ${fix}, then run again`);
    }
    return r.stdout.trim();
  }

  /** The image's id, or undefined when the engine does not have it. */
  async imageId(image: string): Promise<string | undefined> {
    const r = await this.runner.run('docker', ['image', 'inspect', '--format', '{{.Id}}', image], { allowFailure: true });
    return r.exitCode === 0 ? r.stdout.trim() : undefined;
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
    if (process.getuid?.() === 0 && !this.asInvoker) await this.runner.run('chown', ['-R', `${BUILD_UID}:${BUILD_UID}`, dir], { purpose: 'hand the build directory to the build user' });
  }

  async run(spec: ContainerRun): Promise<{ stdout: string; stderr: string; exitCode: number }> {
    const args = ['run', '--rm', '--network', 'none', '--user', this.buildUser(), '--env', 'HOME=/tmp'];
    if (spec.input !== undefined) args.push('--interactive');
    for (const [k, v] of Object.entries(spec.env ?? {})) args.push('--env', `${k}=${v}`);
    for (const m of spec.mounts) args.push('--volume', `${m.host}:${m.container}${m.readOnly ? ':ro' : ''}`);
    if (spec.workdir) args.push('--workdir', spec.workdir);
    args.push(spec.image, ...spec.command);
    const r = await this.runner.run('docker', args, { purpose: spec.purpose, onOutput: spec.onOutput, input: spec.input, allowFailure: spec.allowFailure });
    return { stdout: r.stdout, stderr: r.stderr, exitCode: r.exitCode };
  }
}

