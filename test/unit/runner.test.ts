// The one place that runs commands (src/runner.ts), on real tiny commands: exit codes, allowFailure, the
// CommandFailed it throws and the fields it keeps, a command that cannot start, the explicit environment, and
// secret masking of what it reports.

import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CommandFailed, UserError } from '../../src/errors.ts';
import { registerSecret } from '../../src/redact.ts';
import { baseEnv, commandFailed, quoteForDisplay, realRunner, tail } from '../../src/runner.ts';

describe('tail', () => {
  it('keeps the last non-empty lines, trimmed, on one line', () => {
    assert.equal(tail('one\n\n  two  \nthree\nfour\n\n'), 'two | three | four');
    assert.equal(tail('one\ntwo\nthree', 1), 'three');
    assert.equal(tail(''), '');
  });

  it('is at most 600 characters, and masks secrets', () => {
    assert.equal(tail('x'.repeat(2000)).length, 600);
    registerSecret('tail-test-secret');
    assert.equal(tail('error: bad passphrase tail-test-secret'), 'error: bad passphrase ***');
  });
});

describe('quoteForDisplay', () => {
  it('leaves plain words alone and single-quotes the rest, so the line can be pasted into a shell', () => {
    assert.equal(
      quoteForDisplay('docker', ['run', '--env', 'A=b', '/x/y.rpm', 'user@host:1,2%+']),
      'docker run --env A=b /x/y.rpm user@host:1,2%+',
    );
    assert.equal(quoteForDisplay('sh', ['-c', 'echo $HOME; ls']), `sh -c 'echo $HOME; ls'`);
    assert.equal(quoteForDisplay('echo', ["it's", '']), `echo 'it'\\''s' ''`);
  });
});

describe('baseEnv', () => {
  it('passes PATH, HOME, the locale and Docker client settings, and nothing else', () => {
    const saved = { ...process.env };
    try {
      process.env.DOCKER_HOST = 'unix:///run/test-docker.sock';
      process.env.NOKMEM_SIGNING_PASSPHRASE = 'must not leak';
      process.env.GITHUB_TOKEN = 'must not leak either';
      const env = baseEnv();
      assert.equal(env.DOCKER_HOST, 'unix:///run/test-docker.sock');
      assert.equal(env.PATH, process.env.PATH);
      assert.equal(env.NOKMEM_SIGNING_PASSPHRASE, undefined);
      assert.equal(env.GITHUB_TOKEN, undefined);
      for (const key of Object.keys(env))
        assert.ok(/^(PATH|HOME|LANG|LC_ALL|TMPDIR|USER|DOCKER_\w+)$/.test(key), `${key} is not a base variable`);
    } finally {
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
      Object.assign(process.env, saved);
    }
  });
});

describe('commandFailed', () => {
  it('is a CommandFailed (a UserError) keeping the command, exit code, stderr tail and cause', () => {
    const cause = new Error('spawn ENOENT');
    const e = commandFailed('git fetch', 128, 'fatal: no such ref', 'fetch the tag', cause);
    assert.ok(e instanceof CommandFailed);
    assert.ok(e instanceof UserError);
    assert.equal(e.command, 'git fetch');
    assert.equal(e.commandExitCode, 128);
    assert.equal(e.stderrTail, 'fatal: no such ref');
    assert.equal(e.cause, cause);
    assert.equal(e.exitCode, 1);
    assert.ok(!e.message.includes('\n'), 'one line');
  });

  it('masks a registered secret in every field it keeps, not only in the message', () => {
    registerSecret('s3cr3t-passphrase-value');
    const e = commandFailed('gpg --passphrase s3cr3t-passphrase-value', 2, 'bad s3cr3t-passphrase-value', undefined);
    for (const text of [e.message, e.command, e.stderrTail]) assert.ok(!text.includes('s3cr3t'), text);
  });
});

