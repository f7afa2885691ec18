// Publishing: a signed yum repository served over HTTP on 127.0.0.1, installed from by the real dnf with
// gpgcheck=1 and repo_gpgcheck=1; an upgrade from an official-style kubelet (release 0) picks ours; tampered
// or unsigned metadata and a crash in the middle of a publish leave clients safe.

import assert from 'node:assert/strict';
import { copyFile, mkdir, readFile, readdir, readlink, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { Docker } from '../../src/docker.ts';
import { silentLogger } from '../../src/log.ts';
import { signRpms } from '../../src/rpm/build.ts';
import { realRunner } from '../../src/runner.ts';
import { prepareSigningKey } from '../../src/signing.ts';
import { KUBELET_TEST_IMAGE, ROOT, TEST_IMAGE, type Workbench, exists, nokmem, workbench } from '../helpers/cli.ts';
import { compiledCli } from '../helpers/cli.ts';
import { EL7_GLIBC_PROVIDES } from '../helpers/el7.ts';
import { type TestKey, makeTestKey, signingEnv } from '../helpers/keys.ts';
import { serveDirectory } from '../helpers/serve.ts';

let wb: Workbench;
let key: TestKey;
let out: string;
let repo: string;
let official: string;
let server: { url: string; close: () => Promise<void> };
const docker = new Docker(realRunner);

/** A small package made here: name, version, release, optional Provides; signed with the given key. */
async function testRpm(
  dir: string,
  name: string,
  version: string,
  release: string,
  extra: string[],
  signWith?: TestKey,
): Promise<string> {
  const top = path.join(wb.root, 'stubs', `${name}-${release}-${Math.random().toString(16).slice(2)}`);
  await mkdir(path.join(top, 'SPECS'), { recursive: true });
  await writeFile(
    path.join(top, 'SPECS', 'p.spec'),
    [
      `Name: ${name}`,
      `Version: ${version}`,
      `Release: ${release}`,
      'Summary: test package',
      'License: MIT',
      'BuildArch: x86_64',
      ...extra,
      '%description',
      `test package ${Math.random()}`,
      '%files',
      '',
    ].join('\n'),
  );
  await docker.prepareWritable(top);
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
    `${top}:/rpmbuild`,
    TEST_IMAGE,
    'rpmbuild',
    '-bb',
    '--quiet',
    '--define',
    '_topdir /rpmbuild',
    '/rpmbuild/SPECS/p.spec',
  ]);
  const file = path.join(top, 'RPMS', 'x86_64', `${name}-${version}-${release}.x86_64.rpm`);
  if (signWith) {
    const k = await prepareSigningKey(
      { armoredKey: signWith.armoredPrivate, passphrase: signWith.passphrase },
      { docker, log: silentLogger, image: TEST_IMAGE, scratchRoot: top, devKeyDir: path.join(top, 'dev') },
    );
    try {
      await signRpms([file], k);
    } finally {
      await k.dispose();
    }
  }
  await mkdir(dir, { recursive: true });
  await copyFile(file, path.join(dir, path.basename(file)));
  return path.join(dir, path.basename(file));
}

function dnfConf(name: string, repos: string): Promise<string> {
  const conf = path.join(wb.root, `${name}.conf`);
  return writeFile(conf, `[main]\nreposdir=/dev/null\ngpgcheck=1\ninstallonly_limit=0\nkeepcache=0\n\n${repos}`).then(
    () => conf,
  );
}

async function dnf(conf: string, root: string, ...args: string[]) {
  return execa(
    'dnf',
    [
      '-y',
      '--config',
      conf,
      '--installroot',
      root,
      '--releasever',
      '7',
      `--setopt=cachedir=${path.join(wb.root, `dnf-cache-${Math.random().toString(16).slice(2)}`)}`,
      ...args,
    ],
    { reject: false },
  );
}

async function nokmemRepoSection(): Promise<string> {
  // the .repo file publish wrote, as a client would download it
  return (await readFile(path.join(repo, 'nokmem.repo'), 'utf8'))
    .replace(/^baseurl=.*$/m, `baseurl=${server.url}`)
    .replace(/^gpgkey=.*$/m, `gpgkey=${server.url}/RPM-GPG-KEY-nokmem`);
}

