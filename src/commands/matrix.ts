// nokmem matrix: the release matrix (JSON for a GitHub Actions strategy) computed from specs/. Its options:
// src/cli/matrix.ts.

import path from 'node:path';
import { UsageError } from '../errors.js';
import { releaseMatrix } from '../matrix.js';
import { loadForks, loadPins, loadVersionTable } from '../specs.js';
import type { CommandDeps } from './deps.js';

export interface MatrixOptions {
  specs: string;
  only?: string;
}

export async function run(options: MatrixOptions, deps: CommandDeps): Promise<void> {
  if (options.only && !['runc', 'kubelet', 'fork'].includes(options.only))
    throw new UsageError(`--only ${JSON.stringify(options.only)} is not runc, kubelet or fork`);
  const specs = path.resolve(options.specs);
  const matrix = releaseMatrix(
    await loadVersionTable(specs),
    await loadPins(specs),
    await loadForks(path.join(specs, 'forks.yaml')),
    options.only,
  );
  deps.env.out(`${JSON.stringify(matrix)}\n`);
}
