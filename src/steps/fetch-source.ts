// Step: bring the tag's commit into the source cache with a shallow fetch of that one tag, and stop unless it
// is the pinned commit: a moved tag is a mistake or an attack.

import path from 'node:path';
import type { SourceContext } from '../context.js';
import { PinMismatch } from '../errors.js';
import { SourceCache } from '../source.js';
import { writePin } from '../specs.js';
import type { Step } from '../step.js';
import { unlessCached } from './caches.js';

export const fetchSource: Step<SourceContext> = {
  name: 'fetch source',
  writes: true,
  skip: unlessCached,
  async run(ctx) {
    const { source, component } = ctx.plan;
    const cache = new SourceCache(ctx.deps.runner, path.join(ctx.request.cacheDir, 'git', `${component}.git`));
    ctx.results.source.set('sources', cache);
    if (source.byCommit) {
      if (await cache.hasCommit(source.commit)) ctx.deps.log.info(`  ${source.commit} is already in the source cache`);
      else await cache.fetchCommit(source.remote, source.commit);
      ctx.results.source.set('commitTime', await cache.commitTime(source.commit));
      return;
    }
    let commit = await cache.cachedCommit(source.tag);
    if (commit === source.commit) {
      ctx.deps.log.info(`  ${source.tag} is already in the source cache at ${commit}`);
    } else {
      commit = await cache.fetchTag(source.remote, source.tag);
    }
    if (commit !== source.commit) {
      throw new PinMismatch(
        `${component} ${source.tag} on ${source.remote} is commit ${commit}, but specs/pins.yaml pins ${source.commit}; ` +
          'a moved tag is a mistake or an attack: check the remote, and change the pin only if upstream really moved the tag',
      );
    }
    ctx.results.source.set('commitTime', await cache.commitTime(commit));
    if (!source.pinned && ctx.request.writePin) {
      await writePin(ctx.request.specsDir, component, source.tag, commit);
      ctx.deps.log.info(
        `  pinned ${component} ${source.tag} -> ${commit} in ${path.join(ctx.request.specsDir, 'pins.yaml')}`,
      );
    }
  },
};
