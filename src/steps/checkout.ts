// Step: write the pinned commit's tree into a fresh workspace (no .git, so the build is told its version).

import { mkdir, mkdtemp } from 'node:fs/promises';
import path from 'node:path';
import type { BuildContext } from '../context.js';
import { removeOnInterrupt } from '../interrupt.js';
import type { Step } from '../step.js';
import { unlessCached } from './reuse.js';

export const checkout: Step<BuildContext> = {
  name: 'check out',
  writes: true,
  skip: unlessCached,
  async run(ctx) {
    const work = path.join(ctx.request.cacheDir, 'work');
    await mkdir(work, { recursive: true });
    ctx.workspace = await mkdtemp(path.join(work, `${ctx.plan!.component}-${ctx.plan!.version.tag}-`));
    removeOnInterrupt(ctx.workspace);
    ctx.tree = path.join(ctx.workspace, 'src');
    await ctx.sources!.exportTree(ctx.plan!.source.commit, ctx.tree);
  },
};
