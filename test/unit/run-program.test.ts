// Running a parsed command line (src/run-program.ts) with commander programs made here and a recording
// environment: a user error is one line and its exit code (and, with --json, an object naming its kind); a bug
// is its stack and exit 70; a secret never reaches either.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Command } from 'commander';
import type { CliEnv } from '../../src/commands/environment.ts';
import { InputError, UsageError, VerificationFailed } from '../../src/errors.ts';
import { registerSecret } from '../../src/redact.ts';
import { runProgram } from '../../src/run-program.ts';

function env(): CliEnv & { stdout: string; stderr: string } {
  const e = {
    vars: {},
    stdout: '',
    stderr: '',
    out: (t: string) => void (e.stdout += t),
    err: (t: string) => void (e.stderr += t),
  } as CliEnv & { stdout: string; stderr: string };
  return e;
}

/** A program whose one command `go` runs `action`. */
function program(action: (e: CliEnv) => void | Promise<void>, e: CliEnv): Command {
  const p = new Command('nokmem').exitOverride().configureOutput({ writeOut: e.out, writeErr: e.err });
  p.command('go')
    .option('--json')
    .action(() => action(e));
  return p;
}

const argv = (...args: string[]) => ['node', 'nokmem', ...args];

describe('runProgram', () => {
  it("returns 0, or the exit code the command set (the doctor's verdicts)", async () => {
    const e = env();
    assert.equal(
      await runProgram(
        argv('go'),
        e,
        program(() => {}, e),
      ),
      0,
    );
    assert.equal(
      await runProgram(
        argv('go'),
        e,
        program((x) => void (x.exitCode = 2), e),
      ),
      2,
    );
  });

  it('prints a user error as one line and exits with its code', async () => {
    const e = env();
    const code = await runProgram(
      argv('go'),
      e,
      program(() => {
        throw new UsageError('--kubelet wants a version like v1.12.4');
      }, e),
    );
    assert.equal(code, 2);
    assert.equal(e.stderr, 'nokmem: error: --kubelet wants a version like v1.12.4\n');
    assert.equal(e.stdout, '');
  });

  it('with --json, also prints the error as an object naming its kind, except a verdict already printed', async () => {
    const e = env();
    await runProgram(
      argv('go', '--json'),
      e,
      program(() => {
        throw new InputError('no such fork');
      }, e),
    );
    assert.deepEqual(JSON.parse(e.stdout), { ok: false, kind: 'InputError', error: 'no such fork' });
    const reported = env();
    const code = await runProgram(
      argv('go', '--json'),
      reported,
      program(() => {
        throw new VerificationFailed('1 check failed', [], true);
      }, reported),
    );
    assert.equal(code, 1);
    assert.equal(reported.stdout, '');
    assert.equal(reported.stderr, 'nokmem: error: 1 check failed\n');
  });

  it('prints a bug with its stack and exits 70', async () => {
    const e = env();
    const code = await runProgram(
      argv('go'),
      e,
      program(() => {
        throw new TypeError('cannot read x of undefined');
      }, e),
    );
    assert.equal(code, 70);
    assert.match(e.stderr, /^nokmem: internal error \(a bug in nokmem, please report it\): TypeError: cannot read x/);
    assert.match(e.stderr, /\n\s+at /);
  });

  it('masks secrets in what it prints', async () => {
    const secret = 'run-program-secret-passphrase';
    registerSecret(secret);
    const e = env();
    await runProgram(
      argv('go', '--json'),
      e,
      program(() => {
        throw new InputError(`bad passphrase ${secret}`);
      }, e),
    );
    await runProgram(
      argv('go'),
      e,
      program(() => {
        throw new Error(`bug with ${secret}`);
      }, e),
    );
    assert.ok(!e.stdout.includes(secret) && !e.stderr.includes(secret));
    assert.match(e.stdout, /bad passphrase \*\*\*/);
  });

  it('exits 0 for --help and 2 for a command line commander refuses', async () => {
    const e = env();
    assert.equal(
      await runProgram(
        argv('--help'),
        e,
        program(() => {}, e),
      ),
      0,
    );
    assert.equal(
      await runProgram(
        argv('go', '--nope'),
        e,
        program(() => {}, e),
      ),
      2,
    );
    assert.match(e.stderr, /unknown option '--nope'/);
  });
});
