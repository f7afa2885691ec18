// The command line: assembles the commands of src/commands/ (one file each) and runs them. Errors a user can
// act on are one line and a non-zero exit; anything else is a bug: its stack, exit 70. Runs itself when it is
// the main module (tsx src/cli.ts); bin/nokmem.js calls run().

import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import * as build from './commands/build.js';
import * as builderImage from './commands/builder-image.js';
import * as doctor from './commands/doctor.js';
import * as fleet from './commands/fleet.js';
import * as forks from './commands/forks.js';
import * as matrix from './commands/matrix.js';
import * as pin from './commands/pin.js';
import * as prepare from './commands/prepare.js';
import * as publish from './commands/publish.js';
import * as release from './commands/release.js';
import { type CliEnv, processEnv } from './commands/shared.js';
import * as verify from './commands/verify.js';
import { UserError, VerificationFailed, bugReport } from './errors.js';
import { installInterruptCleanup } from './interrupt.js';
import { NOKMEM_VERSION } from './meta.js';
import { redact } from './redact.js';
import { runSyncQuietly } from './runner.js';

/** The commands, in the order --help lists them. */
const COMMANDS = [build, prepare, verify, publish, release, matrix, forks, doctor, fleet, pin, builderImage];

/** The program with every command registered; nothing runs until it is parsed. */
export function makeProgram(env: CliEnv = processEnv()): Command {
  const program = new Command()
    .name('nokmem')
    .description(
      'Build kubelet and runc that never switch on kernel-memory accounting (the EL7 memory-cgroup leak), and prove it.',
    )
    .version(NOKMEM_VERSION)
    .configureOutput({ writeOut: (text) => env.out(text), writeErr: (text) => env.err(text) })
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  for (const command of COMMANDS) command.register(program, env);
  return program;
}

/** Parses argv (node's: [node, script, ...args]) and runs the command; returns the exit code. */
export async function main(argv: string[], env: CliEnv = processEnv(), program = makeProgram(env)): Promise<number> {
  try {
    await program.parseAsync(argv);
    return env.exitCode ?? 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    const json = argv.includes('--json');
    if (error instanceof UserError) {
      // A failed verification has printed its checks already: its message is the one short line after them.
      // With --json, the error object names its kind (the class), which scripts decide by, never by wording.
      env.err(`nokmem: error: ${redact(error.message)}\n`);
      if (json && !(error instanceof VerificationFailed && error.reported))
        env.out(`${JSON.stringify({ ok: false, kind: error.name, error: redact(error.message) })}\n`);
      return error.exitCode;
    }
    // A bug: the stack (and the step it happened in, and every cause), exit 70 (EX_SOFTWARE).
    env.err(`nokmem: internal error (a bug in nokmem, please report it): ${redact(bugReport(error))}\n`);
    return 70;
  }
}

/** The process's run: cleanup on interrupt, then main with the process's arguments and environment. */
export async function run(): Promise<void> {
  installInterruptCleanup((names) => runSyncQuietly('docker', ['rm', '--force', ...names], 30_000));
  process.exitCode = await main(process.argv);
}

/** Whether this file is the script node was started with (tsx src/cli.ts), not a module imported by it. */
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
