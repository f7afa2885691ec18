// Packages end to end: signed, EL7-compatible RPMs that the real dnf installs with gpgcheck=1, a verify that
// catches every tampering case with a message naming the problem, and reproducible packaging.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFile, mkdir, readFile, readdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { Docker } from '../../src/docker.ts';
import { silentLogger } from '../../src/log.ts';
import { buildRpm, signRpms } from '../../src/rpm/build.ts';
import type { SpecInputs } from '../../src/rpm/spec.ts';
import { realRunner } from '../../src/runner.ts';
import { type SigningKey, prepareSigningKey } from '../../src/signing.ts';
import {
  KUBELET_TEST_IMAGE,
  TEST_IMAGE,
  type Workbench,
  assertReportedOnce,
  buildByHand,
  exists,
  failedRows,
  nokmem,
  workbench,
} from '../helpers/cli.ts';
import { type TestKey, makeTestKey, signingEnv } from '../helpers/keys.ts';
import { EL7_GLIBC_PROVIDES } from '../helpers/el7.ts';

let wb: Workbench;
let projectKey: TestKey;
let otherKey: TestKey;
let runcOut: string;
let kubeOut: string;
const docker = new Docker(realRunner);
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

before(async () => {
  wb = await workbench((runc, kube) => ({
    runc: { 'v1.0.0-rc5': runc.tags['v1.0.0-rc5']! },
    kubelet: { 'v1.12.4': kube.tags['v1.12.4']! },
  }));
  [projectKey, otherKey] = await Promise.all([
    makeTestKey('nokmem test project key', 'correct horse battery'),
    makeTestKey('someone else', 'other pass phrase'),
  ]);
  runcOut = wb.out('pkg');
  kubeOut = wb.out('pkg');
});

after(async () => wb?.cleanup());

async function keyFor(key: TestKey, name: string): Promise<SigningKey> {
  const dir = path.join(wb.root, `keys-${name}`);
  await mkdir(dir, { recursive: true });
  return prepareSigningKey(
    { armoredKey: key.armoredPrivate, passphrase: key.passphrase },
    { docker, log: silentLogger, image: TEST_IMAGE, scratchRoot: dir, devKeyDir: path.join(dir, 'dev') },
  );
}

const rpmOf = async (dir: string) =>
  path.join(
    dir,
    (await readdir(dir)).find((f) => f.endsWith('.rpm'))!,
  );

