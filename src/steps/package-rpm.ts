// Step: rpmbuild in the packager container, from the binary (byte for byte) and the rendered spec, while the binary
// is proven: nothing is signed or written out until the proofs pass (sign and attest, write output come after).

import { mkdir, rename } from 'node:fs/promises';
import path from 'node:path';
import type { BuildContext, BuildFacts } from '../context.js';
import { buildRpm } from '../rpm/build.js';
import { PACKAGES } from '../rpm/spec.js';
import { forkOf } from '../plan.js';
import type { Step } from '../step.js';
import { unlessPackagesCached } from './caches.js';

export function methodSummary(record: BuildFacts): string {
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
    const { plan, results } = ctx;
    const fork = forkOf(plan);
    // what was built, not how it was proven: the RPM is made while the binary is proven (or from a cached result)
    const record = results.binary.get('facts');
    const workspace = await ctx.workspace.dir();
    const packageDir = results.packages.set('packageDir', path.join(workspace, 'packages'));
    await mkdir(packageDir, { recursive: true });
    const rpm = await buildRpm(
      results.binary.get('binary'),
      {
        component: plan.component,
        tag: plan.version.tag,
        commit: record.source.commit,
        methodSummary: methodSummary(record),
        epoch: record.source.commitTime,
        iteration: ctx.request.releaseIteration,
        packageName: fork?.packageName,
        binaryName: plan.binaryName,
        upstream: fork ? `${fork.name} (a fork of runc)` : undefined,
        build: {
          link: record.link,
          go: record.toolchain?.go,
          upstreamGo: record.go.upstream,
          behaviour: record.toolchain?.behaviour,
          restoreEnv: record.toolchain?.restoreEnv,
        },
      },
      workspace,
      results.packages.get('packager'),
      ctx.request.packagerImage,
    );
    const name = path.basename(rpm.file);
    await rename(rpm.file, path.join(packageDir, name));
    results.packages.set('rpm', { name, path: path.join(packageDir, name), kind: 'rpm' });
    ctx.deps.log.info(`  ${fork?.packageName ?? PACKAGES[plan.component].name}: ${name}`);
  },
};
