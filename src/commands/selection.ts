// The build request build and prepare make from their shared options (src/cli/selection.ts defines them). Bad
// input stops here, before any step runs.

import path from 'node:path';
import type { BuildRequest } from '../context.js';
import { UsageError } from '../errors.js';
import { parseVersion } from '../version.js';
import {
  type CliEnv,
  builderImage,
  packagerImage,
  selectComponent,
  provenanceIds,
  signingFromEnv,
} from './environment.js';

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
