// The shape of a verdict (src/verify/verdict.ts) and the one short line a failed verification ends with.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Check, failureSummary, verdictOf } from '../../../src/verify/verdict.ts';

const checks: Check[] = [
  { name: 'EL7 glibc', status: 'pass', detail: 'statically linked' },
  { name: 'EL7 glibc usr/libexec/runc-nokmem/runc, a long name', status: 'fail', detail: 'needs GLIBC_2.34' },
  { name: 'kmem symbols', status: 'fail', detail: 'still linked' },
  { name: 'functional (strace)', status: 'skipped', detail: 'turned off' },
];

describe('verdictOf', () => {
  it('fails on any failed check, and on no passed check at all (skips are never passes)', () => {
    assert.equal(verdictOf(checks).ok, false);
    assert.equal(verdictOf([checks[0]!, checks[3]!]).ok, true);
    assert.equal(verdictOf([checks[3]!]).ok, false);
  });
});

describe('failureSummary', () => {
  it('the failure summary is short, names each failed check once and no detail', () => {
    const many: Check[] = Array.from({ length: 30 }, (_, i) => ({
      name: `check number ${i % 15} with a rather long name`,
      status: 'fail',
      detail: 'a detail that belongs in the table only',
    }));
    const line = failureSummary('/some/where/runc is not a verified nokmem runc v1.0.0-rc5', [...checks, ...many]);
    assert.ok(line.length < 200, line);
    assert.ok(!line.includes('\n'));
    assert.ok(!line.includes('a detail that belongs'));
    const short = failureSummary('runc', checks);
    assert.equal(short.split('kmem symbols').length, 2);
    assert.ok(!short.includes('still linked'));
  });
});
