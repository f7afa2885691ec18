// Step check out (src/steps/check-out.ts) with real git (no Docker): the pinned commit's tree, exactly, in a fresh
// directory of the run's workspace, with no .git (so the build is told its version and is never "-dirty"); a cache
// hit or a dry run skips it; a commit the source cache does not hold fails as the git command it is, and leaves
// no tree and no scratch index behind.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { lstat, readFile, readdir, readlink, writeFile, mkdir, symlink, chmod } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { CommandFailed } from '../../../src/errors.ts';
import { silentLogger } from '../../../src/log.ts';
import { realRunner } from '../../../src/runner.ts';
import { SourceCache } from '../../../src/source.ts';
import { runSteps } from '../../../src/step.ts';
import { checkOut } from '../../../src/steps/check-out.ts';
import {
  buildRequest,
  newResults,
  removeTempDirs,
  resolved,
  tempDir,
  testDeps,
  testWorkspace,
} from '../../helpers/steps.ts';

const GIT_ENV = {
  GIT_AUTHOR_NAME: 'nokmem test',
  GIT_AUTHOR_EMAIL: 'test@nokmem.invalid',
  GIT_COMMITTER_NAME: 'nokmem test',
  GIT_COMMITTER_EMAIL: 'test@nokmem.invalid',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
};

/** A small upstream: a file, a script, a nested file and a symlink, tagged v1.0.0-rc5. */
let upstream: { url: string; commit: string; files: string[] };
before(async () => {
  const dir = path.join(await tempDir('nokmem-checkout-'), 'upstream');
  await mkdir(path.join(dir, 'libcontainer/cgroups/fs'), { recursive: true });
  await writeFile(path.join(dir, 'VERSION'), '1.0.0-rc5\n');
  await writeFile(path.join(dir, 'libcontainer/cgroups/fs/memory.go'), 'package fs\n');
  await writeFile(path.join(dir, 'build.sh'), '#!/bin/sh\nmake static\n');
  await chmod(path.join(dir, 'build.sh'), 0o755);
  await symlink('libcontainer/cgroups/fs/memory.go', path.join(dir, 'memory-link.go'));
  const git = (...args: string[]) => execa('git', args, { cwd: dir, env: GIT_ENV });
  await git('init', '--quiet');
  await git('add', '-A');
  await git('commit', '--quiet', '-m', 'rc5');
  await git('tag', 'v1.0.0-rc5');
  const commit = (await git('rev-parse', 'HEAD')).stdout.trim();
  const files = (await git('ls-files')).stdout.trim().split('\n').sort();
  upstream = { url: `file://${dir}`, commit, files };
});
after(removeTempDirs);

/** A context after fetch source: the commit in a source cache, the plan pinned to `commit`. */
async function checkingOut(options: { commit?: string; fetch?: boolean } = {}) {
  const root = await tempDir('nokmem-checkout-');
  const request = buildRequest(root);
  const planned = await resolved(request);
  const plan = Object.freeze({
    ...planned,
    source: { ...planned.source, commit: options.commit ?? upstream.commit },
  });
  const sources = new SourceCache(realRunner, path.join(root, 'cache/git/runc'));
  if (options.fetch !== false) await sources.fetchTag(upstream.url, 'v1.0.0-rc5');
  const results = newResults();
  results.source.set('sources', sources);
  const workspace = testWorkspace(request);
  const ctx = { request, deps: { ...testDeps(), runner: realRunner }, plan, results, workspace };
  return { ctx, results, workspace };
}

async function filesUnder(dir: string, prefix = ''): Promise<string[]> {
  const names: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const rel = path.posix.join(prefix, entry.name);
    if (entry.isDirectory()) names.push(...(await filesUnder(path.join(dir, entry.name), rel)));
    else names.push(rel);
  }
  return names.sort();
}

describe('check out', () => {
  it('writes exactly the commit’s tree (modes and symlinks kept, no .git) into src/ of the workspace', async () => {
    const { ctx, results, workspace } = await checkingOut();
    await checkOut.run(ctx);
    const tree = results.source.get('tree');
    assert.equal(tree, path.join(workspace.made() ?? '', 'src'));
    assert.deepEqual(await filesUnder(tree), upstream.files);
    assert.ok(!existsSync(path.join(tree, '.git')));
    assert.equal(await readFile(path.join(tree, 'VERSION'), 'utf8'), '1.0.0-rc5\n');
    assert.equal((await lstat(path.join(tree, 'build.sh'))).mode & 0o111, 0o111, 'the script stays executable');
    assert.equal((await lstat(path.join(tree, 'VERSION'))).mode & 0o111, 0);
    assert.equal(await readlink(path.join(tree, 'memory-link.go')), 'libcontainer/cgroups/fs/memory.go');
    // nothing but the tree: git's scratch index is gone
    assert.deepEqual(await readdir(path.dirname(tree)), ['src']);
  });

  it('a commit the source cache does not hold: the git command fails, no tree and no scratch index are left', async () => {
    const { ctx, workspace } = await checkingOut({ commit: 'f'.repeat(40) });
    await assert.rejects(
      checkOut.run(ctx),
      (e: Error) =>
        e instanceof CommandFailed && e.message.includes('read the source tree') && e.command.includes('read-tree'),
    );
    assert.deepEqual(await readdir(workspace.made() ?? ''), []);
  });

  it('an empty source cache (fetch source did not run): fails the same way, leaving nothing', async () => {
    const { ctx, workspace } = await checkingOut({ fetch: false });
    await ctx.results.source.get('sources').init();
    await assert.rejects(checkOut.run(ctx), CommandFailed);
    assert.deepEqual(await readdir(workspace.made() ?? ''), []);
  });

  it('writes, so a dry run skips it; a cache hit skips it too; otherwise it runs', async () => {
    assert.equal(checkOut.name, 'check out');
    assert.equal(checkOut.writes, true);
    const { ctx, results, workspace } = await checkingOut();
    assert.equal(checkOut.skip?.(ctx), undefined);

    const dry = await runSteps([checkOut], ctx, { dryRun: true, log: silentLogger });
    assert.deepEqual(
      dry.map((r) => [r.name, r.status, r.reason]),
      [['check out', 'skipped', 'dry run']],
    );
    assert.equal(results.source.has('tree'), false);
    assert.equal(workspace.made(), undefined, 'a dry run does not even make the workspace');

    results.binary.set('cachedResult', '/cache/builds/x');
    assert.equal(checkOut.skip?.(ctx), 'cache hit');
    const hit = await runSteps([checkOut], ctx, { dryRun: false, log: silentLogger });
    assert.deepEqual(
      hit.map((r) => [r.name, r.status, r.reason]),
      [['check out', 'skipped', 'cache hit']],
    );
    assert.equal(results.source.has('tree'), false);
  });
});
