// The doctor's report as the agent publishes it on its Node (src/node/outputs/node-report.ts): every field of the
// contract from the doctor's report, and what a reboot request (pending, or given up) changes.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toNodeReport } from '../../../../src/node/outputs/node-report.ts';
import { REPORT_SCHEMA, parseNodeReport } from '../../../../src/node/report.ts';
import type { DoctorReport } from '../../../../src/node/verdict.ts';

const TIME = new Date('2026-12-06T12:00:00Z');

const doctor = {
  verdict: 'reboot',
  nextStep: 'reboot to apply cgroup.memory=nokmem',
  exitCode: 2,
  atRisk: true,
  findings: [],
  missing: ['/proc/cgroups'],
  bootFlag: { present: true, honoured: 'no' },
  kmemOnKubepods: true,
  headroom: { used: 3000, limit: 65535 },
  binaries: [{ role: 'runc', path: '/usr/bin/runc', state: 'kmem', version: '1.0.0-rc5' }],
  facts: {
    kernel: '3.10.0-957.el7.x86_64',
    liveMemoryCgroups: 180,
    exhaustion: { errors: 4, logs: ['/var/log/messages'] },
  },
} as unknown as DoctorReport;

describe('toNodeReport', () => {
  it("carries the doctor's verdict and facts into the published contract, which parses back", () => {
    const r = toNodeReport(doctor, TIME);
    assert.deepEqual(r, {
      schema: REPORT_SCHEMA,
      time: '2026-12-06T12:00:00.000Z',
      verdict: 'reboot',
      nextStep: 'reboot to apply cgroup.memory=nokmem',
      kernel: '3.10.0-957.el7.x86_64',
      bootFlag: { present: true, honoured: 'no' },
      kmemOnKubepods: true,
      liveMemoryCgroups: 180,
      headroom: { used: 3000, limit: 65535 },
      exhaustionErrors: 4,
      binaries: [{ role: 'runc', path: '/usr/bin/runc', state: 'kmem', version: '1.0.0-rc5' }],
      rebootRequestedAt: null,
      missing: ['/proc/cgroups'],
      rebootRequest: null,
    });
    assert.ok(parseNodeReport(JSON.stringify(r)).report, 'the published report is one fleet can read');
  });

  it('writes unread facts as null', () => {
    const r = toNodeReport({ ...doctor, facts: {} } as unknown as DoctorReport, TIME);
    assert.deepEqual([r.kernel, r.liveMemoryCgroups, r.exhaustionErrors], [null, null, null]);
  });

  it('says since when a reboot is pending, and when the agent gave up asking, says to look by hand instead', () => {
    const asked = { at: '2026-12-06T09:00:00Z', bootId: 'b1', gaveUp: false };
    const pending = toNodeReport(doctor, TIME, asked);
    assert.equal(pending.rebootRequestedAt, '2026-12-06T09:00:00Z');
    assert.deepEqual(pending.rebootRequest, asked);
    assert.equal(pending.nextStep, doctor.nextStep);
    const gaveUp = toNodeReport(doctor, TIME, { ...asked, gaveUp: true });
    assert.equal(gaveUp.rebootRequestedAt, null);
    assert.equal(
      gaveUp.nextStep,
      'a reboot for nokmem (asked 2026-12-06T09:00:00Z) did not clear kmem accounting on kubepods: the agent stopped asking; look at this node by hand (reboot to apply cgroup.memory=nokmem)',
    );
  });
});
