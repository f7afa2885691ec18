// The results of a build, typed by phase (source, binary, packages), each value set once by the step that makes
// it, and the one value the tree inspection decides (TreeDecision). The Results container enforces set-once.

import type { BuildFacts, BuildRecord } from './build-record.js';
import type { DockerEngineSession } from './docker.js';
import type { TreeInspection } from './inspect-libcontainer.js';
import type { AppliedPatch } from './patch.js';
import type { Recipe } from './plan.js';
import type { SigningKey } from './signing.js';
import type { SourceCache } from './source.js';
import type { ToolchainChoice, TreeToolchainFacts } from './toolchain.js';
import type { TreeBuildAnswers } from './tree-build.js';
import type { VendoredModule } from './vendored.js';
import type { Verdict } from './verify/verdict.js';

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

/** The source phase: fetch source, check out, (apply fork patches,) inspect tree, apply nokmem method. */
export interface SourceResults {
  sources: SourceCache;
  commitTime: number;
  tree: string;
  /** inspect tree: everything the tree decides, once */
  decision: TreeDecision;
  applied: AppliedPatch;
}

/** The binary phase: reuse cached build | compile in Docker, verify, store result. */
export interface BinaryResults {
  /** reuse cached build: the cached result's directory */
  cachedResult: string;
  /** compile in Docker (or reuse cached build): the binary this run proves and packages */
  binary: string;
  /** compile in Docker (or reuse cached build, from its record): what the binary is and how it was built */
  facts: BuildFacts;
  /** `go version` of the builder image, as it reported it */
  goUsed: string;
  modules: VendoredModule[];
  verdict: Verdict;
  /** reuse cached build or store result (write output reads it from a cached result) */
  record: BuildRecord;
  /** reuse cached build or store result: the verified result's files in the result cache */
  result: readonly Artifact[];
}

/** The packages phase: signing key, reuse cached packages | package RPM, sign and attest, verify packages, store packages. */
export interface PackageResults {
  /**
   * signing key: settles when the key is ready (a configured key is checked before the compile; a development key
   * the cache lacks is made while the build runs); the packaging steps await it
   */
  signingKey: Promise<SigningKey>;
  /** signing key: the packager session that packaging, signing and the proofs share */
  packager: DockerEngineSession;
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
 * The results of a build, one set-once container per phase: a step of one phase cannot set another's values, and a
 * reader names the phase it reads (`results.binary.get('record')`).
 */
export interface BuildResults {
  readonly source: Results<SourceResults>;
  readonly binary: Results<BinaryResults>;
  readonly packages: Results<PackageResults>;
}

/** A run's empty results, one container per phase. */
export const newBuildResults = (): BuildResults => ({
  source: new Results<SourceResults>(),
  binary: new Results<BinaryResults>(),
  packages: new Results<PackageResults>(),
});

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
