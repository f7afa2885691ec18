// Runs the real CLI as a user would (a child process, the compiled JavaScript), and the shared setup of the integration tests:
// fixture upstreams made by the tests, a specs directory pinned to their commits, one cache for all builds.

import assert from 'node:assert/strict';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import YAML from 'yaml';
import { type FixtureUpstream, makeKubernetesUpstream, makeRuncUpstream } from '../fixtures/upstream.ts';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** The builder image the tests build with: the offline one that scripts/setup.sh makes. */
export const TEST_IMAGE = process.env.NOKMEM_TEST_IMAGE ?? 'nokmem-builder:debian-go1.19';
/**
 * The builder image of the kubelet tests. A kubelet links with cgo, as upstream links it: built against bookworm's
 * glibc 2.36 it needs GLIBC_2.34, which EL7 lacks; bullseye's glibc 2.31 (with Go 1.15) gives what EL7 has.
 */
export const KUBELET_TEST_IMAGE = process.env.NOKMEM_TEST_KUBELET_IMAGE ?? 'nokmem-builder:debian-go1.15';

/** The compiled CLI the tests run, as a user does: `npm ci` (prepare) and `npm run compile` make it. */
export const CLI = path.join(ROOT, 'dist/cli.js');
/** Written by `npm run compile` after tsc succeeds: the time of the last compile. */
const COMPILED_STAMP = path.join(ROOT, 'dist/.compiled');

let compiledChecked = false;

/**
 * The path of the compiled CLI, once it is known to be newer than every source file: a test never runs stale
 * output beside changed TypeScript.
 */
