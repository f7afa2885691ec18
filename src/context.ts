// What a build knows: the request (from the command line), the side-effect interfaces, the plan resolved from
// it before any long work, and what each step adds. Steps read and fill this; nothing else carries state.

import type { Docker } from './docker.js';
import type { Logger } from './log.js';
import type { AppliedPatch } from './patch.js';
import type { Runner } from './runner.js';
import type { SigningConfig, SigningKey } from './signing.js';
import type { SourceCache } from './source.js';
import type { VendoredModule } from './attest.js';
import type { Era } from './specs.js';
import type { ToolchainChoice, ToolchainNeeds, TreeToolchainFacts } from './toolchain.js';
import type { Verdict } from './verify/verdict.js';
import type { Component, ReleaseVersion } from './version.js';

export interface BuildRequest {
  component: Component;
  version: string;
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
  /** Run the functional strace proof for runc (where the host allows it). */
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
}

export interface Deps {
  runner: Runner;
  docker: Docker;
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

export interface BuildPlan {
  component: Component;
  version: ReleaseVersion;
  source: PinnedSource;
  /** How kmem is kept off: patch the source, set the build tag, or nothing (a --force build of an unaffected
   * version). "from-tree" until the tree inspection decides (forks). */
  method: 'source-patch' | 'build-tag' | 'none' | 'from-tree';
  /** Why this method: the era's reason, or why --force built an unaffected version. */
  reason: string;
  era: Era;
  goVersion: string;
  /** What this version is expected to need of Go (specs/versions.yaml); the tree inspection has the last word. */
  toolchainNeeds: ToolchainNeeds;
  /** The builder image: chosen by the toolchain rule in preflight (or --image). */
  image: string;
  imageId?: string;
  toolchain?: ToolchainChoice;
  /** Where the tree is mounted in the container and how it builds. */
  mountPath: string;
  /** Where the project's own scripts keep the Go build cache inside the tree, if they choose it themselves. */
  goCacheInTree?: string;
  env: Record<string, string>;
  make: string[];
  artifact: string;
  binaryName: string;
  patch?: { name: string; root: string; digest: string };
  /** What the verifier expects of a nokmem binary of this version. */
  fsPackage: string;
  marker: boolean;
  /** Final output directory of this build. */
  outputDir: string;
  /** Key of this build's inputs in the result cache. */
  cacheKey: string;
  /** Whether packages follow the binary. */
  package: boolean;
  /** Where libcontainer sits in the tree (inspected after checkout). */
  libcontainerRoot: string;
  layout: 'gopath' | 'modules';
  fork?: {
    name: string;
    patches: ForkPatch[];
    claims?: string;
    method?: 'source-patch' | 'build-tag';
    packageName: string;
  };
}

export interface BuildContext {
  request: BuildRequest;
  deps: Deps;
  plan?: BuildPlan;
  sources?: SourceCache;
  /** A cached result for identical inputs, if any. */
  cachedResult?: string;
  workspace?: string;
  tree?: string;
  applied?: AppliedPatch;
  binary?: string;
  /** `go version` of the builder image, as it reported it. */
  goUsed?: string;
  verdict?: Verdict;
  record?: BuildRecord;
  inspection?: import('./inspect-tree.js').TreeInspection;
  /** What the checked-out tree says about the Go it needs. */
  treeToolchain?: TreeToolchainFacts;
  /** Committer time of the source commit: SOURCE_DATE_EPOCH of the packages. */
  commitTime?: number;
  modules?: VendoredModule[];
  signingKey?: SigningKey;
  /** Directory where the packages and attestations of this run are assembled. */
  packageDir?: string;
  packageKey?: string;
  cachedPackages?: string;
}

export interface BuildRecord {
  schema: 'nokmem/build-record@1';
  component: Component;
  version: string;
  source: { repository: string; tag: string; commit: string; pinned: boolean; commitTime: number };
  method: Exclude<BuildPlan['method'], 'from-tree'>;
  reason: string;
  inspection?: { method: string; evidence: string };
  fork?: { name: string; patches: { file: string; sha256: string; url?: string }[]; binary: string; package: string };
  patch: { recipe: string; recipeDigest: string; diffDigest: string; file: string } | null;
  go: { upstream: string; used: string };
  /** Which toolchain built the binary and why; the tree's own needs; a risk the user accepted. */
  toolchain?: {
    image: string;
    go: string;
    why: string;
    tree: TreeToolchainFacts;
    expected: ToolchainNeeds;
    risk?: string;
  };
  image: { reference: string; id: string };
  flags: { make: string[]; env: Record<string, string> };
  files: Record<string, { sha256: string; size: number }>;
  verification: Verdict;
  builtAt: string;
  nokmem: string;
}
