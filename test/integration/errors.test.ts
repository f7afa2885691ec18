// Bad input and broken surroundings: each gives one clear line on stderr, a non-zero exit, and leaves nothing
// in the output directory.

import assert from 'node:assert/strict';
import { mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { type Workbench, exists, nokmem, workbench } from '../helpers/cli.ts';

let wb: Workbench;
/** A read-only file system (a tmpfs mounted ro), as a full or read-only disk would be. */
let readOnly: string;

before(async () => {
  wb = await workbench((runc, kube) => ({
    runc: {
      'v1.0.0-rc4': runc.tags['v1.0.0-rc4']!,
      'v1.0.0-rc5': runc.tags['v1.0.0-rc5']!,
      // a pin that does not match what the remote's tag points to
      'v1.0.0-rc6': runc.tags['v1.0.0-rc5']!,
      // a tag the remote does not have
      'v1.0.0-rc7': '0123456789abcdef0123456789abcdef01234567',
    },
    kubelet: { 'v1.12.4': kube.tags['v1.12.4']! },
  }));
  readOnly = path.join(wb.root, 'read-only');
  await mkdir(readOnly);
  await execa('mount', ['-t', 'tmpfs', '-o', 'ro,size=1m', 'nokmem-test-ro', readOnly]);
});

after(async () => {
  if (readOnly) await execa('umount', [readOnly], { reject: false });
  await wb?.cleanup();
});

function errorLine(stderr: string): string {
  const lines = stderr.split('\n').filter((l) => l.startsWith('nokmem: '));
  assert.equal(lines.length, 1, `exactly one error line, got: ${stderr}`);
  return lines[0] ?? '';
}

const cases: { name: string; args: string[]; env?: Record<string, string>; exit: number; message: RegExp }[] = [
  { name: 'a version without a patch number', args: ['--kubelet', '1.12'], exit: 2, message: /kubelet version "1\.12" is not a release version; expected a full tag like v1\.12\.4/ },
  { name: '"latest"', args: ['--runc', 'latest'], exit: 2, message: /runc version "latest" is not a release version; expected a full tag like v1\.0\.0-rc5/ },
  { name: 'a version with shell syntax', args: ['--kubelet', 'v1.12.4;id'], exit: 2, message: /"v1\.12\.4;id" is not a release version/ },
  { name: 'both components', args: ['--kubelet', 'v1.12.4', '--runc', 'v1.0.0-rc5'], exit: 2, message: /give one of --kubelet VERSION, --runc VERSION or --fork NAME, not several/ },
  { name: 'an unaffected version', args: ['--kubelet', 'v1.22.3'], exit: 1, message: /kubelet v1\.22\.3 is not affected .*Use --force to build it anyway/ },
  { name: 'a tag the remote lacks', args: ['--runc', 'v1.0.0-rc7', 'REMOTE'], exit: 1, message: /tag v1\.0\.0-rc7 is not on file:\/\/.*; check the version, or point --remote at a mirror/ },
  { name: 'an unpinned tag the remote lacks', args: ['--runc', 'v1.0.0-rc8', 'REMOTE'], exit: 1, message: /tag v1\.0\.0-rc8 is not on file:\/\// },
  { name: 'a pin mismatch', args: ['--runc', 'v1.0.0-rc6', 'REMOTE'], exit: 1, message: /runc v1\.0\.0-rc6 on file:\/\/.* is commit [0-9a-f]{40}, but specs\/pins\.yaml pins [0-9a-f]{40}; a moved tag is a mistake or an attack/ },
  { name: 'a patch that does not apply', args: ['--runc', 'v1.0.0-rc4', 'REMOTE'], exit: 1, message: /does not apply: func EnableKernelMemoryAccounting not found in libcontainer\/cgroups\/fs\/memory\.go/ },
  { name: 'Docker unreachable', args: ['--runc', 'v1.0.0-rc5', 'REMOTE'], env: { DOCKER_HOST: 'unix:///nonexistent/docker.sock' }, exit: 1, message: /the Docker engine is not reachable .*; start dockerd or set DOCKER_HOST/ },
  { name: 'a remote that does not exist', args: ['--runc', 'v1.0.0-rc5', '--remote', '/nonexistent/runc.git'], exit: 1, message: /cannot fetch v1\.0\.0-rc5 from file:\/\/\/nonexistent\/runc\.git: '\/nonexistent\/runc\.git' does not appear to be a git repository; check --remote/ },
  { name: 'a version in a not-affected era that was never released', args: ['--runc', 'v1.0.0-rc99', 'REMOTE'], exit: 1, message: /tag v1\.0\.0-rc99 is not on file:\/\/.*, so runc v1\.0\.0-rc99 is not a release; check the version$/ },
  { name: 'a read-only --out', args: ['--runc', 'v1.0.0-rc5', 'REMOTE', '--out', 'READONLY/out'], exit: 1, message: /cannot write to .*\/read-only\/out \(read-only file system\); choose a writable --out$/ },
  { name: 'a read-only --cache-dir', args: ['--runc', 'v1.0.0-rc5', 'REMOTE', '--cache-dir', 'READONLY/cache'], exit: 1, message: /cannot write to .*\/read-only\/cache \(read-only file system\); choose a writable --cache-dir$/ },
  { name: 'a --cache-dir under /proc', args: ['--runc', 'v1.0.0-rc5', 'REMOTE', '--cache-dir', '/proc/nokmem-cache'], exit: 1, message: /--cache-dir \/proc\/nokmem-cache is under \/proc, a kernel file system that cannot hold files; choose a normal writable directory/ },
  { name: 'a dry run with an unreachable remote', args: ['--runc', 'v1.0.0-rc5', '--remote', '/nonexistent/runc.git', '--dry-run'], exit: 1, message: /cannot read file:\/\/\/nonexistent\/runc\.git: '\/nonexistent\/runc\.git' does not appear to be a git repository; check --remote/ },
  { name: 'a builder image that is not there', args: ['--runc', 'v1.0.0-rc5', 'REMOTE', '--image', 'nokmem-builder:no-such-tag'], exit: 1, message: /builder image nokmem-builder:no-such-tag is not in the Docker engine; build it with/ },
];

describe('bad input and broken surroundings', () => {
  for (const c of cases) {
    it(`${c.name}: one line, exit ${c.exit}, nothing in the output`, async () => {
      const out = wb.out(c.name.replace(/\W+/g, '-'));
      const args = c.args.flatMap((a) => (a === 'REMOTE' ? ['--remote', wb.runc.url] : [a.replace(/^READONLY\//, `${readOnly}/`)]));
      // the case's own options come last, so they win over the common ones
      const r = await nokmem(['build', ...wb.common, '--out', out, ...args], c.env);
      assert.equal(r.exitCode, c.exit, r.stderr);
      assert.match(errorLine(r.stderr), c.message);
      assert.ok(!exists(out), `${out} must not exist`);
    });
  }

  it('--dry-run prints the plan and writes nothing', async () => {
    const out = wb.out('dry');
    const cache = `${wb.root}/dry-run-cache`;
    const r = await nokmem(['build', ...wb.common, '--kubelet', 'v1.12.4', '--remote', wb.kubernetes.url, '--dry-run', '--out', out, '--cache-dir', cache]);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(r.stdout, /^source {6}file:\/\/.* v1\.12\.4 -> [0-9a-f]{40} \(pinned\)$/m);
    assert.match(r.stdout, /^method {6}source-patch: /m);
    assert.match(r.stdout, /^image {7}nokmem-builder:debian-go1\.19 sha256:/m);
    assert.match(r.stdout, /^output {6}.*kubelet-v1\.12\.4\/\{kubelet,build-record\.json,nokmem\.patch,\*\.rpm,SHA256SUMS\{,\.asc\}/m);
    assert.match(r.stderr, /compile in Docker: skipped \(dry run\)/);
    assert.ok(!exists(out));
    assert.ok(!exists(cache), 'no fetch, no cache in a dry run');
  });

  it('in GitHub Actions: one log group per step, and a job summary table', async () => {
    const summary = `${wb.root}/summary.md`;
    const r = await nokmem(['build', ...wb.common, '--kubelet', 'v1.12.4', '--remote', wb.kubernetes.url, '--dry-run', '--out', wb.out('gha'), '--cache-dir', `${wb.root}/gha-cache`], { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summary });
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(r.stderr, /^::group::\[ ?1\/\d+\] resolve$/m);
    assert.match(r.stderr, /^::endgroup::$/m);
    const { readFile } = await import('node:fs/promises');
    assert.match(await readFile(summary, 'utf8'), /^### kubelet v1\.12\.4: planned\n\n\| \| \|\n\|---\|---\|\n\| source \| `[0-9a-f]{40}` \(v1\.12\.4\) \|$/m);
  });

  it('--help describes every command', async () => {
    const r = await nokmem(['--help']);
    assert.equal(r.exitCode, 0);
    for (const command of ['build', 'prepare', 'verify', 'publish', 'release', 'matrix', 'doctor', 'pin', 'builder-image']) assert.match(r.stdout, new RegExp(`^  ${command}`, 'm'));
    const build = await nokmem(['build', '--help']);
    assert.match(build.stdout, /--dry-run/);
  });

  it('leaves no workspace behind after a failed build', async () => {
    const work = `${wb.cache}/work`;
    assert.deepEqual(exists(work) ? await readdir(work) : [], []);
  });
});
