// nokmem build (src/commands/build.ts): bad input stops before any step runs, and the pipeline gets the
// command's runner, engine and logger.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pipelineDeps, run } from '../../../src/commands/build.ts';
import { UsageError } from '../../../src/errors.ts';
import { fakeDeps, selection } from '../../helpers/command-deps.ts';

describe('nokmem build', () => {
  for (const [more, kind, message] of [
    [
      {},
      UsageError,
      'nothing to build: give --kubelet VERSION (e.g. v1.12.4), --runc VERSION (e.g. v1.0.0-rc5) or --fork NAME',
    ],
    [
      { runc: 'v1.0.0-rc5', fork: 'docker-17.03' },
      UsageError,
      'give one of --kubelet VERSION, --runc VERSION or --fork NAME, not several',
    ],
    [
      { runc: 'v1.0.0-rc5', release: '0' },
      UsageError,
      '--release "0" is not a package release number; give a whole number from 1, e.g. --release 2',
    ],
  ] as const) {
    it(`${JSON.stringify(more)}: ${kind.name}, and nothing runs`, async () => {
      const f = fakeDeps();
      await assert.rejects(run(selection(more), f.deps), (e: Error) => e instanceof kind && e.message === message);
      assert.equal(f.runner.calls.length + f.docker.runs.length, 0);
      assert.equal(f.stdout(), '');
    });
  }

  it('a version that is not one: a usage error naming it and the form expected, and nothing runs', async () => {
    const f = fakeDeps();
    await assert.rejects(
      run(selection({ runc: 'latest' }), f.deps),
      (e: Error) =>
        e instanceof UsageError &&
        e.exitCode === 2 &&
        e.message === 'runc version "latest" is not a release version; expected a full tag like v1.0.0-rc5',
    );
    assert.equal(f.runner.calls.length, 0);
  });

  it("the pipeline's dependencies are the command's; log groups in GitHub Actions only; --verbose reaches the logger", () => {
    const f = fakeDeps({ vars: { GITHUB_ACTIONS: 'true' } });
    const deps = pipelineDeps(f.deps, { verbose: true });
    assert.equal(deps.runner, f.runner);
    assert.equal(deps.docker, f.docker);
    assert.equal(deps.logGroups, true);
    assert.deepEqual(f.loggers, [{ verbose: true }]);
    assert.equal(pipelineDeps(fakeDeps().deps, {}).logGroups, false);
  });
});
