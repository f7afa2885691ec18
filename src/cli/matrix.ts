// nokmem matrix: its options (src/commands/matrix.ts runs it).

import type { MatrixOptions } from '../commands/matrix.js';
import { DEFAULT_SPECS_DIR } from '../project.js';
import { defineCommand } from './command.js';

export const matrix = defineCommand({
  define: (program) =>
    program
      .command('matrix')
      .description('print the release matrix (JSON for a GitHub Actions strategy) computed from specs/')
      .option('--specs <dir>', 'directory with versions.yaml, pins.yaml and forks.yaml', DEFAULT_SPECS_DIR)
      .option('--only <what>', 'only runc, kubelet or fork'),
  args: (options: MatrixOptions) => options,
  load: () => import('../commands/matrix.js'),
});
