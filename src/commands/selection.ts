// The options build and prepare share (what to build, from where, with which specs) and the build request
// they make from them. Bad input stops here, before any step runs.

import path from 'node:path';
import type { Command } from 'commander';
import type { BuildRequest } from '../context.js';
import { UsageError } from '../errors.js';
import { DEFAULT_PATCHES_DIR, DEFAULT_SPECS_DIR } from '../specs.js';
import { parseVersion } from '../version.js';
import {
  type CliEnv,
  builderImage,
  defaultCacheDir,
  packagerImage,
  selectComponent,
  provenanceIds,
  signingFromEnv,
} from './shared.js';

export interface SelectionOptions {
  kubelet?: string;
  runc?: string;
  fork?: string;
  forks?: string;
  remote?: string;
  image?: string;
  out: string;
  cacheDir: string;
  specs: string;
  patches: string;
  force?: boolean;
  writePin?: boolean;
  dryRun?: boolean;
  json?: boolean;
  verbose?: boolean;
  functional: boolean;
  package?: boolean;
  packagerImage?: string;
  release?: string;
  allowToolchainRisk?: boolean;
}

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

function releaseIteration(value: string | undefined): number {
  if (value === undefined) return 1;
  if (!/^[1-9]\d{0,3}$/.test(value))
    throw new UsageError(
      `--release ${JSON.stringify(value)} is not a package release number; give a whole number from 1, e.g. --release 2`,
    );
  return Number(value);
}

export function buildRequest(options: SelectionOptions, env: CliEnv): BuildRequest {
  const { component, version } = selectComponent(options);
  return {
    component,
    // parsed here, once: bad input stops before any step runs
    ...(options.fork ? { fork: options.fork } : { version: parseVersion(component, version) }),
    forksFile: path.resolve(options.forks ?? path.join(options.specs, 'forks.yaml')),
    remote: options.remote,
    image: builderImage(env, options.image),
    outDir: path.resolve(options.out),
    cacheDir: path.resolve(options.cacheDir),
    specsDir: path.resolve(options.specs),
    patchesDir: path.resolve(options.patches),
    force: Boolean(options.force),
    writePin: Boolean(options.writePin),
    dryRun: Boolean(options.dryRun),
    functional: options.functional,
    package: options.package !== false,
    packagerImage: packagerImage(env, options.packagerImage),
    signing: signingFromEnv(env),
    releaseIteration: releaseIteration(options.release),
    allowToolchainRisk: Boolean(options.allowToolchainRisk),
    goBuildCacheDir: env.vars.NOKMEM_GO_BUILD_CACHE ? path.resolve(env.vars.NOKMEM_GO_BUILD_CACHE) : undefined,
    provenance: provenanceIds(env),
  };
}
