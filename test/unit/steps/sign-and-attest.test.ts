// The sign and attest step (src/steps/sign-and-attest.ts) with a fake packager session: the RPM is signed in the
// session that holds the key (the passphrase on stdin only), the attestations describe the signed package and the
// verified binary, SHA256SUMS covers every file of the output and is signed, and the packages are set once, in
// order, only when all of that worked. test/integration/packages.test.ts runs the real rpmsign and gpg.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { parseSha256sums, sha256 } from '../../../src/attest.ts';
import type { ContainerRun } from '../../../src/docker.ts';
import { CommandFailed, StepBug } from '../../../src/errors.ts';
import { GNUPG } from '../../../src/gpg.ts';
import { signAndAttest } from '../../../src/steps/sign-and-attest.ts';
import { runSteps } from '../../../src/step.ts';
import type { ContainerScript } from '../../helpers/fakes.ts';
import { BINARY, FPR, PUBLIC_KEY, SIGNATURE, packaging } from '../../helpers/package-steps.ts';
import { removeTempDirs } from '../../helpers/steps.ts';

after(removeTempDirs);

const PASSPHRASE = 'correct horse battery staple';
const RPM = 'runc-nokmem-1.0.0~rc5-1.x86_64.rpm';
const GO_VERSION = [
  '/host/bin/runc: go1.19.8',
  '\tpath\tgithub.com/opencontainers/runc',
  '\tdep\tgithub.com/sirupsen/logrus\tv1.0.5',
  '',
].join('\n');

const signs = (spec: ContainerRun) => spec.command.includes('rpmsign');
const detachedSigns = (spec: ContainerRun) => spec.command.includes('--detach-sign');

/** The packager session: rpmsign rewrites the packages it is given (or fails), gpg signs SHA256SUMS. */
function session(
  rpmsign: 'signs' | 'fails' = 'signs',
  detached: 'signs' | 'makes nothing' = 'signs',
): ContainerScript[] {
  return [
    {
      when: signs,
      result: async (spec) => {
        if (rpmsign === 'fails') return { exitCode: 1, stderr: 'gpg: signing failed: Bad passphrase' };
        const dir = spec.mounts[0]!.host;
        for (const f of await readdir(dir)) await writeFile(path.join(dir, f), `signed ${f}`);
        return {};
      },
    },
    { command: ['go', 'version', '-m'], result: { stdout: GO_VERSION } },
    { when: detachedSigns, result: { stdout: detached === 'signs' ? SIGNATURE : '' } },
  ];
}

/** The context after package RPM: the unsigned package in the run's package directory. */
async function signing(containers = session(), passphrase: string | null = PASSPHRASE) {
  const s = await packaging({ containers, passphrase: passphrase ?? undefined });
  const dir = s.results.packages.set('packageDir', path.join(s.workspace, 'packages'));
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, RPM), 'unsigned rpm');
  s.results.packages.set('rpm', { name: RPM, path: path.join(dir, RPM), kind: 'rpm' });
  return { ...s, dir };
}

