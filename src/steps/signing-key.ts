// Step: the signing key, imported into a private GNUPGHOME for this run (or the cached development key, with a
// plain warning that the packages are not for production).

import { mkdir, mkdtemp } from 'node:fs/promises';
import path from 'node:path';
import type { BuildContext } from '../context.js';
import { removeOnInterrupt } from '../interrupt.js';
import { prepareSigningKey } from '../signing.js';
import type { Step } from '../step.js';

export const unlessPackaging = (ctx: BuildContext) => (ctx.request.package ? undefined : 'packaging turned off (--no-package)');

export const signingKey: Step<BuildContext> = {
  name: 'signing key',
  writes: true,
  skip: unlessPackaging,
  async run(ctx) {
    if (!ctx.workspace) {
      const work = path.join(ctx.request.cacheDir, 'work');
      await mkdir(work, { recursive: true });
      ctx.workspace = await mkdtemp(path.join(work, `${ctx.plan!.component}-${ctx.plan!.version.tag}-`));
      removeOnInterrupt(ctx.workspace);
    }
    ctx.signingKey = await prepareSigningKey(ctx.request.signing, {
      docker: ctx.deps.docker,
      log: ctx.deps.log,
      image: ctx.request.packagerImage,
      scratchRoot: ctx.workspace,
      devKeyDir: path.join(ctx.request.cacheDir, 'dev-signing-key'),
    });
    ctx.deps.log.info(`  key ${ctx.signingKey.fingerprint}${ctx.signingKey.development ? ' (development key, NOT FOR PRODUCTION)' : ''}`);
  },
};
