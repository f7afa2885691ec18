// The signing key step (src/steps/signing-key.ts) with a fake Docker standing in for the packager image's gpg:
// which key it prepares (the configured one, or the cache's development key with a plain warning), the packager
// session it opens for packaging, signing and the package proofs, and that a key that cannot sign stops the run
// with one line, sets nothing and leaves no packager container. test/integration/signing.test.ts runs real gpg.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ContainerRun } from '../../../src/docker.ts';
import { InputError } from '../../../src/errors.ts';
import { GNUPG } from '../../../src/gpg.ts';
import { DEV_KEY_NOTICE, WRONG_PASSPHRASE } from '../../../src/signing.ts';
import { signingKey } from '../../../src/steps/signing-key.ts';
import { FakeDocker } from '../../helpers/fakes.ts';
import { type HostTestKey, makeHostTestKey } from '../../helpers/host-gpg.ts';
import {
  buildRequest,
  newResults,
  plan,
  removeTempDirs,
  tempDir,
  testDeps,
  testWorkspace,
} from '../../helpers/steps.ts';

const PASSPHRASE = 'correct horse battery staple';

// A throwaway key, made for this run with the host's gpg (no key material lives in the repository): the fake
// packager image answers with its fingerprint and armored parts, as gpg would.
let key: HostTestKey | undefined;
let FPR = '';
let PUBLIC = '';
let PRIVATE = '';
before(async () => {
  key = await makeHostTestKey({ passphrase: PASSPHRASE });
  ({ fingerprint: FPR, armoredPublic: PUBLIC } = key);
  PRIVATE = `${key.armoredPrivate}\n`; // as gpg prints it, ending in a newline
});
after(async () => {
  await key?.dispose();
  await removeTempDirs();
});

/** `gpg --with-colons --list-secret-keys` of the key. */
const listing = () =>
  [
    `sec:u:2048:1:${FPR.slice(-16)}:1700000000:::u:::scESC:::+:::23::0:`,
    `fpr:::::::::${FPR}:`,
    'uid:u::::1700000000::ABCDEF::nokmem test <t@example.org>::::::::::0:',
  ].join('\n');

/**
 * The packager image's gpg: the preflight script answers as gpg would for the key and passphrase on its stdin
 * (`unlock` says whether the test signature works), and the development key script makes or reads a key.
 */
function gpgImage(unlock: (passphrase: string) => boolean) {
  return new FakeDocker({
    engine: '27.0.0',
    containers: [
      {
        command: ['sh', '-c', /== unlock/],
        result: (spec: ContainerRun) => {
          const [passphrase = ''] = String(spec.input).split('\n');
          return {
            stdout: `== keys\n${listing()}\n== unlock\nexit=${unlock(passphrase) ? 0 : 2}\n== public\n${PUBLIC}`,
          };
        },
      },
      {
        command: ['sh', '-c', /== secret/],
        result: { stdout: `== keys\n${listing()}\n== secret\n${PRIVATE}== public\n${PUBLIC}` },
      },
    ],
  });
}

/** A build request with the given signing configuration, the step's context and what its log said. */
async function context(signing: { armoredKey?: string; passphrase?: string }, fake: FakeDocker, pkg = true) {
  const root = await tempDir();
  const request = buildRequest(root, { signing, package: pkg });
  const deps = testDeps(undefined, fake);
  const info: string[] = [];
  deps.log = { ...deps.log, info: (m: string) => void info.push(m) };
  const results = newResults();
  const workspace = testWorkspace(request);
  const p = await plan(request);
  return { ctx: { request, deps, plan: p, results, workspace }, results, info, root, fake, deps, p };
}

