// The options build and prepare share: what to build, from where, with which specs (src/commands/selection.ts
// makes the build request from them).

import type { Command } from 'commander';
import { type CliEnv, defaultCacheDir } from '../commands/environment.js';
import { DEFAULT_PATCHES_DIR, DEFAULT_SPECS_DIR } from '../project.js';

export function selection(cmd: Command, env: CliEnv): Command {
  return cmd
    .option('--kubelet <version>', 'kubelet release to build, e.g. v1.12.4')
    .option('--runc <version>', 'runc release to build, e.g. v1.0.0-rc5')
    .option('--fork <name>', 'a fork of runc from forks.yaml, built by commit (method decided by the tree)')
    .option('--forks <file>', 'the forks file (default: forks.yaml in the --specs directory)')
    .option('--remote <url>', 'git URL or path of the upstream repository or a mirror (default: upstream on GitHub)')
    .option('--cache-dir <dir>', 'source, Go build and result cache (env NOKMEM_CACHE_DIR)', defaultCacheDir(env))
    .option('--specs <dir>', 'directory with versions.yaml and pins.yaml', DEFAULT_SPECS_DIR)
    .option('--patches <dir>', 'directory with the patch recipes', DEFAULT_PATCHES_DIR)
    .option('--force', 'build a version that is not affected anyway')
    .option('--write-pin', 'record the commit of an unpinned tag in pins.yaml')
    .option('--dry-run', 'print the plan and change nothing')
    .option('--json', 'print the result as JSON on stdout')
    .option('--verbose', 'show the output of the compile as it runs');
}
