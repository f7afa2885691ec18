// Each era built as upstream built it, on fixtures that carry the era's build traits: kubelet 1.8/1.9 whose
// hack/lib/golang.sh compares Go versions as strings (refused before any compile, naming the Go they need), kubelet
// 1.12/1.13 that vendor the cgo-only gonvml (linked with cgo, as their golang.sh says, and still fit for EL7), runc
// rc3/rc4 whose Makefile runs `go build -i`, and runc rc90 whose VERSION file says rc10.

import assert from 'node:assert/strict';
import { copyFile, readFile, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import YAML from 'yaml';
import type { BuildRecord } from '../../src/context.ts';
import { KUBELET_TEST_IMAGE, TEST_IMAGE, type Workbench, exists, nokmem, workbench } from '../helpers/cli.ts';

/** Kubelets link with cgo: built where glibc is old enough for EL7 (bullseye), as the toolchain rule picks. */
const GO115 = KUBELET_TEST_IMAGE;

let wb: Workbench;

before(async () => {
  wb = await workbench((runc, kube) => ({
    runc: {
      'v1.0.0-rc4': runc.tags['v1.0.0-rc4']!,
      'v1.0.0-rc5': runc.tags['v1.0.0-rc5']!,
      'v1.0.0-rc90': runc.tags['v1.0.0-rc90']!,
    },
    kubelet: Object.fromEntries(['v1.8.0', 'v1.9.0', 'v1.12.4', 'v1.13.7'].map((t) => [t, kube.tags[t]!])),
  }));
});

after(async () => wb?.cleanup());

async function record(out: string, component: string, tag: string): Promise<BuildRecord> {
  return JSON.parse(await readFile(path.join(out, `${component}-${tag}`, 'build-record.json'), 'utf8')) as BuildRecord;
}

const statuses = (r: BuildRecord) => Object.fromEntries(r.verification.checks.map((c) => [c.name, c.status]));
const lastLine = (stderr: string) => stderr.trim().split('\n').pop() ?? '';
/** Options of a kubelet build without --image (the toolchain rule chooses). */
const kube = (tag: string) => [
  '--kubelet',
  tag,
  '--remote',
  wb.kubernetes.url,
  '--specs',
  wb.specs,
  '--cache-dir',
  wb.cache,
];

/** A copy of the test specs with one change to versions.yaml. */
async function specsWith(name: string, change: (doc: YAML.Document) => void): Promise<string> {
  const dir = path.join(wb.root, `specs-${name}`);
  await mkdir(dir, { recursive: true });
  for (const f of ['toolchains.yaml', 'pins.yaml'])
    await writeFile(path.join(dir, f), await readFile(path.join(wb.specs, f)));
  const doc = YAML.parseDocument(await readFile(path.join(wb.specs, 'versions.yaml'), 'utf8'), { merge: true });
  change(doc);
  await writeFile(path.join(dir, 'versions.yaml'), doc.toString({ lineWidth: 0 }));
  return dir;
}

describe('runc', () => {
  it('v1.0.0-rc4: its Makefile runs `go build -i` (archives into $GOPATH/pkg) and builds as the unprivileged user', async () => {
    const out = wb.out('rc4');
    const r = await nokmem([
      'build',
      '--runc',
      'v1.0.0-rc4',
      '--remote',
      wb.runc.url,
      '--out',
      out,
      '--no-package',
      ...wb.common,
    ]);
    assert.equal(r.exitCode, 0, r.stderr.slice(-2000));
    const rec = await record(out, 'runc', 'v1.0.0-rc4');
    assert.equal(rec.method, 'source-patch');
    assert.ok(
      Object.values(statuses(rec)).every((s) => s === 'pass'),
      JSON.stringify(rec.verification),
    );
  });

  it('v1.0.0-rc90: the tag carries VERSION 1.0.0-rc10, so the binary says rc10; built, verified, packaged', async () => {
    const out = wb.out('rc90');
    const r = await nokmem(['build', '--runc', 'v1.0.0-rc90', '--remote', wb.runc.url, '--out', out, ...wb.common]);
    assert.equal(r.exitCode, 0, r.stderr.slice(-2000));
    const rec = await record(out, 'runc', 'v1.0.0-rc90');
    assert.equal(rec.method, 'build-tag');
    assert.ok(
      Object.values(statuses(rec)).every((s) => s === 'pass'),
      JSON.stringify(rec.verification),
    );
    const version = rec.verification.checks.find((c) => c.name === 'version string');
    assert.match(version?.detail ?? '', /runc version 1\.0\.0-rc10/);
    const dir = path.join(out, 'runc-v1.0.0-rc90');
    // the project key as a user holds it: a copy outside what is verified
    const trusted = path.join(wb.root, 'trusted-rc90-RPM-GPG-KEY-nokmem');
    await copyFile(path.join(dir, 'RPM-GPG-KEY-nokmem'), trusted);
    const packages = await nokmem(['verify', dir, '--key', trusted, '--specs', wb.specs]);
    assert.equal(packages.exitCode, 0, packages.stdout + packages.stderr);
    const bare = await nokmem([
      'verify',
      path.join(dir, 'runc'),
      '--runc',
      'v1.0.0-rc90',
      '--image',
      TEST_IMAGE,
      '--specs',
      wb.specs,
      '--no-functional',
    ]);
    assert.equal(bare.exitCode, 0, bare.stdout + bare.stderr);
  });
});

describe('kubelet 1.12/1.13: the vendored gonvml has only cgo files', () => {
  it('v1.12.4 links with cgo as its hack/lib/golang.sh says, passes EL7 and every proof; the package restores what Go 1.15 changed', async () => {
    const out = wb.out('k112');
    const r = await nokmem(['build', ...kube('v1.12.4'), '--image', GO115, '--out', out]);
    assert.equal(r.exitCode, 0, r.stderr.slice(-3000));
    const rec = await record(out, 'kubelet', 'v1.12.4');
    assert.ok(
      Object.values(statuses(rec)).every((s) => s === 'pass'),
      JSON.stringify(rec.verification),
    );
    assert.equal(rec.link?.mode, 'cgo');
    assert.match(rec.link?.reason ?? '', /KUBE_STATIC_LIBRARIES/);
    assert.match(rec.link?.tree ?? '', /is_statically_linked_library/);
    assert.ok(!('KUBE_STATIC_OVERRIDES' in rec.flags.env), JSON.stringify(rec.flags.env));
    assert.match(statuses(rec)['EL7 glibc'] ?? '', /pass/);
    assert.match(rec.verification.checks.find((c) => c.name === 'EL7 glibc')?.detail ?? '', /dynamically linked/);
    // upstream built 1.12 with Go 1.10: Go 1.15 ignores the CommonName of server certificates without SANs
    assert.deepEqual(rec.toolchain?.restoreEnv, { GODEBUG: 'x509ignoreCN=0' });
    assert.ok(rec.toolchain?.behaviour?.some((b) => /CommonName/.test(b.change)));
    const dir = path.join(out, 'kubelet-v1.12.4');
    const rpm = (await execa('sh', ['-c', 'ls "$1"/*.rpm', 'sh', dir])).stdout.trim();
    const unit = await execa('docker', [
      'run',
      '--rm',
      '--network',
      'none',
      '-v',
      `${dir}:/in:ro`,
      TEST_IMAGE,
      'sh',
      '-c',
      `cd /tmp && rpm2cpio /in/${path.basename(rpm)} | cpio -idm --quiet && cat usr/lib/systemd/system/kubelet.service && rpm -qip /in/${path.basename(rpm)}`,
    ]);
    assert.match(unit.stdout, /^Environment="GODEBUG=x509ignoreCN=0"$/m);
    assert.match(unit.stdout, /linked with cgo/i);
    assert.match(unit.stdout, /CommonName/);
  });

  it('v1.13.7 links with cgo too and passes every proof', async () => {
    const out = wb.out('k113');
    const r = await nokmem(['build', ...kube('v1.13.7'), '--image', GO115, '--out', out, '--no-package']);
    assert.equal(r.exitCode, 0, r.stderr.slice(-3000));
    const rec = await record(out, 'kubelet', 'v1.13.7');
    assert.equal(rec.link?.mode, 'cgo');
    assert.ok(
      Object.values(statuses(rec)).every((s) => s === 'pass'),
      JSON.stringify(rec.verification),
    );
  });

  it('data that says static where the tree says cgo stops the build before the compile, with both answers', async () => {
    const specs = await specsWith('static', (doc) => {
      const eras = doc.getIn(['kubelet', 'eras']) as YAML.YAMLSeq<YAML.YAMLMap>;
      const era = eras.items.find((e) => String(e.get('versions')).startsWith('>=1.8.0'))!;
      era.setIn(['link', 'mode'], 'static');
    });
    const out = wb.out('k112-static');
    const r = await nokmem(['build', ...kube('v1.12.4'), '--specs', specs, '--image', GO115, '--out', out]);
    assert.equal(r.exitCode, 1, r.stderr);
    assert.match(lastLine(r.stderr), /specs\/versions\.yaml .*static.*hack\/lib\/golang\.sh.*cgo/);
    assert.doesNotMatch(r.stderr, /compile in Docker \.\.\./);
    assert.ok(!exists(out));
  });
});

describe('kubelet 1.8/1.9: hack/lib/golang.sh compares Go versions as strings', () => {
  it('--dry-run knows offline that v1.9.0 needs Go 1.9.x and v1.8.0 Go 1.8.x: marked, with what makes it, exit 0', async () => {
    for (const [tag, go] of [
      ['v1.9.0', '1.9.2'],
      ['v1.8.0', '1.8.3'],
    ] as const) {
      const r = await nokmem(['build', ...kube(tag), '--out', wb.out('dry'), '--dry-run']);
      assert.equal(r.exitCode, 0, r.stderr);
      assert.match(r.stdout, /^MISSING\s+builder image: .*compares Go versions as strings/m);
      assert.match(r.stdout, new RegExp(`make it with: nokmem builder-image --go ${go.replace(/\./g, '\\.')}`));
    }
  });

  it('a build of v1.9.0 is refused before anything is fetched, naming the Go and how to get it', async () => {
    const out = wb.out('k19');
    for (const image of [[], ['--image', GO115]]) {
      const r = await nokmem(['build', ...kube('v1.9.0'), ...image, '--out', out]);
      assert.equal(r.exitCode, 1, r.stderr);
      assert.match(lastLine(r.stderr), /Go >= 1\.9\.1 and < 1\.10/);
      assert.match(lastLine(r.stderr), /nokmem builder-image --go 1\.9\.2/);
      assert.doesNotMatch(r.stderr, /fetch source \.\.\./);
      assert.ok(!exists(out));
    }
  });

  it("the tree's own Go check has the last word: without the data, it refuses Go 1.15 before the compile", async () => {
    const specs = await specsWith('no-go-check', (doc) => {
      const toolchains = doc.getIn(['kubelet', 'toolchains']) as YAML.YAMLSeq<YAML.YAMLMap>;
      for (const t of toolchains.items) t.delete('goCheck');
    });
    const out = wb.out('k19-tree');
    const r = await nokmem(['build', ...kube('v1.9.0'), '--specs', specs, '--image', GO115, '--out', out]);
    assert.equal(r.exitCode, 1, r.stderr);
    assert.match(
      lastLine(r.stderr),
      /\(hack\/lib\/golang\.sh kube::golang::verify_go_version\) refuses Go 1\.15\.\d+ .*"Detected go version: go version go1\.15\.\d+ linux\/amd64\. Kubernetes requires go1\.9\.1 or greater\.".*nokmem builder-image --go 1\.9\.2/,
    );
    assert.match(r.stderr, /inspect tree/);
    assert.doesNotMatch(r.stderr, /compile in Docker \.\.\./);
    assert.ok(!exists(out));
  });
});

describe('--dry-run without network', () => {
  it('an unreachable remote is a missing prerequisite: marked, the plan printed from the pins, exit 0', async () => {
    const remote = 'http://127.0.0.1:9/runc.git';
    const r = await nokmem([
      'build',
      '--runc',
      'v1.0.0-rc5',
      '--remote',
      remote,
      '--dry-run',
      '--out',
      wb.out('dry-net'),
      ...wb.common,
    ]);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(
      r.stdout,
      new RegExp(
        `^source\\s+${remote.replace(/[.:/]/g, '\\$&')} v1\\.0\\.0-rc5 -> ${wb.runc.tags['v1.0.0-rc5']} \\(pinned\\)`,
        'm',
      ),
    );
    assert.match(r.stdout, /^MISSING\s+remote: cannot read http:\/\/127\.0\.0\.1:9\/runc\.git/m);
  });
});
