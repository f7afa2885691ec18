// Fakes of the two side-effect interfaces the pipeline takes in its deps, so a step or a module can be unit
// tested without Docker: a Runner that answers from a script and records every call, and a FakeDocker with the
// public surface of the Docker class. Both fail the way the real ones do (CommandFailed for a failed command,
// MissingPrerequisite for an engine that is not there); a call the script does not expect is a test bug and
// throws a plain Error naming it. Integration tests use the real ones.

import { mkdir } from 'node:fs/promises';
import type { ImageSummary } from '../../src/docker-api.ts';
import type { ContainerRun, DockerEngine, DockerEngineSession, Mount, SessionOptions } from '../../src/docker.ts';
import { MissingPrerequisite } from '../../src/errors.ts';
import {
  type RunOptions,
  type RunResult,
  type Runner,
  commandFailed,
  quoteForDisplay,
  tail,
} from '../../src/runner.ts';

/** What a scripted command answers. Missing fields are empty output and exit code 0. */
export interface ScriptedResult {
  stdout?: string;
  stderr?: string;
  exitCode?: number;
  stdoutBytes?: Buffer;
}

export interface RunnerCall {
  command: string;
  args: readonly string[];
  options: RunOptions;
}

/** Which calls an entry answers: the command, a prefix of the arguments, arguments it must contain, or a test. */
export interface CallMatcher {
  command?: string;
  /** The first arguments, each equal to the string or matching the RegExp. */
  args?: readonly (string | RegExp)[];
  /** Arguments that must appear somewhere. */
  includes?: readonly string[];
  when?: (call: RunnerCall) => boolean;
}

export interface ScriptEntry extends CallMatcher {
  /** The answer, or a function of the call that makes it (it may also throw, e.g. to fake a spawn failure). */
  result?: ScriptedResult | ((call: RunnerCall) => ScriptedResult | Promise<ScriptedResult>);
  /** Answer only this many calls, then let later entries answer (a retry, a state that changes). */
  times?: number;
}

export function matches(m: CallMatcher, call: RunnerCall): boolean {
  if (m.command !== undefined && m.command !== call.command) return false;
  if (m.args) {
    if (m.args.length > call.args.length) return false;
    for (const [i, want] of m.args.entries()) {
      const got = call.args[i] ?? '';
      if (typeof want === 'string' ? want !== got : !want.test(got)) return false;
    }
  }
  if (m.includes && !m.includes.every((a) => call.args.includes(a))) return false;
  return m.when ? m.when(call) : true;
}

export interface FakeRunner extends Runner {
  /** Every call, in order, answered or not. */
  readonly calls: RunnerCall[];
  /** The calls that match, e.g. `runner.callsTo({ command: 'docker', args: ['rm'] })`. */
  callsTo(m: CallMatcher): RunnerCall[];
}

/**
 * A Runner that answers from `script`: the first entry that matches (and has answers left) answers. Like the
 * real runner, a non-zero exit code throws CommandFailed unless the call allows failure.
 */
export function fakeRunner(script: readonly ScriptEntry[] = [], machine: { lacks?: string[] } = {}): FakeRunner {
  const entries = script.map((e) => ({ ...e, left: e.times ?? Infinity }));
  const calls: RunnerCall[] = [];
  return {
    calls,
    callsTo: (m) => calls.filter((c) => matches(m, c)),
    /** Every command is in /usr/bin, but those the machine lacks. */
    locate: async (command) => (machine.lacks?.includes(command) ? undefined : `/usr/bin/${command}`),
    async run(command, args, options = {}): Promise<RunResult> {
      const call: RunnerCall = { command, args: [...args], options };
      calls.push(call);
      const entry = entries.find((e) => e.left > 0 && matches(e, call));
      if (!entry) throw new Error(`fakeRunner: no scripted answer for ${quoteForDisplay(command, args)}`);
      entry.left--;
      const scripted = typeof entry.result === 'function' ? await entry.result(call) : (entry.result ?? {});
      const result: RunResult = {
        stdout: scripted.stdout ?? '',
        stderr: scripted.stderr ?? '',
        exitCode: scripted.exitCode ?? 0,
        stdoutBytes: scripted.stdoutBytes,
      };
      if (result.exitCode !== 0 && !options.allowFailure)
        throw commandFailed(
          quoteForDisplay(command, args),
          result.exitCode,
          tail(result.stderr || result.stdout),
          options.purpose,
        );
      return result;
    },
  };
}

/** A scripted container run: which runs it answers (by image, command, or a test) and with what. */
export interface ContainerScript {
  image?: string;
  /** The first words of the container's command, each equal to the string or matching the RegExp. */
  command?: readonly (string | RegExp)[];
  when?: (spec: ContainerRun) => boolean;
  result?: ScriptedResult | ((spec: ContainerRun) => ScriptedResult | Promise<ScriptedResult>);
  times?: number;
}

