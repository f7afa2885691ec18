// What the Docker layer remembers per image id, and the packager session: which runs become a `docker exec` in the
// one long-lived container and which still get a container of their own. A fake runner records the commands.

import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type ContainerRun, Docker, hostMount } from '../../src/docker.ts';
import type { RunOptions, RunResult, Runner } from '../../src/runner.ts';

class FakeRunner implements Runner {
  calls: string[][] = [];
  constructor(private readonly answer: (args: readonly string[]) => Partial<RunResult> = () => ({})) {}
  run(command: string, args: readonly string[], _options?: RunOptions): Promise<RunResult> {
    this.calls.push([command, ...args]);
    return Promise.resolve({ stdout: '', stderr: '', exitCode: 0, ...this.answer(args) });
  }
  docker(verb: string): string[][] {
    return this.calls.filter((c) => c[0] === 'docker' && c[1] === verb);
  }
}

const IMAGE = 'nokmem-builder:debian-go1.19';
let root: string;
let work: string;
let results: string;

before(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'nokmem-docker-'));
  work = path.join(root, 'work');
  results = path.join(root, 'builds');
  await mkdir(path.join(work, 'packages'), { recursive: true });
  await mkdir(results, { recursive: true });
  await writeFile(path.join(results, 'runc'), 'binary');
  await writeFile(path.join(work, 'packages', 'x.rpm'), 'rpm');
});
after(async () => rm(root, { recursive: true, force: true }));

describe('tool probe', () => {
  it('is remembered per image id once nothing is missing, and asked again for a tool it has not seen', async () => {
    const runner = new FakeRunner();
    const docker = new Docker(runner);
    const memo = { dir: path.join(root, 'images'), write: true };
    assert.deepEqual(await docker.missingTools(IMAGE, 'sha256:abc', ['make', 'go'], memo), {
      exitCode: 0,
      missing: [],
    });
    assert.deepEqual(await docker.missingTools(IMAGE, 'sha256:abc', ['go'], memo), { exitCode: 0, missing: [] });
    assert.equal(runner.docker('run').length, 1);
    await docker.missingTools(IMAGE, 'sha256:abc', ['rsync'], memo);
    await docker.missingTools(IMAGE, 'sha256:def', ['go'], memo);
    assert.equal(runner.docker('run').length, 3);
  });

  it('remembers nothing that is missing, and nothing in a dry run', async () => {
    const runner = new FakeRunner(() => ({ stdout: 'rsync\n' }));
    const docker = new Docker(runner);
    const memo = { dir: path.join(root, 'images2'), write: true };
    assert.deepEqual((await docker.missingTools(IMAGE, 'sha256:abc', ['rsync'], memo)).missing, ['rsync']);
    assert.deepEqual((await docker.missingTools(IMAGE, 'sha256:abc', ['rsync'], memo)).missing, ['rsync']);
    const ok = new FakeRunner();
    const dry = { dir: path.join(root, 'images3'), write: false };
    await new Docker(ok).missingTools(IMAGE, 'sha256:abc', ['go'], dry);
    await new Docker(ok).missingTools(IMAGE, 'sha256:abc', ['go'], dry);
    assert.equal(ok.docker('run').length, 2);
  });
});

describe('go version', () => {
  it('is asked once per image id', async () => {
    const runner = new FakeRunner(() => ({ stdout: 'go version go1.19.8 linux/amd64\n' }));
    const docker = new Docker(runner);
    const memo = { dir: path.join(root, 'images4'), imageId: 'sha256:abc' };
    assert.equal(await docker.goVersion(IMAGE, memo), 'go version go1.19.8 linux/amd64');
    assert.equal(await docker.goVersion(IMAGE, memo), 'go version go1.19.8 linux/amd64');
    assert.equal(runner.docker('run').length, 1);
    await docker.goVersion(IMAGE);
    assert.equal(runner.docker('run').length, 2);
  });
});

