// Step: the signing key, imported into a private GNUPGHOME for this run (or the cached development key, with a
// plain warning that the packages are not for production), and unlocked once by a test signature. It runs
// right after the preflight: a bad key or a wrong passphrase must stop the run before the compile. A development
// key the cache does not hold yet is made while the source is fetched and compiled (the packaging steps await it).

import path from 'node:path';
import type { BuildContext } from '../context.js';
import { startSigningKey } from '../signing.js';
import { devKeyPlace } from '../dev-key.js';
import type { Step } from '../step.js';
import { resultDir, unlessPackaging } from './caches.js';

export const signingKey: Step<BuildContext> = {
  name: 'signing key',
  writes: true,
  skip: unlessPackaging,
  async run(ctx) {
    const started = await startSigningKey(ctx.request.signing, {
      docker: ctx.deps.docker,
      log: ctx.deps.log,
      image: ctx.request.packagerImage,
      scratchRoot: await ctx.workspace.dir(),
      ...devKeyPlace(ctx.request.signing, ctx.request.cacheDir),
      // packaging, signing and package verification share one packager container, which reads the results
      session: { readOnly: [path.dirname(resultDir(ctx))] },
    });
    ctx.results.packages.set('signingKey', started.key);
    ctx.results.packages.set('packager', started.packager);
    if (started.making) {
      const { log } = ctx.deps;
      log.info('  a development key (NOT FOR PRODUCTION) is being made while the build runs');
      // said when it is ready (its failure is the packaging steps' to report)
      started.key.then(
        (key) => log.info(`  development key ${key.fingerprint} made (NOT FOR PRODUCTION)`),
        () => undefined,
      );
      return;
    }
    const key = await started.key;
    ctx.deps.log.info(`  key ${key.fingerprint}${key.development ? ' (development key, NOT FOR PRODUCTION)' : ''}`);
  },
};
