// The build pipeline, in order. Reading this file is reading what `nokmem build` does. It plans, then applies:
// resolve and preflight are plain functions that make the plan, a value read-only from then on (plan()); each
// later step sets its own results once (results.ts, by phase), and the files it makes are a typed list of
// artifacts, not directories to list. Each step's name below is its name in the run's log; test/unit/pipeline.test.ts
// holds this list, and the README's, to the step lists of this file.
//
//   resolve            version -> era (method, build recipe), pin, Go version, outputs
//   preflight          git, Docker engine, a builder image whose Go is safe, its tools, the packager image;
//                      the cache key of the inputs (a dry run marks what is missing instead of stopping)
//   signing key        the key from the environment in a private GNUPGHOME (or the development key), unlocked
//                      by a test signature: a wrong passphrase stops the run before the long work (a development
//                      key the cache lacks is made while the build runs; the packaging steps await it)
//   reuse cached build  identical inputs built before? then skip to "write output"
//   fetch source       shallow fetch of the tag into the source cache; the commit must equal the pin
//   check out          the commit's tree into a fresh workspace
//   apply fork patches  a fork's own patch set, before anything nokmem does (forks only)
//   inspect tree       the method as the tree shows it; must agree with specs (forks: it decides)
//   apply nokmem method  the patch recipe (checked, diff kept) or, for build-tag eras, nothing
//   compile in Docker  make ... in the builder image: --network none, non-root, shared Go build cache
//   reuse cached packages  a cached build's packages, if its inputs were packaged before (then to "write output")
//   verify             EL7 glibc, version string, static proof, functional proof (runc: strace; kubelet: a static pod)
//   package RPM        alongside verify: rpmbuild in the packager container (binary byte-identical, xz payload,
//                      reproducible); nothing is signed or written out unless verify passes
//   store result       into the result cache, with the build record
//   sign and attest    rpmsign (v4 + v3), SBOM, provenance, public key, SHA256SUMS + detached signature
//   verify packages    `nokmem verify` on the result: signature, EL7 compatibility, sums, and the packaged binary
//                      is the verified one, byte for byte (else it is proven again)
//   store packages     into the package cache
//   write output       into the output directory, atomically
//
// `nokmem prepare` runs the source steps only; `nokmem verify` runs the verifier on its own.

