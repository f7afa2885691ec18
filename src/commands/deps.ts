// What every command is given rather than makes: the environment and output (CliEnv), the runner of external
// programs, the Docker engine, the clock, and its logger. realDeps() makes the real ones, loading their modules
// only when a command runs (--help loads none of them); a unit test passes fakes (test/helpers/fakes.ts).

import type { DockerEngine } from '../docker.js';
import type { Logger } from '../log.js';
import type { Runner } from '../runner.js';
import type { CliEnv } from './environment.js';

export interface Clock {
  now(): Date;
}

export interface CommandDeps {
  /** Environment variables, stdout (results), stderr (messages), and the status a command ends with. */
  readonly env: CliEnv;
  readonly runner: Runner;
  readonly docker: DockerEngine;
  readonly clock: Clock;
  /** The logger for people (stderr); verbose shows the output of what runs. */
  logger(options?: { verbose?: boolean }): Logger;
}

/** The real dependencies: the process's runner, the Docker engine through it (and its local API socket), the system clock, stderr. */
export async function realDeps(env: CliEnv): Promise<CommandDeps> {
  const [{ realRunner }, { Docker }, { EngineApi, localEngineSocket }, { consoleLogger }] = await Promise.all([
    import('../runner.js'),
    import('../docker.js'),
    import('../docker-api.js'),
    import('../log.js'),
  ]);
  const socket = localEngineSocket(env.vars);
  return {
    env,
    runner: realRunner,
    docker: new Docker(realRunner, false, socket ? new EngineApi(socket) : undefined),
    clock: { now: () => new Date() },
    logger: (options) => consoleLogger(options),
  };
}
