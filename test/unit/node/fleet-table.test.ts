// How `nokmem fleet` prints the fleet (src/node/fleet-table.ts), from rows written here: the cells of each fact,
// a stale report's verdict, the summary in the order of urgency, and why a node has no verdict to trust. The rows
// that src/node/fleet.ts makes from Node objects are printed in test/unit/node/fleet.test.ts.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FleetRow } from '../../../src/node/fleet.ts';
import { formatFleetTable } from '../../../src/node/fleet-table.ts';
import { type NodeReport, REPORT_SCHEMA } from '../../../src/node/report.ts';

const NOW = new Date('2026-12-06T12:00:00Z');

const report = (over: Partial<NodeReport> = {}): NodeReport => ({
  schema: REPORT_SCHEMA,
  time: '2026-12-06T11:59:00Z',
  verdict: 'ok',
  nextStep: 'nothing to do',
  kernel: '3.10.0-1160.el7.x86_64',
  bootFlag: { present: true, honoured: 'yes' },
  kmemOnKubepods: false,
  liveMemoryCgroups: 10,
  headroom: null,
  exhaustionErrors: 0,
  binaries: [],
  rebootRequestedAt: null,
  missing: [],
  ...over,
});

const row = (
  node: string,
  status: FleetRow['status'],
  r: NodeReport | null,
  over: Partial<FleetRow> = {},
): FleetRow => ({
  node,
  status,
  problem: null,
  seenAt: null,
  ageSeconds: r ? 120 : null,
  report: r,
  ...over,
});

describe('formatFleetTable', () => {
  it('says so when there are no nodes', () => {
    assert.equal(formatFleetTable([], NOW), 'no nodes\n');
  });

  it('writes each boot flag state, a missing binary as "-", several binaries of a role, and a free headroom', () => {
    const rows = [
      row('a', 'ok', report({ bootFlag: { present: false, honoured: 'no' } })),
      row(
        'b',
        'ok',
        report({
          bootFlag: { present: true, honoured: 'unverified' },
          headroom: { used: 65000, limit: 65535 },
          binaries: [
            { role: 'runc', path: '/usr/bin/runc', state: 'nokmem', version: '1.0.0-rc93' },
            { role: 'runc', path: '/usr/libexec/runc-nokmem/runc', state: 'nokmem' },
          ],
        }),
      ),
    ];
    const [, a, b] = formatFleetTable(rows, NOW).split('\n');
    assert.match(a!, /^a +3\.10\.0-1160\.el7\.x86_64 +absent +off +0 +unknown +- +- +ok +no +2m$/);
    assert.match(b!, /^b +\S+ +unverified +off +0 +535 free \(0%\) +- +nokmem 1\.0\.0-rc93, nokmem +ok +no +2m$/);
  });

  it("shows a stale report's last verdict, and a reboot requested at a time it cannot read as pending", () => {
    const rows = [
      row('old', 'stale', report({ verdict: 'install' }), { ageSeconds: 7200 }),
      row('boot', 'reboot', report({ verdict: 'reboot', rebootRequestedAt: 'soon' })),
    ];
    const lines = formatFleetTable(rows, NOW).split('\n');
    assert.match(lines[1]!, / stale \(install\) +no +2h$/);
    assert.match(lines[2]!, / reboot +yes +2m$/);
  });

  it('sums up by urgency, and says why a node has no verdict to trust', () => {
    const rows = [
      row('fine', 'ok', report()),
      row('gone', 'no report', null, { problem: 'agent not running (no heartbeat)' }),
      row('quiet', 'no report', null, { problem: 'no report' }),
      row('garbled', 'bad report', null, { problem: 'report is not JSON' }),
      row('blind', 'unknown', report({ verdict: 'unknown', missing: ['kernel', 'boot flag'] })),
      row('todo', 'install', report({ verdict: 'install' })),
    ];
    const lines = formatFleetTable(rows, NOW).split('\n');
    assert.match(lines[3]!, /^quiet +no report$/, 'a row without a report has only its name and status');
    assert.deepEqual(lines.slice(lines.indexOf('') + 1), [
      '6 nodes: 1 install, 1 unknown, 2 no report, 1 bad report, 1 ok',
      'gone: agent not running (no heartbeat)',
      'garbled: report is not JSON',
      'blind: unknown, missing kernel; boot flag',
      '',
    ]);
  });
});
