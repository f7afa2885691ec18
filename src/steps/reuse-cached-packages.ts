// Step: packages are reproducible, so identical inputs (the verified binary's cache key, the signing key, the
// spec templates and packaging settings) reuse the packages, signatures and attestations of an earlier run.

import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import type { BuildContext } from '../context.js';
import { StepSkipped } from '../errors.js';
import { NOKMEM_VERSION } from '../meta.js';
import { RPMBUILD_DEFINES } from '../rpm/build.js';
import { RPM_SPECS_DIR } from '../rpm/spec.js';
import type { Step } from '../step.js';
import { packageArtifacts, packagesDir, unlessPackaging } from './caches.js';

async function templatesDigest(): Promise<string> {
  const hash = createHash('sha256');
  const walk = async (dir: string): Promise<void> => {
    for (const entry of (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) await walk(full);
      else hash.update(entry.name).update(await readFile(full));
    }
  };
  await walk(RPM_SPECS_DIR);
  return hash.digest('hex');
}

export const reuseCachedPackages: Step<BuildContext> = {
  name: 'reuse cached packages',
  writes: true,
  skip: unlessPackaging,
  async run(ctx) {
    const inputs = {
      nokmem: NOKMEM_VERSION,
      build: ctx.plan.cacheKey,
      // The packages' own verification ran with the binary's proofs: a stronger proof makes new packages.
      proofs: ctx.results.binary.get('record').verification.checks.map((c) => `${c.name}:${c.status}`),
      key: (await ctx.results.packages.get('signingKey')).fingerprint,
      iteration: ctx.request.releaseIteration,
      templates: await templatesDigest(),
      defines: RPMBUILD_DEFINES,
    };
    ctx.results.packages.set(
      'packageKey',
      createHash('sha256').update(JSON.stringify(inputs)).digest('hex').slice(0, 32),
    );
    const dir = packagesDir(ctx);
    if (!existsSync(path.join(dir, 'SHA256SUMS.asc')))
      throw new StepSkipped('no earlier packages with identical inputs');
    ctx.results.packages.set('cachedPackages', dir);
    ctx.results.packages.set('packages', await packageArtifacts(dir));
    ctx.deps.log.info(`  cache hit: ${dir}`);
  },
};
