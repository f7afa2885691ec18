// The setup of the packaging steps' unit tests: a context as the binary phase and the signing key step leave it
// (a verified result in the result cache with its build record, a signing key held by a packager session), with
// a FakeDocker as that session and a deps Docker that answers nothing, so every command a step issues is one the
// packager session was scripted for. No Docker, no network.

import { factsOf } from '../../src/steps/build-facts.ts';
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Artifact, BuildContext, BuildRecord, BuildRequest, Plan } from '../../src/context.ts';
import { NOKMEM_VERSION } from '../../src/meta.ts';
import type { SigningKey } from '../../src/signing.ts';
import { type ContainerScript, FakeDocker } from './fakes.ts';
import { buildRequest, newResults, plan, tempDir, testDeps, testWorkspace } from './steps.ts';

export const FPR = 'D0D777394E3F2397D2D44B41D52D9CC9255CE5C7';
export const COMMIT = '4fc53a81fb7c994640722ac585fa9ca548971871';
export const COMMIT_TIME = 1519252845;
export const PUBLIC_KEY = '-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmQINBGV0ZXN0\n-----END PGP PUBLIC KEY BLOCK-----\n';
export const SIGNATURE = '-----BEGIN PGP SIGNATURE-----\n\niQIzBAABCAAd\n-----END PGP SIGNATURE-----\n';
/** The bytes of the verified binary: a static 64-bit ELF (its header and one PT_LOAD), then its own bytes. */
export const BINARY = staticElf('nokmem runc');

export function staticElf(content: string): Buffer {
  const header = Buffer.alloc(64 + 56);
  header.writeUInt32BE(0x7f454c46, 0);
  header[4] = 2; // 64-bit
  header[5] = 1; // little-endian
  header[6] = 1;
  header.writeBigUInt64LE(64n, 0x20); // program headers right after the ELF header
  header.writeUInt16LE(56, 0x36);
  header.writeUInt16LE(1, 0x38);
  header.writeUInt32LE(1, 64); // PT_LOAD, no PT_INTERP: static
  return Buffer.concat([header, Buffer.from(content)]);
}

/** A build record of runc v1.0.0-rc5 as store result writes it, for the given binary. */
export function buildRecord(p: Plan, binary: Buffer, overrides: Partial<BuildRecord> = {}): BuildRecord {
  return {
    schema: 'nokmem/build-record@1',
    component: p.component,
    version: p.version.tag,
    source: {
      repository: 'https://github.com/opencontainers/runc',
      tag: p.version.tag,
      commit: COMMIT,
      pinned: true,
      commitTime: COMMIT_TIME,
    },
    method: 'source-patch',
    reason: 'rc2-rc5 enable kmem for every new memory cgroup',
    patch: {
      recipe: 'patches/libcontainer-nokmem.yaml',
      recipeDigest: `sha256:${'cd'.repeat(32)}`,
      diffDigest: `sha256:${'0e'.repeat(32)}`,
      file: 'nokmem.patch',
    },
    go: { upstream: '1.10', used: '1.19.8' },
    toolchain: {
      image: 'nokmem-builder:debian-go1.19',
      go: '1.19.8',
      why: 'test',
      tree: {},
      expected: {} as NonNullable<BuildRecord['toolchain']>['expected'],
    },
    image: { reference: 'nokmem-builder:debian-go1.19', id: `sha256:${'ab'.repeat(32)}` },
    flags: { make: ['static', 'BUILDTAGS=seccomp'], env: { GOPATH: '/go' } },
    files: {
      [p.binaryName]: {
        sha256: createHash('sha256').update(binary).digest('hex'),
        size: binary.length,
      },
    },
    verification: {
      ok: true,
      checks: [
        { name: 'kmem symbols', status: 'pass', detail: 'no kmem limit set' },
        { name: 'EL7 glibc', status: 'pass', detail: 'static' },
      ],
    },
    builtAt: '2024-01-01T00:00:00Z',
    nokmem: NOKMEM_VERSION,
    ...overrides,
  };
}

