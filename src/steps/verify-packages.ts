// Step: the last word — `nokmem verify` on the signed packages: signature by the key, EL7 compatibility,
// SHA256SUMS, and the nokmem proof of the binary extracted from each RPM. That binary must be byte-identical to
// the one this build verified (then it carries that proof, which is a function of its bytes); if it is not, it
// is proven again from scratch, as `nokmem verify` does for a package it knows nothing about.

import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { BuildContext } from '../context.js';
import { VerificationFailed } from '../errors.js';
import type { Step } from '../step.js';
import { verifyPackageDir } from '../verify/packages.js';
import { failureSummary } from '../verify/verdict.js';
import { unlessPackagesCached } from './caches.js';

export const verifyPackages: Step<BuildContext> = {
  name: 'verify packages',
  writes: true,
  skip: unlessPackagesCached,
  async run(ctx) {
    const { plan, results } = ctx;
    const workspace = await ctx.workspace.dir();
    const packages = results.packages.get('packages');
    const record = results.binary.get('record');
    const binary = record.files[plan.binaryName];
    if (!binary) throw new Error(`bug: the build record has no ${plan.binaryName}`);
    // SHA256SUMS lists the result files too: check against the whole output as it will be written.
    const staged = await mkdtemp(path.join(workspace, '.verify-'));
    const cleanup = [staged];
    const docker = results.packages.get('packager');
    try {
      await docker.prepareWritable(staged);
      for (const a of [...packages, ...results.binary.get('result')])
        if (a.kind !== 'modules') await copyFile(a.path, path.join(staged, a.name));
      // The key this run signed with, as it holds it: never the copy inside what is verified.
      const trusted = path.join(workspace, `.trusted-${path.basename(staged)}.asc`);
      await writeFile(trusted, (await results.packages.get('signingKey')).publicKeyArmored);
      cleanup.push(trusted);
      const report = await verifyPackageDir(staged, trusted, {
        docker,
        image: ctx.request.packagerImage,
        scratchRoot: workspace,
        functional: ctx.request.functional,
        // what the plan knows, not worked out again from the package header
        expect: {
          component: plan.component,
          tag: plan.version.tag,
          version: plan.reportsVersion,
          fsPackage: plan.fsPackage,
          // the build record says what the tree decided (a binary built to carry the marker was checked for it),
          // whether this run compiled it or reused it
          marker: record.verification.checks.some((c) => c.name === 'nokmem marker'),
          // the binary this build verified (or the cache's, proven when it was stored), by its sha256
          proven: {
            sha256: binary.sha256,
            checks: record.verification.checks,
          },
        },
      });
      for (const pkg of report.packages)
        for (const c of pkg.checks)
          ctx.deps.log.info(`  ${c.status.padEnd(7)} ${path.basename(pkg.file)} ${c.name}: ${c.detail}`);
      for (const c of report.sums) ctx.deps.log.info(`  ${c.status.padEnd(7)} ${c.name}: ${c.detail}`);
      if (!report.ok) {
        // The checks were just printed: the error is one short line naming the failed ones.
        const all = [...report.packages.flatMap((p) => p.checks), ...report.sums];
        throw new VerificationFailed(
          `${failureSummary('the packages failed verification', all)}; nothing was written to ${ctx.request.outDir}`,
          all.filter((c) => c.status === 'fail'),
        );
      }
    } finally {
      for (const made of cleanup) await rm(made, { recursive: true, force: true });
    }
  },
};
