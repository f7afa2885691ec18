// nokmem matrix: the release matrix (JSON for a GitHub Actions strategy) computed from specs/.

import path from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { releaseMatrix } from '../matrix.js';
import { DEFAULT_SPECS_DIR, loadForks, loadPins, loadVersionTable } from '../specs.js';
import type { CliEnv } from './shared.js';

export function register(program: Command, env: CliEnv): void {
  program
    .command('matrix')
    .description('print the release matrix (JSON for a GitHub Actions strategy) computed from specs/')
    .option('--specs <dir>', 'directory with versions.yaml, pins.yaml and forks.yaml', DEFAULT_SPECS_DIR)
    .option('--only <what>', 'only runc, kubelet or fork')
    .action(async (options: { specs: string; only?: string }) => {
      if (options.only && !['runc', 'kubelet', 'fork'].includes(options.only))
        throw new UsageError(`--only ${JSON.stringify(options.only)} is not runc, kubelet or fork`);
      const specs = path.resolve(options.specs);
      const matrix = releaseMatrix(
        await loadVersionTable(specs),
        await loadPins(specs),
        await loadForks(path.join(specs, 'forks.yaml')),
        options.only,
      );
      env.out(`${JSON.stringify(matrix)}\n`);
    });
}