/**
 * Docker without an engine. `engine` is what `docker version` would say (undefined: not reachable); `images`
 * maps references to ids; `containers` scripts what `run` answers. Every container run and every directory made
 * writable is recorded.
 */
export class FakeDocker implements DockerEngine {
  readonly runs: ContainerRun[] = [];
  readonly writable: string[] = [];
  readonly removed: string[] = [];
  private readonly scripts: (ContainerScript & { left: number })[];

  constructor(
    readonly options: {
      engine?: string;
      images?: Record<string, string>;
      containers?: readonly ContainerScript[];
      buildUser?: string;
      /** What missingTools answers (default: nothing missing), for every image or per image. */
      missingTools?: string[] | Record<string, string[]>;
      /** What goVersion answers. */
      go?: string;
    } = { engine: '27.0.0' },
  ) {
    this.scripts = (options.containers ?? []).map((s) => ({ ...s, left: s.times ?? Infinity }));
  }

  asInvokingUser(): DockerEngine {
    return this;
  }

  /** The fake has no containers to share: a session is the fake itself, and closing it records the close. */
  readonly sessions: { image: string; roots: Mount[]; tmpfs: string[]; closed: boolean; warmed: boolean }[] = [];
  session(image: string, roots: Mount[], options: SessionOptions = {}): DockerEngineSession {
    const record = { image, roots, tmpfs: options.tmpfs ?? [], closed: false, warmed: false };
    this.sessions.push(record);
    return Object.assign(Object.create(this) as FakeDocker, {
      close: async () => {
        record.closed = true;
      },
      warm: () => {
        record.warmed = true;
      },
    });
  }

  /** This fake as a session that records nothing of itself (a test that hands a step its packager session). */
  asSession(): DockerEngineSession {
    return Object.assign(Object.create(this) as FakeDocker, { close: async () => undefined, warm: () => undefined });
  }

  /** The containers of dead owners it was asked to remove (it has none). */
  sweeps = 0;
  async sweepDeadContainers(): Promise<string[]> {
    this.sweeps++;
    return [];
  }

  async missingTools(
    image: string,
    _imageId: string,
    tools: readonly string[],
  ): Promise<{ exitCode: number; missing: string[] }> {
    const missing = this.options.missingTools;
    if (missing === undefined || Array.isArray(missing)) return { exitCode: 0, missing: missing ?? [] };
    return { exitCode: 0, missing: (missing[image] ?? []).filter((t) => tools.includes(t)) };
  }

  async goVersion(_image: string): Promise<string> {
    return this.options.go ?? 'go version go1.19.8 linux/amd64';
  }

  async ping(): Promise<string> {
    if (this.options.engine === undefined)
      throw new MissingPrerequisite('the Docker engine is not reachable (fake); start dockerd, then run again');
    return this.options.engine;
  }

  async imageId(image: string): Promise<string | undefined> {
    return this.options.images?.[image];
  }

  /** The fake has no engine API: callers read labels through the runner, as the docker CLI would. */
  async imageLabels(_image: string): Promise<Record<string, string> | undefined> {
    return undefined;
  }

  /** The fake has no engine API: callers list images through the runner, as the docker CLI would. */
  async imagesWithLabel(_label: string): Promise<ImageSummary[] | undefined> {
    return undefined;
  }

  buildUser(): string {
    return this.options.buildUser ?? '10001:10001';
  }

  async prepareWritable(dir: string): Promise<void> {
    await mkdir(dir, { recursive: true });
    this.writable.push(dir);
  }

  async run(spec: ContainerRun): Promise<{ stdout: string; stderr: string; exitCode: number }> {
    this.runs.push(spec);
    const script = this.scripts.find(
      (s) =>
        s.left > 0 &&
        (s.image === undefined || s.image === spec.image) &&
        (s.command === undefined ||
          s.command.every((w, i) => (typeof w === 'string' ? w === spec.command[i] : w.test(spec.command[i] ?? '')))) &&
        (s.when === undefined || s.when(spec)),
    );
    if (!script)
      throw new Error(`FakeDocker: no scripted answer for ${spec.image} ${quoteForDisplay('', spec.command).trim()}`);
    script.left--;
    const r = typeof script.result === 'function' ? await script.result(spec) : (script.result ?? {});
    const result = { stdout: r.stdout ?? '', stderr: r.stderr ?? '', exitCode: r.exitCode ?? 0 };
    if (result.exitCode !== 0 && !spec.allowFailure)
      throw commandFailed(
        quoteForDisplay('docker', ['run', spec.image, ...spec.command]),
        result.exitCode,
        tail(result.stderr || result.stdout),
        spec.purpose,
      );
    return result;
  }

  async remove(name: string): Promise<void> {
    this.removed.push(name);
  }
}
