import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type NodeReport, REPORT_SCHEMA, parseNodeReport } from '../../../src/node/report.ts';

const report: NodeReport = {
  schema: REPORT_SCHEMA,
  time: '2026-12-06T10:00:00Z',
  verdict: 'install',
  nextStep: 'install the nokmem packages',
  kernel: '3.10.0-957.el7.x86_64',
  bootFlag: { present: false, honoured: 'no' },
  kmemOnKubepods: true,
  liveMemoryCgroups: 212,
  headroom: null,
  exhaustionErrors: 0,
  binaries: [{ role: 'kubelet', path: '/usr/bin/kubelet', state: 'kmem', version: 'v1.12.4' }],
  rebootRequestedAt: null,
  missing: [],
};

describe('node report', () => {
  it('reads back what the agent writes', () => {
    assert.deepEqual(parseNodeReport(JSON.stringify(report)), { report });
  });
  it('says why a report cannot be used', () => {
    assert.deepEqual(parseNodeReport(undefined), { problem: 'no report' });
    assert.deepEqual(parseNodeReport('{'), { problem: 'report is not JSON' });
    assert.deepEqual(parseNodeReport(JSON.stringify({ ...report, extra: 1 })), {
      problem: `report does not match ${REPORT_SCHEMA}`,
    });
  });
});
