// Step: a fork's own patch set (e.g. NVIDIA's hook patch onto the runc commit it names), applied in order
// before anything nokmem does, so that the tree inspection and the nokmem method see the fork as it ships.

import path from 'node:path';
import type { BuildContext } from '../context.js';
import { StepSkipped, UserError } from '../errors.js';
import type { Step } from '../step.js';
import { unlessCached } from './reuse.js';

export const forkPatches: Step<BuildContext> = {
  name: 'apply fork patches',
  writes: true,
  skip: (ctx) => unlessCached(ctx) ?? (ctx.plan!.fork ? undefined : 'not a fork'),
  async run(ctx) {
    const fork = ctx.plan!.fork!;
    if (fork.patches.length === 0) throw new StepSkipped(`fork ${fork.name} has no patches of its own`);
    for (const patch of fork.patches) {
      const r = await ctx.deps.runner.run('git', ['apply', '--whitespace=nowarn', patch], { cwd: ctx.tree!, allowFailure: true });
      if (r.exitCode !== 0) {
        throw new UserError(`fork ${fork.name}: ${path.basename(patch)} does not apply to ${ctx.plan!.source.commit} (${r.stderr.trim().split('\n')[0] ?? ''}); check the patch and the commit in specs/forks.yaml`);
      }
      ctx.deps.log.info(`  applied ${patch}`);
    }
  },
};
