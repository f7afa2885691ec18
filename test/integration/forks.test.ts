// Forks of runc, built by commit with the method decided by inspecting the tree: a fork between two upstream
// tags, a fork whose tree disagrees with specs/ for the version it claims, and a fork that needs its own patch
// before the nokmem patch. The forks are made here from the fixture upstream; their patch is written here.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFile, mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import YAML from 'yaml';
import type { BuildRecord } from '../../src/context.ts';
import { TEST_IMAGE, type Workbench, exists, nokmem, workbench } from '../helpers/cli.ts';

let wb: Workbench;
let forksFile: string;
/** Entries whose patch is the fork owner's file, fetched at build time by URL and checked by digest. */
let fetchedForksFile: string;

const GIT_ENV = {
  GIT_AUTHOR_NAME: 'Fork Maintainer',
  GIT_AUTHOR_EMAIL: 'fork@fixtures.invalid',
  GIT_COMMITTER_NAME: 'Fork Maintainer',
  GIT_COMMITTER_EMAIL: 'fork@fixtures.invalid',
  GIT_AUTHOR_DATE: '1540000000 +0000',
  GIT_COMMITTER_DATE: '1540000000 +0000',
  GIT_CONFIG_GLOBAL: '/dev/null',
};
const git = (dir: string, ...args: string[]) => execa('git', ['-C', dir, ...args], { env: GIT_ENV });

/** A fork: the upstream fixture at `base`, plus one commit of the fork's own (no tag). */
async function fork(
  name: string,
  base: string,
  change: (dir: string) => Promise<void>,
): Promise<{ url: string; commit: string }> {
  const dir = path.join(wb.root, 'forks', name);
  await execa('git', ['clone', '-q', wb.runc.dir, dir], { env: GIT_ENV });
  await git(dir, 'checkout', '-q', '-b', 'fork', base);
  await change(dir);
  await git(dir, 'add', '-A');
  await git(dir, 'commit', '-q', '-m', `${name}: the fork's own change`);
  return { url: `file://${dir}`, commit: (await git(dir, 'rev-parse', 'HEAD')).stdout.trim() };
}

before(async () => {
  wb = await workbench(() => ({ runc: {}, kubelet: {} }));
  // docker's runc (as docker-ce 18.06.2's): upstream rc5 plus a commit of docker's, reporting rc5+dev.
  const docker = await fork('docker-runc', 'v1.0.0-rc5', async (dir) =>
    writeFile(path.join(dir, 'VERSION'), '1.0.0-rc5+dev\n'),
  );
  // docker's runc after rc6 (as docker-ce 18.09.2's): the kmem/nokmem split, without upstream's error message.
  const docker1809 = await fork('docker-runc-rc6', 'v1.0.0-rc6', async (dir) =>
    writeFile(path.join(dir, 'VERSION'), '1.0.0-rc6+dev\n'),
  );
  // a fork that says it is rc5 but carries rc6's kmem/nokmem split
  const confused = await fork('confused-runc', 'v1.0.0-rc6', async (dir) =>
    writeFile(path.join(dir, 'VERSION'), '1.0.0-rc5\n'),
  );
  // NVIDIA-style: the runc commit named by the fork, and the fork's own patch (a stand-in for the hook patch)
  const nvidia = await fork('nvidia-runtime', 'v1.0.0-rc5', async (dir) =>
    writeFile(path.join(dir, 'NOTICE.fork'), 'nvidia runtime fork\n'),
  );
  const hookDir = path.join(wb.root, 'forks', 'nvidia-runtime');
  const main = path.join(hookDir, 'main.go');
  const original = await readFile(main, 'utf8');
  await writeFile(
    main,
    original.replace(
      'v = append(v, "spec: "+specVersion)',
      'v = append(v, "spec: "+specVersion)\n\tv = append(v, "hook: nvidia-container-runtime-hook prestart")',
    ),
  );
  await writeFile(path.join(wb.specs, 'nvidia-hook.patch'), (await git(hookDir, 'diff')).stdout + '\n');
  await git(hookDir, 'checkout', '--', 'main.go');

  forksFile = path.join(wb.specs, 'forks.yaml');
  await writeFile(
    forksFile,
    YAML.stringify({
      forks: {
        // shaped like the real entries of specs/forks.yaml
        'docker-ce-18.06.2': {
          description: "docker-ce 18.06.2's runc",
          repository: docker.url,
          commit: docker.commit,
          version: '1.0.0-rc5+dev',
          claims: 'v1.0.0-rc5',
          method: 'source-patch',
          docker: ['18.06.2', '18.06.3'],
          binary: 'docker-runc',
          package: 'docker-runc-nokmem',
        },
        'docker-ce-18.09.2': {
          description: "docker-ce 18.09.2's runc",
          repository: docker1809.url,
          commit: docker1809.commit,
          version: '1.0.0-rc6+dev',
          claims: 'v1.0.0-rc6',
          method: 'build-tag',
          docker: ['18.09.2+'],
          binary: 'runc',
          package: 'docker-ce-18.09.2-runc-nokmem',
        },
        'confused-runc': {
          description: 'claims rc5, has the rc6 split',
          repository: confused.url,
          commit: confused.commit,
          version: 'v1.0.0-rc5',
          claims: 'v1.0.0-rc5',
          binary: 'runc',
          package: 'confused-runc-nokmem',
        },
        'nvidia-runtime-2.0': {
          description: 'runc plus the hook patch',
          repository: nvidia.url,
          commit: nvidia.commit,
          version: 'v1.0.0-rc5',
          claims: 'v1.0.0-rc5',
          binary: 'nvidia-container-runtime',
          package: 'nvidia-container-runtime-nokmem',
          patches: ['nvidia-hook.patch'],
        },
      },
    }),
  );

  // The fork owner's repository keeps the patch (as NVIDIA's keeps runtime/runc/<commit>/*.patch); nokmem only
  // names it by URL and digest.
  const ownerDir = path.join(wb.root, 'nvidia-owner', 'runtime', 'runc', nvidia.commit);
  await mkdir(ownerDir, { recursive: true });
  const ownerPatch = path.join(ownerDir, '0001-Add-prestart-hook.patch');
  await copyFile(path.join(wb.specs, 'nvidia-hook.patch'), ownerPatch);
  const digest = createHash('sha256')
    .update(await readFile(ownerPatch))
    .digest('hex');
  const entry = {
    description: 'runc plus the hook patch, fetched',
    repository: nvidia.url,
    commit: nvidia.commit,
    version: 'v1.0.0-rc5',
    claims: 'v1.0.0-rc5',
    binary: 'nvidia-container-runtime',
    package: 'nvidia-container-runtime-nokmem',
  };
  fetchedForksFile = path.join(wb.root, 'fetched-forks.yaml');
  await writeFile(
    fetchedForksFile,
    YAML.stringify({
      forks: {
        'nvidia-fetched': { ...entry, patches: [{ url: `file://${ownerPatch}`, sha256: digest }] },
        'nvidia-tampered': { ...entry, patches: [{ url: `file://${ownerPatch}`, sha256: 'f'.repeat(64) }] },
      },
    }),
  );
});

