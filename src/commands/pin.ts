// nokmem pin: resolve a release tag on the remote and print (or --write) its pin. Its options: src/cli/pin.ts.

import os from 'node:os';
import path from 'node:path';
import { InputError } from '../errors.js';
import { SourceCache, normalizeRemote } from '../source.js';
import { loadPins, loadVersionTable, writePin } from '../specs.js';
import { parseVersion } from '../version.js';
import type { CommandDeps } from './deps.js';
import { selectComponent } from './environment.js';

export interface PinOptions {
  kubelet?: string;
  runc?: string;
  remote?: string;
  specs: string;
  write?: boolean;
}

export async function run(options: PinOptions, deps: CommandDeps): Promise<void> {
  const { component, version: input } = selectComponent(
    options,
    'which release? give --kubelet VERSION (e.g. v1.12.4) or --runc VERSION (e.g. v1.0.0-rc5)',
  );
  const version = parseVersion(component, input);
  const specsDir = path.resolve(options.specs);
  const table = await loadVersionTable(specsDir);
  const remote = options.remote ? normalizeRemote(options.remote) : table[component].repository;
  const commit = await new SourceCache(deps.runner, os.tmpdir()).remoteCommit(remote, version.tag);
  if (!commit) throw new InputError(`tag ${version.tag} is not on ${remote}; check the version or --remote`);
  const existing = (await loadPins(specsDir))[component][version.tag];
  if (existing && existing !== commit)
    throw new InputError(
      `${component} ${version.tag} is pinned to ${existing} but ${remote} says ${commit}; the tag moved or the remote is wrong`,
    );
  if (options.write && !existing) await writePin(specsDir, component, version.tag, commit);
  deps.env.out(
    `${component} ${version.tag} ${commit}${existing ? ' (already pinned)' : options.write ? ' (written)' : ''}\n`,
  );
}
