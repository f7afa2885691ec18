// What a build knows, in the order it comes to know it: the request (from the command line), the side-effect
// interfaces, the plan (plan.ts: a value made once by resolve and preflight, before any long work), and the
// results (results.ts, by phase), each set once by the step that makes it. Steps read the plan and the results; nothing else carries state.

import type { BuildFacts, BuildRecord } from './build-record.js';
import type { DockerEngine } from './docker.js';
import type { Logger } from './log.js';
import type { Runner } from './runner.js';
import type { SigningConfig } from './signing.js';
import type { RunWorkspace } from './workspace.js';
import type { Plan, ResolvedPlan } from './plan.js';
import type { BuildResults } from './results.js';
import type { Component, ReleaseVersion } from './version.js';

/** What every request says, upstream release or fork. */
export interface RequestCommon {
  component: Component;
  forksFile: string;
  /** Git URL or path of the upstream repository; default from specs/versions.yaml. */
  remote?: string;
  /** Builder image; default derived from the upstream Go version. */
  image?: string;
  outDir: string;
  cacheDir: string;
  specsDir: string;
  patchesDir: string;
  force: boolean;
  writePin: boolean;
  dryRun: boolean;
  /** Run the functional proofs: runc under strace, the kubelet as a standalone node (where the host allows it). */
  functional: boolean;
  /** Package, sign and attest after the binary is verified (default); false stops at the binary. */
  package: boolean;
  /** Image with rpmbuild, rpmsign and gpg. */
  packagerImage: string;
  /** From the environment only (cli.ts); never from a file in the repository or the command line. */
  signing: SigningConfig;
  /** N in the package release (kubelet 0.nokmem.N, runc-nokmem N). */
  releaseIteration: number;
  /** Build with an --image whose Go breaks the toolchain rule (the risk is recorded in the record and package). */
  allowToolchainRisk: boolean;
  /** Where the Go build cache lives (default <cacheDir>/go-build); one subdirectory per image. */
  goBuildCacheDir?: string;
  /** Who builds and which run, for the provenance statement (from the CI environment, read by the command line). */
  provenance: { builderId: string; invocationId?: string };
}

/** An upstream release, by version (parsed once, from the command line). */
export interface UpstreamRequest extends RequestCommon {
  version: ReleaseVersion;
  fork?: undefined;
}

/** A fork of runc from specs/forks.yaml, built by commit; its version is in forks.yaml, its method in its tree. */
export interface ForkRequest extends RequestCommon {
  fork: string;
  version?: undefined;
}

export type BuildRequest = UpstreamRequest | ForkRequest;

export interface Deps {
  runner: Runner;
  docker: DockerEngine;
  log: Logger;
  /** Running in GitHub Actions: fold each step's log into a group. */
  logGroups?: boolean;
}

/** `nokmem prepare`: the source steps, on a resolved plan. */
export interface SourceContext {
  readonly request: BuildRequest;
  readonly deps: Deps;
  readonly plan: ResolvedPlan | Plan;
  readonly results: BuildResults;
  /** This run's workspace, owned by the pipeline (made on first use, removed when the run ends). */
  readonly workspace: RunWorkspace;
}

/** `nokmem build`, after planning. */
export interface BuildContext extends SourceContext {
  readonly plan: Plan;
}

export type { BuildFacts, BuildRecord };
export { Results, newBuildResults } from './results.js';
export type { Artifact, BinaryResults, BuildResults, PackageResults, SourceResults, TreeDecision } from './results.js';
export type {
  ForkPatch,
  ForkPlan,
  ForkResolved,
  PatchRef,
  PinnedSource,
  Plan,
  Preflighted,
  Prerequisite,
  Recipe,
  ResolvedPlan,
  UpstreamResolved,
} from './plan.js';
