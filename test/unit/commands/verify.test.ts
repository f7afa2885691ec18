// nokmem verify (src/commands/verify.ts): what it refuses before Docker is asked, and that Docker is asked
// before anything is inspected.

import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type VerifyArgs, run } from '../../../src/commands/verify.ts';
import { InputError, MissingPrerequisite, UsageError } from '../../../src/errors.ts';
import { DEFAULT_SPECS_DIR } from '../../../src/project.ts';
import { fakeDeps } from '../../helpers/command-deps.ts';
import { FakeDocker } from '../../helpers/fakes.ts';

let dir: string;
const args = (target: string, more: Partial<VerifyArgs> = {}): VerifyArgs => ({
  target,
  specs: DEFAULT_SPECS_DIR,
  functional: true,
  ...more,
});

describe('nokmem verify', () => {
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'verify-cmd-'));
    await writeFile(path.join(dir, 'runc-nokmem.rpm'), 'not an rpm');
    await writeFile(path.join(dir, 'runc'), 'not a binary');
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('a target that does not exist: an input error naming it and what to give', async () => {
    const f = fakeDeps();
    await assert.rejects(
      run(args('/nonexistent/runc.rpm'), f.deps),
      (e: Error) =>
        e instanceof InputError &&
        e.message === '/nonexistent/runc.rpm does not exist; give an RPM, a directory of RPMs, or a binary',
    );
  });

  it('packages without --key: a usage error, since a key shipped beside them proves nothing', async () => {
    for (const target of [path.join(dir, 'runc-nokmem.rpm'), dir]) {
      const f = fakeDeps();
      await assert.rejects(
        run(args(target), f.deps),
        (e: Error) =>
          e instanceof UsageError &&
          e.message ===
            `verifying ${target} needs the project's public key: pass --key RPM-GPG-KEY-nokmem (a key shipped next to the packages proves nothing)`,
      );
      assert.equal(f.runner.calls.length, 0);
    }
  });

  it('a bare binary with two claims: a usage error before Docker is asked', async () => {
    const f = fakeDeps();
    await assert.rejects(
      run(args(path.join(dir, 'runc'), { runc: 'v1.0.0-rc5', kubelet: 'v1.12.4' }), f.deps),
      (e: Error) =>
        e instanceof UsageError &&
        e.message === 'give one of --kubelet VERSION, --runc VERSION or --fork NAME, not several',
    );
    assert.equal(f.docker.runs.length, 0);
  });

  it('no Docker engine: a missing prerequisite, for packages and for a binary, and nothing is run', async () => {
    for (const target of [path.join(dir, 'runc-nokmem.rpm'), path.join(dir, 'runc')]) {
      const f = fakeDeps({ docker: new FakeDocker({}) });
      await assert.rejects(run(args(target, { key: path.join(dir, 'runc') }), f.deps), MissingPrerequisite);
      assert.equal(f.runner.calls.length + f.docker.runs.length, 0);
      assert.equal(f.stdout(), '');
    }
  });
});
