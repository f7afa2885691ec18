// What a build knows, in the order it comes to know it: the request (from the command line), the side-effect
// interfaces, the plan (plan.ts: a value made once by resolve and preflight, before any long work), and the
// results, each set once by the step that makes it. Steps read the plan and the results; nothing else carries state.

import type { BuildRecord } from './build-record.js';
import type { DockerEngine } from './docker.js';
import type { Logger } from './log.js';
import type { AppliedPatch } from './patch.js';
import type { Runner } from './runner.js';
import type { SigningConfig, SigningKey } from './signing.js';
import type { SourceCache } from './source.js';
import type { VendoredModule } from './vendored.js';
import type { RunWorkspace } from './workspace.js';
import type { TreeInspection } from './inspect-tree.js';
import type { Plan, Recipe, ResolvedPlan } from './plan.js';
import type { TreeBuildAnswers } from './tree-build.js';
import type { ToolchainChoice, TreeToolchainFacts } from './toolchain.js';
import type { Verdict } from './verify/verdict.js';
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

/** A file this run made or reused, by what it is: later steps and commands read this list, not directories. */
export interface Artifact {
  readonly name: string;
  readonly path: string;
  readonly kind:
    | 'binary'
    | 'build-record'
    | 'patch'
    | 'modules'
    | 'rpm'
    | 'sbom'
    | 'provenance'
    | 'public-key'
    | 'sums'
    | 'sums-signature';
}

/** What the tree inspection decides, recorded once: later steps read the recipe and the toolchain only from here. */
export interface TreeDecision {
  /** The method as the tree's libcontainer shows it (it agreed with specs/, or for a fork it decided). */
  readonly inspection: TreeInspection;
  /** The plan's recipe, or for a fork the one its tree decides. */
  readonly recipe: Recipe;
  /** The plan's toolchain, with the risk the tree shows when --allow-toolchain-risk accepted it (none in a prepare). */
  readonly toolchain?: ToolchainChoice;
  /** What the tree states of the Go it needs (its minimum, its Go check, the reflect2 it vendors). */
  readonly treeToolchain: TreeToolchainFacts;
  /** What the tree's own build scripts said (Go check, linkage, version); undefined when they were not asked. */
  readonly treeBuild?: TreeBuildAnswers;
}

/** The results of a build, by phase; each is set once, by the step named beside it. */
export interface BuildResults {
  // source: fetch source, check out, inspect tree, apply nokmem method
  sources: SourceCache;
  commitTime: number;
  tree: string;
  /** inspect tree: everything the tree decides, once */
  decision: TreeDecision;
  applied: AppliedPatch;
  // build: reuse cached build | compile, verify, store result
  /** reuse cached build: the cached result's directory */
  cachedResult: string;
  binary: string;
  /** `go version` of the builder image, as it reported it */
  goUsed: string;
  modules: VendoredModule[];
  verdict: Verdict;
  /** reuse cached build or store result (write output reads it from a cached result) */
  record: BuildRecord;
  /** reuse cached build or store result: the verified result's files in the result cache */
  result: readonly Artifact[];
  // packages: signing key, reuse cached packages | package RPM, sign and attest, verify packages, store packages
  signingKey: SigningKey;
  /** signing key: the packager session that packaging, signing and the proofs share */
  packager: DockerEngine;
  packageKey: string;
  /** package RPM: where this run assembles its packages and attestations */
  packageDir: string;
  /** package RPM: the unsigned package */
  rpm: Artifact;
  /** sign and attest (or reuse cached packages): the signed packages and the attestations */
  packages: readonly Artifact[];
  /** reuse cached packages or store packages */
  cachedPackages: string;
}

/**
 * Values set once: a second set is a bug, and so is a read before the step that makes the value ran
 * (`get`); `maybe` is for the values a run may legitimately not have (no patch, a cache hit).
 */
export class Results<T extends object> {
  readonly #values = new Map<keyof T, unknown>();

  set<K extends keyof T>(key: K, value: T[K]): T[K] {
    if (this.#values.has(key)) throw new Error(`bug: the result "${String(key)}" is set twice`);
    this.#values.set(key, value);
    return value;
  }

  get<K extends keyof T>(key: K): T[K] {
    if (!this.#values.has(key))
      throw new Error(`bug: the result "${String(key)}" is read before the step that makes it ran`);
    return this.#values.get(key) as T[K];
  }

  maybe<K extends keyof T>(key: K): T[K] | undefined {
    return this.#values.get(key) as T[K] | undefined;
  }

  has(key: keyof T): boolean {
    return this.#values.has(key);
  }
}

/** `nokmem prepare`: the source steps, on a resolved plan. */
export interface SourceContext {
  readonly request: BuildRequest;
  readonly deps: Deps;
  readonly plan: ResolvedPlan | Plan;
  readonly results: Results<BuildResults>;
  /** This run's workspace, owned by the pipeline (made on first use, removed when the run ends). */
  readonly workspace: RunWorkspace;
}

/** `nokmem build`, after planning. */
export interface BuildContext extends SourceContext {
  readonly plan: Plan;
}

export type { BuildRecord };
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
