// What a build knows, in the order it comes to know it: the request (from the command line), the side-effect
// interfaces, the plan (made once by resolve and preflight, before any long work, then read-only), and the
// results, each set once by the step that makes it. Steps read the plan and the results; nothing else carries state.

import type { BuildRecord } from './build-record.js';
import type { DockerEngine } from './docker.js';
import type { Logger } from './log.js';
import type { AppliedPatch } from './patch.js';
import type { Runner } from './runner.js';
import type { SigningConfig, SigningKey } from './signing.js';
import type { SourceCache } from './source.js';
import type { VendoredModule } from './vendored.js';
import type { TreeInspection } from './inspect-tree.js';
import type { Era, Linkage, PatchRecipe } from './specs.js';
import type { TreeBuildAnswers } from './tree-build.js';
import type { ToolchainChoice, ToolchainNeeds, TreeToolchainFacts } from './toolchain.js';
import type { Verdict } from './verify/verdict.js';
import type { Component, ReleaseVersion } from './version.js';

export interface BuildRequest {
  component: Component;
  /** Parsed once, from the command line; undefined for a fork (its version is in forks.yaml). */
  version?: ReleaseVersion;
  /** A fork of runc from specs/forks.yaml, built by commit; its method comes from the tree. */
  fork?: string;
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

export interface Deps {
  runner: Runner;
  docker: DockerEngine;
  log: Logger;
  /** Running in GitHub Actions: fold each step's log into a group. */
  logGroups?: boolean;
}

export interface PinnedSource {
  remote: string;
  /** The upstream tag, or "fork:<name>" for a fork built by commit. */
  tag: string;
  byCommit: boolean;
  /** The commit the tag must resolve to. */
  commit: string;
  /** false when no pin existed and the commit was read from the remote. */
  pinned: boolean;
}

/** A fork's own patch: a local file, or the fork owner's file fetched at build time; either way known by digest. */
export interface ForkPatch {
  /** The file name, for logs and the build record. */
  name: string;
  /** An absolute path, or an https:// / file:// URL. */
  source: string;
  sha256: string;
  fetched: boolean;
}

/** How kmem is kept off for one build: the method and what it means for the tree and the make command line. */
export interface Recipe {
  readonly method: 'source-patch' | 'build-tag' | 'none';
  readonly make: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  /** The binary carries the nokmem marker (source-patch, and build-tag eras whose tag leaves one). */
  readonly marker: boolean;
  readonly patch?: PatchRef;
  readonly layout: 'gopath' | 'modules';
}

export interface PatchRef {
  readonly name: string;
  readonly root: string;
  /** sha256 of the recipe file as it was read */
  readonly digest: string;
  /** the recipe itself, read once by resolve */
  readonly recipe: PatchRecipe;
}

export interface ForkPlan {
  readonly name: string;
  readonly patches: readonly ForkPatch[];
  readonly claims?: string;
  readonly method?: 'source-patch' | 'build-tag';
  readonly packageName: string;
}

/** What resolve makes of the request: from specs/ (and, for an unpinned tag, the remote). Read-only. */
export interface ResolvedPlan {
  readonly component: Component;
  readonly version: ReleaseVersion;
  readonly source: PinnedSource;
  /** How kmem is kept off; "from-tree" for a fork, whose method the tree inspection decides (results.recipe). */
  readonly method: Recipe['method'] | 'from-tree';
  /** Why this method: the era's reason, or why --force built an unaffected version. */
  readonly reason: string;
  readonly era: Era;
  readonly goVersion: string;
  /** What this version is expected to need of Go (specs/versions.yaml); the tree inspection has the last word. */
  readonly toolchainNeeds: ToolchainNeeds;
  /** How upstream links the binary and why (specs/versions.yaml); the tree inspection checks it against the tree. */
  readonly link: Linkage;
  /** What the binary prints as its version (without "v"); the tree's VERSION file must agree (runc). */
  readonly reportsVersion: string;
  /** For a version nothing safe can build: which later versions the table calls not affected (upstream only). */
  readonly laterUnaffected?: string;
  /** The recipe specs/ gives; undefined for a fork (the tree decides). */
  readonly recipe?: Recipe;
  /** Where the tree is mounted in the container and how it builds. */
  readonly mountPath: string;
  /** Where the project's own scripts keep the Go build cache inside the tree, if they choose it themselves. */
  readonly goCacheInTree?: string;
  readonly artifact: string;
  readonly binaryName: string;
  /** What the verifier expects of a nokmem binary of this version (the marker is in the recipe). */
  readonly fsPackage: string;
  /** Final output directory of this build. */
  readonly outputDir: string;
  /** Whether packages follow the binary. */
  readonly package: boolean;
  /** Where libcontainer sits in the tree. */
  readonly libcontainerRoot: string;
  readonly fork?: ForkPlan;
  /** The patch recipe a fork gets if its tree turns out to need the source patch. */
  readonly forkPatchRecipe?: PatchRef;
}

/** Something the build needs on this machine; a dry run lists the missing ones instead of stopping. */
export interface Prerequisite {
  readonly what: string;
  readonly ok: boolean;
  readonly detail: string;
  /** What makes it, when it is missing. */
  readonly fix?: string;
}

/** The whole plan: resolved, then checked against this machine by preflight. Read-only once made. */
export interface BuildPlan extends ResolvedPlan {
  /** The builder image chosen by the toolchain rule (or --image). */
  readonly image: string;
  /** undefined only in a dry run whose builder image is missing. */
  readonly imageId?: string;
  /** undefined only in a dry run with no safe builder image. */
  readonly toolchain?: ToolchainChoice;
  /** Key of this build's inputs in the result cache. */
  readonly cacheKey: string;
  readonly prerequisites: readonly Prerequisite[];
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

/** The results of a build, by phase; each is set once, by the step named beside it. */
export interface BuildResults {
  // source: fetch source, check out, inspect tree, apply nokmem method
  /** signing key or check out, whichever runs first */
  workspace: string;
  sources: SourceCache;
  commitTime: number;
  tree: string;
  inspection: TreeInspection;
  treeToolchain: TreeToolchainFacts;
  /** inspect tree: what the tree's own build scripts said (its Go check, its linkage, its version) */
  treeBuild: TreeBuildAnswers;
  /** inspect tree: the plan's recipe, or for a fork the one its tree decides */
  recipe: Recipe;
  /** inspect tree: the plan's toolchain, with the risk the tree shows when --allow-toolchain-risk accepted it */
  toolchain: ToolchainChoice;
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

/** While the plan is being made (resolve, then preflight). */
export interface PlanningContext {
  request: BuildRequest;
  deps: Deps;
  resolved?: ResolvedPlan;
  plan?: BuildPlan;
}

/** `nokmem prepare`: the source steps, on a resolved plan. */
export interface SourceContext {
  readonly request: BuildRequest;
  readonly deps: Deps;
  readonly plan: ResolvedPlan | BuildPlan;
  readonly results: Results<BuildResults>;
}

/** `nokmem build`, after planning. */
export interface BuildContext extends SourceContext {
  readonly plan: BuildPlan;
}

export type { BuildRecord };
