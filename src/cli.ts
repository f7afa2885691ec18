// The command line: assembles the commands of src/commands/ (one file each) and runs them. Errors a user can
// act on are one line and a non-zero exit; anything else is a bug: its stack, exit 70. Runs itself when it is
// the main module (node dist/cli.js, compiled by `npm run compile`); bin/nokmem.js calls run().

import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { agent } from './cli/agent.js';
import { build } from './cli/build.js';
import { builderImage } from './cli/builder-image.js';
import { doctor } from './cli/doctor.js';
import { fleet } from './cli/fleet.js';
import { forks } from './cli/forks.js';
import { matrix } from './cli/matrix.js';
import { nodeImage } from './cli/node-image.js';
import { pin } from './cli/pin.js';
import { prepare } from './cli/prepare.js';
import { publish } from './cli/publish.js';
import { release } from './cli/release.js';
import { verify } from './cli/verify.js';
import { type CommandDeps, realDeps } from './commands/deps.js';
import { type CliEnv, processEnv } from './commands/environment.js';
import { UsageError } from './errors.js';
import { installInterruptCleanup } from './interrupt.js';
import { NOKMEM_VERSION } from './meta.js';
import { runProgram } from './run-program.js';

/**
 * The commands, in the order --help lists them: their definitions (src/cli/), which import nothing heavy; a
 * command's implementation (src/commands/) is loaded only when it runs, so --help loads none.
 */
const COMMANDS = [
  build,
  prepare,
  verify,
  publish,
  release,
  matrix,
  forks,
  doctor,
  agent,
  fleet,
  pin,
  builderImage,
  nodeImage,
];

/** The program with every command registered; nothing runs until it is parsed. */
export function makeProgram(
  env: CliEnv = processEnv(),
  deps: (env: CliEnv) => Promise<CommandDeps> = realDeps,
): Command {
  const program = new Command()
    .name('nokmem')
    .description(
      'Build kubelet and runc that never switch on kernel-memory accounting (the EL7 memory-cgroup leak), and prove it.',
    )
    .version(NOKMEM_VERSION)
    .configureOutput({ writeOut: (text) => env.out(text), writeErr: (text) => env.err(text) })
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  for (const command of COMMANDS) command.register(program, env, () => deps(env));
  refuseOptionLikeValues(program);
  return program;
}

/**
 * An option that takes a value takes the next word even when it starts with "-": `--remote --dry-run` (an empty
 * shell variable) made --dry-run the remote and started a real build, and `--remote -oProxyCommand=…` reached git.
 * Every value option of every command refuses a value written like an option (a lone "-" is a value).
 */
function refuseOptionLikeValues(command: Command): void {
  for (const option of command.options) {
    if (!(option.required || option.optional) || option.variadic) continue;
    const parse = option.parseArg;
    option.argParser((value: string, previous: unknown) => {
      if (/^-./.test(value)) {
        const name = option.long ?? option.short ?? option.flags;
        throw new UsageError(
          `${name} needs a value, but got ${JSON.stringify(value)}, which is written like an option; give the value right after ${name} (a path that starts with "-" as ./-name)`,
        );
      }
      return parse ? (parse as (v: string, p: unknown) => unknown)(value, previous) : value;
    });
  }
  for (const sub of command.commands) refuseOptionLikeValues(sub);
}

/** Parses argv (node's: [node, script, ...args]) and runs the command; returns the exit code. */
export function main(argv: string[], env: CliEnv = processEnv(), program = makeProgram(env)): Promise<number> {
  return runProgram(argv, env, program);
}

/** The process's run: cleanup on interrupt, then main with the process's arguments and environment. */
export async function run(): Promise<void> {
  // The runner is loaded with a command's dependencies, never for --help; nothing is tracked before it is.
  let removeSync: ((names: string[]) => void) | undefined;
  installInterruptCleanup((names) => removeSync?.(names));
  const env = processEnv();
  const deps = async (given: CliEnv): Promise<CommandDeps> => {
    const { runSyncQuietly } = await import('./runner.js');
    removeSync = (names) => runSyncQuietly('docker', ['rm', '--force', ...names], 30_000);
    return realDeps(given);
  };
  process.exitCode = await main(process.argv, env, makeProgram(env, deps));
}

/** Whether this file is the script node was started with (node dist/cli.js), not a module imported by it. */
function isMainModule(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isMainModule()) await run();
