// The package cache (src/steps/reuse-cached-packages.ts): the package cache entry (packagesDir, src/steps/caches.ts)
// is a function of every packaging input (the build's cache key and proofs, the signing key, the release iteration),
// the same where store packages keeps new packages; a hit is a complete entry (its SHA256SUMS.asc is written last),
// and it sets the cached packages as typed artifacts. Only a cached build's packages are reused: a binary just
// compiled gets new packages.

import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import type { BuildRecord, BuildRequest } from '../../../src/context.ts';
import { StepSkipped } from '../../../src/errors.ts';
import type { SigningKey } from '../../../src/signing.ts';
import { packagesDir } from '../../../src/steps/caches.ts';
import { reuseCachedPackages } from '../../../src/steps/reuse-cached-packages.ts';
import type { Check } from '../../../src/verify/verdict.ts';
import {
  buildRequest,
  newResults,
  plan,
  removeTempDirs,
  tempDir,
  testDeps,
  testWorkspace,
} from '../../helpers/steps.ts';

after(removeTempDirs);

const FPR = 'D0D777394E3F2397D2D44B41D52D9CC9255CE5C7';
const PROOFS: Check[] = [
  { name: 'kmem symbols', status: 'pass', detail: 'none' },
  { name: 'functional (strace)', status: 'pass', detail: 'no kmem limit set' },
];

interface Inputs {
  root?: string;
  cacheKey?: string;
  fingerprint?: string;
  iteration?: number;
  checks?: Check[];
  pkg?: boolean;
  /** the binary was just compiled (no cached result) */
  compiled?: boolean;
}

/** The step's context after the binary phase and the signing key, for these packaging inputs. */
async function context(inputs: Inputs = {}) {
  const root = inputs.root ?? (await tempDir());
  const request: BuildRequest = buildRequest(root, {
    releaseIteration: inputs.iteration ?? 1,
    package: inputs.pkg ?? true,
  });
  const results = newResults();
  if (!inputs.compiled) results.binary.set('cachedResult', path.join(root, 'cache', 'builds', 'x'));
  results.binary.set('record', {
    verification: { ok: true, checks: inputs.checks ?? PROOFS },
  } as unknown as BuildRecord);
  results.packages.set('signingKey', Promise.resolve({ fingerprint: inputs.fingerprint ?? FPR } as SigningKey));
  const p = await plan(request, inputs.cacheKey ? { cacheKey: inputs.cacheKey } : {});
  const deps = testDeps();
  const info: string[] = [];
  deps.log = { ...deps.log, info: (m: string) => void info.push(m) };
  return { ctx: { request, deps, plan: p, results, workspace: testWorkspace(request) }, results, root, info };
}

/** The package key of these inputs: the name of their package cache entry. */
async function packageKey(inputs: Inputs = {}): Promise<string> {
  return path.basename(await packagesDir((await context(inputs)).ctx));
}

const PACKAGE_FILES = [
  'runc-nokmem-1.0.0~rc5-1.x86_64.rpm',
  'runc-v1.0.0-rc5.spdx.json',
  'runc-v1.0.0-rc5.provenance.json',
  'RPM-GPG-KEY-nokmem',
  'SHA256SUMS',
  'SHA256SUMS.asc',
];

describe('reuse cached packages', () => {
  it('a miss sets nothing (store packages keeps the new packages under the same key)', async () => {
    const { ctx, results } = await context();
    await assert.rejects(reuseCachedPackages.run(ctx), (e: unknown) => {
      assert.ok(e instanceof StepSkipped);
      assert.equal(e.reason, 'no earlier packages with identical inputs');
      return true;
    });
    assert.match(await packageKey(), /^[0-9a-f]{32}$/);
    assert.equal(results.packages.has('cachedPackages'), false);
    assert.equal(results.packages.has('packages'), false);
  });

  it('the key is the same for the same inputs, and changes with each packaging input', async () => {
    const base = await packageKey();
    assert.equal(await packageKey(), base, 'the same inputs in another cache: the same key');
    const changed = {
      'the binary': await packageKey({ cacheKey: 'd'.repeat(32) }),
      'the signing key': await packageKey({ fingerprint: 'F'.repeat(40) }),
      'the release iteration': await packageKey({ iteration: 2 }),
      // the packages' own verification ran with the binary's proofs: a stronger proof makes new packages
      'a proof': await packageKey({
        checks: [PROOFS[0]!, { name: 'functional (strace)', status: 'skipped', detail: '--no-functional' }],
      }),
    };
    for (const [input, key] of Object.entries(changed)) assert.notEqual(key, base, input);
    assert.equal(new Set(Object.values(changed)).size, 4);
  });

  it('a hit sets the cached entry and its packages and attestations by kind', async () => {
    const root = await tempDir();
    const key = await packageKey({ root });
    const dir = path.join(root, 'cache', 'packages', key);
    await mkdir(dir, { recursive: true });
    for (const name of PACKAGE_FILES) await writeFile(path.join(dir, name), name);

    const { ctx, results, info } = await context({ root });
    await reuseCachedPackages.run(ctx);
    assert.equal(results.packages.get('cachedPackages'), dir);
    assert.deepEqual(
      results.packages.get('packages').map((a) => [a.name, a.kind, a.path]),
      [
        ['RPM-GPG-KEY-nokmem', 'public-key'],
        ['SHA256SUMS', 'sums'],
        ['SHA256SUMS.asc', 'sums-signature'],
        ['runc-nokmem-1.0.0~rc5-1.x86_64.rpm', 'rpm'],
        ['runc-v1.0.0-rc5.provenance.json', 'provenance'],
        ['runc-v1.0.0-rc5.spdx.json', 'sbom'],
      ].map(([name, kind]) => [name, kind, path.join(dir, name!)]),
    );
    assert.deepEqual(info, [`  cache hit: ${dir}`]);
  });

  it('an entry without its SHA256SUMS.asc (written last) is not reused', async () => {
    const root = await tempDir();
    const key = await packageKey({ root });
    const dir = path.join(root, 'cache', 'packages', key);
    await mkdir(dir, { recursive: true });
    for (const name of PACKAGE_FILES.filter((n) => n !== 'SHA256SUMS.asc')) await writeFile(path.join(dir, name), name);
    const { ctx, results } = await context({ root });
    await assert.rejects(reuseCachedPackages.run(ctx), StepSkipped);
    assert.equal(results.packages.has('cachedPackages'), false);
    assert.equal(results.packages.has('packages'), false);
  });

  it('is skipped with --no-package, and for a binary just compiled (its packages are made while it is proven)', async () => {
    const { ctx } = await context({ pkg: false });
    assert.equal(reuseCachedPackages.skip?.(ctx), 'packaging turned off (--no-package)');
    assert.equal(reuseCachedPackages.skip?.((await context()).ctx), undefined);
    // even where an entry of the same inputs exists (the result cache lost the build it was made from)
    const root = await tempDir();
    const dir = path.join(root, 'cache', 'packages', await packageKey({ root }));
    await mkdir(dir, { recursive: true });
    for (const name of PACKAGE_FILES) await writeFile(path.join(dir, name), name);
    assert.equal(
      reuseCachedPackages.skip?.((await context({ root, compiled: true })).ctx),
      'the binary was just compiled: new packages are made',
    );
  });
});
