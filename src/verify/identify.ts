// Which binary is this? A bare runc or kubelet is identified from the file itself, never by running it on the
// host: the main package's import path in the Go build info or in the source file names of the function table
// says runc or kubelet; the version and commit come from the build info's -ldflags (-X main.version=...,
// -X .../version.gitVersion=..., recorded by Go 1.18 and later) or, for older binaries, from `--version` run in a
// throwaway container (src/verify/index.ts, runVersion). A commit of specs/forks.yaml makes it that fork; a release
// version puts it in its era of specs/versions.yaml. What --runc/--kubelet claim is only checked against it.

import { readFile } from 'node:fs/promises';
import type { DockerEngine } from '../docker.js';
import { InputError, PinMismatch } from '../errors.js';
import { forCommit } from '../forks.js';
import { type ForkSpecs, type VersionTable, eraFor, fsPackageFor, reportedVersion } from '../specs.js';
import { type Component, type ReleaseVersion, parseVersion } from '../version.js';
import { type VersionRun, runVersion } from './index.js';
import type { StaticExpectations } from './static-proof.js';

/** The main package of each component, as the Go toolchain names it. */
const MAIN_PACKAGE: Record<Component, string> = {
  runc: 'github.com/opencontainers/runc',
  kubelet: 'k8s.io/kubernetes/cmd/kubelet',
};

/** What the file says about itself. */
export interface FileFacts {
  component: Component;
  /** Where the component was read, for people. */
  evidence: string;
  /** From the build info's -ldflags (Go 1.18+), when the build set them. */
  version?: string;
  commit?: string;
}

// The build info (runtime/debug.BuildInfo) sits in the binary between these two sentinels (cmd/go modload).
const INFO_START = Buffer.from('3077af0c9274080241e1c107e6d618e6', 'hex');
const INFO_END = Buffer.from('f932433186182072008242104116d8f2', 'hex');

/** The build info's text ("path\t...\nbuild\t-ldflags=...\n"), or undefined when the binary has none. */
export function buildInfoText(bytes: Buffer): string | undefined {
  for (let at = bytes.indexOf(INFO_START); at >= 0; at = bytes.indexOf(INFO_START, at + 1)) {
    const end = bytes.indexOf(INFO_END, at + INFO_START.length);
    if (end < 0) return undefined;
    const text = bytes.subarray(at + INFO_START.length, end).toString('utf8');
    if (/^path\t/m.test(text)) return text;
  }
  return undefined;
}