before(async () => {
  wb = await workbench((runc, kube) => ({
    runc: { 'v1.0.0-rc5': runc.tags['v1.0.0-rc5']! },
    kubelet: { 'v1.12.4': kube.tags['v1.12.4']! },
  }));
  key = await makeTestKey('nokmem repository key', 'repo pass phrase');
  out = wb.out('pub');
  for (const args of [
    ['--runc', 'v1.0.0-rc5', '--remote', wb.runc.url],
    // the kubelet links with cgo, as upstream's: built against bullseye's glibc, which EL7's 2.17 can run
    ['--kubelet', 'v1.12.4', '--remote', wb.kubernetes.url, '--image', KUBELET_TEST_IMAGE],
  ]) {
    const r = await nokmem(['build', ...wb.common, ...args, '--out', out], signingEnv(key));
    assert.equal(r.exitCode, 0, r.stderr);
  }
  // The "official" repository: kubelet 1.12.4 release 0 and what kubelet requires (signed, plain createrepo).
  official = path.join(wb.root, 'official');
  await testRpm(official, 'kubelet', '1.12.4', '0', ['Provides: official-kubelet-marker']);
  await testRpm(
    official,
    'el7-base-stub',
    '1',
    '1',
    [
      ...['iptables', 'kubernetes-cni', 'socat', 'util-linux', 'ethtool', 'iproute', 'ebtables', 'conntrack'],
      // the glibc sonames rpmbuild makes a cgo kubelet require, as EL7's glibc 2.17 provides them
      ...EL7_GLIBC_PROVIDES,
    ].map((p) => `Provides: ${p}`),
  );
  const offKey = await prepareSigningKey(
    { armoredKey: key.armoredPrivate, passphrase: key.passphrase },
    { docker, log: silentLogger, image: TEST_IMAGE, scratchRoot: wb.root, devKeyDir: path.join(wb.root, 'dev') },
  );
  try {
    const files = (await readdir(official)).map((f) => path.join(official, f));
    await signRpms(files, offKey);
    await writeFile(path.join(wb.root, 'official.asc'), offKey.publicKeyArmored);
  } finally {
    await offKey.dispose();
  }
  await docker.prepareWritable(official);
  await execa('docker', [
    'run',
    '--rm',
    '--network',
    'none',
    '--user',
    '10001:10001',
    '-v',
    `${official}:/repo`,
    TEST_IMAGE,
    'createrepo_c',
    '--quiet',
    '/repo',
  ]);
  repo = path.join(wb.root, 'repo');
  server = await serveDirectory(repo);
});

after(async () => {
  await server?.close();
  await wb?.cleanup();
});

const officialSection = () =>
  `[official]\nname=official\nbaseurl=file://${official}\ngpgcheck=1\nrepo_gpgcheck=0\ngpgkey=file://${path.join(wb.root, 'official.asc')}\n\n`;
const publishArgs = (...inputs: string[]) => [
  'publish',
  ...inputs,
  '--repo',
  repo,
  '--base-url',
  server.url,
  '--image',
  TEST_IMAGE,
  '--cache-dir',
  wb.cache,
  '--specs',
  wb.specs,
  '--no-functional',
];

