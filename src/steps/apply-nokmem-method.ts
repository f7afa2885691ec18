// Step: keep kmem off in the source. For the source-patch eras, apply the recipe from patches/ and check that
// it took; the applied diff is kept with the build output. For the build-tag eras, nothing changes in the tree:
// the tag is in the planned make command line.

import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { SourceContext } from '../context.js';
import { StepSkipped } from '../errors.js';
import { applyRecipe } from '../patch.js';
import type { Step } from '../step.js';
import { unlessCached } from './caches.js';

export const applyNokmemMethod: Step<SourceContext> = {
  name: 'apply nokmem method',
  writes: true,
  skip: unlessCached,
  async run(ctx) {
    const { method, make, patch } = ctx.results.source.get('decision').recipe;
    if (method === 'build-tag') throw new StepSkipped(`build tag: ${make.join(' ')}`);
    if (method === 'none' || !patch) throw new StepSkipped('not affected: built as upstream ships it (--force)');
    const applied = ctx.results.source.set(
      'applied',
      await applyRecipe(ctx.results.source.get('tree'), patch.root, patch.recipe),
    );
    await writeFile(path.join(await ctx.workspace.dir(), 'nokmem.patch'), applied.diff);
    const pruned = applied.removedImports.length ? `; dropped unused imports ${applied.removedImports.join(', ')}` : '';
    ctx.deps.log.info(`  ${patch.name} applied to ${applied.files.join(', ')}${pruned}`);
  },
};
