// Step: write the verified result (binary, build record, applied patch) and the packages into the output
// directory, whole or not at all.

import { type DirContent, writeDirAtomically } from '../atomic-dir.js';
import type { BuildContext } from '../context.js';
import type { Step } from '../step.js';

export const writeOutput: Step<BuildContext> = {
  name: 'write output',
  writes: true,
  async run(ctx) {
    const { results } = ctx;
    const content: DirContent = {};
    for (const a of results.binary.get('result')) if (a.kind !== 'modules') content[a.name] = { copyFrom: a.path };
    for (const a of results.packages.maybe('packages') ?? []) content[a.name] = { copyFrom: a.path };
    await writeDirAtomically(ctx.plan.outputDir, content);
    ctx.deps.log.info(`  ${ctx.plan.outputDir}`);
  },
};