describe('build with a signing key from the environment', () => {
  it('runc v1.0.0-rc5 and kubelet v1.12.4: signed RPMs, sums, SBOM, provenance; no secret in logs or artifacts', async () => {
    for (const args of [
      ['--runc', 'v1.0.0-rc5', '--remote', wb.runc.url],
      ['--kubelet', 'v1.12.4', '--remote', wb.kubernetes.url, '--image', KUBELET_TEST_IMAGE],
    ]) {
      // the command's own options come last, so they win over the common ones
      const r = await nokmem(['build', '--out', runcOut, ...wb.common, ...args], signingEnv(projectKey));
      assert.equal(r.exitCode, 0, r.stderr);
      assert.doesNotMatch(r.stderr, /NOT FOR PRODUCTION/);
      for (const text of [r.stdout, r.stderr]) {
        assert.ok(!text.includes(projectKey.passphrase), 'passphrase in the log');
        assert.ok(!text.includes('PRIVATE KEY BLOCK'), 'private key in the log');
      }
    }
    for (const dir of [path.join(runcOut, 'runc-v1.0.0-rc5'), path.join(kubeOut, 'kubelet-v1.12.4')]) {
      const files = await readdir(dir);
      for (const f of files) {
        const text = await readFile(path.join(dir, f), 'latin1');
        assert.ok(!text.includes(projectKey.passphrase) && !text.includes('PRIVATE KEY BLOCK'), `secret in ${f}`);
      }
      assert.ok(
        files.includes('SHA256SUMS') && files.includes('SHA256SUMS.asc') && files.includes('RPM-GPG-KEY-nokmem'),
      );
      const sbom = JSON.parse(
        await readFile(
          path.join(
            dir,
            files.find((f) => f.endsWith('.spdx.json'))!,
          ),
          'utf8',
        ),
      ) as { spdxVersion: string; packages: { checksums?: { checksumValue: string }[] }[] };
      assert.equal(sbom.spdxVersion, 'SPDX-2.3');
      const binary = await readFile(path.join(dir, dir.includes('kubelet') ? 'kubelet' : 'runc'));
      assert.equal(sbom.packages[0]?.checksums?.[0]?.checksumValue, sha(binary));
      const prov = JSON.parse(
        await readFile(
          path.join(
            dir,
            files.find((f) => f.endsWith('.provenance.json'))!,
          ),
          'utf8',
        ),
      ) as {
        _type: string;
        predicateType: string;
        subject: { name: string; digest: { sha256: string } }[];
        predicate: { buildDefinition: { resolvedDependencies: { uri: string; digest: Record<string, string> }[] } };
      };
      assert.equal(prov._type, 'https://in-toto.io/Statement/v1');
      assert.equal(prov.predicateType, 'https://slsa.dev/provenance/v1');
      const rpm = await rpmOf(dir);
      assert.equal(prov.subject.find((s) => s.name === path.basename(rpm))?.digest.sha256, sha(await readFile(rpm)));
      assert.match(prov.predicate.buildDefinition.resolvedDependencies[0]?.digest.gitCommit ?? '', /^[0-9a-f]{40}$/);
    }
  });

  it('nokmem verify passes the output directory with the project key, table and --json', async () => {
    const dir = path.join(runcOut, 'runc-v1.0.0-rc5');
    // the project key as a user holds it: a copy outside what is verified
    const trusted = path.join(wb.root, 'trusted-RPM-GPG-KEY-nokmem');
    await copyFile(path.join(dir, 'RPM-GPG-KEY-nokmem'), trusted);
    const r = await nokmem(['verify', dir, '--key', trusted, '--image', TEST_IMAGE, '--specs', wb.specs]);
    assert.equal(r.exitCode, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^runc-nokmem-1\.0\.0~rc5-1\.x86_64\.rpm: OK$/m);
    assert.match(r.stdout, /PASS +functional \(strace\)/);
    const j = await nokmem([
      'verify',
      dir,
      '--key',
      trusted,
      '--image',
      TEST_IMAGE,
      '--specs',
      wb.specs,
      '--json',
      '--no-functional',
    ]);
    assert.equal((JSON.parse(j.stdout) as { ok: boolean }).ok, true);
  });

  it('nokmem verify refuses the key shipped in the directory it verifies, by any path, in one line', async () => {
    const dir = path.join(runcOut, 'runc-v1.0.0-rc5');
    const shipped = path.join(dir, 'RPM-GPG-KEY-nokmem');
    const viaLink = path.join(wb.root, 'linked-RPM-GPG-KEY-nokmem');
    await symlink(shipped, viaLink);
    for (const [target, key] of [
      [dir, shipped],
      [dir, viaLink],
      [await rpmOf(dir), shipped],
    ] as const) {
      const r = await nokmem(['verify', target, '--key', key, '--image', TEST_IMAGE, '--specs', wb.specs]);
      assert.equal(r.exitCode, 1, r.stdout + r.stderr);
      assert.deepEqual(r.stderr.split('\n').filter(Boolean), [
        `nokmem: error: --key ${key} is inside ${dir}, which is being verified: a key shipped with the packages proves nothing; pass the project's key from a copy you trust, held outside ${dir}`,
      ]);
      assert.equal(r.stdout, '');
    }
  });

  it('the packaged binary is byte-identical to the verified one', async () => {
    const dir = path.join(kubeOut, 'kubelet-v1.12.4');
    const extract = path.join(wb.root, 'extract-kubelet');
    await mkdir(extract, { recursive: true });
    await execa('sh', ['-c', 'cd "$2" && rpm2cpio "$1" | cpio -idm --quiet', 'sh', await rpmOf(dir), extract]).catch(
      async () => {
        // no rpm2cpio on the host: extract in the image
        await execa('docker', [
          'run',
          '--rm',
          '-v',
          `${dir}:/in:ro`,
          '-v',
          `${extract}:/out`,
          TEST_IMAGE,
          'sh',
          '-c',
          'cd /out && rpm2cpio /in/*.rpm | cpio -idm --quiet',
        ]);
      },
    );
    assert.equal(
      sha(await readFile(path.join(extract, 'usr/bin/kubelet'))),
      sha(await readFile(path.join(dir, 'kubelet'))),
    );
  });
});

