// Step: check what the long work needs before starting it — git, a reachable Docker engine, the builder
// image, an --out and --cache-dir that can be written, and (in a dry run, which fetches nothing) a reachable
// remote — and fix the build's cache key now that the image id is known. Runs in a dry run.

import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { access, readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import type { BuildContext } from '../context.js';
import { UserError } from '../errors.js';
import { NOKMEM_VERSION } from '../meta.js';
import { SourceCache } from '../source.js';
import type { Step } from '../step.js';

const code = (error: unknown) => (error as NodeJS.ErrnoException).code;

/**
 * `dir` is, or can be made as, a normal writable directory. Checked before any work, so that a read-only or
 * kernel file system is named as such and not reported later as a confusing ENOENT (or spun on, under /proc).
 */
export async function requireWritableDir(dir: string, option: string): Promise<void> {
  let existing = dir;
  while (!(await stat(existing).then(() => true, (error: unknown) => (code(error) === 'ENOENT' ? false : Promise.reject(error))))) existing = path.dirname(existing);
  const real = path.join(await realpath(existing), path.relative(existing, dir));
  const kernel = /^\/(proc|sys)(\/|$)/.exec(real)?.[1];
  if (kernel) throw new UserError(`${option} ${dir} is under /${kernel}, a kernel file system that cannot hold files; choose a normal writable directory for ${option}`);
  if (existing === dir && !(await stat(dir)).isDirectory()) throw new UserError(`${option} ${dir} is not a directory; choose a writable directory for ${option}`);
  try {
    await access(existing, constants.W_OK);
  } catch (error) {
    const reason = code(error) === 'EROFS' ? 'read-only file system' : code(error) === 'EACCES' || code(error) === 'EPERM' ? 'permission denied' : undefined;
    if (!reason) throw error;
    throw new UserError(`cannot write to ${dir} (${reason}); choose a writable ${option}`);
  }
}

export const preflight: Step<BuildContext> = {
  name: 'preflight',
  writes: false,
  async run(ctx) {
    const plan = ctx.plan!;
    const git = await ctx.deps.runner.run('git', ['--version'], { allowFailure: true });
    if (git.exitCode !== 0) throw new UserError('git is not installed; install git (apt-get install git) and run again');
    await requireWritableDir(ctx.request.outDir, '--out');
    await requireWritableDir(ctx.request.cacheDir, '--cache-dir');
    // A build learns that the remote is unreachable when it fetches; a dry run fetches nothing, so it asks here.
    if (ctx.request.dryRun) await new SourceCache(ctx.deps.runner, path.join(ctx.request.cacheDir, 'git')).checkReachable(plan.source.remote);
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
