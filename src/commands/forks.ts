// nokmem forks: the forks of runc in specs/forks.yaml, or (--docker) which one a docker release needs. Its
// options: src/cli/forks.ts.

import path from 'node:path';
import { UsageError } from '../errors.js';
import { claimedMethod, forDocker, formatDockerAnswer, formatForkList } from '../forks.js';
import { loadForkSpecs, loadVersionTable } from '../specs.js';
import type { CommandDeps } from './deps.js';
import { writeJson } from './output.js';

export interface ForksOptions {
  specs: string;
  docker?: string;
  centos?: boolean;
  json?: boolean;
}

export async function run(options: ForksOptions, deps: CommandDeps): Promise<void> {
  const { env } = deps;
  const specs = path.resolve(options.specs);
  const table = await loadVersionTable(specs);
  const forks = await loadForkSpecs(path.join(specs, 'forks.yaml'));
  const distribution = options.centos ? 'centos' : 'docker';
  if (options.docker !== undefined) {
    if (!/^v?\d+\.\d+\.\d+/.test(options.docker))
      throw new UsageError(`--docker ${JSON.stringify(options.docker)} is not a docker release; give one like 18.09.2`);
    const answer = forDocker(forks, options.docker, distribution);
    if (options.json) writeJson(env, { docker: options.docker, distribution, ...answer });
    else env.out(formatDockerAnswer(answer, options.docker, distribution, table));
    return;
  }
  if (options.json) {
    const entries = Object.entries(forks.forks).map(([name, f]) => ({
      name,
      docker: f.docker,
      distribution: f.distribution,
      version: f.version,
      commit: f.commit,
      method: claimedMethod(table, f),
    }));
    writeJson(env, { forks: entries, notAffected: forks.notAffected });
  } else env.out(formatForkList(forks, (f) => claimedMethod(table, f)));
}
