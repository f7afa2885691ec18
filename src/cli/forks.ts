// nokmem forks: its options (src/commands/forks.ts runs it).

import type { ForksOptions } from '../commands/forks.js';
import { DEFAULT_SPECS_DIR } from '../project.js';
import { defineCommand } from './command.js';

export const forks = defineCommand({
  define: (program) =>
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
      .option('--json', 'print JSON on stdout'),
  args: (options: ForksOptions) => options,
  load: () => import('../commands/forks.js'),
});
