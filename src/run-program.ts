// Runs a parsed command line: errors a user can act on are one line and a non-zero exit; anything else is a bug:
// its stack, exit 70. Shared by the CLI (src/cli.ts) and the node side's image (src/node/cli.ts).

import { type Command, CommanderError } from 'commander';
import type { CliEnv } from './commands/environment.js';
import { UserError, VerificationFailed, bugReport } from './errors.js';
import { redact } from './redact.js';

/** Parses argv (node's: [node, script, ...args]) and runs the command; returns the exit code. */
export async function runProgram(argv: string[], env: CliEnv, program: Command): Promise<number> {
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
