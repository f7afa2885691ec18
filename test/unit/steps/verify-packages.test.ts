// The verify packages step (src/steps/verify-packages.ts) with a fake packager session standing in for rpm,
// rpmkeys and gpg: the signed packages are verified as the output will be written (packages, attestations and the
// verified result, staged together) against the key this run signed with, held outside what is verified; the
// packaged binary byte-identical to the verified one carries its proof, another is proven again; a failed check is
// one line naming it, and nothing the step staged is left behind. test/integration/packages.test.ts runs the real tools.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { sha256sums } from '../../../src/attest.ts';
import type { Artifact } from '../../../src/context.ts';
import type { ContainerRun } from '../../../src/docker.ts';
import { VerificationFailed } from '../../../src/errors.ts';
import { verifyPackages } from '../../../src/steps/verify-packages.ts';
import type { ContainerScript } from '../../helpers/fakes.ts';
import { BINARY, FPR, PUBLIC_KEY, SIGNATURE, packaging } from '../../helpers/package-steps.ts';
import { removeTempDirs } from '../../helpers/steps.ts';

after(removeTempDirs);

const RPM = 'runc-nokmem-1.0.0~rc5-1.x86_64.rpm';
const SHORT = FPR.slice(-8).toLowerCase();

interface Packaged {
  /** What rpmkeys says of the package's signature. */
  signature?: 'valid' | 'another key';
  /** Whether gpg finds SHA256SUMS.asc a valid signature by the key. */
  sumsSigned?: boolean;
  /** The binary inside the package (the verified one unless given). */
  binary?: string | Buffer;
}

/** What the packager session sees while the step verifies: the key it was given, and the staged directory. */
interface Seen {
  trustedKey?: string;
  trustedKeyPath?: string;
  staged?: string;
  stagedFiles?: string[];
}

/** rpm, rpmkeys and gpg in the packager session, answering for a package that holds the verified binary. */
function packagerTools(packaged: Packaged, seen: Seen): ContainerScript[] {
  return [
    {
      command: ['gpg', '--batch', '--with-colons', '--show-keys'],
      result: async (spec: ContainerRun) => {
        seen.trustedKeyPath = spec.mounts[0]!.host;
        seen.trustedKey = await readFile(seen.trustedKeyPath, 'utf8');
        return { stdout: `pub:-:4096:1:D52D9CC9255CE5C7:1700000000:::-:::scESC::::::23::0:\nfpr:::::::::${FPR}:\n` };
      },
    },
    {
      command: ['sh', '-c', /rpm2cpio/],
      result: async (spec: ContainerRun) => {
        const [rpm, , extract] = spec.mounts;
        seen.staged = path.dirname(rpm!.host);
        const binary = path.join(extract!.host, 'usr/libexec/runc-nokmem/runc');
        await mkdir(path.dirname(binary), { recursive: true });
        await writeFile(binary, packaged.binary ?? BINARY);
        const key = packaged.signature === 'another key' ? '0badc0de' : SHORT;
        return {
          stdout: [
            '== query',
            'name=runc-nokmem',
            'version=1.0.0~rc5',
            'release=1',
            'compressor=xz',
            `v4=RSA/SHA256, Thu Feb 22 2018, Key ID ${key}`,
            `v3=RSA/SHA256, Thu Feb 22 2018, Key ID ${key}`,
            '== requires',
            'rpmlib(CompressedFileNames) <= 3.0.4-1',
            'rpmlib(PayloadIsXz) <= 5.2-1',
            '== signature',
            `${rpm!.container}:`,
            ...(packaged.signature === 'another key'
              ? [`    Header V4 RSA/SHA256 Signature, key ID ${key}: NOKEY`, 'exit=1']
              : [
                  `    Header V4 RSA/SHA256 Signature, key ID ${key}: OK`,
                  '    Header SHA256 digest: OK',
                  `    V4 RSA/SHA256 Signature, key ID ${key}: OK`,
                  'exit=0',
                ]),
            '== extract',
            'exit=0',
            '',
          ].join('\n'),
        };
      },
    },
    {
      when: (spec) => spec.command.includes('verify-signature'),
      result: async () => {
        seen.stagedFiles = (await readdir(seen.staged!)).sort();
        return {
          stdout:
            packaged.sumsSigned === false
              ? '[GNUPG:] BADSIG D52D9CC9255CE5C7 nokmem\n'
              : `[GNUPG:] GOODSIG D52D9CC9255CE5C7 nokmem\n[GNUPG:] VALIDSIG ${FPR} 2018-02-22 1519252845\n`,
        };
      },
    },
  ];
}

