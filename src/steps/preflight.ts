// Step: check what the long work needs before starting it — git, an --out and --cache-dir that can be written,
// (in a dry run, which fetches nothing) a reachable remote, a reachable Docker engine, a builder image whose Go is
// safe for this version (the toolchain rule of specs/toolchains.yaml, or --image), the tools a real build needs
// inside that image, the packager image — and fix the build's cache key now that the image id is known.
// Runs in a dry run.

import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { access, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { availableBuilderImages, imageGoVersion } from '../builder-image.js';
import type { BuildContext } from '../context.js';
import { InputError, MissingPrerequisite } from '../errors.js';
import { NOKMEM_VERSION } from '../meta.js';
import { SourceCache } from '../source.js';
import { loadVersionTable } from '../specs.js';
import type { Step } from '../step.js';
import { chooseToolchain, loadToolchains } from '../toolchain.js';

const code = (error: unknown) => (error as NodeJS.ErrnoException).code;

/**
 * `dir` is, or can be made as, a normal writable directory. Checked before any work, so that a read-only or
 * kernel file system is named as such and not reported later as a confusing ENOENT (or spun on, under /proc).
 */
export async function requireWritableDir(dir: string, option: string): Promise<void> {
  let existing = dir;
  while (
    !(await stat(existing).then(
      () => true,
      (error: unknown) => (code(error) === 'ENOENT' ? false : Promise.reject(error)),
    ))
  )
    existing = path.dirname(existing);
  const real = path.join(await realpath(existing), path.relative(existing, dir));
  const kernel = /^\/(proc|sys)(\/|$)/.exec(real)?.[1];
  if (kernel)
    throw new InputError(
      `${option} ${dir} is under /${kernel}, a kernel file system that cannot hold files; choose a normal writable directory for ${option}`,
    );
  if (existing === dir && !(await stat(dir)).isDirectory())
    throw new InputError(`${option} ${dir} is not a directory; choose a writable directory for ${option}`);
  try {
    await access(existing, constants.W_OK);
  } catch (error) {
    const reason =
      code(error) === 'EROFS'
        ? 'read-only file system'
        : code(error) === 'EACCES' || code(error) === 'EPERM'
          ? 'permission denied'
          : undefined;
    if (!reason) throw error;
    throw new InputError(`cannot write to ${dir} (${reason}); choose a writable ${option}`);
  }
}

/** Tools a real build runs inside the builder image (kubernetes' hack/lib/golang.sh places binaries with rsync). */
export const BUILD_TOOLS = { runc: ['make', 'gcc', 'go'], kubelet: ['make', 'gcc', 'go', 'rsync'] } as const;

/** For a version nothing safe can build: the first later version the table calls not affected. */
async function laterUnaffected(ctx: BuildContext): Promise<string | undefined> {
  const plan = ctx.plan!;
  if (plan.fork) return undefined;
  const spec = (await loadVersionTable(ctx.request.specsDir))[plan.component];
  const at = spec.eras.findIndex((e) => e === plan.era || e.versions === plan.era.versions);
  const next = spec.eras.slice(at + 1).find((e) => e.method === 'not-affected');
  return next
    ? `${plan.component} ${next.versions.replace(/^>=/, '')} and later are not affected: consider moving to one`
    : undefined;
}

export const preflight: Step<BuildContext> = {
  name: 'preflight',
  writes: false,
  async run(ctx) {
    const plan = ctx.plan!;
    const { runner, docker } = ctx.deps;
    const git = await runner.run('git', ['--version'], { allowFailure: true });
    if (git.exitCode !== 0)
      throw new MissingPrerequisite('git is not installed; install git (apt-get install git) and run again');
    await requireWritableDir(ctx.request.outDir, '--out');
    await requireWritableDir(ctx.request.cacheDir, '--cache-dir');
    // A build learns that the remote is unreachable when it fetches; a dry run fetches nothing, so it asks here.
    if (ctx.request.dryRun)
      await new SourceCache(runner, path.join(ctx.request.cacheDir, 'git')).checkReachable(plan.source.remote);
    await docker.ping();

    const specs = await loadToolchains(ctx.request.specsDir);
    const what = plan.fork ? `fork ${plan.fork.name}` : `${plan.component} ${plan.version.tag}`;
    let override;
    if (ctx.request.image) {
      if (!(await docker.imageId(ctx.request.image))) {
        throw new MissingPrerequisite(
          `builder image ${ctx.request.image} is not in the Docker engine; build it with \`nokmem builder-image --offline\` (Debian's Go, no registry needed) or \`--go VERSION\` (official golang image), or pass another --image`,
        );
      }
      const go = await imageGoVersion(runner, ctx.request.image);
      if (!go)
        throw new InputError(
          `--image ${ctx.request.image} has no working Go (\`go version\` failed in it); give a builder image with a Go toolchain`,
        );
      override = { image: ctx.request.image, go };
    }
    const choice = chooseToolchain(
      what,
      plan.toolchainNeeds,
      override ? [] : await availableBuilderImages(runner),
      specs,
      {
        override,
        allowRisk: ctx.request.allowToolchainRisk,
        hint: await laterUnaffected(ctx),
      },
    );
    plan.toolchain = choice;
    plan.image = choice.image;
    if (choice.risk)
      ctx.deps.log.warn(
        `${what}: building with Go ${choice.go} although ${choice.risk} (--allow-toolchain-risk); the risk is recorded in the build record and the package`,
      );
    ctx.deps.log.info(`  toolchain ${choice.image} (Go ${choice.go}): ${choice.why}`);

    const imageId = await docker.imageId(plan.image);
    if (!imageId)
      throw new MissingPrerequisite(
        `builder image ${plan.image} is not in the Docker engine; make it with \`nokmem builder-image --offline\` or \`--go ${plan.goVersion}\``,
      );
    plan.imageId = imageId;
    const tools = BUILD_TOOLS[plan.component];
    // Remembered per image id in the cache (not in a dry run, which writes nothing).
    const memo = { dir: path.join(ctx.request.cacheDir, 'images'), write: !ctx.request.dryRun };
    const probe = await docker.missingTools(plan.image, imageId, tools, memo);
    const { missing } = probe;
    if (probe.exitCode !== 0 || missing.length) {
      throw new MissingPrerequisite(
        `builder image ${plan.image} lacks ${missing.length ? missing.join(', ') : `a shell to check for ${tools.join(', ')}`}, which a real ${plan.component} build needs` +
          `${missing.includes('rsync') ? " (kubernetes' hack/lib/golang.sh places its code generators with rsync)" : ''}; install it in the image or use \`nokmem builder-image --offline\``,
      );
    }
    if (ctx.request.package && !(await docker.imageId(ctx.request.packagerImage))) {
      throw new MissingPrerequisite(
        `packager image ${ctx.request.packagerImage} is not in the Docker engine; build it with \`nokmem builder-image --offline\`, pass --packager-image, or use --no-package`,
      );
    }
    const inputs = {
      nokmem: NOKMEM_VERSION,
      component: plan.component,
      tag: plan.version.tag,
      commit: plan.source.commit,
      method: plan.method,
      patch: plan.patch?.digest ?? null,
      imageId,
      // a build that accepted a risk is never reused by one that did not
      toolchainRisk: choice.risk ?? (ctx.request.allowToolchainRisk ? 'allowed' : null),
      make: plan.make,
      env: plan.env,
      marker: plan.marker,
      fork: plan.fork
        ? { name: plan.fork.name, binary: plan.binaryName, patches: plan.fork.patches.map((p) => p.sha256) }
        : null,
    };
    plan.cacheKey = createHash('sha256').update(JSON.stringify(inputs)).digest('hex').slice(0, 32);
  },
};
