// Step: prove the binary is nokmem (static proof, and the functional one: runc's strace run, the kubelet's
// standalone node with a static pod) and that it starts on EL7. A binary that fails is never written to the output or the cache.

import type { BuildContext } from '../context.js';
import { VerificationFailed } from '../errors.js';
import type { Step } from '../step.js';
import { allInOrder, verifyBinary } from '../verify/index.js';
import { toolchainProbe, vendorsJsonIterator } from '../verify/toolchain-probe.js';
import { failureSummary, verdictOf } from '../verify/verdict.js';
import { goBuildCache, unlessCached } from './caches.js';

export const verify: Step<BuildContext> = {
  name: 'verify',
  writes: true,
  skip: unlessCached,
  async run(ctx) {
    const { plan, results } = ctx;
    const tree = results.source.get('tree');
    const decision = results.source.get('decision');
    // The toolchain decision, checked at run time where the tree vendors json-iterator (kubernetes ~1.12-1.22),
    // while the binary is proven (it compiles a probe of its own in the builder image).
    const probe = vendorsJsonIterator(tree)
      ? toolchainProbe(
          { tree, mountPath: plan.mountPath, image: plan.image, goCache: goBuildCache(ctx) },
          ctx.deps.docker,
        )
      : undefined;
    const [verdict, probed] = await allInOrder(
      verifyBinary(
        {
          binary: results.binary.get('binary'),
          component: plan.component,
          tag: plan.version.tag,
          commit: plan.source.commit,
          // what the tree's VERSION file makes it print (runc v1.0.0-rc90 says 1.0.0-rc10), as specs/ expect
          version: decision.treeBuild?.version ?? plan.reportsVersion,
          expect: { fsPackage: plan.fsPackage, marker: decision.recipe.marker },
        },
        {
          // The packager session when packaging follows (it serves the commands that do not run the binary).
          docker: results.packages.maybe('packager') ?? ctx.deps.docker,
          toolImage: plan.image,
          sandboxImage: ctx.request.packagerImage,
          scratchRoot: await ctx.workspace.dir(),
          functional: ctx.request.functional,
        },
      ),
      probe ?? Promise.resolve(undefined),
    );
    const checks = probed ? [...verdict.checks, probed] : verdict.checks;
    const final = results.binary.set('verdict', verdictOf(checks));
    for (const check of final.checks) ctx.deps.log.info(`  ${check.status.padEnd(7)} ${check.name}: ${check.detail}`);
    if (!final.ok) {
      // The checks were just printed: the error is one short line naming the failed ones.
      throw new VerificationFailed(
        `${failureSummary(`${plan.component} ${plan.version.tag} failed verification`, final.checks)}; nothing was written to ${ctx.request.outDir}`,
        final.checks.filter((c) => c.status === 'fail'),
      );
    }
  },
};
