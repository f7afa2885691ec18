// The build record: what was built, from what, how, with which toolchain, and how it was proven. Written beside
// the binary (build-record.json), kept with a cached result, and read by packaging and the attestations.

import type { Linkage } from './specs.js';
import type { BehaviourDifference } from './toolchain-behaviour.js';
import type { ToolchainNeeds, TreeToolchainFacts } from './toolchain.js';
import type { Verdict } from './verify/verdict.js';
import type { Component } from './version.js';

export interface BuildRecord {
  schema: 'nokmem/build-record@1';
  component: Component;
  version: string;
  source: { repository: string; tag: string; commit: string; pinned: boolean; commitTime: number };
  method: 'source-patch' | 'build-tag' | 'none';
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
    /** Where this Go behaves unlike upstream's, and what restores it. */
    behaviour?: BehaviourDifference[];
    /** What the package sets to restore upstream's behaviour (GODEBUG in the kubelet's unit). */
    restoreEnv?: Record<string, string>;
  };
  /** How the binary is linked, why (specs/), and what the tree's own build scripts said. */
  link?: Linkage & { tree: string };
  image: { reference: string; id: string };
  flags: { make: string[]; env: Record<string, string> };
  files: Record<string, { sha256: string; size: number }>;
  verification: Verdict;
  builtAt: string;
  nokmem: string;
}

/** What a build made and how, known once the binary exists: its record without its files, proofs and time. */
export type BuildFacts = Omit<BuildRecord, 'files' | 'verification' | 'builtAt' | 'nokmem'>;