describe('dnf installs the packages with gpgcheck=1', () => {
  it('from a local repository, into an --installroot', async () => {
    const repo = path.join(wb.root, 'repo');
    await mkdir(repo, { recursive: true });
    for (const d of [path.join(runcOut, 'runc-v1.0.0-rc5'), path.join(kubeOut, 'kubelet-v1.12.4')])
      await copyFile(await rpmOf(d), path.join(repo, path.basename(await rpmOf(d))));
    // The official kubelet requires these; on EL7 the base repository provides them. A signed stub stands in.
    const stubDir = path.join(wb.root, 'stub');
    await mkdir(path.join(stubDir, 'SPECS'), { recursive: true });
    await writeFile(
      path.join(stubDir, 'SPECS', 'el7-base-stub.spec'),
      [
        'Name: el7-base-stub',
        'Version: 1',
        'Release: 1',
        'Summary: provides what kubelet requires, for the test',
        'License: MIT',
        'BuildArch: noarch',
        ...['iptables', 'kubernetes-cni', 'socat', 'util-linux', 'ethtool', 'iproute', 'ebtables', 'conntrack'].map(
          (p) => `Provides: ${p}`,
        ),
        // the kubelet links with cgo, as upstream's: rpmbuild requires the glibc sonames it needs, which EL7's glibc
        // 2.17 provides (a need above GLIBC_2.17 stays unmet, as on a node)
        ...EL7_GLIBC_PROVIDES.map((p) => `Provides: ${p}`),
        '%description',
        'test stub',
        '%files',
        '',
      ].join('\n'),
    );
    await docker.prepareWritable(stubDir);
    await execa('docker', [
      'run',
      '--rm',
      '--network',
      'none',
      '--user',
      '10001:10001',
      '-e',
      'HOME=/tmp',
      '-v',
      `${stubDir}:/rpmbuild`,
      TEST_IMAGE,
      'rpmbuild',
      '-bb',
      '--define',
      '_topdir /rpmbuild',
      '/rpmbuild/SPECS/el7-base-stub.spec',
    ]);
    const stub = path.join(stubDir, 'RPMS', 'noarch', 'el7-base-stub-1-1.noarch.rpm');
    const key = await keyFor(projectKey, 'stub');
    try {
      await signRpms([stub], key);
    } finally {
      await key.dispose();
    }
    await copyFile(stub, path.join(repo, path.basename(stub)));
    await docker.prepareWritable(repo);
    await execa('docker', [
      'run',
      '--rm',
      '--network',
      'none',
      '--user',
      '10001:10001',
      '-v',
      `${repo}:/repo`,
      TEST_IMAGE,
      'createrepo_c',
      '--quiet',
      '/repo',
    ]);
    const conf = path.join(wb.root, 'dnf.conf');
    const pub = path.join(path.join(runcOut, 'runc-v1.0.0-rc5'), 'RPM-GPG-KEY-nokmem');
    await writeFile(
      conf,
      `[main]\nreposdir=/dev/null\ngpgcheck=1\ninstallonly_limit=0\n\n[nokmem]\nname=nokmem test\nbaseurl=file://${repo}\ngpgcheck=1\ngpgkey=file://${pub}\nenabled=1\n`,
    );
    const root = path.join(wb.root, 'installroot');
    const r = await execa(
      'dnf',
      [
        '-y',
        '-q',
        '--config',
        conf,
        '--installroot',
        root,
        '--releasever',
        '7',
        '--setopt=cachedir=' + path.join(wb.root, 'dnf-cache'),
        'install',
        'kubelet',
        'runc-nokmem',
      ],
      { reject: false },
    );
    assert.equal(r.exitCode, 0, `${r.stdout}\n${r.stderr}`);
    assert.equal(
      sha(await readFile(path.join(root, 'usr/bin/kubelet'))),
      sha(await readFile(path.join(kubeOut, 'kubelet-v1.12.4', 'kubelet'))),
    );
    assert.ok(exists(path.join(root, 'usr/libexec/runc-nokmem/runc')));
    assert.ok(exists(path.join(root, 'etc/sysconfig/kubelet')));
    assert.ok(exists(path.join(root, 'usr/share/runc-nokmem/daemon.json.example')));
    assert.ok(!exists(path.join(root, 'usr/bin/runc')), 'runc-nokmem never takes /usr/bin/runc');
    const q = await execa('rpm', ['--root', root, '-q', 'kubelet', 'runc-nokmem']);
    assert.match(q.stdout, /^kubelet-1\.12\.4-0\.nokmem\.1\.x86_64$/m);
  });
});