export function compiledCli(): string {
  if (compiledChecked) return CLI;
  const stamp = existsSync(COMPILED_STAMP) && existsSync(CLI) ? statSync(COMPILED_STAMP).mtimeMs : undefined;
  if (stamp === undefined)
    throw new Error(
      `${path.relative(ROOT, CLI)} is missing: run \`npm run compile\` (npm ci does it) before the tests`,
    );
  const newer = sourceFiles(path.join(ROOT, 'src')).filter((f) => statSync(f).mtimeMs > stamp);
  if (newer.length > 0)
    throw new Error(
      `dist/ is older than ${newer.map((f) => path.relative(ROOT, f)).join(', ')}: run \`npm run compile\` (npm test and npm run test:unit do it first)`,
    );
  compiledChecked = true;
  return CLI;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : [],
  );
}

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export async function nokmem(
  args: string[],
  env: Record<string, string> = {},
  options: { timeoutMs?: number } = {},
): Promise<CliResult> {
  const r = await execa('node', [compiledCli(), ...args], {
    cwd: ROOT,
    reject: false,
    env: { NOKMEM_BUILDER_IMAGE: '', ...env },
    timeout: options.timeoutMs ?? 600_000,
  });
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

const FAIL_ROW = /^\s*FAIL\s+(\S.*?)\s{2,}(.*)$/gm;

/** The failed rows of the check tables a verification printed on stdout, each as "name: detail". */
export function failedRows(stdout: string): string[] {
  return [...stdout.matchAll(FAIL_ROW)].map((m) => `${m[1]}: ${m[2]}`);
}

/**
 * A failed verification printed its checks once: each failed check in its table on stdout and nowhere else (not
 * again in the error message), and stderr ends with one short line.
 */
export function assertReportedOnce(r: CliResult): void {
  const rows = [...r.stdout.matchAll(FAIL_ROW)];
  assert.ok(rows.length > 0, `no failed check in the table:\n${r.stdout}`);
  const outsideTable = r.stdout.split('\n').filter((l) => !/^\s*(PASS|FAIL|SKIPPED)\s/.test(l));
  for (const [, , detail] of rows) {
    assert.ok(!outsideTable.some((l) => l.includes(detail!)), `printed again on stdout: ${detail}`);
    assert.ok(!r.stderr.includes(detail!), `printed again on stderr: ${detail}`);
  }
  const last = r.stderr.trimEnd().split('\n').pop() ?? '';
  assert.ok(last.length < 200, `the last line is ${last.length} characters: ${last}`);
}

export interface Workbench {
  root: string;
  runc: FixtureUpstream;
  kubernetes: FixtureUpstream;
  specs: string;
  cache: string;
  /** Common options: the test specs, the shared cache and the test image. */
  common: string[];
  out(name: string): string;
  cleanup(): Promise<void>;
}

/** Docker and the builder image are requirements of these tests, never a reason to skip them. */
export async function requireDocker(): Promise<void> {
  for (const image of [TEST_IMAGE, KUBELET_TEST_IMAGE]) {
    const info = await execa('docker', ['image', 'inspect', image], { reject: false });
    if (info.exitCode !== 0) {
      throw new Error(
        `the integration tests need a running Docker engine with ${image}: run \`sudo bash scripts/setup.sh\` first (${String(info.stderr).trim()})`,
      );
    }
  }
}

/**
 * specs/versions.yaml as the fixture trees make it true: the fixtures are hand-written, vendor no reflect2 and state
 * their own minimum Go (the real trees' expectations stay in the real file, checked by the real kubelet test), so
 * the toolchain rule lets the tests build them with the test image's Go and the tree check has the last word. A
 * minimum that the tree compares as strings stays: no image here passes it, as no image passes the real trees'.
 */
async function fixtureVersionTable(): Promise<string> {
  const doc = YAML.parseDocument(await readFile(path.join(ROOT, 'specs/versions.yaml'), 'utf8'), { merge: true });
  for (const component of ['runc', 'kubelet']) {
    const toolchains = doc.getIn([component, 'toolchains']);
    if (YAML.isSeq(toolchains))
      for (const t of toolchains.items)
        if (YAML.isMap(t))
          // a minimum compared as strings (kubelet 1.8/1.9) is what refuses every Go here: the fixtures say it too
          for (const fact of t.has('goCheck') ? ['reflect2'] : ['reflect2', 'minimum']) t.delete(fact);
  }
  return doc.toString({ lineWidth: 0 });
}

export async function workbench(
  pins: (runc: FixtureUpstream, kube: FixtureUpstream) => Record<string, Record<string, string>>,
): Promise<Workbench> {
  await requireDocker();
  const root = await mkdtemp(path.join(os.tmpdir(), 'nokmem-it-'));
  const runc = await makeRuncUpstream(path.join(root, 'upstream'));
  const kubernetes = await makeKubernetesUpstream(path.join(root, 'upstream'));
  const specs = path.join(root, 'specs');
  await mkdir(specs);
  await writeFile(path.join(specs, 'versions.yaml'), await fixtureVersionTable());
  await copyFile(path.join(ROOT, 'specs/toolchains.yaml'), path.join(specs, 'toolchains.yaml'));
  await writeFile(
    path.join(specs, 'pins.yaml'),
    `# pins of the test upstreams\n${YAML.stringify(pins(runc, kubernetes))}`,
  );
  const cache = path.join(root, 'cache');
  return {
    root,
    runc,
    kubernetes,
    specs,
    cache,
    common: ['--specs', specs, '--cache-dir', cache, '--image', TEST_IMAGE],
    out: (name) => path.join(root, 'out', name),
    cleanup: async () => {
      if (!process.env.NOKMEM_KEEP_TEST_FILES) await rm(root, { recursive: true, force: true });
    },
  };
}

export function exists(p: string): boolean {
  return existsSync(p);
}

/**
 * Builds a tag of a fixture upstream by hand, without nokmem (no patch, no tag), the way a user would: the
 * baseline the verifier must catch. Returns the tree; the binary is where the project's Makefile puts it.
 */
export async function buildByHand(
  upstream: string,
  tag: string,
  tree: string,
  importPath: string,
  make: string[],
  env: Record<string, string> = {},
  options: { image?: string; goCache?: string; goCacheInTree?: string } = {},
): Promise<string> {
  await mkdir(tree, { recursive: true });
  await execa('sh', ['-c', 'git -C "$1" archive "$2" | tar -x -C "$3"', 'sh', upstream, tag, tree]);
  if (options.goCacheInTree) await mkdir(path.join(tree, options.goCacheInTree), { recursive: true });
  await execa('chown', ['-R', '10001:10001', tree]);
  const mount = `/go/src/${importPath}`;
  const cache = options.goCache ? { GOCACHE: '/gocache' } : {};
  const envArgs = Object.entries({ HOME: '/tmp', GOPATH: '/go', GO111MODULE: 'off', ...cache, ...env }).flatMap(
    ([k, v]) => ['-e', `${k}=${v}`],
  );
  const cacheMount = options.goCache
    ? [
        '-v',
        `${options.goCache}:/gocache`,
        ...(options.goCacheInTree ? ['-v', `${options.goCache}:${mount}/${options.goCacheInTree}`] : []),
      ]
    : [];
  await execa('docker', [
    'run',
    '--rm',
    '--network',
    'none',
    '--user',
    '10001:10001',
    ...envArgs,
    '-v',
    `${tree}:${mount}`,
    ...cacheMount,
    '-w',
    mount,
    options.image ?? TEST_IMAGE,
    'make',
    ...make,
  ]);
  return tree;
}
