// The source cache (src/source.ts) with real git: a temporary upstream repository, a bare cache filled by
// shallow fetches of one tag, trees exported without .git, and a tag that moves on the remote.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { InputError } from '../../src/errors.ts';
import { type Runner, realRunner } from '../../src/runner.ts';
import { SourceCache, gitReason, normalizeRemote } from '../../src/source.ts';

const GIT_ENV = {
  GIT_AUTHOR_NAME: 'upstream',
  GIT_AUTHOR_EMAIL: 'upstream@example.org',
  GIT_COMMITTER_NAME: 'upstream',
  GIT_COMMITTER_EMAIL: 'upstream@example.org',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
};

/** A small upstream: a commit per call to commit(), tags as asked. */
class Upstream {
  constructor(readonly dir: string) {}
  git = async (...args: string[]) =>
    (await execa('git', args, { cwd: this.dir, env: GIT_ENV, extendEnv: true })).stdout.trim();
  async commit(files: Record<string, string>, message: string): Promise<string> {
    for (const [name, text] of Object.entries(files)) await writeFile(path.join(this.dir, name), text);
    await this.git('add', '--all');
    await this.git('commit', '--quiet', '--message', message);
    return this.git('rev-parse', 'HEAD');
  }
}

let root = '';
let upstream: Upstream;
let first = '';
let second = '';

before(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'nokmem-source-'));
  const dir = path.join(root, 'upstream');
  await execa('git', ['init', '--quiet', '--initial-branch', 'main', dir], { env: GIT_ENV });
  upstream = new Upstream(dir);
  first = await upstream.commit({ 'main.go': 'package main // v1.0.0\n', 'README.md': 'runc\n' }, 'v1.0.0');
  await upstream.git('tag', '--annotate', '--message', 'release v1.0.0', 'v1.0.0');
  await upstream.git('tag', 'v1.0.0-light');
  second = await upstream.commit({ 'main.go': 'package main // v1.0.1\n' }, 'v1.0.1');
  await upstream.git('tag', '--annotate', '--message', 'release v1.0.1', 'v1.0.1');
});
after(() => rm(root, { recursive: true, force: true }));

const newCache = async () =>
  new SourceCache(realRunner, path.join(await mkdtemp(path.join(root, 'cache-')), 'runc.git'));

describe('normalizeRemote', () => {
  it('turns a plain path into a file:// URL (git does shallow fetches only over a transport)', () => {
    assert.equal(normalizeRemote('/srv/runc'), 'file:///srv/runc');
    assert.equal(normalizeRemote('relative/runc'), `file://${path.resolve('relative/runc')}`);
  });

  it('keeps URLs and scp-like addresses', () => {
    for (const remote of [
      'https://github.com/opencontainers/runc',
      'file:///srv/runc',
      'ssh://git@example.org/runc.git',
      'git@github.com:opencontainers/runc.git',
    ])
      assert.equal(normalizeRemote(remote), remote);
  });
});

describe('a remote is never read as an option', () => {
  it('normalizeRemote refuses a value that starts with "-", in one line naming --remote', () => {
    for (const remote of ['-oProxyCommand@x:touch /tmp/p', '--upload-pack=touch /tmp/p', '--dry-run'])
      assert.throws(() => normalizeRemote(remote), {
        name: 'InputError',
        message: `--remote ${JSON.stringify(remote)} starts with "-", so git would read it as an option; give a URL or a path (write a path that starts with "-" as ./-name)`,
      });
  });
});

describe('gitReason', () => {
  it("takes git's fatal or error line, not its generic advice", () => {
    const stderr = [
      "fatal: couldn't find remote ref refs/tags/v9.9.9",
      'Please make sure you have the correct access rights',
      'and the repository exists.',
    ].join('\n');
    assert.equal(gitReason(stderr, 'fallback'), "couldn't find remote ref refs/tags/v9.9.9");
    assert.equal(gitReason('warning: something\n', 'fallback'), 'warning: something');
    assert.equal(gitReason('Please make sure you have the correct access rights\n', 'fallback'), 'fallback');
    assert.equal(gitReason('', 'fallback'), 'fallback');
  });
});

