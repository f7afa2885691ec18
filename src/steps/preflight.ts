// Planning step: check what the long work needs before starting it (git, a writable --out and --cache-dir, in a
// dry run a reachable remote, a Docker engine, a builder image whose Go is safe for this version by
// specs/toolchains.yaml or --image, the build tools in it, the packager image) and fix the build's cache key now
// that the image id is known. A plain function returning the whole plan, read-only from here on. A dry run marks a
// missing prerequisite in the plan, with what makes it, instead of stopping.

import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { access, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { availableBuilderImages, defaultBuilderImage, imageGoVersion } from '../builder-image.js';
import type { BuildRequest, Deps, Plan, Prerequisite, ResolvedPlan } from '../context.js';
import { InputError, MissingPrerequisite } from '../errors.js';
import { NOKMEM_VERSION } from '../meta.js';
import { SourceCache } from '../source.js';
import { planTitle } from '../plan.js';
import { imageFactsDir } from './caches.js';
import { BUILD_TOOLS, SANDBOX_TOOLS } from '../image-facts.js';
import { type ToolchainChoice, ToolchainRefused, chooseToolchain, loadToolchains } from '../toolchain.js';
import { behaviourDifferences, describeBehaviour } from '../toolchain-behaviour.js';

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

/** The key of a build's inputs in the result cache. */
function cacheKeyOf(
  plan: ResolvedPlan,
  imageId: string | undefined,
  choice: ToolchainChoice | undefined,
  allowRisk: boolean,
) {
  const recipe = plan.kind === 'upstream' ? plan.recipe : undefined;
  const inputs = {
    nokmem: NOKMEM_VERSION,
    component: plan.component,
    tag: plan.version.tag,
    commit: plan.source.commit,
    // a fork's method is decided by its tree, which is the commit's
    method: plan.kind === 'upstream' ? plan.method : 'from-tree',
    patch: (recipe ? recipe.patch : plan.kind === 'fork' ? plan.forkPatchRecipe : undefined)?.digest ?? null,
    imageId: imageId ?? null,
    // a build that accepted a risk is never reused by one that did not
    toolchainRisk: choice?.risk ?? (allowRisk ? 'allowed' : null),
    make: recipe?.make ?? [],
    env: recipe?.env ?? {},
    marker: recipe?.marker ?? false,
    // what the record and the package say about the build (they travel with a cached result)
    link: plan.link,
    behaviour: choice?.behaviour ?? null,
    fork:
      plan.kind === 'fork'
        ? { name: plan.fork.name, binary: plan.binaryName, patches: plan.fork.patches.map((p) => p.sha256) }
        : null,
  };
  return createHash('sha256').update(JSON.stringify(inputs)).digest('hex').slice(0, 32);
}

/**
 * The prerequisites, checked in order. A build stops at the first missing one (a MissingPrerequisite); a dry run
 * records it and goes on with what can still be checked, so that its plan shows everything that is missing.
 */
class Prerequisites {
  readonly list: Prerequisite[] = [];
  constructor(private readonly dryRun: boolean) {}

  async check<T>(what: string, run: () => Promise<T>, ok: (value: T) => string): Promise<T | undefined> {
    try {
      const value = await run();
      this.list.push({ what, ok: true, detail: ok(value) });
      return value;
    } catch (error) {
      const missing =
        error instanceof MissingPrerequisite
          ? { detail: error.message, fix: error.fix }
          : error instanceof ToolchainRefused && error.needsImage
            ? { detail: error.message, fix: error.fix }
            : undefined;
      if (!missing || !this.dryRun) throw error;
      this.list.push({ what, ok: false, ...missing });
      return undefined;
    }
  }

  notChecked(what: string, because: string): void {
    this.list.push({ what, ok: false, detail: `not checked: ${because}` });
  }
}

/** The resolved plan, checked against this machine and completed (toolchain, image, cache key). Frozen. */
export async function preflight(request: BuildRequest, deps: Deps, plan: ResolvedPlan): Promise<Plan> {
  const { runner, docker } = deps;
  const needs = new Prerequisites(request.dryRun);
  // found on the search path, not started: a cache hit runs no command at all
  await needs.check(
    'git',
    async () => {
      const git = await runner.locate('git');
      if (!git)
        throw new MissingPrerequisite(
          'git is not installed; install git (apt-get install git) and run again',
          'apt-get install git',
        );
      return git;
    },
    (where) => `git at ${where}`,
  );
  await requireWritableDir(request.outDir, '--out');
  await requireWritableDir(request.cacheDir, '--cache-dir');
  // A build learns that the remote is unreachable when it fetches; a dry run fetches nothing, so it asks here, and
  // marks an unreachable one as missing (the plan comes from the pins).
  if (request.dryRun)
    await needs.check(
      'remote',
      () =>
        new SourceCache(runner, path.join(request.cacheDir, 'git'))
          .checkReachable(plan.source.remote)
          .catch((error: unknown) =>
            Promise.reject(
              error instanceof InputError ? new MissingPrerequisite(error.message, undefined, { cause: error }) : error,
            ),
          ),
      () => plan.source.remote,
    );
  const engine = await needs.check(
    'Docker engine',
    () => docker.ping(),
    (version) => `Docker ${version}`,
  );

  const specs = await loadToolchains(request.specsDir);
  const what = planTitle(plan);
  let choice: ToolchainChoice | undefined;
  let imageId: string | undefined;
  let packager: Promise<{ id?: string; missing: string[] }> | undefined;
  if (engine === undefined) {
    for (const p of ['builder image', 'build tools', ...(plan.package ? ['packager image'] : [])])
      needs.notChecked(p, 'the Docker engine is not reachable');
  } else {
    // The packager image is probed (a container, on a fresh cache) while the builder image is checked.
    packager = plan.package ? packagerFacts(docker, request, plan.component) : undefined;
    packager?.catch(() => undefined);
    choice = await needs.check(
      'builder image',
      async () => {
        let override;
        if (request.image) {
          if (!(await docker.imageId(request.image))) {
            throw new MissingPrerequisite(
              `builder image ${request.image} is not in the Docker engine; build it with \`nokmem builder-image --offline\` (Debian's Go, no registry needed) or \`--go VERSION\` (official golang image), or pass another --image`,
              'nokmem builder-image --offline',
            );
          }
          const go = await imageGoVersion(runner, request.image, docker);
          if (!go)
            throw new InputError(
              `--image ${request.image} has no working Go (\`go version\` failed in it); give a builder image with a Go toolchain`,
            );
          override = { image: request.image, go };
        }
        return chooseToolchain(
          what,
          plan.toolchainNeeds,
          override ? [] : await availableBuilderImages(runner, specs, docker),
          specs,
          {
            override,
            allowRisk: request.allowToolchainRisk,
            hint: plan.kind === 'upstream' ? plan.laterUnaffected : undefined,
          },
        );
      },
      (c) => `${c.image} (Go ${c.go}): ${c.why}`,
    );
    // Where the chosen Go behaves unlike upstream's, the record and the package say so (and restore it).
    if (choice)
      choice = { ...choice, ...behaviourDifferences(plan.component, plan.goVersion, choice.go, specs.behaviour) };
    if (choice) {
      if (choice.risk)
        deps.log.warn(
          `${what}: building with Go ${choice.go} although ${choice.risk} (--allow-toolchain-risk); the risk is recorded in the build record and the package`,
        );
      deps.log.info(`  toolchain ${choice.image} (Go ${choice.go}): ${choice.why}`);
      for (const d of describeBehaviour(choice, plan.goVersion)) deps.log.info(`  behaviour: ${d}`);
      const image = choice.image;
      const id = await docker.imageId(image);
      if (!id)
        throw new MissingPrerequisite(
          `builder image ${image} is not in the Docker engine; make it with \`nokmem builder-image --offline\` or \`--go ${plan.goVersion}\``,
          `nokmem builder-image --go ${plan.goVersion}`,
        );
      imageId = id;
      await needs.check(
        'build tools',
        () => requireBuildTools(docker, image, id, plan, request),
        (tools) => `${tools.join(', ')} in ${image}`,
      );
    } else needs.notChecked('build tools', 'no builder image');
    const probed = packager;
    if (probed)
      await needs.check(
        'packager image',
        async () => {
          const { id, missing } = await probed;
          if (!id)
            throw new MissingPrerequisite(
              `packager image ${request.packagerImage} is not in the Docker engine; build it with \`nokmem builder-image --offline\`, pass --packager-image, or use --no-package`,
              'nokmem builder-image --offline',
            );
          // It is also the sandbox of the functional proof, which would otherwise fail only after the compile.
          if (missing.length)
            throw new MissingPrerequisite(
              `packager image ${request.packagerImage} lacks ${missing.join(', ')}, which the functional proof of ${plan.component} runs in its sandbox; rebuild it with \`nokmem builder-image --offline\` (scripts/setup.sh does), or pass --no-functional`,
              'nokmem builder-image --offline',
            );
          return id;
        },
        () => request.packagerImage,
      );
  }
  return Object.freeze({
    ...plan,
    image: choice?.image ?? request.image ?? defaultBuilderImage(plan.goVersion),
    imageId,
    toolchain: choice,
    cacheKey: cacheKeyOf(plan, imageId, choice, request.allowToolchainRisk),
    prerequisites: needs.list,
  });
}

/** The tools a real build of this component runs, present in the image (or a MissingPrerequisite naming them). */
async function requireBuildTools(
  docker: Deps['docker'],
  image: string,
  imageId: string,
  plan: ResolvedPlan,
  request: BuildRequest,
) {
  const tools = BUILD_TOOLS[plan.component];
  // Remembered per image id in the cache (not in a dry run, which writes nothing).
  const memo = { dir: imageFactsDir(request), write: !request.dryRun };
  const probe = await docker.missingTools(image, imageId, tools, memo);
  const { missing } = probe;
  if (probe.exitCode !== 0 || missing.length) {
    throw new MissingPrerequisite(
      `builder image ${image} lacks ${missing.length ? missing.join(', ') : `a shell to check for ${tools.join(', ')}`}, which a real ${plan.component} build needs` +
        `${missing.includes('rsync') ? " (kubernetes' hack/lib/golang.sh places its code generators with rsync)" : ''}; install it in the image or use \`nokmem builder-image --offline\``,
      'nokmem builder-image --offline',
    );
  }
  return [...tools];
}

/** The packager image's id, and which of the functional proof's sandbox tools it lacks (none asked without it). */
async function packagerFacts(docker: Deps['docker'], request: BuildRequest, component: ResolvedPlan['component']) {
  const id = await docker.imageId(request.packagerImage);
  if (!id || !request.functional) return { id, missing: [] };
  const memo = { dir: imageFactsDir(request), write: !request.dryRun };
  return {
    id,
    missing: (await docker.missingTools(request.packagerImage, id, SANDBOX_TOOLS[component], memo)).missing,
  };
}
