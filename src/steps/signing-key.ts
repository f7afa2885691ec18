// Step: the signing key, imported into a private GNUPGHOME for this run (or the cached development key, with a
// plain warning that the packages are not for production), and unlocked once by a test signature. It runs
// right after the preflight: a bad key or a wrong passphrase must stop the run before the compile.

import path from 'node:path';
import type { BuildContext } from '../context.js';
import { prepareSigningKey } from '../signing.js';
import type { Step } from '../step.js';
import { resultDir, unlessPackaging } from './caches.js';

export const signingKey: Step<BuildContext> = {
  name: 'signing key',
  writes: true,
  skip: unlessPackaging,
  async run(ctx) {
    const key = ctx.results.packages.set(
      'signingKey',
      await prepareSigningKey(ctx.request.signing, {
        docker: ctx.deps.docker,
        log: ctx.deps.log,
        image: ctx.request.packagerImage,
        scratchRoot: await ctx.workspace.dir(),
        devKeyDir: path.join(ctx.request.cacheDir, 'dev-signing-key'),
        // packaging, signing and package verification share one packager container, which reads the results
        session: { readOnly: [path.dirname(resultDir(ctx))] },
      }),
    );
    ctx.results.packages.set('packager', key.packager);
    ctx.deps.log.info(`  key ${key.fingerprint}${key.development ? ' (development key, NOT FOR PRODUCTION)' : ''}`);
  },
};
