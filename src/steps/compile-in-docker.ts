// Step: compile inside the builder image with no network, as a non-root user, with the Go build cache
// mounted from the nokmem cache and reused across runs. The full log outlives the workspace, in <cache>/logs/.

import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { BuildContext } from '../context.js';
import { CommandFailed, UserError } from '../errors.js';
import { forkOf } from '../plan.js';
import type { Step } from '../step.js';
import { vendoredModules } from '../vendored.js';
import { buildFacts } from './build-facts.js';
import { goBuildCache, imageFactsDir, unlessCached } from './caches.js';

export const compileInDocker: Step<BuildContext> = {
  name: 'compile in Docker',
  writes: true,
  skip: unlessCached,
  async run(ctx) {
    const { plan, results } = ctx;
    const { docker, log } = ctx.deps;
    // The packager container (the verify step's static checks run in it, then packaging) starts while this compiles.
    results.packages.maybe('packager')?.warm();
    const tree = results.source.get('tree');
    const { make, env } = results.source.get('decision').recipe;
    const goCache = goBuildCache(ctx);
    await docker.prepareWritable(goCache);
    // A project that picks its own GOCACHE inside the tree gets the shared cache mounted there (made here, so that
    // Docker does not create the mount point, and its parents, as root).
    if (plan.goCacheInTree) await mkdir(path.join(tree, plan.goCacheInTree), { recursive: true });
    await docker.prepareWritable(tree);
    let output = '';
    // The workspace is removed when the run ends; the log of the last build of this version stays.
    const logFile = path.join(
      ctx.request.cacheDir,
      'logs',
      `${forkOf(plan)?.name ?? `${plan.component}-${plan.version.tag}`}.build.log`,
    );
    await mkdir(path.dirname(logFile), { recursive: true });
    // GOPATH is /go, owned by root in the image: a Makefile that installs dependency archives into $GOPATH/pkg
    // (`go build -i`, runc rc2-rc4) gets a writable one of its own, and upstream's build stays as it is.
    const gopathPkg = path.join(await ctx.workspace.dir(), 'gopath-pkg');
    await mkdir(gopathPkg, { recursive: true });
    await docker.prepareWritable(gopathPkg);
    const mounts = [
      { host: tree, container: plan.mountPath },
      { host: goCache, container: '/gocache' },
      ...(plan.goCacheInTree
        ? [{ host: goCache, container: path.posix.join(plan.mountPath, plan.goCacheInTree) }]
        : []),
      { host: gopathPkg, container: '/go/pkg' },
    ];
    log.info(`  ${plan.image}: make ${make.join(' ')}`);
    // Kept per image id in the cache: the Go of an image does not change. Asked (a container of its own, on a fresh
    // cache) while make runs; a failed make waits for it, then throws make's failure.
    const images = imageFactsDir(ctx.request);
    const goVersion = docker.goVersion(plan.image, plan.imageId ? { dir: images, imageId: plan.imageId } : undefined);
    goVersion.catch(() => undefined);
    try {
      await docker.run({
        image: plan.image,
        command: ['make', ...make],
        mounts,
        workdir: plan.mountPath,
        env: { ...env },
        onOutput: (chunk) => {
          output += chunk;
          log.detail(chunk);
        },
        purpose: `build ${plan.component} ${plan.version.tag}`,
      });
    } catch (error) {
      await goVersion.catch(() => undefined);
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
    const goUsed = results.binary.set('goUsed', (await goVersion).replace(/^go version /, ''));
    results.binary.set('modules', await vendoredModules(tree));
    const binary = results.binary.set('binary', path.join(tree, plan.artifact));
    if (!existsSync(binary))
      throw new UserError(
        `the build of ${plan.component} ${plan.version.tag} finished but did not produce ${plan.artifact}; see ${logFile}`,
      );
    results.binary.set('facts', buildFacts(ctx, goUsed));
  },
};