/** A signing key held by `packager` (a FakeDocker standing in for the packager session), as the step makes it. */
export function signingKeyOf(
  packager: FakeDocker,
  scratch: string,
  passphrase?: string,
): SigningKey & { readies: number } {
  const key = {
    fingerprint: FPR,
    publicKeyArmored: PUBLIC_KEY,
    development: false,
    hasPassphrase: passphrase !== undefined,
    passphrase,
    image: 'nokmem-builder:debian-go1.19',
    packager,
    scratch,
    readies: 0,
    ready: async () => {
      key.readies++;
    },
    dispose: async () => {},
  };
  return key;
}

export interface PackagingSetup {
  root: string;
  request: BuildRequest;
  plan: Plan;
  ctx: BuildContext;
  results: BuildContext['results'];
  /** The packager session: every container the packaging steps run. */
  packager: FakeDocker;
  key: SigningKey & { readies: number };
  /** The run's workspace (made by the signing key step in a real run). */
  workspace: string;
  /** The verified result's files in the result cache. */
  result: Artifact[];
  /** Every line the steps logged, info and warnings. */
  logged: string[];
}

/**
 * The context after the binary phase and the signing key step: the verified result (binary, build record,
 * modules) in the result cache, the record and modules set, the key and its packager session set.
 */
export async function packaging(
  options: {
    containers?: readonly ContainerScript[];
    passphrase?: string;
    record?: Partial<BuildRecord>;
    request?: Parameters<typeof buildRequest>[1];
  } = {},
): Promise<PackagingSetup> {
  const root = await tempDir('nokmem-packaging-');
  const request = buildRequest(root, options.request);
  const p = await plan(request);
  const results = newResults();
  const workspaceDir = path.join(root, 'cache', 'work', 'run');
  await mkdir(workspaceDir, { recursive: true });
  const workspace = testWorkspace(request, workspaceDir);
  const dir = path.join(root, 'cache', 'builds', p.cacheKey);
  await mkdir(dir, { recursive: true });
  const record = buildRecord(p, BINARY, options.record);
  const result: Artifact[] = [
    { name: p.binaryName, path: path.join(dir, p.binaryName), kind: 'binary' },
    { name: 'nokmem.patch', path: path.join(dir, 'nokmem.patch'), kind: 'patch' },
    { name: 'build-record.json', path: path.join(dir, 'build-record.json'), kind: 'build-record' },
    { name: 'modules.json', path: path.join(dir, 'modules.json'), kind: 'modules' },
  ];
  await writeFile(result[0]!.path, BINARY);
  await writeFile(result[1]!.path, '--- a/memory.go\n+++ b/memory.go\n');
  await writeFile(result[2]!.path, `${JSON.stringify(record, null, 2)}\n`);
  await writeFile(result[3]!.path, '[]\n');
  // the binary phase as a cached build leaves it: the binary, what was built, its record and result files
  results.binary.set('binary', result[0]!.path);
  results.binary.set('facts', factsOf(record));
  results.binary.set('record', record);
  results.binary.set('result', result);
  results.binary.set('modules', []);
  const packager = new FakeDocker({ engine: '27.0.0', containers: options.containers ?? [] });
  const key = signingKeyOf(packager, workspaceDir, options.passphrase);
  results.packages.set('signingKey', Promise.resolve(key));
  results.packages.set('packager', packager.asSession());
  const deps = testDeps(undefined, new FakeDocker({ engine: '27.0.0', containers: [] }));
  const logged: string[] = [];
  deps.log = {
    ...deps.log,
    info: (m: string) => void logged.push(m),
    warn: (m: string) => void logged.push(`warning: ${m}`),
  };
  const ctx: BuildContext = { request, deps, plan: p, results, workspace };
  await workspace.dir();
  return { root, request, plan: p, ctx, results, packager, key, workspace: workspaceDir, result, logged };
}
