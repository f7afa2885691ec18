// Step: keep the verified packages and attestations under their input key, so the same inputs reuse them.

import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { type DirContent, writeDirAtomically } from '../atomic-dir.js';
import type { BuildContext } from '../context.js';
import type { Step } from '../step.js';
import { packagesDir, unlessPackagesCached } from './reuse-packages.js';

export const storePackages: Step<BuildContext> = {
  name: 'store packages',
  writes: true,
  skip: unlessPackagesCached,
  async run(ctx) {
    const content: DirContent = {};
    for (const name of await readdir(ctx.packageDir!)) content[name] = { copyFrom: path.join(ctx.packageDir!, name) };
    await writeDirAtomically(packagesDir(ctx), content);
    ctx.cachedPackages = packagesDir(ctx);
  },
};
