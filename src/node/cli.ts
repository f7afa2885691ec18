// The node side's command line, as the doctor's image runs it: `doctor` and `agent` only, so the image carries
// nothing of the build pipeline. The same commands and error handling as src/cli.ts (main).

import { Command } from 'commander';
import { agent } from '../cli/agent.js';
import { doctor } from '../cli/doctor.js';
import { realDeps } from '../commands/deps.js';
import { processEnv } from '../commands/environment.js';
import { NOKMEM_VERSION } from '../meta.js';
import { runProgram } from '../run-program.js';

const env = processEnv();
const program = new Command()
  .name('nokmem')
  .description("nokmem's node side: is this node affected, and is the fix in place?")
  .version(NOKMEM_VERSION)
  .configureOutput({ writeOut: (text) => env.out(text), writeErr: (text) => env.err(text) })
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride();
doctor.register(program, env, () => realDeps(env));
agent.register(program, env, () => realDeps(env));
process.exitCode = await runProgram(process.argv, env, program);
