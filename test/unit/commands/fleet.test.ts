// nokmem fleet (src/commands/fleet.ts): bad durations and page sizes are refused before the cluster is read.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type FleetOptions, run } from '../../../src/commands/fleet.ts';
import { UsageError } from '../../../src/errors.ts';
import { fakeDeps } from '../../helpers/command-deps.ts';

const good: FleetOptions = {
  staleAfter: '20m',
  pageSize: '500',
  timeout: '30s',
  kubeconfig: '/nonexistent/kubeconfig',
};

describe('nokmem fleet', () => {
  for (const [bad, message] of [
    [{ staleAfter: '20 minutes' }, '--stale-after "20 minutes" is not a duration like 15m, 900s or 1h'],
    [{ staleAfter: '0s' }, '--stale-after "0s" is not a duration like 15m, 900s or 1h'],
    [{ timeout: '1d' }, '--timeout "1d" is not a duration like 30s or 2m'],
    [{ pageSize: '0' }, '--page-size "0" is not a whole number above 0'],
    [{ pageSize: '2.5' }, '--page-size "2.5" is not a whole number above 0'],
  ] as const) {
    it(`${JSON.stringify(bad)}: a usage error (exit 2) naming the value`, async () => {
      const f = fakeDeps();
      await assert.rejects(
        run({ ...good, ...bad }, f.deps),
        (e: Error) => e instanceof UsageError && e.exitCode === 2 && e.message === message,
      );
      assert.equal(f.stdout(), '');
      assert.equal(f.deps.env.exitCode, undefined);
    });
  }
});