describe('verify catches tampering, naming the problem', () => {
  const inputs: SpecInputs = {
    component: 'runc',
    tag: 'v1.0.0-rc5',
    commit: '0'.repeat(40),
    methodSummary: 'test',
    epoch: 1519776000,
    iteration: 1,
  };
  let key: SigningKey;
  let other: SigningKey;
  let publicKey: string;

  before(async () => {
    key = await keyFor(projectKey, 'project');
    other = await keyFor(otherKey, 'other');
    publicKey = path.join(wb.root, 'project.asc');
    await writeFile(publicKey, key.publicKeyArmored);
  });
  after(async () => {
    await key?.dispose();
    await other?.dispose();
  });

  async function packaged(
    name: string,
    binary: string,
    sign: SigningKey | undefined,
    overrides: [string, string][] = [],
  ): Promise<string> {
    const work = path.join(wb.root, `tamper-${name}`);
    await mkdir(work, { recursive: true });
    const rpm = await buildRpm(binary, inputs, work, docker, TEST_IMAGE, overrides);
    if (sign) await signRpms([rpm.file], sign);
    return rpm.file;
  }

  async function verifyFails(rpm: string, message: RegExp): Promise<void> {
    const r = await nokmem([
      'verify',
      rpm,
      '--key',
      publicKey,
      '--image',
      TEST_IMAGE,
      '--specs',
      wb.specs,
      '--no-functional',
    ]);
    assert.equal(r.exitCode, 1, r.stdout);
    // the failed check is in the table, once; the error after it is one short line
    assert.ok(
      failedRows(r.stdout).some((row) => message.test(row)),
      `${message} is not a failed check:\n${r.stdout}`,
    );
    assertReportedOnce(r);
    assert.equal(r.stderr.split('\n').filter((l) => l.startsWith('nokmem: ')).length, 1);
  }

  const good = () => path.join(runcOut, 'runc-v1.0.0-rc5', 'runc');

  it('unsigned', async () =>
    verifyFails(await packaged('unsigned', good(), undefined), /signature: the package is not signed/));

  it('signed by another key', async () =>
    verifyFails(await packaged('other', good(), other), /signature: not signed by the project key/));

  it('modified payload', async () => {
    const rpm = await packaged('modified', good(), key);
    const bytes = await readFile(rpm);
    bytes[bytes.length - 100] = bytes[bytes.length - 100]! ^ 0xff;
    await writeFile(rpm, bytes);
    await verifyFails(rpm, /signature: the package was modified after it was signed: .*BAD/);
  });

  it('zstd payload', async () =>
    verifyFails(
      await packaged('zstd', good(), key, [['_binary_payload', 'w19.zstdio']]),
      /EL7 payload: zstd payload: EL7's rpm 4\.11 cannot read it/,
    ));

  it('a binary swapped for a kmem-enabled build', async () => {
    const tree = path.join(wb.root, 'kmem-rc5');
    await buildByHand(wb.runc.dir, 'v1.0.0-rc5', tree, 'github.com/opencontainers/runc', ['static']);
    await verifyFails(
      await packaged('kmem', path.join(tree, 'runc'), key),
      /no kmem file name: the binary contains "memory\.kmem\.limit_in_bytes"/,
    );
  });

  it('a package renamed to another release: one RPM on its own is the package its name says', async () => {
    const work = path.join(wb.root, 'tamper-renamed');
    await mkdir(work, { recursive: true });
    const rpm = await buildRpm(good(), { ...inputs, iteration: 3 }, work, docker, TEST_IMAGE);
    await signRpms([rpm.file], key);
    assert.equal(path.basename(rpm.file), 'runc-nokmem-1.0.0~rc5-3.x86_64.rpm');
    const renamed = path.join(work, 'runc-nokmem-1.0.0~rc5-1.x86_64.rpm');
    await copyFile(rpm.file, renamed);
    await verifyFails(
      renamed,
      /^file name: runc-nokmem-1\.0\.0~rc5-1\.x86_64\.rpm holds runc-nokmem-1\.0\.0~rc5-3\.x86_64 \(its header\)/,
    );
    // GitHub's name for the same release asset (~ becomes .) is the one rewrite allowed
    const asset = path.join(work, 'runc-nokmem-1.0.0.rc5-3.x86_64.rpm');
    await copyFile(rpm.file, asset);
    const r = await nokmem(['verify', asset, '--key', publicKey, '--image', TEST_IMAGE, '--specs', wb.specs]);
    assert.equal(r.exitCode, 0, r.stdout + r.stderr);
    assert.match(
      r.stdout,
      /PASS +file name +runc-nokmem-1\.0\.0\.rc5-3\.x86_64\.rpm is runc-nokmem-1\.0\.0~rc5-3\.x86_64/,
    );
  });

  it('a dynamically linked binary that needs GLIBC_2.34', async () => {
    const dir = path.join(wb.root, 'glibc');
    await mkdir(dir, { recursive: true });
    await writeFile(
      path.join(dir, 'runc.c'),
      '#include <pthread.h>\n#include <stdio.h>\nstatic void *f(void *a) { return a; }\nint main(void) { pthread_t t; pthread_create(&t, 0, f, 0); pthread_join(t, 0); puts("runc version 1.0.0-rc5"); return 0; }\n',
    );
    await execa('gcc', ['-o', path.join(dir, 'runc'), path.join(dir, 'runc.c'), '-pthread']);
    await verifyFails(
      await packaged('glibc', path.join(dir, 'runc'), key),
      /EL7 glibc usr\/libexec\/runc-nokmem\/runc: needs GLIBC_2\.3\d, EL7 has 2\.17/,
    );
  });
});

