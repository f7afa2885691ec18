// The plan of a build, as a value: what resolve makes of the request (from specs/ and, for an unpinned tag, the
// remote), then what preflight adds once it has checked this machine. Made once, before any long work, and
// read-only from then on. An upstream release and a fork of runc are two kinds: the compiler knows which fields
// each has (a fork has no method or recipe of its own until its tree is inspected, see TreeDecision).

import type { Era, Linkage, PatchRecipe } from './specs.js';
import type { ToolchainChoice, ToolchainNeeds } from './toolchain.js';
import type { Component, ReleaseVersion } from './version.js';

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

/** What both kinds of plan know after resolve. */
interface ResolvedCommon {
  readonly component: Component;
  /** The release's version; for a fork, the version it ships (specs/forks.yaml). */
  readonly version: ReleaseVersion;
  readonly source: PinnedSource;
  /** Why this method: the era's reason, why --force built an unaffected version, or the fork's description. */
  readonly reason: string;
  readonly era: Era;
  readonly goVersion: string;
  /** What this version is expected to need of Go (specs/versions.yaml); the tree inspection has the last word. */
  readonly toolchainNeeds: ToolchainNeeds;
  /** How upstream links the binary and why (specs/versions.yaml); the tree inspection checks it against the tree. */
  readonly link: Linkage;
  /** What the binary prints as its version (without "v"); the tree's VERSION file must agree (runc). */
  readonly reportsVersion: string;
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
}

/** An upstream release: specs/ give the method and the recipe, and the tree must agree. */
export interface UpstreamResolved extends ResolvedCommon {
  readonly kind: 'upstream';
  readonly method: Recipe['method'];
  readonly recipe: Recipe;
  /** For a version nothing safe can build: which later versions the table calls not affected. */
  readonly laterUnaffected?: string;
}

/** A fork of runc built by commit: its tree decides the method (TreeDecision.recipe). */
export interface ForkResolved extends ResolvedCommon {
  readonly kind: 'fork';
  readonly fork: ForkPlan;
  /** The patch recipe the fork gets if its tree turns out to need the source patch. */
  readonly forkPatchRecipe: PatchRef;
}

/** What resolve makes of the request. Read-only. */
export type ResolvedPlan = UpstreamResolved | ForkResolved;

/** Something the build needs on this machine; a dry run lists the missing ones instead of stopping. */
export interface Prerequisite {
  readonly what: string;
  readonly ok: boolean;
  readonly detail: string;
  /** What makes it, when it is missing. */
  readonly fix?: string;
}

/** What preflight adds, having checked the machine. */
export interface Preflighted {
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

/** The whole plan: resolved, then checked against this machine by preflight. Read-only once made. */
export type Plan = ResolvedPlan & Preflighted;

/** "runc v1.0.0-rc5", or "fork docker-ce-18.09.2": how logs and messages name what is built. */
export const planTitle = (plan: ResolvedPlan): string =>
  plan.kind === 'fork' ? `fork ${plan.fork.name}` : `${plan.component} ${plan.version.tag}`;

/** The fork a plan builds, if it builds one. */
export const forkOf = (plan: ResolvedPlan): ForkPlan | undefined => (plan.kind === 'fork' ? plan.fork : undefined);
