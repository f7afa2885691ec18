// The real kubelet: the upstream kubernetes v1.20.2 tree (Debian bullseye's orig tarball, fetched during setup,
// never committed) through the whole pipeline — kubernetes' own Makefile and hack/ scripts, the toolchain the
// rule picks, nokmem proven, RPM signed and verified — and the cases a fixture cannot show: the tree's vendored
// reflect2 v1.0.1 makes Go 1.19 unsafe (refused before any compile; the probe crashes with it), and the same
// tree built without the tag is refused by `nokmem verify`.
// The Go build cache is kept between runs on the same machine (NOKMEM_GO_BUILD_CACHE), the result cache is not.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { Docker } from '../../src/docker.ts';
import { realRunner } from '../../src/runner.ts';
import { toolchainProbe } from '../../src/verify/toolchain-probe.ts';
import { ROOT, buildByHand, nokmem, requireDocker } from '../helpers/cli.ts';
import { REAL_TAG, type RealUpstream, realKubernetesUpstream } from '../helpers/real-kubernetes.ts';

const GO115 = 'nokmem-builder:debian-go1.15';
const GO119 = 'nokmem-builder:debian-go1.19';
const GO_BUILD_CACHE = process.env.NOKMEM_TEST_GO_BUILD_CACHE ?? '/var/cache/nokmem/go-build-tests';

