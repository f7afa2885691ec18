// A command as --help sees it, apart from what it does: its definition (name, arguments, options) is in this
// folder and imports nothing heavy; its implementation (src/commands/<name>.ts, `run(args, deps)`) is loaded
// only when it runs, with the dependencies it is given.

import type { Command } from 'commander';
import type { CommandDeps } from '../commands/deps.js';
import type { CliEnv } from '../commands/environment.js';

export interface CommandModule<A> {
  run(args: A, deps: CommandDeps): Promise<void>;
}

export interface CommandDefinition {
  /** Adds the command, its arguments and options to the program, and its action, which loads the module. */
  register(program: Command, env: CliEnv, deps: () => Promise<CommandDeps>): Command;
}

/**
 * A command: `define` adds it with its options; `args` makes run's arguments from what commander parsed (the
 * positional arguments, then the options); `load` imports the implementation.
 */
export function defineCommand<A, P extends unknown[]>(spec: {
  define(program: Command, env: CliEnv): Command;
  args(...parsed: P): A;
  load(): Promise<CommandModule<A>>;
}): CommandDefinition {
  return {
    register: (program, env, deps) =>
      spec.define(program, env).action(async (...parsed: unknown[]) => {
        const [module, given] = await Promise.all([spec.load(), deps()]);
        await module.run(spec.args(...(parsed as P)), given);
      }),
  };
}