after(async () => wb?.cleanup());

const record = async (dir: string) =>
  JSON.parse(await readFile(path.join(dir, 'build-record.json'), 'utf8')) as BuildRecord;

describe('forks of runc', () => {
  it('a fork between two upstream tags: inspected as source-patch, built, verified, packaged under its own name', async () => {
    const out = wb.out('fork-docker');
    const r = await nokmem(['build', '--fork', 'docker-ce-18.06.2', '--out', out, ...wb.common]);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(
      r.stderr,
      /inspect tree \.\.\.\n {2}source-patch: \(\*MemoryGroup\)\.Apply in libcontainer\/cgroups\/fs\/memory\.go calls EnableKernelMemoryAccounting/,
    );
    const dir = path.join(out, 'docker-ce-18.06.2');
    const rec = await record(dir);
    assert.equal(rec.method, 'source-patch');
    assert.equal(rec.fork?.binary, 'docker-runc');
    assert.ok(
      rec.verification.checks.every((c) => c.status === 'pass'),
      JSON.stringify(rec.verification),
    );
    const files = await readdir(dir);
    assert.ok(files.includes('docker-runc'));
    assert.ok(files.includes('docker-runc-nokmem-1.0.0~rc5+dev-1.x86_64.rpm'), files.join(' '));
    const listing = await execa('docker', [
      'run',
      '--rm',
      '-v',
      `${dir}:/in:ro`,
      TEST_IMAGE,
      'rpm',
      '-qpl',
      '/in/docker-runc-nokmem-1.0.0~rc5+dev-1.x86_64.rpm',
    ]);
    assert.match(listing.stdout, /^\/usr\/libexec\/docker-runc-nokmem\/docker-runc$/m);
    const example = await execa('docker', [
      'run',
      '--rm',
      '-v',
      `${dir}:/in:ro`,
      TEST_IMAGE,
      'sh',
      '-c',
      'cd /tmp && rpm2cpio /in/*.rpm | cpio -idm --quiet && cat usr/share/docker-runc-nokmem/daemon.json.example',
    ]);
    assert.match(example.stdout, /"path": "\/usr\/libexec\/docker-runc-nokmem\/docker-runc"/);
  });

  it('a build-tag fork (docker-ce 18.09.2 shape): built with the nokmem tag, verified, no marker expected', async () => {
    const out = wb.out('fork-docker-1809');
    const r = await nokmem(['build', '--fork', 'docker-ce-18.09.2', '--out', out, '--no-package', ...wb.common]);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(
      r.stderr,
      /inspect tree \.\.\.\n {2}build-tag: libcontainer\/cgroups\/fs\/kmem_disabled\.go implements EnableKernelMemoryAccounting under the nokmem build tag/,
    );
    const rec = await record(path.join(out, 'docker-ce-18.09.2'));
    assert.equal(rec.method, 'build-tag');
    assert.ok(
      rec.flags.make.some((f) => /BUILDTAGS=.*nokmem/.test(f)),
      rec.flags.make.join(' '),
    );
    assert.ok(
      rec.verification.checks.every((c) => c.status === 'pass'),
      JSON.stringify(rec.verification),
    );
    assert.equal(
      rec.verification.checks.some((c) => c.name === 'nokmem marker'),
      false,
    );
  });

  it('a fork whose tree disagrees with specs/ for its claimed version stops with both answers', async () => {
    const out = wb.out('fork-confused');
    const r = await nokmem(['build', '--fork', 'confused-runc', '--out', out, ...wb.common]);
    assert.equal(r.exitCode, 1);
    assert.match(
      r.stderr,
      /^nokmem: error: fork confused-runc claims runc v1\.0\.0-rc5, for which specs\/versions\.yaml says source-patch, but the tree says build-tag \(.*kmem_disabled\.go implements EnableKernelMemoryAccounting under the nokmem build tag\); either the table or the tree is wrong/m,
    );
    assert.ok(!exists(out));
  });

  it('a fork that needs its own patch first: the patch, then nokmem, then the proofs', async () => {
    const out = wb.out('fork-nvidia');
    const r = await nokmem(['build', '--fork', 'nvidia-runtime-2.0', '--out', out, ...wb.common]);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(r.stderr, /apply fork patches \.\.\.\n {2}applied .*nvidia-hook\.patch/);
    const dir = path.join(out, 'nvidia-runtime-2.0');
    const rec = await record(dir);
    assert.equal(rec.method, 'source-patch');
    assert.equal(rec.fork?.patches[0]?.file, 'nvidia-hook.patch');
    assert.equal(rec.verification.checks.find((c) => c.name === 'functional (strace)')?.status, 'pass');
    const v = await execa('docker', [
      'run',
      '--rm',
      '--network',
      'none',
      '-v',
      `${path.join(dir, 'nvidia-container-runtime')}:/bin/x:ro`,
      TEST_IMAGE,
      '/bin/x',
      '--version',
    ]);
    assert.match(v.stdout, /hook: nvidia-container-runtime-hook prestart/);
    assert.ok((await readdir(dir)).includes('nvidia-container-runtime-nokmem-1.0.0~rc5-1.x86_64.rpm'));
  });

  it("a fork patch of the owner's, fetched by URL: applied only with the digest forks.yaml pins", async () => {
    const out = wb.out('fork-fetched');
    const r = await nokmem([
      'build',
      '--fork',
      'nvidia-fetched',
      '--forks',
      fetchedForksFile,
      '--out',
      out,
      '--no-package',
      ...wb.common,
    ]);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(
      r.stderr,
      /apply fork patches \.\.\.\n {2}applied file:\/\/.*0001-Add-prestart-hook\.patch \(sha256 [0-9a-f]{12}…, checked\)/,
    );
    const rec = await record(path.join(out, 'nvidia-fetched'));
    assert.match(rec.fork?.patches[0]?.url ?? '', /^file:\/\/.*0001-Add-prestart-hook\.patch$/);
    assert.ok(
      (await readdir(path.join(wb.cache, 'fork-patches'))).includes(`${rec.fork?.patches[0]?.sha256}.patch`),
      'kept in the cache by its digest',
    );

    const bad = wb.out('fork-tampered');
    const t = await nokmem([
      'build',
      '--fork',
      'nvidia-tampered',
      '--forks',
      fetchedForksFile,
      '--out',
      bad,
      '--no-package',
      ...wb.common,
    ]);
    assert.equal(t.exitCode, 1, t.stderr);
    assert.match(
      t.stderr,
      /^nokmem: error: fork nvidia-tampered: file:\/\/.*0001-Add-prestart-hook\.patch has sha256 [0-9a-f]{64}, but specs\/forks\.yaml says f{64}; the file changed or the URL is wrong: review the patch before changing the digest$/m,
    );
    assert.doesNotMatch(t.stderr, /compile in Docker \.\.\./);
    assert.ok(!exists(bad));
  });

  it('an unknown fork name is a one-line error', async () => {
    const r = await nokmem(['build', '--fork', 'no-such-fork', '--out', wb.out('x'), ...wb.common]);
    assert.equal(r.exitCode, 1);
    assert.match(
      r.stderr,
      /^nokmem: error: fork "no-such-fork" is not in .*forks\.yaml; known forks: docker-ce-18\.06\.2, docker-ce-18\.09\.2, confused-runc, nvidia-runtime-2\.0$/m,
    );
  });
});
