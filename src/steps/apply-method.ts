// Step: keep kmem off in the source. For the source-patch eras, apply the recipe from patches/ and check that
// it took; the applied diff is kept with the build output. For the build-tag eras, nothing changes in the tree:
// the tag is in the planned make command line.

import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { BuildContext } from '../context.js';
import { StepSkipped } from '../errors.js';
import { applyRecipe } from '../patch.js';
import { loadPatchRecipe } from '../specs.js';
import type { Step } from '../step.js';
import { unlessCached } from './reuse.js';

export const applyMethod: Step<BuildContext> = {
  name: 'apply nokmem method',
  writes: true,
  skip: unlessCached,
  async run(ctx) {
    const plan = ctx.plan!;
    if (plan.method === 'build-tag') throw new StepSkipped(`build tag: ${plan.make.join(' ')}`);
    if (plan.method === 'none' || !plan.patch)
      throw new StepSkipped('not affected: built as upstream ships it (--force)');
    const recipe = await loadPatchRecipe(plan.patch.name, ctx.request.patchesDir);
    ctx.applied = await applyRecipe(ctx.tree!, plan.patch.root, recipe);
    await writeFile(path.join(ctx.workspace!, 'nokmem.patch'), ctx.applied.diff);
    const pruned = ctx.applied.removedImports.length
      ? `; dropped unused imports ${ctx.applied.removedImports.join(', ')}`
      : '';
    ctx.deps.log.info(`  ${plan.patch.name} applied to ${ctx.applied.files.join(', ')}${pruned}`);
  },
};