/** The context after sign and attest: the signed package and its attestations in the run's package directory. */
async function verifying(packaged: Packaged = {}, request?: NonNullable<Parameters<typeof packaging>[0]>['request']) {
  const seen: Seen = {};
  const s = await packaging({ containers: packagerTools(packaged, seen), request });
  const dir = path.join(s.workspace, 'packages');
  await mkdir(dir, { recursive: true });
  const made: Artifact[] = [];
  for (const [name, kind, content] of [
    [RPM, 'rpm', 'signed rpm'],
    ['runc-v1.0.0-rc5.spdx.json', 'sbom', '{}\n'],
    ['RPM-GPG-KEY-nokmem', 'public-key', PUBLIC_KEY],
    ['runc-v1.0.0-rc5.provenance.json', 'provenance', '{}\n'],
  ] as const) {
    await writeFile(path.join(dir, name), content);
    made.push({ name, path: path.join(dir, name), kind });
  }
  const covered = [...made, ...s.result.filter((a) => a.kind !== 'modules')].map((a) => a.path);
  await writeFile(path.join(dir, 'SHA256SUMS'), await sha256sums(covered));
  await writeFile(path.join(dir, 'SHA256SUMS.asc'), SIGNATURE);
  made.push(
    { name: 'SHA256SUMS', path: path.join(dir, 'SHA256SUMS'), kind: 'sums' },
    { name: 'SHA256SUMS.asc', path: path.join(dir, 'SHA256SUMS.asc'), kind: 'sums-signature' },
  );
  s.results.packages.set('packages', made);
  return { ...s, dir, seen };
}

/** What the step leaves in the workspace besides what it was given (the packages dir). */
const leftOver = async (workspace: string) => (await readdir(workspace)).filter((n) => n !== 'packages');

