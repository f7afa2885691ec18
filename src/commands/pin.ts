// nokmem pin: resolve a release tag on the remote and print (or --write) its pin.

import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { InputError } from '../errors.js';
import { realRunner } from '../runner.js';
import { SourceCache, normalizeRemote } from '../source.js';
import { DEFAULT_SPECS_DIR, loadPins, loadVersionTable, writePin } from '../specs.js';
import { parseVersion } from '../version.js';
import { type CliEnv, selectComponent } from './shared.js';

export function register(program: Command, env: CliEnv): void {
  program
    .command('pin')
    .description('resolve a release tag on the remote and print (or --write) its pin')
    .option('--kubelet <version>', 'kubelet release')
    .option('--runc <version>', 'runc release')
    .option('--remote <url>', 'git URL or path of the upstream repository or a mirror')
    .option('--specs <dir>', 'directory with versions.yaml and pins.yaml', DEFAULT_SPECS_DIR)
    .option('--write', 'record the pin in pins.yaml')
    .action(async (options: { kubelet?: string; runc?: string; remote?: string; specs: string; write?: boolean }) => {
      const { component, version: input } = selectComponent(
        options,
        'which release? give --kubelet VERSION (e.g. v1.12.4) or --runc VERSION (e.g. v1.0.0-rc5)',
      );
      const version = parseVersion(component, input);
      const specsDir = path.resolve(options.specs);
      const table = await loadVersionTable(specsDir);
      const remote = options.remote ? normalizeRemote(options.remote) : table[component].repository;
      const commit = await new SourceCache(realRunner, os.tmpdir()).remoteCommit(remote, version.tag);
      if (!commit) throw new InputError(`tag ${version.tag} is not on ${remote}; check the version or --remote`);
      const existing = (await loadPins(specsDir))[component][version.tag];
      if (existing && existing !== commit)
        throw new InputError(
          `${component} ${version.tag} is pinned to ${existing} but ${remote} says ${commit}; the tag moved or the remote is wrong`,
        );
      if (options.write && !existing) await writePin(specsDir, component, version.tag, commit);
      env.out(
        `${component} ${version.tag} ${commit}${existing ? ' (already pinned)' : options.write ? ' (written)' : ''}\n`,
      );
    });
}
