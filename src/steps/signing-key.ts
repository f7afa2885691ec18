// Step: the signing key, imported into a private GNUPGHOME for this run (or the cached development key, with a
// plain warning that the packages are not for production), and unlocked once by a test signature. It runs
// right after the preflight: a bad key or a wrong passphrase must stop the run before the compile.

import path from 'node:path';
import type { BuildContext } from '../context.js';
import { newWorkspace } from '../workspace.js';
import { prepareSigningKey } from '../signing.js';
import type { Step } from '../step.js';
import { resultDir } from './reuse.js';

export const unlessPackaging = (ctx: BuildContext) =>
  ctx.request.package ? undefined : 'packaging turned off (--no-package)';

export const signingKey: Step<BuildContext> = {
  name: 'signing key',
  writes: true,
  skip: unlessPackaging,
  async run(ctx) {
    const workspace =
      ctx.workspace ?? (await newWorkspace(ctx.request.cacheDir, `${ctx.plan!.component}-${ctx.plan!.version.tag}`));
    ctx.workspace = workspace;
    ctx.signingKey = await prepareSigningKey(ctx.request.signing, {
      docker: ctx.deps.docker,
      log: ctx.deps.log,
      image: ctx.request.packagerImage,
      scratchRoot: workspace,
      devKeyDir: path.join(ctx.request.cacheDir, 'dev-signing-key'),
      // packaging, signing and package verification share one packager container, which reads the results
      session: { readOnly: [path.dirname(resultDir(ctx))] },
    });
    ctx.deps.log.info(
      `  key ${ctx.signingKey.fingerprint}${ctx.signingKey.development ? ' (development key, NOT FOR PRODUCTION)' : ''}`,
    );
  },
};
