// Step: write the pinned commit's tree into a fresh workspace (no .git, so the build is told its version).

import path from 'node:path';
import type { BuildContext } from '../context.js';
import { newWorkspace } from '../workspace.js';
import type { Step } from '../step.js';
import { unlessCached } from './reuse.js';

export const checkout: Step<BuildContext> = {
  name: 'check out',
  writes: true,
  skip: unlessCached,
  async run(ctx) {
    const workspace =
      ctx.workspace ?? (await newWorkspace(ctx.request.cacheDir, `${ctx.plan!.component}-${ctx.plan!.version.tag}`));
    ctx.workspace = workspace;
    ctx.tree = path.join(workspace, 'src');
    await ctx.sources!.exportTree(ctx.plan!.source.commit, ctx.tree);
  },
};
