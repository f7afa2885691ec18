// Planning step: resolve the request into a plan — version -> era (method, build recipe), pin, Go version,
// outputs. A plain function that returns the resolved plan: it reads specs/ and, for an unpinned tag, asks the
// remote (read-only), so it runs in a dry run. Preflight completes the plan (toolchain, image, cache key).

import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { BuildRequest, Deps, ForkPatch, ForkResolved, PatchRef, Recipe, ResolvedPlan } from '../context.js';
import { InputError } from '../errors.js';
import { SourceCache, normalizeRemote } from '../source.js';
import {
  type Era,
  eraFor,
  fsPackageFor,
  loadForks,
  loadPatchRecipeWithDigest,
  loadPins,
  loadVersionTable,
  reportedVersion,
  toolchainFor,
} from '../specs.js';
import { buildEnv } from './caches.js';
import { parseVersion } from '../version.js';

/** The commit of an unpinned tag when a dry run cannot read the remote. */
export const UNREADABLE = 'unknown (the remote cannot be read)';

function render(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (whole, key: string) => values[key] ?? whole);
}

/** The patch recipe of an era, read once: the plan carries it and the digest of its file. */
async function patchRef(patchesDir: string, name: string, root: string): Promise<PatchRef> {
  const { value, digest } = await loadPatchRecipeWithDigest(name, patchesDir);
  return { name, root, digest, recipe: value };
}

/** A fork of runc, built by commit: the method, make line and patch are filled in by the tree inspection. */
async function resolveFork(request: BuildRequest, name: string): Promise<ForkResolved> {
  const forks = await loadForks(request.forksFile);
  const fork = forks[name];
  if (!fork) {
    const known = Object.keys(forks);
    throw new InputError(
      `fork "${name}" is not in ${request.forksFile}; ${known.length ? `known forks: ${known.join(', ')}` : 'add it there (see the comment at the top)'}`,
    );
  }
  const spec = (await loadVersionTable(request.specsDir)).runc;
  const claims = fork.claims ? parseVersion('runc', fork.claims) : undefined;
  const toolchain = (claims && toolchainFor(spec, claims)) ?? spec.toolchains.at(-1);
  if (!toolchain)
    throw new InputError(`specs/versions.yaml has no runc toolchain for fork ${name}; add one under runc.toolchains`);
  const goVersion = toolchain.go;
  const forkDir = path.dirname(request.forksFile);
  const patches: ForkPatch[] = [];
  for (const p of fork.patches) {
    if (typeof p !== 'string') {
      patches.push({
        name: path.posix.basename(new URL(p.url).pathname),
        source: p.url,
        sha256: p.sha256,
        fetched: true,
      });
      continue;
    }
    const file = path.resolve(forkDir, p);
    if (!existsSync(file))
      throw new InputError(`fork ${name}: patch ${file} does not exist; fix patches in ${request.forksFile}`);
    patches.push({
      name: path.basename(file),
      source: file,
      sha256: createHash('sha256')
        .update(await readFile(file))
        .digest('hex'),
      fetched: false,
    });
  }
  const tag = fork.version.startsWith('v') ? fork.version : `v${fork.version}`;
  const era = claims ? eraFor(spec, claims) : undefined;
  // a fork builds with runc's own make interface (make static), as the runc release it claims, or the latest
  const link = era?.link ?? [...spec.eras].reverse().find((e) => e.link)?.link;
  if (!link) throw new InputError(`specs/versions.yaml has no runc era with a linkage for fork ${name}; add one`);
  return {
    kind: 'fork',
    component: 'runc',
    version: { tag, comparable: tag.slice(1) },
    source: {
      remote: request.remote ? normalizeRemote(request.remote) : normalizeRemote(fork.repository),
      tag: `fork:${name}`,
      byCommit: true,
      commit: fork.commit,
      pinned: true,
    },
    reason: `${fork.description} (method decided by inspecting the tree)`,
    era: era ??
      (claims ? spec.eras[0] : undefined) ?? { versions: '*', method: 'unknown', reason: 'decided by the tree' },
    goVersion,
    toolchainNeeds: needsOf(goVersion, toolchain),
    link,
    reportsVersion: fork.version.replace(/^v/, ''),
    mountPath: `/go/src/${spec.importPath}`,
    artifact: spec.artifact,
    binaryName: fork.binary,
    forkPatchRecipe: await patchRef(request.patchesDir, 'libcontainer-nokmem', spec.libcontainerRoot),
    fsPackage: spec.libcontainerPackage,
    outputDir: path.join(request.outDir, name),
    package: request.package,
    libcontainerRoot: spec.libcontainerRoot,
    fork: { name, patches, claims: claims?.tag, method: fork.method, packageName: fork.package },
  };
}

const needsOf = (upstream: string, t: { minimum?: string; reflect2?: string; goCheck?: 'numeric' | 'lexical' }) => ({
  upstream,
  minimumGo: t.minimum,
  reflect2: t.reflect2,
  ...(t.goCheck ? { goCheck: t.goCheck } : {}),
});

