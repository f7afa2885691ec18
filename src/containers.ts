// The containers nokmem starts, below the Docker class: their names and owner labels, the `docker run` line they
// all begin with, a container tied to this process (its main process waits on a stdin that only this process
// holds), whether a run fits a session's container, and the sweep that removes the containers of owners that are
// provably dead (src/owner.ts).

import { randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import type { EngineApi } from './docker-api.js';
import { type Mount, reachable } from './docker-mounts.js';
import { OWNER_LABELS, currentOwner, ownerLabelArgs, provablyDead } from './owner.js';
import { type RunResult, type Runner, commandFailed, quoteForDisplay, tail } from './runner.js';

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
  /** Only in the session's container: the command uses what only it holds (the GNUPGHOME on its tmpfs). */
  needsSession?: boolean;
}

/** A session's options: private tmpfs directories (mode 0700, the container user's) that die with it. */
export interface SessionOptions {
  tmpfs?: string[];
}

export interface ContainerResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** A container name nokmem owns: the pid says which run it belongs to (the owner labels say more). */
export function containerName(): string {
  return `nokmem-${process.pid}-${randomBytes(4).toString('hex')}`;
}

/**
 * How every container of nokmem starts: named (so it can be removed), labelled with its owner (so a later run can
 * tell that the owner died), removed when it ends, no network.
 */
export function runArgs(name: string, user: string): string[] {
  return [
    'run',
    '--rm',
    '--name',
    name,
    ...ownerLabelArgs(),
    '--network',
    'none',
    '--user',
    user,
    '--env',
    'HOME=/tmp',
  ];
}

/** What a tied container runs: it says it is up, then waits for its stdin to end (shell builtins only). */
const READY = 'nokmem-container-ready';
export const TIED_MAIN = ['sh', '-c', `echo ${READY}; while read -r _; do :; done`];

export interface TiedContainer {
  /** Ending it ends the container. */
  stdin: PassThrough;
  /** The docker client's result, when the container has ended. */
  done: Promise<RunResult>;
}

/** Whether a run can be an exec in a session's container: same image and user, and every mount already there. */
export async function fitsSession(spec: ContainerRun, image: string, roots: Mount[], user: string): Promise<boolean> {
  if (spec.isolated || spec.options?.length || spec.timeoutMs !== undefined || spec.image !== image) return false;
  if (spec.user !== undefined && spec.user !== user) return false;
  for (const m of spec.mounts) {
    const root = roots.find((r) => m.host === r.host || m.host.startsWith(`${r.host}/`));
    if (!root || m.container !== root.container + m.host.slice(root.host.length)) return false;
    if (root.readOnly && !m.readOnly) return false;
    if (!(await reachable(user, root, m.host, !m.readOnly))) return false;
  }
  return true;
}

/**
 * Starts `docker <args>` (a `run --interactive` whose command is TIED_MAIN) and returns once the container is up.
 * The client's stdin is a pipe from this process, which never writes to it: when this process ends, however it
 * ends (kill -9 included), the pipe closes, the client ends the container's stdin (a `run -i` has StdinOnce), its
 * main process returns, and --rm removes it. A container that ends before it is up is a CommandFailed.
 */
export async function startTied(runner: Runner, args: string[], purpose: string): Promise<TiedContainer> {
  const stdin = new PassThrough();
  let output = '';
  let ready: () => void = () => {};
  const up = new Promise<void>((resolve) => (ready = resolve));
  const done = runner.run('docker', args, {
    purpose,
    input: stdin,
    allowFailure: true,
    onOutput: (chunk) => {
      output += chunk;
      if (output.includes(READY)) ready();
    },
  });
  const ended = await Promise.race([up.then(() => undefined), done]);
  if (ended) {
    stdin.end();
    throw commandFailed(quoteForDisplay('docker', args), ended.exitCode, tail(ended.stderr || ended.stdout), purpose);
  }
  return { stdin, done };
}

/**
 * Removes the containers of this host's boot whose owner is provably dead: a run killed with SIGKILL, whose
 * docker clients lived on. Never one of another host, boot or PID namespace. Returns their names.
 */
export async function sweepDeadContainers(runner: Runner, api?: EngineApi): Promise<string[]> {
  const here = currentOwner();
  if (!here) return [];
  const selector = `${OWNER_LABELS.boot}=${here.boot}`;
  const rows = (await ownedContainersByApi(api, selector)) ?? (await ownedContainersByCli(runner, selector));
  const dead = rows
    .filter(([name, pidns, pid, start]) => {
      if (!name || !pidns || !/^\d+$/.test(pid ?? '') || !start) return false;
      return provablyDead({ boot: here.boot, pidns, pid: Number(pid), start }, here);
    })
    .map(([name]) => name!);
  if (dead.length) await runner.run('docker', ['rm', '--force', ...dead], { allowFailure: true, timeoutMs: 60_000 });
  return dead;
}

/** name, pid namespace, pid, start time of each container the label selects; undefined when the API is not there. */
async function ownedContainersByApi(api: EngineApi | undefined, selector: string) {
  const found = await api?.containersWithLabel(selector).catch(() => undefined);
  return found?.map((c) => [
    c.name,
    c.labels[OWNER_LABELS.pidns],
    c.labels[OWNER_LABELS.pid],
    c.labels[OWNER_LABELS.start],
  ]);
}

async function ownedContainersByCli(runner: Runner, selector: string): Promise<(string | undefined)[][]> {
  const fields = [OWNER_LABELS.pidns, OWNER_LABELS.pid, OWNER_LABELS.start].map((l) => `{{.Label "${l}"}}`);
  const r = await runner.run(
    'docker',
    ['ps', '--all', '--filter', `label=${selector}`, '--format', `{{.Names}}\t${fields.join('\t')}`],
    { allowFailure: true, timeoutMs: 30_000 },
  );
  if (r.exitCode !== 0) return [];
  return r.stdout.split('\n').map((line) => line.split('\t'));
}
