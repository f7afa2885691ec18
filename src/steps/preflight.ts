// Step: check what the long work needs before starting it — git, a reachable Docker engine, the builder
// image — and fix the build's cache key now that the image id is known. Runs in a dry run.

import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { BuildContext } from '../context.js';
import { UserError } from '../errors.js';
import { NOKMEM_VERSION } from '../meta.js';
import type { Step } from '../step.js';

export const preflight: Step<BuildContext> = {
  name: 'preflight',
  writes: false,
  async run(ctx) {
    const plan = ctx.plan!;
    const git = await ctx.deps.runner.run('git', ['--version'], { allowFailure: true });
    if (git.exitCode !== 0) throw new UserError('git is not installed; install git (apt-get install git) and run again');
    await ctx.deps.docker.ping();
    const imageId = await ctx.deps.docker.imageId(plan.image);
    if (!imageId) {
      throw new UserError(
        `builder image ${plan.image} is not in the Docker engine; build it with \`nokmem builder-image --go ${plan.goVersion}\` ` +
          `(from golang:${plan.goVersion}) or \`nokmem builder-image --offline\` (Debian's Go, no registry needed) and pass --image`,
      );
    }
    plan.imageId = imageId;
    if (ctx.request.package && !(await ctx.deps.docker.imageId(ctx.request.packagerImage))) {
      throw new UserError(`packager image ${ctx.request.packagerImage} is not in the Docker engine; build it with \`nokmem builder-image --offline\`, pass --packager-image, or use --no-package`);
    }
    const inputs = {
      nokmem: NOKMEM_VERSION,
      component: plan.component,
      tag: plan.version.tag,
      commit: plan.source.commit,
      method: plan.method,
      patch: plan.patch?.digest ?? null,
      imageId,
      make: plan.make,
      env: plan.env,
      marker: plan.marker,
      fork: plan.fork ? { name: plan.fork.name, binary: plan.binaryName, patches: await Promise.all(plan.fork.patches.map(async (p) => createHash('sha256').update(await readFile(p)).digest('hex'))) } : null,
    };
    plan.cacheKey = createHash('sha256').update(JSON.stringify(inputs)).digest('hex').slice(0, 32);
  },
};
