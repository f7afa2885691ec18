// The two kinds of error (src/errors.ts): what a user can act on (a class per kind, its exit code, its cause kept)
// and a bug, whose report keeps every stack and cause.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ClusterAccessError,
  CommandFailed,
  InputError,
  MissingPrerequisite,
  PinMismatch,
  StepBug,
  StepSkipped,
  UsageError,
  UserError,
  VerificationFailed,
  bugReport,
} from '../../src/errors.ts';

describe('UserError and its kinds', () => {
  it('each kind is a UserError named by its class, with the exit code of its kind', () => {
    const cases: [UserError, string, number][] = [
      [new UserError('x'), 'UserError', 1],
      [new UsageError('x'), 'UsageError', 2],
      [new InputError('x'), 'InputError', 1],
      [new PinMismatch('x'), 'PinMismatch', 1],
      [new MissingPrerequisite('x'), 'MissingPrerequisite', 1],
      [new VerificationFailed('x'), 'VerificationFailed', 1],
      [new CommandFailed('x', 'git fetch', 128, 'fatal'), 'CommandFailed', 1],
      [new ClusterAccessError('x'), 'ClusterAccessError', 3],
    ];
    for (const [error, name, code] of cases) {
      assert.ok(error instanceof UserError, name);
      assert.equal(error.name, name);
      assert.equal(error.exitCode, code, name);
      assert.equal(error.message, 'x');
    }
  });

  it('keeps the cause and the facts of its kind', () => {
    const cause = new Error('ENOENT');
    const missing = new MissingPrerequisite('no docker', 'sudo bash scripts/setup.sh', { cause });
    assert.equal(missing.fix, 'sudo bash scripts/setup.sh');
    assert.equal(missing.cause, cause);
    const failed = new CommandFailed('git failed', 'git fetch', 128, 'fatal: no tag', { cause });
    assert.deepEqual([failed.command, failed.commandExitCode, failed.stderrTail], ['git fetch', 128, 'fatal: no tag']);
    assert.equal(failed.cause, cause);
    const verdict = new VerificationFailed('bad', [{ name: 'static proof', detail: 'calls it' }], true);
    assert.deepEqual(verdict.failed, [{ name: 'static proof', detail: 'calls it' }]);
    assert.equal(verdict.reported, true);
    assert.deepEqual([new VerificationFailed('bad').failed, new VerificationFailed('bad').reported], [[], false]);
    assert.equal(new UsageError('u', { cause }).cause, cause);
  });
});

describe('StepBug and StepSkipped', () => {
  it('a bug in a step names the step and keeps the original error', () => {
    const cause = new TypeError('x is undefined');
    const bug = new StepBug('compile in docker', cause);
    assert.ok(!(bug instanceof UserError));
    assert.equal(bug.message, 'in step "compile in docker": x is undefined');
    assert.equal(bug.cause, cause);
    assert.equal(bug.step, 'compile in docker');
    assert.equal(new StepBug('s', 'thrown text').message, 'in step "s": thrown text');
  });

  it('a skip carries its reason and is no UserError (not a failure)', () => {
    const skip = new StepSkipped('runc v1.0.0-rc95 is not affected');
    assert.equal(skip.reason, 'runc v1.0.0-rc95 is not affected');
    assert.equal(skip.name, 'StepSkipped');
    assert.ok(!(skip instanceof UserError));
  });
});

describe('bugReport', () => {
  it('prints the stack of the error and of each cause', () => {
    const root = new Error('root cause');
    const report = bugReport(new StepBug('fetch source', root));
    assert.match(report, /^StepBug: in step "fetch source": root cause\n/);
    assert.match(report, /\ncaused by:\nError: root cause\n/);
  });

  it('stops after five levels, and prints what is not an Error as text', () => {
    let e: Error = new Error('level 0');
    for (let i = 1; i < 8; i++) e = new Error(`level ${i}`, { cause: e });
    const report = bugReport(e);
    assert.deepEqual(report.match(/^Error: level \d$/gm), [
      'Error: level 7',
      'Error: level 6',
      'Error: level 5',
      'Error: level 4',
      'Error: level 3',
    ]);
    assert.equal(bugReport('just text'), 'just text');
  });
});
