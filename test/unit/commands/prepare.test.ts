// nokmem prepare (src/commands/prepare.ts): the same refusals as build, before anything is fetched.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { run } from '../../../src/commands/prepare.ts';
import { UsageError } from '../../../src/errors.ts';
import { fakeDeps, selection } from '../../helpers/command-deps.ts';

describe('nokmem prepare', () => {
  it('two components: a usage error, and git is never asked', async () => {
    const f = fakeDeps();
    await assert.rejects(
      run({ ...selection({ runc: 'v1.0.0-rc5', kubelet: 'v1.12.4' }), into: '/nonexistent/tree' }, f.deps),
      (e: Error) =>
        e instanceof UsageError &&
        e.message === 'give one of --kubelet VERSION, --runc VERSION or --fork NAME, not several',
    );
    assert.equal(f.runner.calls.length, 0);
  });
});