describe('realRunner', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'nokmem-runner-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('returns stdout, stderr and exit code 0, unchanged (final newline kept)', async () => {
    assert.deepEqual(await realRunner.run('true', []), { stdout: '', stderr: '', exitCode: 0, stdoutBytes: undefined });
    const r = await realRunner.run('sh', ['-c', 'printf "out\\n"; printf "err\\n" >&2']);
    assert.equal(r.stdout, 'out\n');
    assert.equal(r.stderr, 'err\n');
  });

  it('throws CommandFailed for a non-zero exit, keeping the command, the code and the tail of stderr', async () => {
    await assert.rejects(realRunner.run('false', []), (e: unknown) => {
      assert.ok(e instanceof CommandFailed);
      assert.equal(e.command, 'false');
      assert.equal(e.commandExitCode, 1);
      return true;
    });
    await assert.rejects(
      realRunner.run('sh', ['-c', 'echo noise; echo first >&2; echo last words >&2; exit 3'], { purpose: 'test' }),
      (e: unknown) => {
        assert.ok(e instanceof CommandFailed);
        assert.equal(e.command, `sh -c 'echo noise; echo first >&2; echo last words >&2; exit 3'`);
        assert.equal(e.commandExitCode, 3);
        assert.equal(e.stderrTail, 'first | last words');
        return true;
      },
    );
  });

  it('uses stdout for the tail when stderr is empty', async () => {
    await assert.rejects(realRunner.run('sh', ['-c', 'echo only stdout; exit 2']), (e: unknown) => {
      assert.ok(e instanceof CommandFailed);
      assert.equal(e.stderrTail, 'only stdout');
      return true;
    });
  });

  it('with allowFailure returns the exit code instead of throwing', async () => {
    const r = await realRunner.run('sh', ['-c', 'echo why >&2; exit 42'], { allowFailure: true });
    assert.equal(r.exitCode, 42);
    assert.equal(r.stderr, 'why\n');
  });

  it('a command that cannot start: CommandFailed with no exit code and the cause; 127 with allowFailure', async () => {
    const missing = path.join(dir, 'no-such-command');
    await assert.rejects(realRunner.run(missing, ['x']), (e: unknown) => {
      assert.ok(e instanceof CommandFailed);
      assert.equal(e.commandExitCode, undefined);
      assert.equal(e.command, `${missing} x`);
      assert.ok(e.cause instanceof Error);
      return true;
    });
    const r = await realRunner.run(missing, [], { allowFailure: true });
    assert.equal(r.exitCode, 127);
    assert.ok(r.stderr.length > 0, 'says why');
  });

  it('a command that runs too long is stopped and reported as CommandFailed with no exit code', async () => {
    await assert.rejects(realRunner.run('sleep', ['5'], { timeoutMs: 200 }), (e: unknown) => {
      assert.ok(e instanceof CommandFailed);
      assert.equal(e.commandExitCode, undefined);
      return true;
    });
  });

  it('gives the child only the base environment and what the call adds', async () => {
    const saved = process.env.NOKMEM_RUNNER_TEST_LEAK;
    process.env.NOKMEM_RUNNER_TEST_LEAK = 'leaked';
    try {
      const r = await realRunner.run('sh', ['-c', 'echo "[$NOKMEM_RUNNER_TEST_LEAK][$ADDED][$PATH]"'], {
        env: { ADDED: 'added', DROPPED: undefined },
      });
      assert.equal(r.stdout, `[][added][${process.env.PATH}]\n`);
    } finally {
      if (saved === undefined) delete process.env.NOKMEM_RUNNER_TEST_LEAK;
      else process.env.NOKMEM_RUNNER_TEST_LEAK = saved;
    }
  });

  it('runs in cwd, feeds input to stdin, and keeps binary output as bytes', async () => {
    assert.equal((await realRunner.run('pwd', [], { cwd: dir })).stdout, `${dir}\n`);
    assert.equal((await realRunner.run('cat', [], { input: 'from stdin' })).stdout, 'from stdin');
    const bytes = await realRunner.run('printf', ['\\000\\377\\001'], { binary: true });
    assert.deepEqual([...(bytes.stdoutBytes ?? [])], [0, 255, 1]);
    assert.equal(bytes.stdout, '');
  });

  it('passes output, masked, to onOutput, and masks secrets in the error it throws', async () => {
    registerSecret('runner-test-secret');
    const chunks: string[] = [];
    await realRunner.run('sh', ['-c', 'echo "key runner-test-secret"'], { onOutput: (c) => chunks.push(c) });
    assert.equal(chunks.join(''), 'key ***\n');
    await assert.rejects(
      realRunner.run('sh', ['-c', 'echo "bad runner-test-secret" >&2; exit 1']),
      (e: unknown) => e instanceof CommandFailed && !e.message.includes('runner-test-secret'),
    );
  });

  it('locates a command on the search path the commands run with, starting nothing; undefined when it is not there', async () => {
    const bin = path.join(dir, 'bin');
    await mkdir(bin);
    await writeFile(path.join(bin, 'tool'), '#!/bin/sh\n', { mode: 0o755 });
    await writeFile(path.join(bin, 'not-executable'), '', { mode: 0o644 });
    const saved = process.env.PATH;
    process.env.PATH = `relative/dir:${bin}:/nonexistent`;
    try {
      assert.equal(await realRunner.locate('tool'), path.join(bin, 'tool'));
      assert.equal(await realRunner.locate('not-executable'), undefined);
      assert.equal(await realRunner.locate('no-such-tool-here'), undefined);
    } finally {
      process.env.PATH = saved;
    }
    assert.match((await realRunner.locate('sh')) ?? '', /\/sh$/);
  });
});
