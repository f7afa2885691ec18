// What the steps share about caches and the run: the skip rules a cache hit makes, where a build's results and
// packages live in the cache, the run's workspace, the Go build cache, runc's make recipe for a method the tree
// decides, and the artifact lists of a cached result. Steps import from here (and build-facts.ts), never from each
// other.

import { createHash } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import type {
  Artifact,
  BuildContext,
  BuildRecord,
  BuildRequest,
  Deps,
  Recipe,
  ResolvedPlan,
  SourceContext,
} from '../context.js';
import { NOKMEM_VERSION } from '../meta.js';
import { RPMBUILD_DEFINES } from '../rpm/build.js';
import { RPM_SPECS_DIR } from '../rpm/spec.js';
import { PUBLIC_KEY_FILE } from '../signing.js';
import { RunWorkspace, newWorkspace } from '../workspace.js';

/** The skip rule of every step that a cache hit makes unnecessary. */
export const unlessCached = (ctx: SourceContext) => (ctx.results.binary.has('cachedResult') ? 'cache hit' : undefined);

export const unlessPackaging = (ctx: SourceContext) =>
  ctx.request.package ? undefined : 'packaging turned off (--no-package)';

export const unlessPackagesCached = (ctx: SourceContext) =>
  unlessPackaging(ctx) ?? (ctx.results.packages.has('cachedPackages') ? 'packages cached' : undefined);

/** The result cache entry of this build's inputs. */
export const resultDir = (ctx: BuildContext) => path.join(ctx.request.cacheDir, 'builds', ctx.plan.cacheKey);

/**
 * The package cache entry of this build's packaging inputs: the build's cache key and the proofs of its record (a
 * stronger proof makes new packages), the signing key, the spec templates and the packaging settings.
 */
export async function packagesDir(ctx: BuildContext): Promise<string> {
  const inputs = {
    nokmem: NOKMEM_VERSION,
    build: ctx.plan.cacheKey,
    proofs: ctx.results.binary.get('record').verification.checks.map((c) => `${c.name}:${c.status}`),
    key: (await ctx.results.packages.get('signingKey')).fingerprint,
    iteration: ctx.request.releaseIteration,
    templates: await templatesDigest(),
    defines: RPMBUILD_DEFINES,
  };
  const key = createHash('sha256').update(JSON.stringify(inputs)).digest('hex').slice(0, 32);
  return path.join(ctx.request.cacheDir, 'packages', key);
}

async function templatesDigest(): Promise<string> {
  const hash = createHash('sha256');
  const walk = async (dir: string): Promise<void> => {
    for (const entry of (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) await walk(full);
      else hash.update(entry.name).update(await readFile(full));
    }
  };
  await walk(RPM_SPECS_DIR);
  return hash.digest('hex');
}

/** What nokmem learnt of an image (its tools, its Go), kept per image id. */
export const imageFactsDir = (request: BuildRequest) => path.join(request.cacheDir, 'images');

/** The vendored module list, kept with a cached result for the SBOM; not part of the output. */
export const MODULES_FILE = 'modules.json';

/** The workspace of a run of this plan; made when a step first asks for it. */
export function runWorkspace(request: BuildRequest, deps: Deps, plan: ResolvedPlan): RunWorkspace {
  return new RunWorkspace(async () => {
    // What runs that died left behind goes first: their containers (a killed docker client does not stop its
    // container), then their workspaces (newWorkspace).
    await deps.docker.sweepDeadContainers();
    return newWorkspace(request.cacheDir, `${plan.component}-${plan.version.tag}`);
  });
}

/**
 * The Go build cache of this build's toolchain, reused across runs (NOKMEM_GO_BUILD_CACHE or <cache>/go-build):
 * one directory per Go version, so a rebuilt image with the same Go keeps its cache (Go keys its cache entries by
 * the compiler itself, so sharing is safe).
 */
export function goBuildCache(ctx: BuildContext): string {
  const { toolchain, imageId, image } = ctx.plan;
  const key = toolchain ? `go${toolchain.go}` : (imageId ?? image).replace(/^sha256:/, '').slice(0, 16);
  return path.join(goBuildCacheRoot(ctx.request), key);
}

const goBuildCacheRoot = (request: BuildRequest) => request.goBuildCacheDir ?? path.join(request.cacheDir, 'go-build');

/** The environment of every Go build in the builder image. */
export const buildEnv = (layout: 'gopath' | 'modules'): Record<string, string> => ({
  GOPATH: '/go',
  GOCACHE: '/gocache',
  GO111MODULE: layout === 'gopath' ? 'off' : 'on',
  GOPROXY: 'off',
});

/** The build recipe for a method the tree inspection chose (forks): runc's own make interface. */
export function forkRecipe(
  method: Recipe['method'],
  layout: 'gopath' | 'modules',
  commit: string,
): Pick<Recipe, 'make' | 'env'> {
  const tags = method === 'build-tag' ? 'seccomp nokmem' : 'seccomp';
  return {
    make: ['static', `BUILDTAGS=${tags}`, `COMMIT=${commit}`],
    env: { ...buildEnv(layout), ...(layout === 'modules' ? { GOFLAGS: '-mod=vendor' } : {}) },
  };
}

/** The files of a verified result in the result cache, by what they are (the record says whether a patch is kept). */
export function resultArtifacts(ctx: BuildContext, record: BuildRecord): Artifact[] {
  const dir = resultDir(ctx);
  const at = (name: string, kind: Artifact['kind']): Artifact => ({ name, path: path.join(dir, name), kind });
  return [
    at(ctx.plan.binaryName, 'binary'),
    ...(record.patch ? [at(record.patch.file, 'patch')] : []),
    at('build-record.json', 'build-record'),
    at(MODULES_FILE, 'modules'),
  ];
}

/** What a file of the packages phase is, by its name. */
export function packageArtifactKind(name: string): Artifact['kind'] {
  if (name.endsWith('.rpm')) return 'rpm';
  if (name.endsWith('.spdx.json')) return 'sbom';
  if (name.endsWith('.provenance.json')) return 'provenance';
  if (name === PUBLIC_KEY_FILE) return 'public-key';
  if (name === 'SHA256SUMS') return 'sums';
  if (name === 'SHA256SUMS.asc') return 'sums-signature';
  throw new Error(`bug: ${name} is not a file the packages phase makes`);
}

/** The packages and attestations kept in a package cache entry. */
export async function packageArtifacts(dir: string): Promise<Artifact[]> {
  return (await readdir(dir))
    .sort()
    .map((name) => ({ name, path: path.join(dir, name), kind: packageArtifactKind(name) }));
}

/** The verified binary among a result's files. */
export function binaryOf(result: readonly Artifact[]): Artifact {
  const binary = result.find((a) => a.kind === 'binary');
  if (!binary) throw new Error('bug: the verified result has no binary');
  return binary;
}
