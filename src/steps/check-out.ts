// Step: write the pinned commit's tree into a fresh workspace (no .git, so the build is told its version).

import path from 'node:path';
import type { SourceContext } from '../context.js';
import type { Step } from '../step.js';
import { unlessCached } from './caches.js';

export const checkOut: Step<SourceContext> = {
  name: 'check out',
  writes: true,
  skip: unlessCached,
  async run(ctx) {
    const tree = ctx.results.source.set('tree', path.join(await ctx.workspace.dir(), 'src'));
    await ctx.results.source.get('sources').exportTree(ctx.plan.source.commit, tree);
  },
};
