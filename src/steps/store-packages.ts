// Step: keep the verified packages and attestations under their input key, so the same inputs reuse them.

import { type DirContent, writeDirAtomically } from '../atomic-dir.js';
import type { BuildContext } from '../context.js';
import type { Step } from '../step.js';
import { packagesDir, unlessPackagesCached } from './caches.js';

export const storePackages: Step<BuildContext> = {
  name: 'store packages',
  writes: true,
  skip: unlessPackagesCached,
  async run(ctx) {
    const content: DirContent = {};
    for (const a of ctx.results.packages.get('packages')) content[a.name] = { copyFrom: a.path };
    const dir = await packagesDir(ctx);
    await writeDirAtomically(dir, content);
    ctx.results.packages.set('cachedPackages', dir);
  },
};