describe('verify packages', () => {
  it('passes the signed packages, staged with the verified result, against the key this run signed with', async () => {
    const s = await verifying();
    await verifyPackages.run(s.ctx);

    // staged as the output will be written: the packages, attestations and the result's files (not the modules)
    assert.deepEqual(s.seen.stagedFiles, [
      'RPM-GPG-KEY-nokmem',
      'SHA256SUMS',
      'SHA256SUMS.asc',
      'build-record.json',
      'nokmem.patch',
      'runc',
      RPM,
      'runc-v1.0.0-rc5.provenance.json',
      'runc-v1.0.0-rc5.spdx.json',
    ]);
    assert.ok(s.packager.writable.includes(s.seen.staged!), 'the staged copy is handed to the container user');
    // the trusted key is the one the run holds, kept outside what is verified
    assert.equal(s.seen.trustedKey, PUBLIC_KEY);
    assert.ok(!s.seen.trustedKeyPath!.startsWith(`${s.seen.staged}${path.sep}`));
    assert.equal(path.dirname(s.seen.trustedKeyPath!), s.workspace);

    // every check is printed; the packaged binary is the verified one, so it carries that proof
    assert.ok(
      s.logged.some((l) => /^ {2}pass {4}runc-nokmem-1\.0\.0~rc5-1\.x86_64\.rpm signature: /.test(l)),
      s.logged.join('\n'),
    );
    assert.ok(s.logged.some((l) => /kmem symbols: .*byte-identical to the one this build verified/.test(l)));
    assert.ok(s.logged.some((l) => /^ {2}pass {4}SHA256SUMS signature: signed by /.test(l)));
    assert.ok(!s.logged.some((l) => / fail /.test(l)));

    // all in the packager session; nothing the step staged is left; nothing is set (store packages keeps them)
    assert.equal((s.ctx.deps.docker as unknown as { runs: unknown[] }).runs.length, 0);
    assert.deepEqual(await leftOver(s.workspace), []);
    assert.equal(s.results.packages.has('cachedPackages'), false);
    assert.ok(!existsSync(s.request.outDir));
  });

  it('a packaged binary other than the verified one carries no proof: it is proven again from its own bytes', async () => {
    const other = Buffer.concat([Buffer.from(BINARY), Buffer.from('other bytes')]);
    const s = await verifying({ binary: other }, { functional: false });
    const e = await verifyPackages.run(s.ctx).catch((error: unknown) => error);
    // its checks were run anew on these bytes (the fake answers none of the probes, so they fail), not carried over
    assert.ok(e instanceof VerificationFailed, String(e));
    assert.match(
      e.message,
      /^the packages failed verification: 2 of 10 checks failed \(version string, kmem symbols\);/,
    );
    assert.ok(!s.logged.some((l) => /byte-identical/.test(l)), s.logged.join('\n'));
    assert.ok(s.logged.some((l) => /^ {2}fail {4}\S+ version string: runc --version failed/.test(l)));
    assert.ok(s.logged.some((l) => /^ {2}pass {4}\S+ no kmem file name: /.test(l)));
    assert.deepEqual(await leftOver(s.workspace), []);
    assert.ok(!existsSync(s.request.outDir));
  });

  it('a package signed by another key fails in one line naming the check; nothing is written, nothing staged left', async () => {
    const s = await verifying({ signature: 'another key' });
    await assert.rejects(verifyPackages.run(s.ctx), (e: unknown) => {
      assert.ok(e instanceof VerificationFailed);
      assert.equal(e.message.split('\n').length, 1);
      assert.match(e.message, /^the packages failed verification: .*signature/);
      assert.ok(e.message.endsWith(`; nothing was written to ${s.request.outDir}`), e.message);
      assert.deepEqual([...new Set(e.failed.map((c) => c.name))], ['signature']);
      return true;
    });
    // an untrusted payload is never executed: the proofs are not run
    assert.ok(
      s.logged.some((l) => /skipped .* nokmem proof: not run: the package is not signed by the project key/.test(l)),
    );
    assert.deepEqual(await leftOver(s.workspace), []);
    assert.ok(!existsSync(s.request.outDir));
  });

  it('SHA256SUMS that does not match the staged output, or whose signature is bad, fails naming it', async () => {
    const s = await verifying({ sumsSigned: false });
    await writeFile(s.result.find((a) => a.kind === 'build-record')!.path, '{"changed": true}\n');
    await assert.rejects(verifyPackages.run(s.ctx), (e: unknown) => {
      assert.ok(e instanceof VerificationFailed);
      assert.deepEqual(
        e.failed.map((c) => [c.name, c.detail.replace(/[0-9a-f]{64}/g, '…')]),
        [
          ['SHA256SUMS', 'build-record.json has sha256 …, SHA256SUMS says …'],
          ['SHA256SUMS signature', `SHA256SUMS.asc is not a valid signature by ${FPR.slice(-16)}`],
        ],
      );
      return true;
    });
    assert.deepEqual(await leftOver(s.workspace), []);
  });

  it('a build record without the binary it names is a bug, before anything is staged', async () => {
    const s = await verifying();
    const record = s.results.binary.get('record');
    delete (record.files as Record<string, unknown>).runc;
    await assert.rejects(verifyPackages.run(s.ctx), /bug: the build record has no runc/);
    assert.deepEqual(await leftOver(s.workspace), []);
    assert.deepEqual(s.packager.runs, []);
  });

  it('is skipped when the packages are cached (they were verified when stored)', async () => {
    const s = await verifying();
    assert.equal(verifyPackages.skip?.(s.ctx), undefined);
    s.results.packages.set('cachedPackages', '/cache/packages/k');
    assert.equal(verifyPackages.skip?.(s.ctx), 'packages cached');
  });
});
