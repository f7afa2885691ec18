// Step: resolve the request into a plan — version -> era (method, build recipe), pin, Go version, builder
// image, outputs. Reads specs/ and, for an unpinned tag, asks the remote (read-only). Runs in a dry run.

import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { BuildContext, BuildPlan } from '../context.js';
import { UserError } from '../errors.js';
import { SourceCache, normalizeRemote } from '../source.js';
import { eraFor, goVersionFor, loadPins, loadVersionTable } from '../specs.js';
import type { Step } from '../step.js';
import { parseVersion } from '../version.js';

export const defaultBuilderImage = (goVersion: string) => `nokmem-builder:go${goVersion}`;

function render(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (whole, key: string) => values[key] ?? whole);
}

export const resolve: Step<BuildContext> = {
  name: 'resolve',
  writes: false,
  async run(ctx) {
    const { request } = ctx;
    const version = parseVersion(request.component, request.version);
    const table = await loadVersionTable(request.specsDir);
    const spec = table[request.component];
    const era = eraFor(spec, version);
    const what = `${request.component} ${version.tag}`;
    if (!era || era.method === 'unknown') {
      throw new UserError(`${what} is outside the versions nokmem knows${era ? ` (${era.reason})` : ''}; add its era to specs/versions.yaml`);
    }
    let method: BuildPlan['method'];
    let reason = era.reason;
    if (era.method === 'not-affected') {
      if (!request.force) throw new UserError(`${what} is not affected (${era.reason}); nothing to build. Use --force to build it anyway.`);
      if (!era.make || !era.layout) throw new UserError(`${what} is not affected and specs/versions.yaml has no build recipe for its era, so --force cannot build it`);
      method = 'none';
      reason = `built with --force although not affected: ${era.reason}`;
    } else {
      method = era.method;
    }
    const goVersion = goVersionFor(spec, version);
    if (!goVersion) throw new UserError(`${what} has no Go toolchain in specs/versions.yaml; add one under ${request.component}.toolchains`);

    const remote = request.remote ? normalizeRemote(request.remote) : spec.repository;
    const pins = await loadPins(request.specsDir);
    let commit = pins[request.component][version.tag];
    const pinned = commit !== undefined;
    if (!commit) {
      const cache = new SourceCache(ctx.deps.runner, path.join(request.cacheDir, 'git', `${request.component}.git`));
      commit = await cache.remoteCommit(remote, version.tag);
      if (!commit) throw new UserError(`tag ${version.tag} is not on ${remote}; check the version, or point --remote at a mirror that has it`);
      ctx.deps.log.warn(
        `${what} has no pin in specs/pins.yaml; using ${commit} as ${remote} reports it` +
          (request.writePin ? ' (it will be recorded)' : ' (record it with --write-pin)'),
      );
    }

    const values = { commit, version: version.tag };
    const env: Record<string, string> = {
      GOPATH: '/go',
      GOCACHE: '/gocache',
      GO111MODULE: era.layout === 'gopath' ? 'off' : 'on',
      GOPROXY: 'off',
    };
    for (const [k, v] of Object.entries(era.env ?? {})) env[k] = render(v, values);
    let patch: BuildPlan['patch'];
    if (method === 'source-patch' && era.patch && era.patchRoot) {
      const recipe = await readFile(path.join(request.patchesDir, `${era.patch}.yaml`));
      patch = { name: era.patch, root: era.patchRoot, digest: `sha256:${createHash('sha256').update(recipe).digest('hex')}` };
    }
    ctx.plan = {
      component: request.component,
      version,
      source: { remote, tag: version.tag, commit, pinned },
      method,
      reason,
      era,
      goVersion,
      image: request.image ?? defaultBuilderImage(goVersion),
      mountPath: `/go/src/${spec.importPath}`,
      env,
      make: (era.make ?? []).map((a) => render(a, values)),
      artifact: spec.artifact,
      binaryName: path.posix.basename(spec.artifact),
      patch,
      fsPackage: `${era.vendorPrefix ? `${spec.importPath}/vendor/` : ''}${spec.libcontainerPackage}`,
      marker: method === 'none' ? false : (era.marker ?? false),
      outputDir: path.join(request.outDir, `${request.component}-${version.tag}`),
      cacheKey: '',
      package: request.package,
    };
  },
};