/** The first later era the table calls not affected, as advice for a version nothing safe can build. */
function laterUnaffected(component: string, eras: readonly Era[], era: Era): string | undefined {
  const next = eras.slice(eras.indexOf(era) + 1).find((e) => e.method === 'not-affected');
  return next
    ? `${component} ${next.versions.replace(/^>=/, '')} and later are not affected: consider moving to one`
    : undefined;
}

/** The request as a plan: from specs/ (and, for an unpinned tag, the remote). Frozen. */
export async function resolve(request: BuildRequest, deps: Deps): Promise<ResolvedPlan> {
  if (request.fork !== undefined) return Object.freeze(await resolveFork(request, request.fork));
  const { version } = request;
  const table = await loadVersionTable(request.specsDir);
  const spec = table[request.component];
  const era = eraFor(spec, version);
  const what = `${request.component} ${version.tag}`;
  if (!era || era.method === 'unknown') {
    throw new InputError(
      `${what} is outside the versions nokmem knows${era ? ` (${era.reason})` : ''}; add its era to specs/versions.yaml`,
    );
  }
  const remote = request.remote ? normalizeRemote(request.remote) : spec.repository;
  const pins = await loadPins(request.specsDir);
  const sourceCache = new SourceCache(deps.runner, path.join(request.cacheDir, 'git', `${request.component}.git`));
  let method: Recipe['method'];
  let reason = era.reason;
  if (era.method === 'not-affected') {
    // "not affected" only for a release that exists: a pin says so, or else the remote (when it answers).
    // An unreachable remote cannot tell; then the era's answer stands.
    const onRemote =
      pins[request.component][version.tag] ??
      (await sourceCache.remoteCommit(remote, version.tag).catch(() => 'unknown'));
    if (onRemote === undefined)
      throw new InputError(`tag ${version.tag} is not on ${remote}, so ${what} is not a release; check the version`);
    if (!request.force)
      throw new InputError(
        `${what} is not affected (${era.reason}); nothing to build. Use --force to build it anyway.`,
      );
    if (!era.make || !era.layout)
      throw new InputError(
        `${what} is not affected and specs/versions.yaml has no build recipe for its era, so --force cannot build it`,
      );
    method = 'none';
    reason = `built with --force although not affected: ${era.reason}`;
  } else {
    method = era.method;
  }
  const toolchain = toolchainFor(spec, version);
  if (!toolchain)
    throw new InputError(
      `${what} has no Go toolchain in specs/versions.yaml; add one under ${request.component}.toolchains`,
    );
  const goVersion = toolchain.go;

  let commit = pins[request.component][version.tag];
  const pinned = commit !== undefined;
  if (!commit) {
    // A dry run without network still prints the plan; preflight marks the remote as missing.
    commit = await sourceCache
      .remoteCommit(remote, version.tag)
      .catch((error: unknown) => (request.dryRun && error instanceof InputError ? UNREADABLE : Promise.reject(error)));
    if (!commit)
      throw new InputError(
        `tag ${version.tag} is not on ${remote}; check the version, or point --remote at a mirror that has it`,
      );
    if (commit !== UNREADABLE)
      deps.log.warn(
        `${what} has no pin in specs/pins.yaml; using ${commit} as ${remote} reports it` +
          (request.writePin ? ' (it will be recorded)' : ' (record it with --write-pin)'),
      );
  }

  const values = { commit, version: version.tag };
  const layout = era.layout ?? 'gopath';
  const env = buildEnv(layout);
  for (const [k, v] of Object.entries(era.env ?? {})) env[k] = render(v, values);
  let patch: Recipe['patch'];
  if (method === 'source-patch' && era.patch && era.patchRoot) {
    patch = await patchRef(request.patchesDir, era.patch, era.patchRoot);
  }
  const recipe: Recipe = {
    method,
    make: (era.make ?? []).map((a) => render(a, values)),
    env,
    marker: method === 'none' ? false : (era.marker ?? false),
    patch,
    layout,
  };
  if (!era.link) throw new InputError(`${what}: specs/versions.yaml gives its era no linkage; add link to the era`);
  return Object.freeze({
    kind: 'upstream',
    component: request.component,
    version,
    source: { remote, tag: version.tag, byCommit: false, commit, pinned },
    method,
    reason,
    era,
    goVersion,
    toolchainNeeds: needsOf(goVersion, toolchain),
    link: era.link,
    reportsVersion: reportedVersion(spec, version.tag),
    recipe,
    laterUnaffected: laterUnaffected(request.component, spec.eras, era),
    mountPath: `/go/src/${spec.importPath}`,
    goCacheInTree: spec.goCacheInTree,
    artifact: spec.artifact,
    binaryName: path.posix.basename(spec.artifact),
    fsPackage: fsPackageFor(spec, era),
    outputDir: path.join(request.outDir, `${request.component}-${version.tag}`),
    package: request.package,
    libcontainerRoot: spec.libcontainerRoot,
  });
}
