// Docker as the pipeline uses it (src/docker.ts), with a fake runner in place of the docker client: what the
// engine is asked, the `docker run` line every container gets (no network, never root unless asked), and the
// container removed when a run fails.

import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Readable } from 'node:stream';
import { TIED_MAIN } from '../../src/containers.ts';
import { BUILD_UID, type ContainerRun, Docker, containerName, hostMount } from '../../src/docker.ts';
import type { EngineApi } from '../../src/docker-api.ts';
import { CommandFailed, MissingPrerequisite } from '../../src/errors.ts';
import { TOOLS_LABEL } from '../../src/image-facts.ts';
import { type RunOptions, type RunResult, type Runner, realRunner } from '../../src/runner.ts';
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

// What the Docker layer remembers per image id, and the packager session: which runs become a `docker exec` in the
// one long-lived container and which still get a container of their own. A fake runner records the commands.
describe('Docker: what it remembers per image id, and the packager session', () => {
  class FakeRunner implements Runner {
    locate = async (command: string) => `/usr/bin/${command}`;
    calls: string[][] = [];
    /** The stdin of each tied container's client (a session's), as the runner got it. */
    tied: Readable[] = [];
    constructor(private readonly answer: (args: readonly string[]) => Partial<RunResult> = () => ({})) {}
    run(command: string, args: readonly string[], options?: RunOptions): Promise<RunResult> {
      this.calls.push([command, ...args]);
      const input = options?.input;
      if (args.at(-1) === TIED_MAIN.at(-1) && input instanceof Readable) {
        // a client of a tied container: it is up at once, and ends when its stdin does
        this.tied.push(input);
        setImmediate(() => options?.onOutput?.('nokmem-container-ready\n'));
        return new Promise((resolve) => {
          input.on('end', () => resolve({ stdout: '', stderr: '', exitCode: 0 }));
          input.resume();
        });
      }
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

    it('starts no container for the tools the label of the image id vouches for (its one layer, from the engine API)', async () => {
      const layer = `sha256:${'ab'.repeat(32)}`;
      const asked: string[] = [];
      const api = {
        image: async (ref: string) => {
          asked.push(ref);
          return { id: ref, labels: { [TOOLS_LABEL]: `gcc,go,make@${layer}` }, layers: [layer] };
        },
      } as unknown as EngineApi;
      const runner = new FakeRunner(() => ({ stdout: 'rsync\n' }));
      const docker = new Docker(runner, false, api);
      assert.deepEqual(await docker.missingTools(IMAGE, 'sha256:abc', ['make', 'gcc', 'go']), {
        exitCode: 0,
        missing: [],
      });
      assert.deepEqual(asked, ['sha256:abc']);
      assert.equal(runner.docker('run').length, 0);
      assert.deepEqual((await docker.missingTools(IMAGE, 'sha256:abc', ['go', 'rsync'])).missing, ['rsync']);
      assert.equal(runner.docker('run').length, 1);
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
      assert.ok(start!.includes('--interactive') && start!.includes(`${results}:/host${results}:ro`), start!.join(' '));
      const execs = runner.docker('exec');
      assert.equal(execs.length, 2);
      assert.deepEqual(execs[1]!.slice(2, 5), ['--interactive', '--env', 'A=b']);
      await session.close();
      assert.equal(runner.docker('rm').length, 1);
    });

    it('warm() starts its container ahead of the first run, once; a container that cannot start fails that run', async () => {
      const runner = new FakeRunner();
      const session = new Docker(runner, true).session(IMAGE, [hostMount(work)]);
      session.warm();
      await new Promise((done) => setTimeout(done, 20));
      assert.equal(runner.docker('run').length, 1, 'started before any run');
      session.warm();
      await session.run(run([hostMount(path.join(work, 'packages'))]));
      assert.equal(runner.docker('run').length, 1, 'one container');
      assert.equal(runner.docker('exec').length, 1);
      await session.close();

      // closed while it is still starting (a compile that fails at once): its client's stdin is ended all the same
      const quick = new FakeRunner();
      const starting = new Docker(quick, true).session(IMAGE, [hostMount(work)]);
      starting.warm();
      await starting.close();
      assert.equal(quick.docker('rm').length, 1);
      assert.ok(quick.tied[0]?.readableEnded, "the starting container's stdin was not ended");

      // an engine that cannot start it: `docker run` ends at once, without the ready line
      const broken: Runner = {
        locate: realRunner.locate,
        run: async (_command, args) =>
          args[0] === 'run'
            ? { stdout: '', stderr: 'Unable to find image', exitCode: 125 }
            : { stdout: '', stderr: '', exitCode: 0 },
      };
      const failing = new Docker(broken, true).session(IMAGE, [hostMount(work)]);
      failing.warm(); // nothing thrown here, and no unhandled rejection
      await new Promise((done) => setTimeout(done, 20));
      await assert.rejects(failing.run(run([hostMount(path.join(work, 'packages'))])), /Unable to find image/);
      await failing.close();
    });

    it('is tied to this process: its main process waits on a stdin only this process holds; close ends it', async () => {
      const runner = new FakeRunner();
      const session = new Docker(runner, true).session(IMAGE, [hostMount(work)], { tmpfs: ['/gnupg'] });
      await session.run(run([hostMount(path.join(work, 'packages'))]));
      const [start] = runner.docker('run');
      assert.deepEqual(start!.slice(-5), ['--entrypoint', 'sh', IMAGE, '-c', TIED_MAIN.at(-1)]);
      assert.ok(start!.includes('--interactive') && start!.includes('--rm') && !start!.includes('--detach'));
      const uid = process.getuid?.() ?? 0;
      assert.deepEqual(valuesOf(start!, '--tmpfs'), [
        `/gnupg:rw,nosuid,nodev,noexec,size=64m,mode=0700,uid=${uid},gid=${process.getgid?.() ?? uid}`,
      ]);
      // its owner beyond the pid: boot, PID namespace, pid, start time
      assert.deepEqual(
        valuesOf(start!, '--label').map((l) => l.split('=')[0]),
        ['dev.nokmem.owner.boot', 'dev.nokmem.owner.pidns', 'dev.nokmem.owner.pid', 'dev.nokmem.owner.start'],
      );
      const [stdin] = runner.tied;
      assert.ok(stdin && !stdin.readableEnded);
      await session.close();
      assert.ok(stdin.readableEnded, "the container's stdin was not ended");
    });

    it('a run that needs the session never falls back to a container of its own', async () => {
      const runner = new FakeRunner();
      const session = new Docker(runner, true).session(IMAGE, [hostMount(work)], { tmpfs: ['/gnupg'] });
      await assert.rejects(session.run(run([hostMount(os.tmpdir())], { needsSession: true })), /bug: test must run in/);
      await assert.rejects(new Docker(runner).run(run([], { needsSession: true })), /bug: test must run in/);
      assert.equal(runner.docker('run').length, 0);
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
      assert.equal(runner.docker('run').filter((c) => !c.includes('--entrypoint')).length, 1);
      assert.equal(runner.docker('exec').length, 1);
    });

    it('a command that fails in the session is a CommandFailed unless allowed; a session that died is never trusted', async () => {
      let running = 'true';
      const runner = new FakeRunner((args) =>
        args[0] === 'exec'
          ? { exitCode: 2, stderr: 'boom' }
          : args[0] === 'container'
            ? { stdout: `${running}\n` }
            : {},
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
});
