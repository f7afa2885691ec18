// Step: the last word — `nokmem verify` on the signed packages, as a user would run it: signature by the key,
// EL7 compatibility, the nokmem proof on the binary extracted from each RPM, and SHA256SUMS.

import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { BuildContext } from '../context.js';
import { VerificationFailed } from '../errors.js';
import { loadVersionTable } from '../specs.js';
import type { Step } from '../step.js';
import { verifyPackages } from '../verify/packages.js';
import { resultDir } from './reuse.js';
import { unlessPackagesCached } from './reuse-packages.js';
import { PUBLIC_KEY_FILE } from './sign-and-attest.js';

export const verifyPackagesStep: Step<BuildContext> = {
  name: 'verify packages',
  writes: true,
  skip: unlessPackagesCached,
  async run(ctx) {
    const dir = ctx.packageDir!;
    // SHA256SUMS lists the result files too: check against the whole output as it will be written.
    const staged = await mkdtemp(path.join(ctx.workspace!, '.verify-'));
    const docker = ctx.signingKey!.packager;
    try {
      await docker.prepareWritable(staged);
      for (const d of [dir, resultDir(ctx)])
        for (const f of await readdir(d)) await writeFile(path.join(staged, f), await readFile(path.join(d, f)));
      const report = await verifyPackages(staged, path.join(dir, PUBLIC_KEY_FILE), {
        docker,
        runner: ctx.deps.runner,
        image: ctx.request.packagerImage,
        scratchRoot: ctx.workspace!,
        functional: ctx.request.functional,
        table: await loadVersionTable(ctx.request.specsDir),
      });
      for (const pkg of report.packages)
        for (const c of pkg.checks)
          ctx.deps.log.info(`  ${c.status.padEnd(7)} ${path.basename(pkg.file)} ${c.name}: ${c.detail}`);
      for (const c of report.sums) ctx.deps.log.info(`  ${c.status.padEnd(7)} ${c.name}: ${c.detail}`);
      if (!report.ok) {
        const failed = [...report.packages.flatMap((p) => p.checks), ...report.sums]
          .filter((c) => c.status === 'fail')
          .map((c) => `${c.name}: ${c.detail}`);
        throw new VerificationFailed(
          `the packages failed verification (${failed.join('; ')}); nothing was written to ${ctx.request.outDir}`,
        );
      }
    } finally {
      await rm(staged, { recursive: true, force: true });
    }
  },
};
