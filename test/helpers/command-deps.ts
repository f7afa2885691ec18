// The dependencies of a command (src/commands/deps.ts) as fakes: a runner that answers from a script and records
// every call, a Docker engine without an engine, a fixed clock, and captured stdout, stderr and log lines.

import type { CommandDeps } from '../../src/commands/deps.ts';
import type { SelectionOptions } from '../../src/commands/selection.ts';
import type { Logger } from '../../src/log.ts';
import { DEFAULT_PATCHES_DIR, DEFAULT_SPECS_DIR } from '../../src/project.ts';
import { FakeDocker, type FakeRunner, type ScriptEntry, fakeRunner } from './fakes.ts';

export interface FakeCommandDeps {
  deps: CommandDeps;
  runner: FakeRunner;
  docker: FakeDocker;
  stdout(): string;
  stderr(): string;
  /** Every line logged, as "info: …", "warn: …", "detail: …". */
  logs: string[];
  /** The loggers the command asked for, with their options. */
  loggers: { verbose?: boolean }[];
}

/** The fixed time of the fake clock. */
export const NOW = new Date('2026-01-02T03:04:05.000Z');

export function fakeDeps(
  options: {
    vars?: Record<string, string>;
    script?: readonly ScriptEntry[];
    docker?: FakeDocker;
    /** The clock's answers, in turn (the last one repeats); default NOW. */
    times?: readonly Date[];
  } = {},
): FakeCommandDeps {
  const out: string[] = [];
  const err: string[] = [];
  const logs: string[] = [];
  const loggers: { verbose?: boolean }[] = [];
  const runner = fakeRunner(options.script ?? []);
  const docker = options.docker ?? new FakeDocker();
  const times = [...(options.times ?? [NOW])];
  const logger = (given: { verbose?: boolean } = {}): Logger => {
    loggers.push(given);
    return {
      info: (m) => void logs.push(`info: ${m}`),
      warn: (m) => void logs.push(`warn: ${m}`),
      detail: (m) => void logs.push(`detail: ${m}`),
    };
  };
  const deps: CommandDeps = {
    env: { vars: options.vars ?? {}, out: (t) => void out.push(t), err: (t) => void err.push(t) },
    runner,
    docker,
    clock: { now: () => (times.length > 1 ? times.shift()! : times[0]!) },
    logger,
  };
  return { deps, runner, docker, stdout: () => out.join(''), stderr: () => err.join(''), logs, loggers };
}

/** build's and prepare's options as commander gives them with no flags, plus `more`. */
export const selection = (more: Partial<SelectionOptions> = {}): SelectionOptions => ({
  out: '/nonexistent/out',
  cacheDir: '/nonexistent/cache',
  specs: DEFAULT_SPECS_DIR,
  patches: DEFAULT_PATCHES_DIR,
  functional: true,
  ...more,
});
