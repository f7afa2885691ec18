// The build pipeline, in order. Reading this file is reading what `nokmem build` does:
//
//   resolve            version -> era (method, build recipe), pin, Go version, builder image, outputs
//   preflight          git, Docker engine and builder image are there; the cache key of the inputs
//   signing key        the key from the environment in a private GNUPGHOME (or the development key), unlocked
//                      by a test signature: a wrong passphrase stops the run before the long work
//   reuse cached build identical inputs built before? then skip to "write output"
//   fetch source       shallow fetch of the tag into the source cache; the commit must equal the pin
//   check out          the commit's tree into a fresh workspace
//   apply fork patches a fork's own patch set, before anything nokmem does (forks only)
//   inspect tree       the method as the tree shows it; must agree with specs (forks: it decides)
//   apply nokmem method  the patch recipe (checked, diff kept) or, for build-tag eras, nothing
//   compile in Docker  make ... in the builder image: --network none, non-root, shared Go build cache
//   verify             EL7 glibc, version string, static proof, functional strace proof (runc)
//   store result       into the result cache, with the build record
//   reuse cached packages  identical binary, key and templates packaged before? then skip to "write output"
//   package RPM        rpmbuild in the packager container (binary byte-identical, xz payload, reproducible)
//   sign and attest    rpmsign (v4 + v3), SBOM, provenance, public key, SHA256SUMS + detached signature
//   verify packages    `nokmem verify` on the result: signature, EL7 compatibility, nokmem proof, sums
//   store packages     into the package cache
//   write output       into the output directory, atomically
//
// `nokmem prepare` runs the source steps only; `nokmem verify` runs the verifier on its own.

