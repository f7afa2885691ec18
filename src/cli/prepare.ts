// nokmem prepare: its options (src/commands/prepare.ts runs it).

import type { PrepareOptions } from '../commands/prepare.js';
import { defineCommand } from './command.js';
import { selection } from './selection.js';

export const prepare = defineCommand({
  define: (program, env) =>
    selection(program.command('prepare'), env)
      .description('only fetch, check out and patch the source (no build)')
      .requiredOption('--into <dir>', 'where to write the prepared tree (must not exist)'),
  args: (options: PrepareOptions) => options,
  load: () => import('../commands/prepare.js'),
});
