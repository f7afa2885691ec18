// Step: packages are reproducible, so a cached build's packages are reused with it: identical inputs (the build's
// cache key and proofs, the signing key, the spec templates and packaging settings) reuse the packages, signatures
// and attestations of an earlier run. A binary just compiled gets new packages (made while it is proven), so that
// packages are only ever reused with the result they were made from.

import { existsSync } from 'node:fs';
import path from 'node:path';
import type { BuildContext } from '../context.js';
import { StepSkipped } from '../errors.js';
import type { Step } from '../step.js';
import { packageArtifacts, packagesDir, unlessPackaging } from './caches.js';

export const reuseCachedPackages: Step<BuildContext> = {
  name: 'reuse cached packages',
  writes: true,
  skip: (ctx) =>
    unlessPackaging(ctx) ??
    (ctx.results.binary.has('cachedResult') ? undefined : 'the binary was just compiled: new packages are made'),
  async run(ctx) {
    const dir = await packagesDir(ctx);
    if (!existsSync(path.join(dir, 'SHA256SUMS.asc')))
      throw new StepSkipped('no earlier packages with identical inputs');
    ctx.results.packages.set('cachedPackages', dir);
    ctx.results.packages.set('packages', await packageArtifacts(dir));
    ctx.deps.log.info(`  cache hit: ${dir}`);
  },
};
