// nokmem forks: the forks of runc in specs/forks.yaml, or (--docker) which one a docker release needs.

import path from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { claimedMethod, forDocker, formatDockerAnswer, formatForkList } from '../forks.js';
import { DEFAULT_SPECS_DIR, loadForkSpecs, loadVersionTable } from '../specs.js';
import { type CliEnv, writeJson } from './shared.js';

export function register(program: Command, env: CliEnv): void {
  program
    .command('forks')
    .description(
      'list the forks of runc in specs/forks.yaml with the docker releases they ship in, or (--docker) say which to build',
    )
    .option('--specs <dir>', 'directory with versions.yaml and forks.yaml', DEFAULT_SPECS_DIR)
    .option(
      '--docker <version>',
      'a docker release (docker --version), e.g. 17.03.2 or 18.09.2: which entry to build, or why not',
    )
    .option('--centos', "the docker is CentOS/RHEL's own docker package, not docker-engine or docker-ce")
    .option('--json', 'print JSON on stdout')
    .action(async (options: { specs: string; docker?: string; centos?: boolean; json?: boolean }) => {
      const specs = path.resolve(options.specs);
      const table = await loadVersionTable(specs);
      const forks = await loadForkSpecs(path.join(specs, 'forks.yaml'));
      const distribution = options.centos ? 'centos' : 'docker';
      if (options.docker !== undefined) {
        if (!/^v?\d+\.\d+\.\d+/.test(options.docker))
          throw new UsageError(
            `--docker ${JSON.stringify(options.docker)} is not a docker release; give one like 18.09.2`,
          );
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
    });
}