describe(`real kubelet ${REAL_TAG} (Debian's kubernetes source package)`, () => {
  let upstream: RealUpstream;
  let root: string;
  let specs: string;
  let common: string[];
  const env = { NOKMEM_GO_BUILD_CACHE: GO_BUILD_CACHE };

  before(async () => {
    await requireDocker();
    for (const image of [GO115, GO119]) {
      const r = await execa('docker', ['image', 'inspect', image], { reject: false });
      if (r.exitCode !== 0) throw new Error(`${image} is missing: run \`sudo bash scripts/setup.sh\``);
    }
    upstream = await realKubernetesUpstream();
    root = await mkdtemp(path.join(os.tmpdir(), 'nokmem-real-'));
    specs = path.join(root, 'specs');
    await mkdir(specs);
    // The real data (versions, toolchains), pinned to the local stand-in's commit of the tag.
    for (const f of ['versions.yaml', 'toolchains.yaml', 'forks.yaml'])
      await copyFile(path.join(ROOT, 'specs', f), path.join(specs, f));
    await writeFile(path.join(specs, 'pins.yaml'), `runc: {}\nkubelet:\n  ${REAL_TAG}: ${upstream.commit}\n`);
    common = [
      '--kubelet',
      REAL_TAG,
      '--remote',
      upstream.dir,
      '--specs',
      specs,
      '--cache-dir',
      path.join(root, 'cache'),
    ];
  });

  after(async () => {
    if (root && !process.env.NOKMEM_KEEP_TEST_FILES) await rm(root, { recursive: true, force: true });
  });

  it('Go 1.19 is refused for this tree (reflect2 v1.0.1) before anything is fetched or compiled; nothing in --out', async () => {
    const out = path.join(root, 'out-go119');
    const started = performance.now();
    const r = await nokmem(['build', ...common, '--image', GO119, '--out', out], env);
    assert.equal(r.exitCode, 1, r.stderr);
    const error = r.stderr.trim().split('\n').pop() ?? '';
    assert.match(
      error,
      /^nokmem: error: --image nokmem-builder:debian-go1\.19 has Go 1\.19\.\d+, which is unsafe for kubelet v1\.20\.2: .*reflect2 v1\.0\.1.*Go 1\.18 or later.*--allow-toolchain-risk/,
    );
    assert.doesNotMatch(r.stderr, /compile in Docker \.\.\./);
    assert.ok(!existsSync(out), 'nothing is written to --out');
    assert.ok(performance.now() - started < 60_000, 'refused before the long work');
  });

  let outDir: string;
  it('builds with the toolchain the rule picks (Go 1.15): nokmem, the probe marshals, kubelet --version right, RPM signed and verified', async () => {
    const out = path.join(root, 'out');
    // a cold compile of the real kubelet takes minutes (about 4.5 on 2 idle cores)
    const r = await nokmem(['build', ...common, '--out', out], env, { timeoutMs: 45 * 60_000 });
    assert.equal(r.exitCode, 0, r.stderr.slice(-3000));
    outDir = path.join(out, `kubelet-${REAL_TAG}`);
    const record = JSON.parse(await readFile(path.join(outDir, 'build-record.json'), 'utf8'));
    assert.equal(record.method, 'build-tag');
    assert.equal(record.toolchain.image, GO115);
    assert.match(record.toolchain.go, /^1\.15\./);
    assert.match(record.toolchain.why, /upstream Go minor \(1\.15\.5\)/);
    assert.deepEqual(record.toolchain.tree, {
      minimumGo: { version: '1.15.0', from: 'hack/lib/golang.sh minimum_go_version' },
      reflect2: { version: 'v1.0.1', from: 'vendor/modules.txt' },
    });
    assert.equal(record.toolchain.risk, undefined);
    assert.match(record.go.used, /^go1\.15\.\d+ linux\/amd64$/);
    const status = Object.fromEntries(
      record.verification.checks.map((c: { name: string; status: string }) => [c.name, c.status]),
    );
    assert.deepEqual(status, {
      'EL7 glibc': 'pass',
      'version string': 'pass',
      'no kmem file name': 'pass',
      'nokmem marker': 'pass',
      'kmem symbols': 'pass',
      'Apply calls no kmem': 'pass',
      'toolchain runtime (json-iterator)': 'pass',
      'runtime (kubelet)': 'pass',
    });
    const version = await execa('docker', [
      'run',
      '--rm',
      '--network',
      'none',
      '-v',
      `${path.join(outDir, 'kubelet')}:/kubelet:ro`,
      GO115,
      '/kubelet',
      '--version',
    ]);
    assert.equal(version.stdout.trim(), `Kubernetes ${REAL_TAG}`);
    const rpms = (await readdir(outDir)).filter((f) => f.endsWith('.rpm'));
    assert.deepEqual(rpms, ['kubelet-1.20.2-0.nokmem.1.x86_64.rpm']);
    // the project key as a user holds it: a copy outside what is verified
    const trusted = path.join(root, 'trusted-RPM-GPG-KEY-nokmem');
    await copyFile(path.join(outDir, 'RPM-GPG-KEY-nokmem'), trusted);
    const v = await nokmem(['verify', outDir, '--key', trusted]);
    assert.equal(v.exitCode, 0, v.stdout + v.stderr);
    assert.match(v.stdout, /kubelet-1\.20\.2-0\.nokmem\.1\.x86_64\.rpm: OK/);
  });

  it('the same tree built without the tag is refused by nokmem verify', async () => {
    const tree = path.join(root, 'untagged');
    await buildByHand(
      upstream.dir,
      REAL_TAG,
      tree,
      'k8s.io/kubernetes',
      ['WHAT=cmd/kubelet'],
      {
        KUBE_BUILD_PLATFORMS: 'linux/amd64',
        KUBE_GIT_VERSION: REAL_TAG,
        KUBE_GIT_COMMIT: upstream.commit,
        KUBE_GIT_TREE_STATE: 'archive',
        GOPROXY: 'off',
      },
      { image: GO115, goCache: await goCacheOf(GO115), goCacheInTree: '_output/local/go/cache' },
    );
    const v = await nokmem([
      'verify',
      path.join(tree, '_output/local/bin/linux/amd64/kubelet'),
      '--kubelet',
      REAL_TAG,
      '--image',
      GO115,
      '--specs',
      specs,
    ]);
    assert.equal(v.exitCode, 1, v.stdout);
    // kubernetes links kubelet with -s -w: the proof reads the Go function table
    assert.match(
      v.stdout,
      /^FAIL\s+kmem symbols\s+still compiled in: k8s\.io\/kubernetes\/vendor\/github\.com\/opencontainers\/runc\/libcontainer\/cgroups\/fs\.EnableKernelMemoryAccounting/m,
    );
    assert.match(v.stdout, /^FAIL\s+no kmem file name/m);
    // run as a standalone node, it enabled kmem on kubepods and on the static pod's cgroup (1, then -1, each)
    assert.match(
      v.stdout,
      /^FAIL\s+runtime \(kubelet\)\s+the kubelet enabled kernel-memory accounting: 4 opens of memory\.kmem\.\* for writing \(kubepods\/memory\.kmem\.limit_in_bytes, kubepods\/pod[0-9a-f]{32}\/memory\.kmem\.limit_in_bytes\)$/m,
    );
    await rm(tree, { recursive: true, force: true });
  });

  it("the toolchain decision at run time: the tree's json-iterator marshals a map with Go 1.15 and crashes with Go 1.19", async () => {
    const into = path.join(root, 'prepared');
    const r = await nokmem(['prepare', ...common, '--into', into]);
    assert.equal(r.exitCode, 0, r.stderr);
    const docker = new Docker(realRunner);
    const probe = async (image: string) =>
      toolchainProbe(
        { tree: into, mountPath: '/go/src/k8s.io/kubernetes', image, goCache: await goCacheOf(image) },
        docker,
      );
    const safe = await probe(GO115);
    assert.equal(safe.status, 'pass', safe.detail);
    assert.match(safe.detail, /\{"kmem":"off","nokmem":"probe"\}/);
    const unsafe = await probe(GO119);
    assert.equal(unsafe.status, 'fail', unsafe.detail);
    assert.match(unsafe.detail, /crashed \(exit 2: .*SIGSEGV/);
    await rm(into, { recursive: true, force: true });
  });
});

/** The Go build cache directory the pipeline uses for an image's Go (so the hand builds above are warm too). */
async function goCacheOf(image: string): Promise<string> {
  const go = (
    await execa('docker', ['image', 'inspect', '--format', '{{index .Config.Labels "dev.nokmem.go-version"}}', image])
  ).stdout.trim();
  const dir = path.join(GO_BUILD_CACHE, `go${go}`);
  await mkdir(dir, { recursive: true });
  await execa('chown', ['-R', '10001:10001', dir]);
  return dir;
}