import { cp, rename, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import {
  type Artifact,
  type BuildContext,
  type BuildRecord,
  type BuildRequest,
  type BuildResults,
  type Deps,
  type Plan,
  type ResolvedPlan,
  newBuildResults,
  type SourceContext,
} from './context.js';
import { type Preflighted, forkOf, planTitle } from './plan.js';
import { InputError } from './errors.js';
import { type Step, type StepOptions, type StepReport, alongside, runPlanStep, runSteps } from './step.js';
import { describeBehaviour } from './toolchain-behaviour.js';
import { applyForkPatches } from './steps/apply-fork-patches.js';
import { applyNokmemMethod } from './steps/apply-nokmem-method.js';
import { checkOut } from './steps/check-out.js';
import { compileInDocker } from './steps/compile-in-docker.js';
import { fetchSource } from './steps/fetch-source.js';
import { inspectTree } from './steps/inspect-tree.js';
import { packageRpm } from './steps/package-rpm.js';
import { preflight } from './steps/preflight.js';
import { resolve } from './steps/resolve.js';
import { reuseCachedBuild } from './steps/reuse-cached-build.js';
import { reuseCachedPackages } from './steps/reuse-cached-packages.js';
import { signAndAttest } from './steps/sign-and-attest.js';
import { signingKey } from './steps/signing-key.js';
import { storePackages } from './steps/store-packages.js';
import { storeResult } from './steps/store-result.js';
import { verify } from './steps/verify.js';
import { verifyPackages } from './steps/verify-packages.js';
import { writeOutput } from './steps/write-output.js';
import { runWorkspace } from './steps/caches.js';
import type { RunWorkspace } from './workspace.js';

/**
 * Planning: plain functions, each returning its part of the plan (they write nothing); the plan is made here,
 * once, by plan(), and every later step reads it and cannot change it.
 */
export const planSteps = [resolve, preflight] as const;

/** Applying the plan: each step sets its own results, once. */
export const buildSteps: readonly Step<BuildContext>[] = [
  signingKey,
  reuseCachedBuild,
  fetchSource,
  checkOut,
  applyForkPatches,
  inspectTree,
  applyNokmemMethod,
  compileInDocker,
  reuseCachedPackages,
  // the RPM is made while the binary is proven: it reads the binary and what was built, never the proofs
  verify,
  alongside(packageRpm),
  storeResult,
  signAndAttest,
  verifyPackages,
  storePackages,
  writeOutput,
];

/** `nokmem prepare`: the source steps only, on the resolved plan (nothing is compiled, so no preflight). */
export const prepareSteps: readonly Step<SourceContext>[] = [
  fetchSource,
  checkOut,
  applyForkPatches,
  inspectTree,
  applyNokmemMethod,
];

export interface BuildResult {
  plan: Plan;
  steps: StepReport[];
  cacheHit: boolean;
  record?: BuildRecord;
  /** The files written to the output directory. */
  artifacts: Artifact[];
  dryRun: boolean;
}

/** The run's end: the signing key's private home and the workspace go. */
export async function cleanWorkspace(results: BuildResults, workspace: RunWorkspace): Promise<void> {
  // a development key still being made is waited for (it is kept in the cache), made or failed; then the packager
  // container goes (the key's, and the one the compile started for the verify step)
  await results.packages.maybe('signingKey')?.catch(() => undefined);
  await results.packages.maybe('packager')?.close();
  const dir = workspace.made();
  if (dir) await rm(dir, { recursive: true, force: true });
}

/** The plan of a request: resolve, then preflight (logged as the first steps of `total`, with their reports). */
export async function plan(
  request: BuildRequest,
  deps: Deps,
  reports: StepReport[] = [],
  total: number = planSteps.length,
): Promise<Plan> {
  const options: StepOptions = { dryRun: request.dryRun, log: deps.log, groups: deps.logGroups, total };
  const resolved = await runPlanStep(resolve, () => resolve(request, deps), 0, options, reports);
  return runPlanStep(preflight, () => preflight(request, deps, resolved), 1, options, reports);
}

export async function build(request: BuildRequest, deps: Deps): Promise<BuildResult> {
  const log = { dryRun: request.dryRun, log: deps.log, groups: deps.logGroups };
  const total = planSteps.length + buildSteps.length;
  const steps: StepReport[] = [];
  const made = await plan(request, deps, steps, total);
  const results = newBuildResults();
  const workspace = runWorkspace(request, deps, made);
  try {
    const ctx: BuildContext = { request, deps, plan: made, results, workspace };
    steps.push(...(await runSteps(buildSteps, ctx, { ...log, first: planSteps.length, total })));
    return {
      plan: made,
      steps,
      cacheHit: results.binary.has('cachedResult'),
      record: results.binary.maybe('record'),
      artifacts: request.dryRun
        ? []
        : [...results.binary.get('result'), ...(results.packages.maybe('packages') ?? [])]
            .filter((a) => a.kind !== 'modules')
            .map((a) => ({ ...a, path: path.join(made.outputDir, a.name) })),
      dryRun: request.dryRun,
    };
  } finally {
    await cleanWorkspace(results, workspace);
  }
}

/** Fetches, checks out and patches the source into `into` (which must not exist), and stops there. */
export async function prepare(
  request: BuildRequest,
  into: string,
  deps: Deps,
): Promise<{ plan: ResolvedPlan; steps: StepReport[] }> {
  if (existsSync(into)) throw new InputError(`${into} already exists; choose a new directory for the prepared source`);
  const log = { dryRun: request.dryRun, log: deps.log };
  const total = 1 + prepareSteps.length;
  const steps: StepReport[] = [];
  const plan = await runPlanStep(resolve, () => resolve(request, deps), 0, { ...log, total }, steps);
  const results = newBuildResults();
  const workspace = runWorkspace(request, deps, plan);
  try {
    const ctx = { request, deps, plan, results, workspace };
    steps.push(...(await runSteps(prepareSteps, ctx, { ...log, first: 1, total })));
    if (!request.dryRun) {
      const tree = results.source.get('tree');
      // rename, or a copy across file systems
      await rename(tree, path.resolve(into)).catch(() => cp(tree, path.resolve(into), { recursive: true }));
      const applied = results.source.maybe('applied');
      if (applied) await writeFile(`${path.resolve(into)}.nokmem.patch`, applied.diff);
    }
    return { plan, steps };
  } finally {
    await cleanWorkspace(results, workspace);
  }
}

/** A markdown summary of a build (the GitHub Actions job summary): what was built, how, and what was proven. */
export function jobSummary(result: BuildResult): string {
  const { plan, record } = result;
  // what the build recorded (a risk the tree showed is there), else what the plan chose
  const toolchain = record?.toolchain ?? plan.toolchain;
  const lines = [`### ${planTitle(plan)}: ${record ? 'nokmem, verified' : 'planned'}`, ''];
  lines.push('| | |', '|---|---|');
  lines.push(
    `| source | \`${plan.source.commit}\` (${plan.source.tag}) |`,
    `| method | ${record?.method ?? (plan.kind === 'upstream' ? plan.method : 'decided by the tree')} |`,
    `| image | \`${plan.image}\` |`,
    `| toolchain | Go ${toolchain?.go ?? '?'}: ${toolchain?.why ?? ''}${toolchain?.risk ? ` — RISK: ${toolchain.risk}` : ''} |`,
    `| cache hit | ${result.cacheHit ? 'yes' : 'no'} |`,
  );
  if (record) {
    lines.push('', '| check | status | detail |', '|---|---|---|');
    for (const c of record.verification.checks)
      lines.push(`| ${c.name} | ${c.status} | ${c.detail.replace(/\|/g, '\\|')} |`);
    lines.push('', '| file | sha256 |', '|---|---|');
    for (const [name, f] of Object.entries(record.files)) lines.push(`| ${name} | \`${f.sha256}\` |`);
  }
  return `${lines.join('\n')}\n`;
}

/** The plan as people read it (--dry-run, prepare): a prepare has no preflight, so no image or toolchain. */
export function describePlan(plan: ResolvedPlan & Partial<Preflighted>): string {
  const recipe = plan.kind === 'upstream' ? plan.recipe : undefined;
  const fork = forkOf(plan);
  const patch = recipe?.patch;
  const marker = recipe?.marker ?? false;
  const missing = (plan.prerequisites ?? []).filter((p) => !p.ok);
  const lines = [
    `component   ${plan.component} ${plan.version.tag}`,
    `source      ${plan.source.remote} ${plan.source.tag} -> ${plan.source.commit}${plan.source.byCommit ? ' (fork, by commit)' : plan.source.pinned ? ' (pinned)' : ' (NOT pinned)'}`,
    ...(fork
      ? [
          `fork        ${fork.name}: ships ${plan.binaryName} as package ${fork.packageName}${fork.patches.length ? `, patches ${fork.patches.map((p) => `${p.source} (sha256 ${p.sha256.slice(0, 12)}…)`).join(' ')}` : ''}${fork.claims ? `, claims ${fork.claims}` : ''}`,
        ]
      : []),
    `method      ${plan.kind === 'upstream' ? plan.method : 'from the tree'}: ${plan.reason}`,
    ...(patch ? [`patch       patches/${patch.name}.yaml under ${patch.root} (${patch.digest})`] : []),
    `go          ${plan.goVersion} (upstream); the tree should state ${plan.toolchainNeeds.minimumGo ? `minimum Go ${plan.toolchainNeeds.minimumGo}` : 'no minimum Go'}${plan.toolchainNeeds.goCheck === 'lexical' ? ' (compared as strings)' : ''}, ${plan.toolchainNeeds.reflect2 ? `reflect2 ${plan.toolchainNeeds.reflect2}` : 'no vendored reflect2'} (checked after checkout)`,
    `toolchain   ${plan.toolchain ? `Go ${plan.toolchain.go}: ${plan.toolchain.why}${plan.toolchain.risk ? `; RISK: ${plan.toolchain.risk}` : ''}` : 'not chosen'}`,
    ...(plan.toolchain ? describeBehaviour(plan.toolchain, plan.goVersion) : []).map((d) => `behaviour   ${d}`),
    `link        ${plan.link.mode}: ${plan.link.reason} (checked against the tree's own build scripts)`,
    ...(plan.image ? [`image       ${plan.image}${plan.imageId ? ` ${plan.imageId}` : ' (MISSING)'}`] : []),
    `build       ${recipe ? `make ${recipe.make.join(' ')}` : 'make static ... (BUILDTAGS decided by the tree inspection)'}`,
    `env         ${Object.entries(recipe?.env ?? {})
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')}`,
    `verify      static proof of ${plan.fsPackage}${marker ? ' + nokmem marker' : ''}${plan.component === 'runc' ? ' + functional strace proof' : ' + runtime proof (standalone kubelet, static pod)'}`,
    `output      ${plan.outputDir}/{${plan.binaryName},build-record.json${patch ? ',nokmem.patch' : ''}${plan.package ? ',*.rpm,SHA256SUMS{,.asc},*.spdx.json,*.provenance.json,RPM-GPG-KEY-nokmem' : ''}}`,
    ...missing.map((p) => `MISSING     ${p.what}: ${p.detail}${p.fix ? ` — make it with: ${p.fix}` : ''}`),
  ];
  return lines.join('\n');
}