describe('nokmem publish', () => {
  it('publishes, and dnf upgrades the official kubelet (release 0) to ours over HTTP with gpgcheck and repo_gpgcheck', async () => {
    const root = path.join(wb.root, 'root-upgrade');
    const onlyOfficial = await dnfConf('official', officialSection());
    const installed = await dnf(onlyOfficial, root, 'install', 'kubelet');
    assert.equal(installed.exitCode, 0, installed.stderr);
    assert.match((await execa('rpm', ['--root', root, '-q', 'kubelet'])).stdout, /^kubelet-1\.12\.4-0\.x86_64$/);

    const r = await nokmem(
      publishArgs(path.join(out, 'runc-v1.0.0-rc5'), path.join(out, 'kubelet-v1.12.4')),
      signingEnv(key),
    );
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(r.stdout, /added 2 /);
    assert.match(await readFile(path.join(repo, 'nokmem.repo'), 'utf8'), /^repo_gpgcheck=1$/m);

    const both = await dnfConf('both', officialSection() + (await nokmemRepoSection()));
    const upgraded = await dnf(both, root, 'upgrade', 'kubelet');
    assert.equal(upgraded.exitCode, 0, upgraded.stderr);
    assert.match(
      (await execa('rpm', ['--root', root, '-q', 'kubelet'])).stdout,
      /^kubelet-1\.12\.4-0\.nokmem\.1\.x86_64$/,
    );
    const runc = await dnf(both, root, 'install', 'runc-nokmem');
    assert.equal(runc.exitCode, 0, runc.stderr);
    assert.ok(exists(path.join(root, 'usr/libexec/runc-nokmem/runc')));
  });

  it('publishing the same packages again changes nothing; the same name-version-release with other bytes is refused', async () => {
    const again = await nokmem(publishArgs(path.join(out, 'runc-v1.0.0-rc5')), signingEnv(key));
    assert.equal(again.exitCode, 0, again.stderr);
    assert.match(again.stdout, /added 0 \(-\), unchanged 1/);
    // The same package rebuilt from scratch is signed anew: same name-version-release, other bytes.
    const rebuilt = path.join(wb.root, 'rebuilt');
    const b = await nokmem(
      [
        'build',
        '--runc',
        'v1.0.0-rc5',
        '--remote',
        wb.runc.url,
        '--out',
        rebuilt,
        ...wb.common,
        '--cache-dir',
        path.join(wb.root, 'fresh-cache'),
      ],
      signingEnv(key),
    );
    assert.equal(b.exitCode, 0, b.stderr);
    const r = await nokmem(publishArgs(path.join(rebuilt, 'runc-v1.0.0-rc5')), signingEnv(key));
    assert.equal(r.exitCode, 1);
    assert.match(
      r.stderr,
      /^nokmem: error: runc-nokmem-1\.0\.0~rc5-1 is already published with different bytes .*; a release is never replaced: build with --release N\+1$/m,
    );
  });

  it('the same header name-version-release under another file name with other bytes is refused', async () => {
    const renamed = path.join(wb.root, 'renamed');
    await mkdir(renamed, { recursive: true });
    await copyFile(
      path.join(wb.root, 'rebuilt', 'runc-v1.0.0-rc5', 'runc-nokmem-1.0.0~rc5-1.x86_64.rpm'),
      path.join(renamed, 'runc-nokmem-1.0.0~rc5-01.x86_64.rpm'),
    );
    const r = await nokmem(publishArgs(renamed), signingEnv(key));
    assert.equal(r.exitCode, 1, r.stderr);
    assert.match(
      r.stderr,
      /^nokmem: error: runc-nokmem-1\.0\.0~rc5-1 is already published with different bytes \(x86_64, .*; given as runc-nokmem-1\.0\.0~rc5-01\.x86_64\.rpm\); a release is never replaced: build with --release N\+1$/m,
    );
    assert.ok(!(await readdir(path.join(repo, 'Packages'))).includes('runc-nokmem-1.0.0~rc5-01.x86_64.rpm'));
  });

  it('a tampered repomd.xml or a missing signature makes dnf refuse', async () => {
    const conf = await dnfConf('tamper', await nokmemRepoSection());
    const repomd = path.join(repo, 'repodata', 'repomd.xml');
    const good = await readFile(repomd);
    try {
      await writeFile(repomd, good.toString().replace('<revision>', '<revision>1'));
      const tampered = await dnf(conf, path.join(wb.root, 'root-tampered'), 'install', 'runc-nokmem');
      assert.notEqual(tampered.exitCode, 0);
      assert.match(tampered.stderr + tampered.stdout, /GPG|signature|repomd/i);
      await writeFile(repomd, good);
      const asc = await readFile(`${repomd}.asc`);
      await rm(`${repomd}.asc`);
      const unsigned = await dnf(conf, path.join(wb.root, 'root-unsigned'), 'install', 'runc-nokmem');
      assert.notEqual(unsigned.exitCode, 0);
      await writeFile(`${repomd}.asc`, asc);
    } finally {
      await writeFile(repomd, good);
    }
    const ok = await dnf(conf, path.join(wb.root, 'root-restored'), 'install', 'runc-nokmem');
    assert.equal(ok.exitCode, 0, ok.stderr);
  });

  it('a crash in the middle of a publish leaves the previous repository live, and the next publish completes it', async () => {
    const before = await readlink(path.join(repo, 'repodata'));
    const extra = path.join(wb.root, 'extra');
    await testRpm(extra, 'el7-base-stub', '1', '2', [], key);
    // A package that is not nokmem is refused before anything is written.
    const refused = await nokmem(publishArgs(extra), signingEnv(key));
    assert.equal(refused.exitCode, 1);
    assert.match(refused.stderr, /failed verification .*nothing was published/);
    for (const point of ['after-packages', 'after-metadata', 'before-swap']) {
      const r = await nokmem(publishArgs(path.join(out, 'kubelet-v1.12.4'), path.join(out, 'runc-v1.0.0-rc5')), {
        ...signingEnv(key),
        NOKMEM_TEST_CRASH_AT: point,
      });
      assert.equal(r.exitCode, 137, r.stderr);
      assert.equal(
        await readlink(path.join(repo, 'repodata')),
        before,
        `after a crash at ${point} the old metadata is live`,
      );
      const conf = await dnfConf(`crash-${point}`, await nokmemRepoSection());
      const still = await dnf(conf, path.join(wb.root, `root-crash-${point}`), 'install', 'runc-nokmem');
      assert.equal(still.exitCode, 0, still.stderr);
    }
    const next = await nokmem(publishArgs(path.join(out, 'runc-v1.0.0-rc5')), signingEnv(key));
    assert.equal(next.exitCode, 0, next.stderr);
    // the crashed publishes' staging (metadata not live, in the served tree) went with the next publish
    assert.deepEqual(
      (await readdir(repo)).filter((f) => f.startsWith('.staging-')),
      [],
    );
  });

  it('kill -9 in the middle of a publish: its signing container ends at once, its staging goes with the next publish', async () => {
    const before = await readlink(path.join(repo, 'repodata'));
    const child = execa('node', [compiledCli(), ...publishArgs(path.join(out, 'runc-v1.0.0-rc5'))], {
      cwd: ROOT,
      reject: false,
      env: { ...signingEnv(key), NOKMEM_TEST_CRASH_AT: 'after-metadata:hold' },
    });
    let log = '';
    child.stderr!.on('data', (chunk: Buffer) => (log += chunk.toString()));
    const deadline = Date.now() + 300_000;
    while (!log.includes('nokmem: holding at after-metadata')) {
      assert.ok(Date.now() < deadline && child.exitCode === null, `the publish never got there: ${log}`);
      await sleep(50);
    }
    const staging = (await readdir(repo)).filter((f) => f.startsWith('.staging-'));
    assert.equal(staging.length, 1, staging.join(' '));
    assert.ok(exists(path.join(repo, staging[0]!, 'repodata', 'repomd.xml')));
    child.kill('SIGKILL');
    await child;
    const containers = async () =>
      (await execa('docker', ['ps', '--all', '--filter', `name=^/nokmem-${child.pid}-`, '--format', '{{.Names}}']))
        .stdout;
    const killedAt = Date.now();
    while ((await containers()) && Date.now() - killedAt < 10_000) await sleep(200);
    assert.equal(await containers(), '', 'the signing container of the killed publish is still there');
    assert.ok(exists(path.join(repo, staging[0]!)), 'killed: nothing could remove its staging');
    assert.equal(await readlink(path.join(repo, 'repodata')), before, 'the old metadata stays live');
    const next = await nokmem(publishArgs(path.join(out, 'runc-v1.0.0-rc5')), signingEnv(key));
    assert.equal(next.exitCode, 0, next.stderr);
    assert.match(next.stderr, new RegExp(`removed ${staging[0]!.replace(/[.]/g, '\\.')}, left by a publish that died`));
    assert.deepEqual(
      (await readdir(repo)).filter((f) => f.startsWith('.staging-') || f.startsWith('.repodata-link-')),
      [],
    );
  });

  it('two publishes at once are serialized, and both land', async () => {
    const [a, b] = await Promise.all([
      nokmem(publishArgs(path.join(out, 'kubelet-v1.12.4')), signingEnv(key)),
      nokmem(publishArgs(path.join(out, 'runc-v1.0.0-rc5')), signingEnv(key)),
    ]);
    assert.equal(a.exitCode, 0, a.stderr);
    assert.equal(b.exitCode, 0, b.stderr);
    const primary = await execa('sh', ['-c', 'ls "$1"/repodata/*-primary.xml.gz | head -1 | xargs zcat', 'sh', repo]);
    assert.match(primary.stdout, /<name>kubelet<\/name>/);
    assert.match(primary.stdout, /<name>runc-nokmem<\/name>/);
  });

  it('keeps the last N releases of each version and mirrors the repository to a target in order', async () => {
    const r2 = path.join(wb.root, 'release2');
    const build = await nokmem(
      ['build', '--runc', 'v1.0.0-rc5', '--remote', wb.runc.url, '--release', '2', '--out', r2, ...wb.common],
      signingEnv(key),
    );
    assert.equal(build.exitCode, 0, build.stderr);
    const target = path.join(wb.root, 'mirror');
    const r = await nokmem(
      [...publishArgs(path.join(r2, 'runc-v1.0.0-rc5')), '--keep', '1', '--target', target],
      signingEnv(key),
    );
    assert.equal(r.exitCode, 0, r.stderr);
    const pkgs = await readdir(path.join(repo, 'Packages'));
    assert.ok(pkgs.includes('runc-nokmem-1.0.0~rc5-2.x86_64.rpm'));
    assert.ok(!pkgs.includes('runc-nokmem-1.0.0~rc5-1.x86_64.rpm'), pkgs.join(' '));
    assert.deepEqual((await readdir(path.join(target, 'Packages'))).sort(), pkgs.sort());
    assert.equal(await readlink(path.join(target, 'repodata')), await readlink(path.join(repo, 'repodata')));
    assert.ok(exists(path.join(target, 'repodata', 'repomd.xml.asc')));
  });

  it('nothing in the repository is owned by the build user (uid 10001): published files belong to the invoking user', async () => {
    const owned = await execa('find', [repo, '-uid', '10001']);
    assert.equal(owned.stdout.trim(), '', `owned by uid 10001:\n${owned.stdout}`);
  });
});
