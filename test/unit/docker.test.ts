// Docker as the pipeline uses it (src/docker.ts), with a fake runner in place of the docker client: what the
// engine is asked, the `docker run` line every container gets (no network, never root unless asked), and the
// container removed when a run fails.

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BUILD_UID, Docker, containerName } from '../../src/docker.ts';
import { CommandFailed, MissingPrerequisite } from '../../src/errors.ts';
import { fakeRunner } from '../helpers/fakes.ts';

let root = '';
before(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'nokmem-docker-'));
});
after(() => rm(root, { recursive: true, force: true }));

/** The value after `flag` in a docker command line, for every occurrence. */
const valuesOf = (args: readonly string[], flag: string) =>
  args.flatMap((a, i) => (a === flag && args[i + 1] !== undefined ? [args[i + 1]!] : []));

describe('Docker.ping', () => {
  it("returns the engine's version", async () => {
    const runner = fakeRunner([{ command: 'docker', args: ['version'], result: { stdout: '27.3.1\n' } }]);
    assert.equal(await new Docker(runner).ping(), '27.3.1');
  });

  it('an engine that does not answer is a missing prerequisite, whatever the reason', async () => {
    for (const stderr of [
      'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?',
      'permission denied while trying to connect to the Docker daemon socket',
    ]) {
      const runner = fakeRunner([{ command: 'docker', args: ['version'], result: { exitCode: 1, stderr } }]);
      await assert.rejects(new Docker(runner).ping(), MissingPrerequisite);
    }
  });
});

describe('Docker.imageId', () => {
  it("the image's id, or undefined when the engine does not have it", async () => {
    const runner = fakeRunner([
      { command: 'docker', args: ['image', 'inspect'], includes: ['present:1'], result: { stdout: 'sha256:abc\n' } },
      { command: 'docker', args: ['image', 'inspect'], result: { exitCode: 1, stderr: 'No such image' } },
    ]);
    const docker = new Docker(runner);
    assert.equal(await docker.imageId('present:1'), 'sha256:abc');
    assert.equal(await docker.imageId('absent:1'), undefined);
  });
});

describe('Docker.run', () => {
  it('runs with no network, a user that is not root, the mounts, environment, workdir and stdin asked for', async () => {
    const runner = fakeRunner([{ command: 'docker', args: ['run'], result: { stdout: 'built\n' } }]);
    const docker = new Docker(runner);
    const r = await docker.run({
      image: 'nokmem-builder:debian-go1.19',
      command: ['make', 'static'],
      mounts: [
        { host: '/src', container: '/go/src/runc', readOnly: true },
        { host: '/out', container: '/out' },
      ],
      env: { GOFLAGS: '-mod=vendor' },
      workdir: '/go/src/runc',
      input: 'secret on stdin',
      purpose: 'compile runc',
    });
    assert.deepEqual(r, { stdout: 'built\n', stderr: '', exitCode: 0 });
    const [call] = runner.calls;
    const args = call?.args ?? [];
    assert.deepEqual(valuesOf(args, '--network'), ['none']);
    assert.deepEqual(valuesOf(args, '--user'), [docker.buildUser()]);
    assert.notEqual(docker.buildUser().split(':')[0], '0');
    assert.deepEqual(valuesOf(args, '--volume'), ['/src:/go/src/runc:ro', '/out:/out']);
    assert.deepEqual(valuesOf(args, '--env'), ['HOME=/tmp', 'GOFLAGS=-mod=vendor']);
    assert.deepEqual(valuesOf(args, '--workdir'), ['/go/src/runc']);
    assert.match(valuesOf(args, '--name')[0] ?? '', new RegExp(`^nokmem-${process.pid}-[0-9a-f]{8}$`));
    assert.ok(args.includes('--rm') && args.includes('--interactive'));
    assert.deepEqual(args.slice(-3), ['nokmem-builder:debian-go1.19', 'make', 'static']);
    assert.equal(call?.options.input, 'secret on stdin', 'stdin, never an argument');
    assert.ok(!args.includes('secret on stdin'));
    assert.equal(runner.callsTo({ command: 'docker', args: ['rm'] }).length, 0, 'nothing to remove after success');
  });

  it('runs as the user asked for, with the extra options, and without --interactive when there is no input', async () => {
    const runner = fakeRunner([{ command: 'docker', args: ['run'] }]);
    await new Docker(runner).run({
      image: 'img',
      command: ['strace', 'runc'],
      mounts: [],
      user: '0:0',
      options: ['--cap-add', 'SYS_PTRACE'],
      purpose: 'functional proof',
    });
    const args = runner.calls[0]?.args ?? [];
    assert.deepEqual(valuesOf(args, '--user'), ['0:0']);
    assert.deepEqual(valuesOf(args, '--cap-add'), ['SYS_PTRACE']);
    assert.ok(!args.includes('--interactive'));
  });

  it('a failed run throws CommandFailed and removes its container (a killed client does not stop it)', async () => {
    const runner = fakeRunner([
      { command: 'docker', args: ['run'], result: { exitCode: 2, stderr: 'make: *** [static] Error 1' } },
      { command: 'docker', args: ['rm', '--force'] },
    ]);
    await assert.rejects(
      new Docker(runner).run({ image: 'img', command: ['make'], mounts: [], purpose: 'compile' }),
      (e: unknown) => e instanceof CommandFailed && e.commandExitCode === 2,
    );
    const name = valuesOf(runner.calls[0]?.args ?? [], '--name')[0];
    assert.deepEqual(
      runner.callsTo({ command: 'docker', args: ['rm'] }).map((c) => c.args),
      [['rm', '--force', name]],
    );
  });

  it('with allowFailure returns the exit code, and still removes the container', async () => {
    const runner = fakeRunner([
      { command: 'docker', args: ['run'], result: { exitCode: 97, stderr: 'bad passphrase' } },
      { command: 'docker', args: ['rm', '--force'] },
    ]);
    const r = await new Docker(runner).run({
      image: 'img',
      command: ['gpg'],
      mounts: [],
      purpose: 'unlock',
      allowFailure: true,
    });
    assert.equal(r.exitCode, 97);
    assert.equal(runner.callsTo({ command: 'docker', args: ['rm'] }).length, 1);
  });
});

describe('Docker.prepareWritable and asInvokingUser', () => {
  it('as root, hands a build directory to the build user; the invoking-user engine never does', async () => {
    const runner = fakeRunner([{ command: 'chown' }]);
    const docker = new Docker(runner);
    const dir = path.join(root, 'build', 'out');
    await docker.prepareWritable(dir);
    const publishing = path.join(root, 'repo');
    await docker.asInvokingUser().prepareWritable(publishing);
    if (process.getuid?.() === 0) {
      assert.deepEqual(
        runner.calls.map((c) => [c.command, ...c.args]),
        [['chown', '-R', `${BUILD_UID}:${BUILD_UID}`, dir]],
      );
      assert.equal(docker.buildUser(), `${BUILD_UID}:${BUILD_UID}`);
      assert.equal(docker.asInvokingUser().buildUser(), '0:0');
    } else {
      assert.deepEqual(runner.calls, []);
    }
  });
});

describe('containerName', () => {
  it("names a container after this process, so an interrupted run's containers can be found", () => {
    const a = containerName();
    assert.match(a, new RegExp(`^nokmem-${process.pid}-[0-9a-f]{8}$`));
    assert.notEqual(a, containerName());
  });
});