const run = (mounts: ContainerRun['mounts'], more: Partial<ContainerRun> = {}): ContainerRun => ({
  image: IMAGE,
  command: ['true'],
  mounts,
  purpose: 'test',
  ...more,
});

describe('docker session', () => {
  it('serves runs whose mounts it has as execs in one container, started at the first of them', async () => {
    const runner = new FakeRunner();
    const session = new Docker(runner, true).session(IMAGE, [hostMount(work), hostMount(results, true)]);
    assert.equal(runner.calls.length, 0, 'a session starts nothing before its first use');
    await session.run(run([hostMount(path.join(work, 'packages'))]));
    await session.run(run([hostMount(path.join(results, 'runc'), true)], { env: { A: 'b' }, input: 'x' }));
    assert.equal(runner.docker('run').length, 1);
    const [start] = runner.docker('run');
    assert.ok(start!.includes('--detach') && start!.includes(`${results}:/host${results}:ro`), start!.join(' '));
    const execs = runner.docker('exec');
    assert.equal(execs.length, 2);
    assert.deepEqual(execs[1]!.slice(2, 5), ['--interactive', '--env', 'A=b']);
    await session.close();
    assert.equal(runner.docker('rm').length, 1);
  });

  it('gives a container of its own to what does not fit: isolated, sandbox options, a time limit, other mounts or image', async () => {
    const runner = new FakeRunner();
    const session = new Docker(runner, true).session(IMAGE, [hostMount(work), hostMount(results, true)]);
    const binary = hostMount(path.join(results, 'runc'), true);
    for (const spec of [
      run([binary], { isolated: true }),
      run([binary], { options: ['--cap-drop', 'ALL'] }),
      run([binary], { timeoutMs: 1000 }),
      run([{ host: path.join(results, 'runc'), container: '/probe/binary', readOnly: true }]),
      run([hostMount(path.join(results, 'runc'))]),
      run([hostMount(os.tmpdir())]),
      run([binary], { image: 'other:image' }),
    ])
      await session.run(spec);
    assert.equal(runner.docker('exec').length, 0);
    assert.equal(runner.docker('run').length, 7);
    assert.ok(runner.docker('run').every((c) => c.includes('--rm') && !c.includes('--detach')));
  });

  it('does not serve a path the container user could not reach (it falls back to a bind mount of the path)', async () => {
    const runner = new FakeRunner();
    // Not as the invoker: the build user (never root) is the session's user.
    const session = new Docker(runner).session(IMAGE, [hostMount(work)]);
    const hidden = path.join(work, 'hidden');
    await mkdir(hidden, { recursive: true });
    await writeFile(path.join(hidden, 'f'), '');
    await chmod(hidden, 0o000);
    try {
      await session.run(run([hostMount(path.join(hidden, 'f'), true)]));
      await session.run(run([hostMount(path.join(work, 'packages', 'x.rpm'), true)]));
    } finally {
      await chmod(hidden, 0o700);
    }
    assert.equal(runner.docker('run').filter((c) => !c.includes('--detach')).length, 1);
    assert.equal(runner.docker('exec').length, 1);
  });

  it('a command that fails in the session is a CommandFailed unless allowed; a session that died is never trusted', async () => {
    let running = 'true';
    const runner = new FakeRunner((args) =>
      args[0] === 'exec' ? { exitCode: 2, stderr: 'boom' } : args[0] === 'container' ? { stdout: `${running}\n` } : {},
    );
    const session = new Docker(runner, true).session(IMAGE, [hostMount(work)]);
    const spec = run([hostMount(path.join(work, 'packages'))]);
    await assert.rejects(session.run(spec), /test: `docker exec .* true` exited 2 — boom/);
    assert.equal((await session.run({ ...spec, allowFailure: true })).exitCode, 2);
    running = 'false';
    await assert.rejects(session.run({ ...spec, allowFailure: true }), /stopped/);
    assert.equal(runner.docker('rm').length, 1);
  });
});