describe('sign and attest', () => {
  it('signs the RPM, writes SBOM, public key, provenance and signed SHA256SUMS, and sets them as the packages', async () => {
    const s = await signing();
    await signAndAttest.run(s.ctx);
    const base = 'runc-v1.0.0-rc5';

    assert.deepEqual(
      s.results.packages.get('packages').map((a) => [a.name, a.kind, a.path]),
      [
        [RPM, 'rpm'],
        [`${base}.spdx.json`, 'sbom'],
        ['RPM-GPG-KEY-nokmem', 'public-key'],
        [`${base}.provenance.json`, 'provenance'],
        ['SHA256SUMS', 'sums'],
        ['SHA256SUMS.asc', 'sums-signature'],
      ].map(([name, kind]) => [name, kind, path.join(s.dir, name!)]),
    );
    assert.deepEqual(
      (await readdir(s.dir)).sort(),
      s.results.packages
        .get('packages')
        .map((a) => a.name)
        .sort(),
    );
    assert.equal(await readFile(path.join(s.dir, RPM), 'utf8'), `signed ${RPM}`);
    assert.equal(await readFile(path.join(s.dir, 'RPM-GPG-KEY-nokmem'), 'utf8'), PUBLIC_KEY);
    assert.equal(await readFile(path.join(s.dir, 'SHA256SUMS.asc'), 'utf8'), SIGNATURE);
    // the signing scratch copy is gone from the workspace
    assert.deepEqual(
      (await readdir(s.workspace)).filter((n) => n.startsWith('.sign-')),
      [],
    );

    // SHA256SUMS: every file of the output — the signed package, the attestations, and the verified result (not
    // the module list, which is not output)
    const sums = parseSha256sums(await readFile(path.join(s.dir, 'SHA256SUMS'), 'utf8'));
    assert.deepEqual(
      [...sums.keys()].sort(),
      [
        RPM,
        `${base}.spdx.json`,
        'RPM-GPG-KEY-nokmem',
        `${base}.provenance.json`,
        'runc',
        'nokmem.patch',
        'build-record.json',
      ].sort(),
    );
    assert.equal(sums.get(RPM), sha256(`signed ${RPM}`));
    assert.equal(sums.get('runc'), sha256(BINARY));

    // provenance: the signed package and the verified binary, by this run's builder
    const statement = JSON.parse(await readFile(path.join(s.dir, `${base}.provenance.json`), 'utf8'));
    assert.deepEqual(statement.subject, [
      { name: RPM, digest: { sha256: sha256(`signed ${RPM}`) } },
      { name: 'runc', digest: { sha256: sha256(BINARY) } },
    ]);
    const text = JSON.stringify(statement);
    assert.ok(text.includes('urn:nokmem:builder:test'), 'the builder id of the request');
    assert.ok(text.includes(`urn:nokmem:build:${s.plan.cacheKey}`), 'the invocation id made of the cache key');
    // the SBOM names the verified binary by its sha256 and the modules its Go build information lists
    const sbom = await readFile(path.join(s.dir, `${base}.spdx.json`), 'utf8');
    assert.ok(sbom.includes(sha256(BINARY)));
    assert.ok(sbom.includes('github.com/sirupsen/logrus'));
  });

  it('every command runs in the packager session; the passphrase reaches the signing ones on stdin only', async () => {
    const s = await signing();
    await signAndAttest.run(s.ctx);
    assert.equal((s.ctx.deps.docker as unknown as { runs: unknown[] }).runs.length, 0);
    assert.equal(s.key.readies, 2, 'the key is made ready for each signing operation');
    // the Go build information is read while the packages are signed; the detached signature comes last
    const rpmsign = s.packager.runs.find(signs);
    const goVersion = s.packager.runs.find((r) => r.command[0] === 'go');
    const detached = s.packager.runs.at(-1);
    assert.equal(s.packager.runs.length, 3);

    assert.ok(rpmsign && signs(rpmsign));
    assert.equal(rpmsign.needsSession, true);
    assert.equal(rpmsign.input, `${PASSPHRASE}\n`);
    assert.deepEqual(rpmsign.env, { GNUPGHOME: GNUPG });
    assert.ok(rpmsign.command.includes(`_gpg_name ${FPR}`));
    assert.equal(rpmsign.command.at(-1), `${rpmsign.mounts[0]!.container}/${RPM}`);

    // reading the Go build information needs no key: the binary read-only, no stdin
    assert.deepEqual(goVersion?.command.slice(0, 3), ['go', 'version', '-m']);
    assert.deepEqual(
      goVersion?.mounts.map((m) => [m.host, m.readOnly]),
      [[s.result[0]!.path, true]],
    );
    assert.equal(goVersion?.input, undefined);

    assert.ok(detached && detachedSigns(detached));
    assert.equal(detached.needsSession, true);
    assert.equal(String(detached.input), `${PASSPHRASE}\n${await readFile(path.join(s.dir, 'SHA256SUMS'), 'utf8')}`);
    assert.equal(detached.command[detached.command.indexOf('--local-user') + 1], FPR);

    for (const run of s.packager.runs) {
      assert.ok(!run.command.some((a) => a.includes(PASSPHRASE)), `no passphrase in ${run.purpose}'s command`);
      assert.ok(!JSON.stringify(run.env ?? {}).includes(PASSPHRASE), `no passphrase in ${run.purpose}'s env`);
    }
    assert.ok(!s.logged.some((l) => l.includes(PASSPHRASE)));
    for (const a of s.results.packages.get('packages'))
      assert.ok(!(await readFile(a.path, 'utf8')).includes(PASSPHRASE), `no passphrase in ${a.name}`);
  });

  it('a key without a passphrase: nothing precedes what the signing commands read', async () => {
    const s = await signing(session(), null);
    await signAndAttest.run(s.ctx);
    const rpmsign = s.packager.runs.find(signs);
    const detached = s.packager.runs.at(-1);
    assert.equal(rpmsign?.input, undefined);
    assert.equal(String(detached?.input), await readFile(path.join(s.dir, 'SHA256SUMS'), 'utf8'));
  });

  it('a failed rpmsign sets no packages and writes no attestation; the package stays unsigned, no scratch copy left', async () => {
    const s = await signing(session('fails'));
    await assert.rejects(signAndAttest.run(s.ctx), (e: unknown) => {
      assert.ok(e instanceof CommandFailed);
      assert.match(e.message, /sign the packages/);
      assert.ok(!e.message.includes(PASSPHRASE));
      return true;
    });
    assert.equal(s.results.packages.has('packages'), false);
    assert.deepEqual(await readdir(s.dir), [RPM]);
    assert.equal(await readFile(path.join(s.dir, RPM), 'utf8'), 'unsigned rpm');
    assert.deepEqual(
      (await readdir(s.workspace)).filter((n) => n.startsWith('.sign-')),
      [],
    );
  });

  it('gpg answering without a signature of SHA256SUMS is a bug of the step; no packages are set, no .asc written', async () => {
    const s = await signing(session('signs', 'makes nothing'));
    await assert.rejects(
      runSteps([signAndAttest], s.ctx, { dryRun: false, log: s.ctx.deps.log }),
      (e: unknown) => e instanceof StepBug && /sign and attest/.test(e.message),
    );
    assert.equal(s.results.packages.has('packages'), false);
    assert.ok(!existsSync(path.join(s.dir, 'SHA256SUMS.asc')));
  });

  it('is skipped when the packages are cached', async () => {
    const s = await signing();
    assert.equal(signAndAttest.skip?.(s.ctx), undefined);
    s.results.packages.set('cachedPackages', '/cache/packages/k');
    assert.equal(signAndAttest.skip?.(s.ctx), 'packages cached');
  });
});