import { cp, rename, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { BuildContext, BuildPlan, BuildRecord, BuildRequest, Deps } from './context.js';
import { InputError } from './errors.js';
import { type Step, type StepReport, runSteps } from './step.js';
import { applyMethod } from './steps/apply-method.js';
import { checkout } from './steps/checkout.js';
import { compile } from './steps/compile.js';
import { fetchSource } from './steps/fetch-source.js';
import { preflight } from './steps/preflight.js';
import { resolve } from './steps/resolve.js';
import { reuse } from './steps/reuse.js';
import { store } from './steps/store.js';
import { verify } from './steps/verify.js';
import { writeOutput } from './steps/write-output.js';
import { forkPatches } from './steps/fork-patches.js';
import { inspect } from './steps/inspect.js';
import { signingKey } from './steps/signing-key.js';
import { reusePackages } from './steps/reuse-packages.js';
import { packageRpm } from './steps/package-rpm.js';
import { signAndAttest } from './steps/sign-and-attest.js';
import { verifyPackagesStep } from './steps/verify-packages.js';
import { storePackages } from './steps/store-packages.js';

export const buildSteps: readonly Step<BuildContext>[] = [
  resolve,
  preflight,
  signingKey,
  reuse,
  fetchSource,
  checkout,
  forkPatches,
  inspect,
  applyMethod,
  compile,
  verify,
  store,
  reusePackages,
  packageRpm,
  signAndAttest,
  verifyPackagesStep,
  storePackages,
  writeOutput,
];

export const prepareSteps: readonly Step<BuildContext>[] = [
  resolve,
  fetchSource,
  checkout,
  forkPatches,
  inspect,
  applyMethod,
];

export interface BuildResult {
  plan: BuildPlan;
  steps: StepReport[];
  cacheHit: boolean;
  record?: BuildRecord;
  dryRun: boolean;
}

async function cleanWorkspace(ctx: BuildContext): Promise<void> {
  await ctx.signingKey?.dispose();
  if (ctx.workspace) await rm(ctx.workspace, { recursive: true, force: true });
}

export async function build(request: BuildRequest, deps: Deps): Promise<BuildResult> {
  const ctx: BuildContext = { request, deps };
  try {
    const steps = await runSteps(buildSteps, ctx, { dryRun: request.dryRun, log: deps.log, groups: deps.logGroups });
    return { plan: ctx.plan!, steps, cacheHit: Boolean(ctx.cachedResult), record: ctx.record, dryRun: request.dryRun };
  } finally {
    await cleanWorkspace(ctx);
  }
}

/** Fetches, checks out and patches the source into `into` (which must not exist), and stops there. */
export async function prepare(
  request: BuildRequest,
  into: string,
  deps: Deps,
): Promise<{ plan: BuildPlan; steps: StepReport[] }> {
  if (existsSync(into)) throw new InputError(`${into} already exists; choose a new directory for the prepared source`);
  const ctx: BuildContext = { request, deps };
  try {
    const steps = await runSteps(prepareSteps, ctx, { dryRun: request.dryRun, log: deps.log });
    if (!request.dryRun) {
      // rename, or a copy across file systems
      await rename(ctx.tree!, path.resolve(into)).catch(() => cp(ctx.tree!, path.resolve(into), { recursive: true }));
      if (ctx.applied) await writeFile(`${path.resolve(into)}.nokmem.patch`, ctx.applied.diff);
    }
    return { plan: ctx.plan!, steps };
  } finally {
    await cleanWorkspace(ctx);
  }
}

/** A markdown summary of a build (the GitHub Actions job summary): what was built, how, and what was proven. */
export function jobSummary(result: BuildResult): string {
  const { plan, record } = result;
  const lines = [
    `### ${plan.fork ? `fork ${plan.fork.name}` : `${plan.component} ${plan.version.tag}`}: ${record ? 'nokmem, verified' : 'planned'}`,
    '',
  ];
  lines.push('| | |', '|---|---|');
  lines.push(
    `| source | \`${plan.source.commit}\` (${plan.source.tag}) |`,
    `| method | ${record?.method ?? plan.method} |`,
    `| image | \`${plan.image}\` |`,
    `| toolchain | Go ${plan.toolchain?.go ?? '?'}: ${plan.toolchain?.why ?? ''}${plan.toolchain?.risk ? ` — RISK: ${plan.toolchain.risk}` : ''} |`,
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

/** The plan as people read it (--dry-run). */
export function describePlan(plan: BuildPlan): string {
  const lines = [
    `component   ${plan.component} ${plan.version.tag}`,
    `source      ${plan.source.remote} ${plan.source.tag} -> ${plan.source.commit}${plan.source.byCommit ? ' (fork, by commit)' : plan.source.pinned ? ' (pinned)' : ' (NOT pinned)'}`,
    ...(plan.fork
      ? [
          `fork        ${plan.fork.name}: ships ${plan.binaryName} as package ${plan.fork.packageName}${plan.fork.patches.length ? `, patches ${plan.fork.patches.map((p) => `${p.source} (sha256 ${p.sha256.slice(0, 12)}…)`).join(' ')}` : ''}${plan.fork.claims ? `, claims ${plan.fork.claims}` : ''}`,
        ]
      : []),
    `method      ${plan.method}: ${plan.reason}`,
    ...(plan.patch
      ? [`patch       patches/${plan.patch.name}.yaml under ${plan.patch.root} (${plan.patch.digest})`]
      : []),
    `go          ${plan.goVersion} (upstream); the tree should state ${plan.toolchainNeeds.minimumGo ? `minimum Go ${plan.toolchainNeeds.minimumGo}` : 'no minimum Go'}, ${plan.toolchainNeeds.reflect2 ? `reflect2 ${plan.toolchainNeeds.reflect2}` : 'no vendored reflect2'} (checked after checkout)`,
    `toolchain   ${plan.toolchain ? `Go ${plan.toolchain.go}: ${plan.toolchain.why}${plan.toolchain.risk ? `; RISK: ${plan.toolchain.risk}` : ''}` : 'not chosen'}`,
    `image       ${plan.image}${plan.imageId ? ` ${plan.imageId}` : ''}`,
    `build       ${plan.method === 'from-tree' ? 'make static ... (BUILDTAGS decided by the tree inspection)' : `make ${plan.make.join(' ')}`}`,
    `env         ${Object.entries(plan.env)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')}`,
    `verify      static proof of ${plan.fsPackage}${plan.marker ? ' + nokmem marker' : ''}${plan.component === 'runc' ? ' + functional strace proof' : ''}`,
    `output      ${plan.outputDir}/{${plan.binaryName},build-record.json${plan.patch ? ',nokmem.patch' : ''}${plan.package ? ',*.rpm,SHA256SUMS{,.asc},*.spdx.json,*.provenance.json,RPM-GPG-KEY-nokmem' : ''}}`,
  ];
  return lines.join('\n');
}
