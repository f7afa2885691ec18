// The setup of the step unit tests: a request as the command line would make it, deps with the fakes, a plan
// made by the real planning steps, and a tree made from the runc fixture of one era. No Docker, no network.

import { cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DockerEngine } from '../../src/docker.ts';
import {
  type BuildRequest,
  type Deps,
  type Plan,
  type Preflighted,
  type RequestCommon,
  type ResolvedPlan,
  newBuildResults,
  type TreeDecision,
  type UpstreamResolved,
} from '../../src/context.ts';
import type { ReleaseVersion } from '../../src/version.ts';
import { RunWorkspace } from '../../src/workspace.ts';
import { silentLogger } from '../../src/log.ts';
import { DEFAULT_PATCHES_DIR, DEFAULT_SPECS_DIR } from '../../src/specs.ts';
import { resolve } from '../../src/steps/resolve.ts';
import { parseVersion } from '../../src/version.ts';
import { FakeDocker, type FakeRunner, fakeRunner } from './fakes.ts';

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures');

const made: string[] = [];

/** A temporary directory, removed by removeTempDirs (each test file calls it in after()). */
export async function tempDir(prefix = 'nokmem-step-'): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}

export async function removeTempDirs(): Promise<void> {
  for (const dir of made.splice(0)) await rm(dir, { recursive: true, force: true });
}

/** An upstream request by default; `{ fork: name, version: undefined }` makes it a fork's. */
export function buildRequest(
  root: string,
  overrides: Partial<RequestCommon> &
    ({ version?: ReleaseVersion; fork?: undefined } | { fork: string; version: undefined }) = {},
): BuildRequest {
  return {
    component: 'runc',
    version: parseVersion('runc', 'v1.0.0-rc5'),
    forksFile: path.join(DEFAULT_SPECS_DIR, 'forks.yaml'),
    outDir: path.join(root, 'out'),
    cacheDir: path.join(root, 'cache'),
    specsDir: DEFAULT_SPECS_DIR,
    patchesDir: DEFAULT_PATCHES_DIR,
    force: false,
    writePin: false,
    dryRun: false,
    functional: true,
    package: true,
    packagerImage: 'nokmem-builder:debian-go1.19',
    signing: {},
    releaseIteration: 1,
    allowToolchainRisk: false,
    provenance: { builderId: 'urn:nokmem:builder:test' },
    ...overrides,
  } as BuildRequest;
}

export interface TestDeps extends Deps {
  runner: FakeRunner;
  fake: FakeDocker;
  warnings: string[];
}

export function testDeps(runner = fakeRunner(), fake = new FakeDocker()): TestDeps {
  const warnings: string[] = [];
  return {
    runner,
    fake,
    docker: fake as DockerEngine,
    log: { ...silentLogger, warn: (m: string) => void warnings.push(m) },
    warnings,
  };
}

/** The resolved plan of a request, made by the real resolve step (specs/ of this repository). */
export async function resolved(request: BuildRequest, deps: Deps = testDeps()): Promise<ResolvedPlan> {
  return resolve(request, deps);
}

/** A whole plan for steps after preflight, without running preflight (no engine here). */
export async function plan(request: BuildRequest, overrides: Partial<Preflighted> = {}): Promise<Plan> {
  return Object.freeze({
    ...(await resolved(request)),
    image: 'nokmem-builder:debian-go1.19',
    imageId: `sha256:${'ab'.repeat(32)}`,
    toolchain: { image: 'nokmem-builder:debian-go1.19', go: '1.19.8', why: 'test' },
    cacheKey: 'c'.repeat(32),
    prerequisites: [],
    ...overrides,
  });
}

export const newResults = () => newBuildResults();

/** The runc fixture tree of one era (base files, then the era's own), as check out would write it. */
export async function runcTree(era: string, into: string): Promise<string> {
  await cp(path.join(FIXTURES, 'runc/base'), into, { recursive: true });
  await cp(path.join(FIXTURES, 'runc/eras', era), into, { recursive: true, force: true });
  return into;
}

/** The plan, which the test expects to be an upstream release's (it fails otherwise). */
export function upstreamOf<P extends ResolvedPlan>(p: P): Extract<P, { kind: 'upstream' }> {
  if (p.kind !== 'upstream') throw new Error(`expected an upstream plan, got a ${p.kind}'s`);
  return p as Extract<P, { kind: 'upstream' }>;
}

/** The plan, which the test expects to be a fork's (it fails otherwise). */
export function forkPlanOf<P extends ResolvedPlan>(p: P): Extract<P, { kind: 'fork' }> {
  if (p.kind !== 'fork') throw new Error(`expected a fork's plan, got an ${p.kind} one`);
  return p as Extract<P, { kind: 'fork' }>;
}

/** The tree inspection's decision for an upstream plan whose tree agrees (what inspect tree would set). */
export function agreedDecision(p: UpstreamResolved & Partial<Preflighted>): TreeDecision {
  return {
    inspection: { method: 'source-patch', evidence: 'Apply calls it', marker: false, layout: 'gopath' },
    recipe: p.recipe,
    toolchain: p.toolchain,
    treeToolchain: {},
  };
}

/** A run workspace as the pipeline makes it (under the request's cache), or a fixed directory. */
export function testWorkspace(request: BuildRequest, fixed?: string): RunWorkspace {
  return new RunWorkspace(async () => {
    if (fixed) return fixed;
    await mkdir(path.join(request.cacheDir, 'work'), { recursive: true });
    return mkdtemp(path.join(request.cacheDir, 'work', 'test-'));
  });
}
