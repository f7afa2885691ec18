// End to end on hand-made upstreams: real git, real Docker, real Go, real strace. One build per era, the
// verifier's verdict for each, and that an unpatched or untagged build is caught.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import YAML from 'yaml';
import type { BuildRecord } from '../../src/context.ts';
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

let wb: Workbench;

before(async () => {
  wb = await workbench((runc, kube) => ({
    runc: {
      'v1.0.0-rc4': runc.tags['v1.0.0-rc4']!,
      'v1.0.0-rc5': runc.tags['v1.0.0-rc5']!,
      'v1.0.0-rc6': runc.tags['v1.0.0-rc6']!,
      'v1.0.0-rc92': runc.tags['v1.0.0-rc92']!,
      'v1.0.0-rc94': runc.tags['v1.0.0-rc94']!,
      // v1.0.0-rc3 is left unpinned on purpose (resolved on the remote, pinned with --write-pin)
    },
    kubelet: { 'v1.12.4': kube.tags['v1.12.4']!, 'v1.14.10': kube.tags['v1.14.10']! },
  }));
});

after(async () => wb?.cleanup());

async function record(out: string, component: string, tag: string): Promise<BuildRecord> {
  return JSON.parse(await readFile(path.join(out, `${component}-${tag}`, 'build-record.json'), 'utf8')) as BuildRecord;
}

function statuses(r: BuildRecord): Record<string, string> {
  return Object.fromEntries(r.verification.checks.map((c) => [c.name, c.status]));
}

