// Step: write the verified result (binary, build record, applied patch) into the output directory, whole or
// not at all.

import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { type DirContent, writeDirAtomically } from '../atomic-dir.js';
import type { BuildContext, BuildRecord } from '../context.js';
import type { Step } from '../step.js';
import { MODULES_FILE, resultDir } from './reuse.js';

export const writeOutput: Step<BuildContext> = {
  name: 'write output',
  writes: true,
  async run(ctx) {
    const from = resultDir(ctx);
    const content: DirContent = {};
    for (const name of await readdir(from))
      if (name !== MODULES_FILE) content[name] = { copyFrom: path.join(from, name) };
    if (ctx.cachedPackages)
      for (const name of await readdir(ctx.cachedPackages))
        content[name] = { copyFrom: path.join(ctx.cachedPackages, name) };
    await writeDirAtomically(ctx.plan!.outputDir, content);
    ctx.record ??= JSON.parse(await readFile(path.join(from, 'build-record.json'), 'utf8')) as BuildRecord;
    ctx.deps.log.info(`  ${ctx.plan!.outputDir}`);
  },
};