describe('an untrusted package is never executed', () => {
  const inputs: SpecInputs = {
    component: 'runc',
    tag: 'v1.0.0-rc5',
    commit: '0'.repeat(40),
    methodSummary: 'test',
    epoch: 1519776000,
    iteration: 1,
  };
  let other: SigningKey;
  let key: SigningKey;
  let publicKey: string;
  let marker: string;
  let binary: string;

  before(async () => {
    [key, other] = await Promise.all([keyFor(projectKey, 'trust-project'), keyFor(otherKey, 'trust-other')]);
    publicKey = path.join(wb.root, 'trust-project.asc');
    await writeFile(publicKey, key.publicKeyArmored);
    // A "runc" that leaves a marker on the host file system whenever something runs it there.
    const dir = path.join(wb.root, 'marker');
    await mkdir(dir, { recursive: true });
    marker = path.join(dir, `ran-${process.pid}`);
    await writeFile(
      path.join(dir, 'runc.c'),
      `#include <stdio.h>\nint main(void) { FILE *f = fopen("${marker}", "w"); if (f) fclose(f); puts("runc version 1.0.0-rc5"); return 0; }\n`,
    );
    binary = path.join(dir, 'runc');
    await execa('gcc', ['-static', '-o', binary, path.join(dir, 'runc.c')]);
  });
  after(async () => {
    await key?.dispose();
    await other?.dispose();
  });

  async function assertNotRun(rpm: string): Promise<void> {
    // With the functional proof on: before the fix it ran the payload as root on the host.
    const r = await nokmem(['verify', rpm, '--key', publicKey, '--image', TEST_IMAGE, '--specs', wb.specs, '--json']);
    assert.equal(r.exitCode, 1, r.stderr);
    const report = JSON.parse(r.stdout) as {
      packages: { checks: { name: string; status: string; detail: string }[] }[];
    };
    const checks = report.packages[0]!.checks;
    assert.equal(checks.find((c) => c.name === 'signature')?.status, 'fail');
    for (const name of ['version string', 'nokmem proof', 'functional (strace)']) {
      assert.deepEqual(
        checks.find((c) => c.name === name),
        { name, status: 'skipped', detail: 'not run: the package is not signed by the project key' },
      );
    }
    assert.ok(!exists(marker), 'the untrusted payload ran on the host');
  }

  it('unsigned: the payload is never executed', async () => {
    const work = path.join(wb.root, 'trust-unsigned');
    await mkdir(work, { recursive: true });
    await assertNotRun((await buildRpm(binary, inputs, work, docker, TEST_IMAGE)).file);
  });

  it('a bare binary: the functional proof runs it in a sandbox, never on the host', async () => {
    const r = await nokmem([
      'verify',
      binary,
      '--runc',
      'v1.0.0-rc5',
      '--image',
      TEST_IMAGE,
      '--specs',
      wb.specs,
      '--json',
    ]);
    assert.equal(r.exitCode, 1, r.stderr);
    const verdict = JSON.parse(r.stdout) as { checks: { name: string; status: string; detail: string }[] };
    assert.match(verdict.checks.find((c) => c.name === 'functional (strace)')?.detail ?? '', /^inconclusive: /);
    assert.ok(!exists(marker), 'the binary ran on the host');
  });

  it('signed by another key: the payload is never executed', async () => {
    const work = path.join(wb.root, 'trust-other');
    await mkdir(work, { recursive: true });
    const rpm = await buildRpm(binary, inputs, work, docker, TEST_IMAGE);
    await signRpms([rpm.file], other);
    await assertNotRun(rpm.file);
  });
});

describe('reproducible packages', () => {
  it('the same inputs give bit-identical RPMs', async () => {
    const binary = path.join(runcOut, 'runc-v1.0.0-rc5', 'runc');
    const inputs: SpecInputs = {
      component: 'runc',
      tag: 'v1.0.0-rc5',
      commit: '1'.repeat(40),
      methodSummary: 'test',
      epoch: 1519776000,
      iteration: 1,
    };
    const a = await buildRpm(binary, inputs, path.join(wb.root, 'repro-a'), docker, TEST_IMAGE);
    const b = await buildRpm(binary, inputs, path.join(wb.root, 'repro-b'), docker, TEST_IMAGE);
    assert.equal(sha(await readFile(a.file)), sha(await readFile(b.file)));
  });
});