describe('signing key', () => {
  it('prepares the configured key: the passphrase reaches gpg on stdin only, never an argument or a log line', async () => {
    const { ctx, results, info, fake, deps, root, p } = await context(
      { armoredKey: PRIVATE, passphrase: PASSPHRASE },
      gpgImage((given) => given === PASSPHRASE),
    );
    await signingKey.run(ctx);

    const key = await results.packages.get('signingKey');
    assert.equal(key.fingerprint, FPR);
    assert.equal(key.publicKeyArmored, PUBLIC);
    assert.equal(key.development, false);
    assert.equal(key.hasPassphrase, true);
    assert.equal(key.image, ctx.request.packagerImage);
    // the packager session is the one later steps use: packaging, signing and the package proofs
    assert.equal(results.packages.get('packager'), key.packager);
    assert.deepEqual(info, [`  key ${FPR}`]);
    assert.deepEqual(deps.warnings, []);

    // one throwaway container checked the key (nothing imported into the session until something is signed)
    const [check] = fake.runs;
    assert.equal(fake.runs.length, 1);
    assert.equal(check?.image, ctx.request.packagerImage);
    assert.equal(check?.input, `${PASSPHRASE}\n${PRIVATE}`);
    assert.equal(check?.env?.GNUPGHOME, GNUPG);
    for (const run of fake.runs) {
      assert.ok(!run.command.some((a) => a.includes(PASSPHRASE) || a.includes('PRIVATE KEY')), 'no secret argument');
      assert.ok(!JSON.stringify(run.env ?? {}).includes(PASSPHRASE), 'no secret in the environment');
    }
    assert.ok(!info.some((l) => l.includes(PASSPHRASE)));

    // the session: the workspace writable (signing copies packages through it), the result cache read-only, and
    // the GNUPGHOME on a tmpfs of the container
    const workspace = ctx.workspace.made();
    assert.equal(key.scratch, workspace);
    const [session] = fake.sessions;
    assert.equal(fake.sessions.length, 1);
    assert.equal(session?.image, ctx.request.packagerImage);
    assert.deepEqual(
      session?.roots.map((m) => [m.host, m.readOnly]),
      [
        [workspace, false],
        [path.join(root, 'cache', 'builds'), true],
      ],
    );
    assert.ok(path.join(root, 'cache', 'builds', p.cacheKey).startsWith(session!.roots[1]!.host));
    assert.deepEqual(session?.tmpfs, [GNUPG]);
    assert.equal(session?.closed, false, 'open for the steps after it');
    assert.equal(results.packages.has('packages'), false);
  });

  it('without a key: the development key of the cache, with the warning that the packages are not for production', async () => {
    const { ctx, results, info, fake, deps, root } = await context(
      {},
      gpgImage(() => true),
    );
    await signingKey.run(ctx);

    // the cache holds no key yet: it is made while the build runs, and the packaging steps await it
    assert.deepEqual(info, ['  a development key (NOT FOR PRODUCTION) is being made while the build runs']);
    assert.equal(fake.sessions.length, 1);
    const key = await results.packages.get('signingKey');
    assert.equal(key.development, true);
    assert.equal(key.hasPassphrase, false);
    assert.equal(key.fingerprint, FPR);
    assert.deepEqual(deps.warnings, [DEV_KEY_NOTICE]);
    await new Promise((done) => setImmediate(done));
    assert.deepEqual(info.slice(1), [`  development key ${FPR} made (NOT FOR PRODUCTION)`], 'said when it is ready');
    // made once, kept in the cache, readable by its owner only
    const dir = path.join(root, 'cache', 'dev-signing-key');
    assert.equal(await readFile(path.join(dir, 'dev-signing-key.asc'), 'utf8'), PRIVATE);
    assert.equal((await stat(path.join(dir, 'dev-signing-key.asc'))).mode & 0o777, 0o600);
    assert.deepEqual(JSON.parse(await readFile(path.join(dir, 'dev-signing-key.json'), 'utf8')), {
      fingerprint: FPR,
      publicKeyArmored: PUBLIC,
    });
    assert.equal(fake.runs.length, 1);

    // the next run reads it from the cache: no container to know its facts
    const none = new FakeDocker();
    const again = newResults();
    const later: string[] = [];
    const deps2 = testDeps(undefined, none);
    deps2.log = { ...deps2.log, info: (m: string) => void later.push(m) };
    await signingKey.run({ ...ctx, deps: deps2, results: again, workspace: testWorkspace(ctx.request) });
    assert.deepEqual(later, [`  key ${FPR} (development key, NOT FOR PRODUCTION)`]);
    assert.equal((await again.packages.get('signingKey')).fingerprint, FPR);
    assert.equal((await again.packages.get('signingKey')).publicKeyArmored, PUBLIC);
    assert.deepEqual(none.runs, []);
  });

  it('the development key is kept where the signing config says (the data directory), and one an earlier nokmem kept in the cache is moved there, not made again', async () => {
    const { ctx, root } = await context(
      {},
      gpgImage(() => true),
    );
    const dataKeys = path.join(root, 'data', 'dev-signing-key');
    const inCache = path.join(ctx.request.cacheDir, 'dev-signing-key');
    await mkdir(inCache, { recursive: true });
    await writeFile(path.join(inCache, 'dev-signing-key.asc'), PRIVATE, { mode: 0o600 });
    await writeFile(
      path.join(inCache, 'dev-signing-key.json'),
      JSON.stringify({ fingerprint: FPR, publicKeyArmored: PUBLIC }),
    );
    const none = new FakeDocker();
    const results = newResults();
    const said: string[] = [];
    const deps = testDeps(undefined, none);
    deps.log = { ...deps.log, info: (m: string) => void said.push(m) };
    const request = { ...ctx.request, signing: { devKeyDir: dataKeys } };
    await signingKey.run({ ...ctx, request, deps, results, workspace: testWorkspace(request) });
    assert.equal((await results.packages.get('signingKey')).fingerprint, FPR, 'the same key signs');
    assert.deepEqual(none.runs, [], 'nothing made, nothing asked');
    assert.equal(await readFile(path.join(dataKeys, 'dev-signing-key.asc'), 'utf8'), PRIVATE);
    assert.equal((await stat(path.join(dataKeys, 'dev-signing-key.asc'))).mode & 0o777, 0o600);
    assert.ok(!existsSync(inCache), 'no second copy of the private key is left in the cache');
    assert.match(said[0] ?? '', /the development key moved from .*cache.* to .*data/);
    assert.deepEqual(said.slice(1), [`  key ${FPR} (development key, NOT FOR PRODUCTION)`]);
  });

  it('a development key that cannot be made fails where it is awaited, with its cause; nothing kept', async () => {
    const broken = new FakeDocker({
      engine: '27.0.0',
      containers: [{ command: ['sh', '-c', /== secret/], result: { exitCode: 2, stderr: 'gpg: agent_genkey failed' } }],
    });
    const { ctx, results } = await context({}, broken);
    await signingKey.run(ctx); // the compile would run now: the failure waits for the step that needs the key
    await new Promise((done) => setImmediate(done));
    await assert.rejects(results.packages.get('signingKey'), /agent_genkey failed/);
    // the packager container stays (the verify step may be using it): the run's end closes it (pipeline.test.ts)
    assert.equal(broken.sessions[0]?.closed, false);
    assert.ok(!existsSync(path.join(ctx.request.cacheDir, 'dev-signing-key', 'dev-signing-key.asc')));
  });

  it('a wrong passphrase stops the run with one line naming the fix; nothing set, the packager session closed', async () => {
    const { ctx, results, info, fake } = await context(
      { armoredKey: PRIVATE, passphrase: 'not it' },
      gpgImage((given) => given === PASSPHRASE),
    );
    await assert.rejects(signingKey.run(ctx), (e: unknown) => {
      assert.ok(e instanceof InputError);
      assert.equal(e.message, WRONG_PASSPHRASE);
      assert.ok(!e.message.includes('not it'));
      return true;
    });
    assert.equal(results.packages.has('signingKey'), false);
    assert.equal(results.packages.has('packager'), false);
    assert.deepEqual(info, []);
    assert.equal(fake.sessions[0]?.closed, true);
    // no development key was made in its place
    assert.ok(!existsSync(path.join(ctx.request.cacheDir, 'dev-signing-key')));
  });

  it('a protected key without a passphrase says which variable to set', async () => {
    const { ctx, results } = await context(
      { armoredKey: PRIVATE },
      gpgImage((given) => given === PASSPHRASE),
    );
    await assert.rejects(signingKey.run(ctx), {
      name: 'InputError',
      message: 'the signing key is protected by a passphrase; set NOKMEM_SIGNING_PASSPHRASE',
    });
    assert.equal(results.packages.has('signingKey'), false);
  });

  it('is skipped with --no-package, and writes (not in a dry run)', async () => {
    const off = await context({}, new FakeDocker(), false);
    assert.equal(signingKey.skip?.(off.ctx), 'packaging turned off (--no-package)');
    const on = await context({}, new FakeDocker());
    assert.equal(signingKey.skip?.(on.ctx), undefined);
    assert.equal(signingKey.writes, true);
  });
});