describe('runc, source-patch era (rc5)', () => {
  it('patches, builds static, and proves nokmem statically and under strace', async () => {
    const out = wb.out('rc5');
    const r = await nokmem(['build', '--runc', 'v1.0.0-rc5', '--remote', wb.runc.url, '--out', out, ...wb.common]);
    assert.equal(r.exitCode, 0, r.stderr);
    const rec = await record(out, 'runc', 'v1.0.0-rc5');
    assert.equal(rec.method, 'source-patch');
    assert.equal(rec.source.commit, wb.runc.tags['v1.0.0-rc5']);
    assert.deepEqual(statuses(rec), {
      'EL7 glibc': 'pass',
      'version string': 'pass',
      'no kmem file name': 'pass',
      'nokmem marker': 'pass',
      'kmem symbols': 'pass',
      'Apply calls no kmem': 'pass',
      'functional (strace)': 'pass',
    });
    const patch = await readFile(path.join(out, 'runc-v1.0.0-rc5', 'nokmem.patch'), 'utf8');
    assert.match(patch, /^\+\treturn fmt\.Errorf\("kernel memory accounting disabled in this runc build"\)$/m);
    assert.equal(rec.patch?.diffDigest, `sha256:${createHash('sha256').update(patch).digest('hex')}`);
    const binary = await readFile(path.join(out, 'runc-v1.0.0-rc5', 'runc'));
    assert.equal(rec.files.runc?.sha256, createHash('sha256').update(binary).digest('hex'));
    assert.equal(rec.image.reference, TEST_IMAGE);
    assert.match(rec.image.id, /^sha256:/);
    // each step said its name and how long it took
    assert.match(r.stderr, /\[ ?\d+\/\d+\] compile in Docker: done in \d+\.\ds/);
  });

  it('a second identical run is a cache hit', async () => {
    const r = await nokmem([
      'build',
      '--runc',
      'v1.0.0-rc5',
      '--remote',
      wb.runc.url,
      '--out',
      wb.out('rc5-again'),
      '--json',
      ...wb.common,
    ]);
    assert.equal(r.exitCode, 0, r.stderr);
    const result = JSON.parse(r.stdout) as {
      cacheHit: boolean;
      steps: { name: string; status: string; reason?: string }[];
    };
    assert.equal(result.cacheHit, true);
    assert.equal(result.steps.find((s) => s.name === 'compile in Docker')?.reason, 'cache hit');
    assert.ok(exists(path.join(wb.out('rc5-again'), 'runc-v1.0.0-rc5', 'runc')));
  });

  it('a cached result that skipped the functional proof (--no-functional) is not reused by a run that wants it', async () => {
    const common = [...wb.common, '--cache-dir', path.join(wb.root, 'cache-proofs'), '--no-package'];
    const build = (name: string, ...extra: string[]) =>
      nokmem([
        'build',
        '--runc',
        'v1.0.0-rc5',
        '--remote',
        wb.runc.url,
        '--out',
        wb.out(name),
        '--json',
        ...extra,
        ...common,
      ]);
    const weak = await build('weak', '--no-functional');
    assert.equal(weak.exitCode, 0, weak.stderr);
    assert.equal(statuses(await record(wb.out('weak'), 'runc', 'v1.0.0-rc5'))['functional (strace)'], 'skipped');
    const strong = await build('strong');
    assert.equal(strong.exitCode, 0, strong.stderr);
    assert.equal(
      (JSON.parse(strong.stdout) as { cacheHit: boolean }).cacheHit,
      false,
      'a weaker cached proof is not a cache hit',
    );
    assert.match(
      strong.stderr,
      /reuse cached build: skipped \(the cached build is weaker than this run asks for \(its functional proof was turned off with --no-functional\)/,
    );
    assert.equal(statuses(await record(wb.out('strong'), 'runc', 'v1.0.0-rc5'))['functional (strace)'], 'pass');
    // the stronger result now in the cache serves a weaker request
    const again = await build('weak-again', '--no-functional');
    assert.equal((JSON.parse(again.stdout) as { cacheHit: boolean }).cacheHit, true, again.stderr);
    assert.equal(statuses(await record(wb.out('weak-again'), 'runc', 'v1.0.0-rc5'))['functional (strace)'], 'pass');
  });

  it('catches an unpatched build of the same tree (the verifier can fail)', async () => {
    const tree = path.join(wb.root, 'unpatched-rc5');
    await buildByHand(wb.runc.dir, 'v1.0.0-rc5', tree, 'github.com/opencontainers/runc', [
      'static',
      `COMMIT=${wb.runc.tags['v1.0.0-rc5']}`,
    ]);
    const r = await nokmem([
      'verify',
      path.join(tree, 'runc'),
      '--runc',
      'v1.0.0-rc5',
      '--json',
      '--image',
      TEST_IMAGE,
      '--specs',
      wb.specs,
    ]);
    assert.equal(r.exitCode, 1);
    const verdict = JSON.parse(r.stdout) as { ok: boolean; checks: { name: string; status: string; detail: string }[] };
    assert.equal(verdict.ok, false);
    const failed = verdict.checks.filter((c) => c.status === 'fail').map((c) => c.name);
    assert.deepEqual(failed, [
      'no kmem file name',
      'nokmem marker',
      'kmem symbols',
      'Apply calls no kmem',
      'functional (strace)',
    ]);
    assert.match(
      verdict.checks.find((c) => c.name === 'functional (strace)')?.detail ?? '',
      /memory\.kmem\.limit_in_bytes/,
    );
    // The kmem-enabled cgroup of the control build is not left on the host.
    const cgroup = /nokmem-verify-[0-9a-f]{8}/.exec(
      verdict.checks.find((c) => c.name === 'functional (strace)')?.detail ?? '',
    )?.[0];
    assert.ok(cgroup, 'the proof names its cgroup');
    assert.ok(!exists(path.join('/sys/fs/cgroup/memory', cgroup)), `${cgroup} was left on the host`);
    assert.match(r.stderr, /^nokmem: error: .* is not a verified nokmem runc v1\.0\.0-rc5/m);
  });

  it('verify identifies a bare runc without --runc; a failure prints each check once and ends with a short line', async () => {
    const verify = (binary: string, ...extra: string[]) =>
      nokmem(['verify', binary, '--image', TEST_IMAGE, '--specs', wb.specs, '--no-functional', ...extra]);
    interface Identified {
      ok: boolean;
      component: string;
      version: string;
      identified: { component: string; version: string; commit?: string };
    }
    const built = path.join(wb.out('rc5'), 'runc-v1.0.0-rc5', 'runc');
    const good = await verify(built, '--json');
    assert.equal(good.exitCode, 0, good.stderr);
    const verdict = JSON.parse(good.stdout) as Identified;
    assert.equal(verdict.ok, true);
    assert.deepEqual(
      [verdict.identified.component, verdict.identified.version, verdict.identified.commit],
      ['runc', 'v1.0.0-rc5', wb.runc.tags['v1.0.0-rc5']],
    );

    const tree = path.join(wb.root, 'unpatched-rc5-identify');
    await buildByHand(wb.runc.dir, 'v1.0.0-rc5', tree, 'github.com/opencontainers/runc', [
      'static',
      `COMMIT=${wb.runc.tags['v1.0.0-rc5']}`,
    ]);
    const bad = await verify(path.join(tree, 'runc'));
    assert.equal(bad.exitCode, 1, bad.stderr);
    assert.deepEqual(
      failedRows(bad.stdout).map((row) => row.split(':')[0]),
      ['no kmem file name', 'nokmem marker', 'kmem symbols', 'Apply calls no kmem'],
    );
    assertReportedOnce(bad);

    // a claim is checked against what the binary is: another version is a PinMismatch
    const wrong = await verify(built, '--runc', 'v1.0.0-rc6', '--json');
    assert.equal(wrong.exitCode, 1, wrong.stderr);
    assert.equal((JSON.parse(wrong.stdout) as { kind: string }).kind, 'PinMismatch');
    const kubelet = await verify(built, '--kubelet', 'v1.12.4', '--json');
    assert.equal((JSON.parse(kubelet.stdout) as { kind: string }).kind, 'PinMismatch');
  });
});

describe('runc, source-patch era with an unpinned tag (rc3)', () => {
  it('resolves the commit on the remote, warns, builds, and records the pin when asked', async () => {
    const r = await nokmem([
      'build',
      '--runc',
      'v1.0.0-rc3',
      '--remote',
      wb.runc.url,
      '--out',
      wb.out('rc3'),
      '--write-pin',
      ...wb.common,
    ]);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(r.stderr, /has no pin in specs\/pins\.yaml/);
    assert.match(r.stderr, /dropped unused imports .*syscall/);
    const pins = YAML.parse(await readFile(path.join(wb.specs, 'pins.yaml'), 'utf8')) as {
      runc: Record<string, string>;
    };
    assert.equal(pins.runc['v1.0.0-rc3'], wb.runc.tags['v1.0.0-rc3']);
  });
});

describe('runc, build-tag eras', () => {
  for (const [tag, marker] of [
    ['v1.0.0-rc6', false],
    ['v1.0.0-rc92', true],
  ] as const) {
    it(`${tag}: builds with the nokmem tag and passes every proof`, async () => {
      const out = wb.out(tag);
      const r = await nokmem(['build', '--runc', tag, '--remote', wb.runc.url, '--out', out, ...wb.common]);
      assert.equal(r.exitCode, 0, r.stderr);
      const rec = await record(out, 'runc', tag);
      assert.equal(rec.method, 'build-tag');
      assert.ok(
        rec.flags.make.includes(
          tag === 'v1.0.0-rc6' ? 'BUILDTAGS=seccomp nokmem' : 'BUILDTAGS=seccomp selinux apparmor nokmem',
        ),
      );
      assert.equal(rec.patch, null);
      assert.ok(
        Object.values(statuses(rec)).every((s) => s === 'pass'),
        JSON.stringify(rec.verification),
      );
      assert.equal('nokmem marker' in statuses(rec), marker);
    });
  }
});

describe('runc, not affected', () => {
  it('refuses rc1 and rc94 with the reason, and builds rc94 with --force', async () => {
    for (const tag of ['v1.0.0-rc1', 'v1.0.0-rc94']) {
      const r = await nokmem([
        'build',
        '--runc',
        tag,
        '--remote',
        wb.runc.url,
        '--out',
        wb.out('unaffected'),
        ...wb.common,
      ]);
      assert.equal(r.exitCode, 1);
      assert.match(
        r.stderr,
        new RegExp(
          `^nokmem: error: runc ${tag} is not affected \\(.*\\); nothing to build\\. Use --force to build it anyway\\.$`,
          'm',
        ),
      );
      assert.ok(!exists(wb.out('unaffected')));
    }
    const out = wb.out('rc94');
    const r = await nokmem([
      'build',
      '--runc',
      'v1.0.0-rc94',
      '--force',
      '--remote',
      wb.runc.url,
      '--out',
      out,
      ...wb.common,
    ]);
    assert.equal(r.exitCode, 0, r.stderr);
    const rec = await record(out, 'runc', 'v1.0.0-rc94');
    assert.equal(rec.method, 'none');
    assert.equal(statuses(rec)['functional (strace)'], 'pass');
  });
});

describe('kubelet', () => {
  it('v1.12.4: patches vendored libcontainer, builds with cgo as upstream, with the upstream version string', async () => {
    const out = wb.out('k112');
    const r = await nokmem([
      'build',
      '--kubelet',
      '1.12.4',
      '--remote',
      wb.kubernetes.url,
      '--out',
      out,
      ...wb.common,
      '--image',
      KUBELET_TEST_IMAGE,
    ]);
    assert.equal(r.exitCode, 0, r.stderr);
    const rec = await record(out, 'kubelet', 'v1.12.4');
    assert.equal(rec.method, 'source-patch');
    assert.match(
      await readFile(path.join(out, 'kubelet-v1.12.4', 'nokmem.patch'), 'utf8'),
      /^--- a\/vendor\/github\.com\/opencontainers\/runc\/libcontainer\/cgroups\/fs\/memory\.go/m,
    );
    const s = statuses(rec);
    assert.equal(s['EL7 glibc'], 'pass');
    assert.equal(s['version string'], 'pass');
    assert.equal(s['kmem symbols'], 'pass');
    assert.equal(s['Apply calls no kmem'], 'pass');
    assert.equal(s['functional (strace)'], undefined, 'the functional proof is for runc');
    // the kubelet's own: the fixture kubelet as a standalone node makes kubepods and the static pod's cgroup
    assert.equal(s['runtime (kubelet)'], 'pass');
    assert.match(
      rec.verification.checks.find((c) => c.name === 'runtime (kubelet)')?.detail ?? '',
      /created kubepods and kubepods\/pod[0-9a-f]{32} with the pod's memory limit; memory\.kmem\.limit_in_bytes exists in both/,
    );
    const { stdout } = await execa('docker', [
      'run',
      '--rm',
      '--network',
      'none',
      '-v',
      `${path.join(out, 'kubelet-v1.12.4', 'kubelet')}:/kubelet:ro`,
      TEST_IMAGE,
      '/kubelet',
      '--version',
    ]);
    assert.equal(stdout.trim(), 'Kubernetes v1.12.4');
  });

  it('v1.14.10: builds with GOFLAGS=-tags=nokmem; the same tree built without it is caught', async () => {
    const out = wb.out('k114');
    const r = await nokmem([
      'build',
      '--kubelet',
      'v1.14.10',
      '--remote',
      wb.kubernetes.url,
      '--out',
      out,
      ...wb.common,
      '--image',
      KUBELET_TEST_IMAGE,
    ]);
    assert.equal(r.exitCode, 0, r.stderr);
    const rec = await record(out, 'kubelet', 'v1.14.10');
    assert.equal(rec.method, 'build-tag');
    assert.ok(rec.flags.make.includes('GOFLAGS=-tags=nokmem'));
    assert.ok(
      Object.values(statuses(rec)).every((v) => v === 'pass'),
      JSON.stringify(rec.verification),
    );

    const tree = path.join(wb.root, 'untagged-k114');
    await buildByHand(wb.kubernetes.dir, 'v1.14.10', tree, 'k8s.io/kubernetes', ['WHAT=cmd/kubelet'], {
      KUBE_GIT_VERSION: 'v1.14.10',
      KUBE_GIT_COMMIT: wb.kubernetes.tags['v1.14.10']!,
      KUBE_GIT_TREE_STATE: 'archive',
    });
    const v = await nokmem([
      'verify',
      path.join(tree, '_output/local/bin/linux/amd64/kubelet'),
      '--kubelet',
      'v1.14.10',
      '--image',
      TEST_IMAGE,
      '--specs',
      wb.specs,
    ]);
    assert.equal(v.exitCode, 1, v.stdout);
    assert.match(v.stdout, /^FAIL\s+kmem symbols/m);
    // and at run time: it wrote 1, then -1, to kubepods' and the pod's memory.kmem.limit_in_bytes
    assert.match(
      v.stdout,
      /^FAIL\s+runtime \(kubelet\)\s+the kubelet enabled kernel-memory accounting: 4 opens of memory\.kmem\.\* for writing \(kubepods\/memory\.kmem\.limit_in_bytes, kubepods\/pod[0-9a-f]{32}\/memory\.kmem\.limit_in_bytes\)$/m,
    );
  });

  it('prepare stops after the patch: a patched tree, no build, no output', async () => {
    const into = path.join(wb.root, 'prepared-k112');
    const r = await nokmem([
      'prepare',
      '--kubelet',
      'v1.12.4',
      '--remote',
      wb.kubernetes.url,
      '--into',
      into,
      '--specs',
      wb.specs,
      '--cache-dir',
      wb.cache,
    ]);
    assert.equal(r.exitCode, 0, r.stderr);
    const memory = await readFile(
      path.join(into, 'vendor/github.com/opencontainers/runc/libcontainer/cgroups/fs/memory.go'),
      'utf8',
    );
    assert.match(memory, /kernel memory accounting disabled in this runc build/);
    assert.ok(exists(`${into}.nokmem.patch`));
    assert.ok(!exists(path.join(into, '_output')));
    await rm(into, { recursive: true, force: true });
  });
});
