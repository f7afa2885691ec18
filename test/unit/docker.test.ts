// What the Docker layer remembers per image id, and (below) the packager session. A fake runner records the
// commands.

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Docker } from '../../src/docker.ts';
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

before(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'nokmem-docker-'));
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