describe('SourceCache', () => {
  it('remoteCommit: the commit of an annotated or lightweight tag, nothing for a tag the remote lacks', async () => {
    const cache = await newCache();
    const remote = normalizeRemote(upstream.dir);
    assert.equal(await cache.remoteCommit(remote, 'v1.0.0'), first);
    assert.equal(await cache.remoteCommit(remote, 'v1.0.0-light'), first);
    assert.equal(await cache.remoteCommit(remote, 'v1.0.1'), second);
    assert.equal(await cache.remoteCommit(remote, 'v9.9.9'), undefined);
    assert.ok(!existsSync(cache.gitDir), 'asking changes nothing on disk');
  });

  it('remoteCommit and checkReachable: a remote that cannot be read is bad input', async () => {
    const cache = await newCache();
    const nowhere = normalizeRemote(path.join(root, 'no-such-repository'));
    await assert.rejects(cache.remoteCommit(nowhere, 'v1.0.0'), InputError);
    await assert.rejects(cache.checkReachable(nowhere), InputError);
    await cache.checkReachable(normalizeRemote(upstream.dir));
  });

  it('fetchTag: fetches one tag shallow and returns its commit, which cachedCommit then knows', async () => {
    const cache = await newCache();
    const remote = normalizeRemote(upstream.dir);
    assert.equal(await cache.cachedCommit('v1.0.0'), undefined, 'no cache yet');
    assert.equal(await cache.fetchTag(remote, 'v1.0.0'), first);
    assert.equal(await cache.cachedCommit('v1.0.0'), first);
    assert.equal(await cache.cachedCommit('v1.0.1'), undefined, 'only the tag asked for');
    assert.ok(await cache.hasCommit(first));
    assert.ok(!(await cache.hasCommit(second)));
    const shallow = await execa('git', ['--git-dir', cache.gitDir, 'rev-list', '--count', first]);
    assert.equal(shallow.stdout.trim(), '1', 'depth 1');
    assert.equal(await cache.commitTime(first), Number(await upstream.git('log', '-1', '--format=%ct', first)));
  });

  it('fetchTag: a tag the remote lacks, or a remote that cannot be read, is bad input', async () => {
    const cache = await newCache();
    await assert.rejects(cache.fetchTag(normalizeRemote(upstream.dir), 'v9.9.9'), InputError);
    await assert.rejects(cache.fetchTag(normalizeRemote(path.join(root, 'no-such-repository')), 'v1.0.0'), InputError);
  });

  it('a tag moved on the remote: remoteCommit sees the new commit, the cache keeps the old one until fetched', async () => {
    const cache = await newCache();
    const remote = normalizeRemote(upstream.dir);
    await upstream.git('tag', '--annotate', '--message', 'will move', 'v2.0.0', first);
    assert.equal(await cache.fetchTag(remote, 'v2.0.0'), first);
    await upstream.git('tag', '--force', '--annotate', '--message', 'moved', 'v2.0.0', second);
    assert.equal(await cache.remoteCommit(remote, 'v2.0.0'), second);
    assert.equal(await cache.cachedCommit('v2.0.0'), first);
    assert.equal(await cache.fetchTag(remote, 'v2.0.0'), second, 'a fetch takes the tag where it is now');
    assert.equal(await cache.cachedCommit('v2.0.0'), second);
  });

  it('fetchCommit: one commit by id; an unknown one is bad input', async () => {
    const cache = await newCache();
    const remote = normalizeRemote(upstream.dir);
    await cache.fetchCommit(remote, second);
    assert.ok(await cache.hasCommit(second));
    await assert.rejects(cache.fetchCommit(remote, '0123456789abcdef0123456789abcdef01234567'), InputError);
  });

  it('git reads every remote after "--", with only the file, git, http, https and ssh transports allowed', async () => {
    const calls: { args: readonly string[]; env?: Record<string, string | undefined> }[] = [];
    const recording: Runner = {
      locate: realRunner.locate,
      run: (command, args, options) => {
        if (command === 'git') calls.push({ args, env: options?.env });
        return realRunner.run(command, args, options);
      },
    };
    const cache = new SourceCache(recording, path.join(await mkdtemp(path.join(root, 'cache-')), 'runc.git'));
    const remote = normalizeRemote(upstream.dir);
    await cache.checkReachable(remote);
    await cache.remoteCommit(remote, 'v1.0.0');
    await cache.fetchTag(remote, 'v1.0.0');
    await cache.fetchCommit(remote, second);
    const withRemote = calls.filter((c) => c.args.includes(remote));
    assert.equal(withRemote.length, 4);
    for (const c of withRemote) {
      assert.equal(c.args[c.args.indexOf(remote) - 1], '--', c.args.join(' '));
      assert.equal(c.env?.GIT_ALLOW_PROTOCOL, 'file:git:http:https:ssh', c.args.join(' '));
    }
    // and a remote that starts with "-" never reaches git at all
    calls.length = 0;
    await assert.rejects(cache.fetchTag('--upload-pack=touch /tmp/nokmem-p', 'v1.0.0'), InputError);
    await assert.rejects(cache.remoteCommit('-oProxyCommand@x:touch /tmp/nokmem-p', 'v1.0.0'), InputError);
    assert.deepEqual(calls, []);
  });

  it("ext:: runs nothing, even where the user's git configuration allows it", async () => {
    const home = await mkdtemp(path.join(root, 'home-'));
    await writeFile(path.join(home, '.gitconfig'), '[protocol "ext"]\n\tallow = always\n');
    const marker = path.join(home, 'ext-ran');
    const saved = process.env.HOME;
    process.env.HOME = home;
    try {
      const cache = await newCache();
      await assert.rejects(cache.remoteCommit(`ext::sh -c touch% ${marker}`, 'v1.0.0'), InputError);
      await assert.rejects(cache.fetchTag(`ext::sh -c touch% ${marker}`, 'v1.0.0'), InputError);
    } finally {
      process.env.HOME = saved;
    }
    assert.ok(!existsSync(marker), 'git ran the ext:: command');
  });

  it("exportTree: the commit's files, without .git and without the scratch index", async () => {
    const cache = await newCache();
    await cache.fetchTag(normalizeRemote(upstream.dir), 'v1.0.1');
    const parent = await mkdtemp(path.join(root, 'work-'));
    const tree = path.join(parent, 'tree');
    await cache.exportTree(second, tree);
    assert.deepEqual((await readdir(tree)).sort(), ['README.md', 'main.go']);
    assert.equal(await readFile(path.join(tree, 'main.go'), 'utf8'), 'package main // v1.0.1\n');
    assert.deepEqual(await readdir(parent), ['tree']);
  });
});
