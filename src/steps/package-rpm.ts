// Step: rpmbuild in the packager container, from the verified binary (byte for byte) and the rendered spec.

import { mkdir, rename } from 'node:fs/promises';
import path from 'node:path';
import type { BuildContext } from '../context.js';
import { buildRpm } from '../rpm/build.js';
import { PACKAGES } from '../rpm/spec.js';
import type { Step } from '../step.js';
import { resultDir } from './reuse.js';
import { unlessPackagesCached } from './reuse-packages.js';

export function methodSummary(ctx: BuildContext): string {
  const record = ctx.record!;
  // An accepted toolchain risk travels with the package, where the people who install it can read it.
  const risk = record.toolchain?.risk
    ? ` TOOLCHAIN RISK (built with --allow-toolchain-risk): ${record.toolchain.risk} Go ${record.toolchain.go}.`
    : '';
  if (record.method === 'source-patch')
    return `Source patch ${record.patch?.recipe} (applied diff ${record.patch?.diffDigest}).${risk}`;
  if (record.method === 'build-tag')
    return `Built with the nokmem build tag: make ${record.flags.make.join(' ')}.${risk}`;
  return `Not affected upstream; rebuilt unchanged (--force).${risk}`;
}

export const packageRpm: Step<BuildContext> = {
  name: 'package RPM',
  writes: true,
  skip: unlessPackagesCached,
  async run(ctx) {
    const plan = ctx.plan!;
    const record = ctx.record!;
    ctx.packageDir = path.join(ctx.workspace!, 'packages');
    await mkdir(ctx.packageDir, { recursive: true });
    const rpm = await buildRpm(
      path.join(resultDir(ctx), plan.binaryName),
      {
        component: plan.component,
        tag: plan.version.tag,
        commit: record.source.commit,
        methodSummary: methodSummary(ctx),
        epoch: record.source.commitTime,
        iteration: ctx.request.releaseIteration,
        packageName: plan.fork?.packageName,
        binaryName: plan.binaryName,
        upstream: plan.fork ? `${plan.fork.name} (a fork of runc)` : undefined,
      },
      ctx.workspace!,
      ctx.signingKey!.packager,
      ctx.request.packagerImage,
    );
    await rename(rpm.file, path.join(ctx.packageDir, path.basename(rpm.file)));
    ctx.deps.log.info(`  ${plan.fork?.packageName ?? PACKAGES[plan.component].name}: ${path.basename(rpm.file)}`);
  },
};
