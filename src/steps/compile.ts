// Step: compile inside the builder image with no network, as a non-root user, with the Go build cache
// mounted from the nokmem cache and reused across runs. The full log outlives the workspace, in <cache>/logs/.

import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { BuildContext } from '../context.js';
import { CommandFailed, UserError } from '../errors.js';
import { vendoredModules } from '../attest.js';
import type { Step } from '../step.js';
import { unlessCached } from './reuse.js';

/**
 * The Go build cache of this build's toolchain, reused across runs (NOKMEM_GO_BUILD_CACHE or <cache>/go-build):
 * one directory per Go version, so a rebuilt image with the same Go keeps its cache (Go keys its cache entries by
 * the compiler itself, so sharing is safe).
 */
export function goBuildCache(ctx: BuildContext): string {
  const plan = ctx.plan!;
  const key = plan.toolchain
    ? `go${plan.toolchain.go}`
    : (plan.imageId ?? plan.image).replace(/^sha256:/, '').slice(0, 16);
  return path.join(ctx.request.goBuildCacheDir ?? path.join(ctx.request.cacheDir, 'go-build'), key);
}

export const compile: Step<BuildContext> = {
  name: 'compile in Docker',
  writes: true,
  skip: unlessCached,
  async run(ctx) {
    const plan = ctx.plan!;
    const { docker, log } = ctx.deps;
    const goCache = goBuildCache(ctx);
    await docker.prepareWritable(goCache);
    // A project that picks its own GOCACHE inside the tree gets the shared cache mounted there (made here, so that
    // Docker does not create the mount point, and its parents, as root).
    if (plan.goCacheInTree) await mkdir(path.join(ctx.tree!, plan.goCacheInTree), { recursive: true });
    await docker.prepareWritable(ctx.tree!);
    let output = '';
    // The workspace is removed when the run ends; the log of the last build of this version stays.
    const logFile = path.join(
      ctx.request.cacheDir,
      'logs',
      `${plan.fork?.name ?? `${plan.component}-${plan.version.tag}`}.build.log`,
    );
    await mkdir(path.dirname(logFile), { recursive: true });
    const mounts = [
      { host: ctx.tree!, container: plan.mountPath },
      { host: goCache, container: '/gocache' },
      ...(plan.goCacheInTree
        ? [{ host: goCache, container: path.posix.join(plan.mountPath, plan.goCacheInTree) }]
        : []),
    ];
    log.info(`  ${plan.image}: make ${plan.make.join(' ')}`);
    try {
      // Kept per image id in the cache: the Go of an image does not change.
      const images = path.join(ctx.request.cacheDir, 'images');
      const version = await docker.goVersion(
        plan.image,
        plan.imageId ? { dir: images, imageId: plan.imageId } : undefined,
      );
      ctx.goUsed = version.replace(/^go version /, '');
      await docker.run({
        image: plan.image,
        command: ['make', ...plan.make],
        mounts,
        workdir: plan.mountPath,
        env: plan.env,
        onOutput: (chunk) => {
          output += chunk;
          log.detail(chunk);
        },
        purpose: `build ${plan.component} ${plan.version.tag}`,
      });
    } catch (error) {
      await writeFile(logFile, output);
      if (error instanceof CommandFailed)
        throw new CommandFailed(
          `${error.message} (full log: ${logFile}; run with --verbose to see it live)`,
          error.command,
          error.commandExitCode,
          error.stderrTail,
          { cause: error },
        );
      throw error;
    }
    await writeFile(logFile, output);
    ctx.modules = await vendoredModules(ctx.tree!);
    ctx.binary = path.join(ctx.tree!, plan.artifact);
    if (!existsSync(ctx.binary))
      throw new UserError(
        `the build of ${plan.component} ${plan.version.tag} finished but did not produce ${plan.artifact}; see ${logFile}`,
      );
  },
};