/** The -X assignments of the build info's -ldflags line: variable -> value. */
export function linkerVariables(info: string): Map<string, string> {
  const vars = new Map<string, string>();
  const line = /^build\t-ldflags=(.*)$/m.exec(info)?.[1] ?? '';
  for (const m of line.matchAll(/-X[= ]'?([\w./-]+)=([^\s'"\\]*)/g)) vars.set(m[1]!, m[2]!);
  return vars;
}

function fromBuildInfo(info: string): FileFacts | undefined {
  const main = /^path\t(\S+)$/m.exec(info)?.[1];
  const component = (Object.keys(MAIN_PACKAGE) as Component[]).find((c) => MAIN_PACKAGE[c] === main);
  if (!component) return undefined;
  const vars = linkerVariables(info);
  const pick = (re: RegExp) => [...vars].find(([name, value]) => re.test(name) && value)?.[1];
  const [version, commit] =
    component === 'runc'
      ? [pick(/^main\.version$/), pick(/^main\.gitCommit$/)]
      : [pick(/(^|\/)version\.gitVersion$/), pick(/(^|\/)version\.gitCommit$/)];
  return { component, evidence: `its Go build info names the main package ${main}`, version, commit };
}

/** A source file of `pkg` itself (not of a package under it) in the function table's file names. */
function sourceFileOf(bytes: Buffer, pkg: string): string | undefined {
  const needle = Buffer.from(`${pkg}/`);
  for (let at = bytes.indexOf(needle); at >= 0; at = bytes.indexOf(needle, at + 1)) {
    const before = at === 0 ? 0 : bytes[at - 1];
    if (before !== 0 && before !== 0x2f /* / */) continue;
    const rest = bytes.subarray(at + needle.length, at + needle.length + 128).toString('latin1');
    const file = /^[\w.-]+\.go(?=\0|$)/.exec(rest)?.[0];
    if (file) return `${pkg}/${file}`;
  }
  return undefined;
}

/**
 * The component a binary is, from its bytes alone: the build info's main package, or else a source file of the
 * main package in the function table (binaries of Go before 1.18 built outside modules have no build info path).
 * A binary that links runc's libcontainer (kubelet, containerd) has files under runc's packages, never in runc's
 * main package, which cannot be imported.
 */
export function identifyFile(bytes: Buffer): FileFacts | undefined {
  const info = buildInfoText(bytes);
  const byInfo = info ? fromBuildInfo(info) : undefined;
  if (byInfo) return byInfo;
  const found = (Object.keys(MAIN_PACKAGE) as Component[])
    .map((component) => ({ component, file: sourceFileOf(bytes, MAIN_PACKAGE[component]) }))
    .filter((f) => f.file);
  if (found.length !== 1) return undefined;
  return { component: found[0]!.component, evidence: `it is compiled from ${found[0]!.file}` };
}

/** The version and commit in what `runc --version` / `kubelet --version` printed (lines may be joined by "; "). */
export function readVersionOutput(component: Component, text: string): { version?: string; commit?: string } {
  const version =
    component === 'kubelet' ? /Kubernetes (v[^\s;]+)/.exec(text)?.[1] : /runc version ([^\s;]+)/.exec(text)?.[1];
  const commit = component === 'runc' ? /commit:\s*([0-9a-f]{7,40}(?:-dirty)?)/i.exec(text)?.[1] : undefined;
  return { version, commit };
}

/** A release version of the component exactly (no "+dev", no "-dirty"), or undefined. */
export function releaseOf(component: Component, version: string | undefined): ReleaseVersion | undefined {
  const shape = component === 'runc' ? /^v?(1\.0\.0-rc\d+|\d+\.\d+\.\d+)$/ : /^v\d+\.\d+\.\d+$/;
  if (!version || !shape.test(version)) return undefined;
  return parseVersion(component, version.startsWith('v') ? version : `v${version}`);
}

/** What a binary was identified as, and what a nokmem build of it must show. */
export interface Identity {
  component: Component;
  /** The version as a tag (v-prefixed); `--version` prints it, or `version` where specs/ say otherwise. */
  tag: string;
  /** What `--version` must print where it is not the tag's (runc v1.0.0-rc90 prints 1.0.0-rc10). */
  version?: string;
  commit?: string;
  /** The specs/forks.yaml entry whose commit it reports. */
  fork?: string;
  expect: StaticExpectations;
  /** How it was identified, for people. */
  by: string;
}

export interface Claim {
  component: Component;
  version: ReleaseVersion;
}

/**
 * Places a binary's component, version and commit: a commit of specs/forks.yaml's forks makes it that fork (built
 * as `nokmem build --fork` builds it); a release version its era. Undefined when it is neither.
 */
export function place(
  component: Component,
  reported: { version?: string; commit?: string },
  specs: { table: VersionTable; forks: ForkSpecs },
  by: string,
): Identity | undefined {
  const spec = specs.table[component];
  const hit = component === 'runc' && reported.commit ? forCommit(specs.forks, reported.commit) : undefined;
  if (hit?.kind === 'fork') {
    const v = hit.fork.version;
    return {
      component,
      tag: v.startsWith('v') ? v : `v${v}`,
      commit: reported.commit,
      fork: hit.name,
      expect: { fsPackage: spec.libcontainerPackage, marker: false },
      by: `${by}; commit ${reported.commit} is specs/forks.yaml's ${hit.name}`,
    };
  }
  const release = releaseOf(component, reported.version);
  if (!release) return undefined;
  const era = eraFor(spec, release);
  return {
    component,
    tag: release.tag,
    commit: reported.commit,
    expect: { fsPackage: fsPackageFor(spec, era), marker: era?.marker ?? false },
    by,
  };
}

/** The expectations of a release the user named, for a binary that cannot say what it is. */
export function claimed(claim: Claim, table: VersionTable, by: string, commit?: string): Identity {
  const spec = table[claim.component];
  const era = eraFor(spec, claim.version);
  return {
    component: claim.component,
    tag: claim.version.tag,
    version: reportedVersion(spec, claim.version.tag),
    ...(commit ? { commit } : {}),
    expect: { fsPackage: fsPackageFor(spec, era), marker: era?.marker ?? false },
    by,
  };
}

/** A claim must name what the binary is: the same component and the same version. */
export function checkClaim(target: string, found: { component: Component; tag?: string }, claim: Claim | undefined) {
  if (!claim) return;
  const what = `${found.component}${found.tag ? ` ${found.tag}` : ''}`;
  if (found.component !== claim.component || (found.tag !== undefined && found.tag !== claim.version.tag))
    throw new PinMismatch(
      `${target} is ${what}, not the ${claim.component} ${claim.version.tag} that --${claim.component} claims`,
    );
}

export interface IdentifyTools {
  docker: DockerEngine;
  /** The image `--version` runs in, when the file does not record its version. */
  toolImage: string;
}

/**
 * Identifies a binary (see the top of this file). With a claim, a binary the file cannot identify is taken to be
 * what the claim says (the checks then tell); without one, it is an InputError naming the options to give.
 * `versionRun` is what `--version` printed, when identifying it ran that (verifyBinary then does not run it again).
 */
export async function identifyBinary(
  binary: string,
  target: string,
  specs: { table: VersionTable; forks: ForkSpecs },
  tools: IdentifyTools,
  claim?: Claim,
): Promise<{ identity: Identity; versionRun?: VersionRun }> {
  const ask = 'pass --runc VERSION or --kubelet VERSION to say what it is';
  const file = identifyFile(await readFile(binary));
  if (!file && !claim)
    throw new InputError(`${target} is not a Go binary of runc or kubelet that nokmem can recognise; ${ask}`);
  if (file) checkClaim(target, { component: file.component }, claim);
  const component = file?.component ?? claim!.component;
  let reported: { version?: string; commit?: string } = file ?? {};
  let by = file?.evidence ?? `--${component} says so`;
  let versionRun: VersionRun | undefined;
  if (!reported.version) {
    versionRun = await runVersion(binary, component, tools.docker, tools.toolImage);
    reported = readVersionOutput(component, versionRun.stdout);
    if (reported.version) by += `; ${component} --version (run in a container) reports it`;
  } else by += ` and its -ldflags set the version`;
  // A release whose binary prints another release's version (runc v1.0.0-rc90 prints 1.0.0-rc10) is what it is claimed
  const prints =
    claim?.component === component ? reportedVersion(specs.table[component], claim.version.tag) : undefined;
  const printsAnother =
    prints !== undefined &&
    prints !== claim!.version.tag.replace(/^v/, '') &&
    prints === reported.version?.replace(/^v/, '');
  if (printsAnother)
    return {
      identity: claimed(
        claim!,
        specs.table,
        `${by}, which specs/versions.yaml says ${claim!.version.tag} prints`,
        reported.commit,
      ),
      versionRun,
    };
  const identity = place(component, reported, specs, by);
  if (identity) {
    checkClaim(target, identity, claim);
    return { identity, versionRun };
  }
  if (claim) {
    if (reported.version) checkClaim(target, { component, tag: `v${reported.version.replace(/^v/, '')}` }, claim);
    return { identity: claimed(claim, specs.table, `--${component} ${claim.version.tag}`), versionRun };
  }
  const says = reported.version
    ? `reports version ${reported.version}${reported.commit ? ` (commit ${reported.commit})` : ''}, which is neither a release in specs/versions.yaml nor a commit in specs/forks.yaml`
    : `does not report its version${versionRun?.stderr ? ` (${versionRun.stderr.trim().split('\n').pop()?.slice(0, 160)})` : ''}`;
  throw new InputError(`${target} is a ${component} that ${says}; ${ask}`);
}
