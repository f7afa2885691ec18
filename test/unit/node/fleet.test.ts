import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fleetExitCode, fleetRow, fleetRows, formatAge, parseDuration } from '../../../src/node/fleet.ts';
import { formatFleetTable } from '../../../src/node/fleet-table.ts';
import type { NodeObject } from '../../../src/node/node-object.ts';
import { type NodeReport, REPORT_SCHEMA } from '../../../src/node/report.ts';

const NOW = new Date('2026-12-06T12:00:00Z');
const STALE = 15 * 60;

function report(over: Partial<NodeReport> = {}): NodeReport {
  return {
    schema: REPORT_SCHEMA,
    time: '2026-12-06T11:58:00Z',
    verdict: 'ok',
    nextStep: 'nothing to do',
    kernel: '3.10.0-1160.el7.x86_64',
    bootFlag: { present: true, honoured: 'yes' },
    kmemOnKubepods: false,
    liveMemoryCgroups: 180,
    headroom: null,
    exhaustionErrors: 0,
    binaries: [
      { role: 'kubelet', path: '/usr/bin/kubelet', state: 'nokmem', version: 'v1.20.2' },
      { role: 'runc', path: '/usr/bin/runc', state: 'nokmem', version: '1.0.0-rc93' },
    ],
    rebootRequestedAt: null,
    missing: [],
    ...over,
  };
}

const node = (
  name: string,
  r?: NodeReport | string,
  heartbeat?: string,
  over: Partial<NodeObject> = {},
): NodeObject => ({
  name,
  report: typeof r === 'string' || r === undefined ? r : JSON.stringify(r),
  heartbeat,
  agentLabelled: true,
  ...over,
});

describe('fleet', () => {
  it('sorts worst first: reboot, install, then what is not known, then ok; by name within a rank', () => {
    const rows = fleetRows(
      [
        node('a-ok', report()),
        node('b-none'),
        node('c-install', report({ verdict: 'install' })),
        node('d-reboot', report({ verdict: 'reboot' })),
        node('e-bad', '{"schema": 1}'),
        node('f-stale', report({ time: '2026-12-06T10:00:00Z' })),
        node('g-unknown', report({ verdict: 'unknown', missing: ['kernel'] })),
        node('0-install', report({ verdict: 'install' })),
      ],
      NOW,
      STALE,
    );
    assert.deepEqual(
      rows.map((r) => [r.node, r.status]),
      [
        ['d-reboot', 'reboot'],
        ['0-install', 'install'],
        ['c-install', 'install'],
        ['b-none', 'no report'],
        ['e-bad', 'bad report'],
        ['f-stale', 'stale'],
        ['g-unknown', 'unknown'],
        ['a-ok', 'ok'],
      ],
    );
  });

  it('exits with the worst verdict, with the doctor codes', () => {
    const code = (...nodes: NodeObject[]) => fleetExitCode(fleetRows(nodes, NOW, STALE));
    assert.equal(code(), 0);
    assert.equal(code(node('a', report())), 0);
    assert.equal(code(node('a', report()), node('b')), 3);
    assert.equal(code(node('a', report({ verdict: 'install' })), node('b')), 1);
    assert.equal(code(node('a', report({ verdict: 'install' })), node('b', report({ verdict: 'reboot' }))), 2);
    assert.equal(code(node('a', report({ verdict: 'unknown' }))), 3);
  });

  it('a heartbeat keeps an unchanged report fresh; stale is older than --stale-after by both', () => {
    const old = report({ time: '2026-12-06T09:00:00Z', verdict: 'install' });
    const fresh = fleetRow(node('n', old, '2026-12-06T11:55:00Z'), NOW, STALE);
    assert.equal(fresh.status, 'install');
    assert.equal(fresh.ageSeconds, 300);
    assert.equal(fresh.seenAt, '2026-12-06T11:55:00.000Z');
    const stale = fleetRow(node('n', old, '2026-12-06T11:40:00Z'), NOW, STALE);
    assert.equal(stale.status, 'stale');
    assert.equal(stale.problem, 'last report 20m ago (verdict then: install)');
    assert.equal(stale.report?.verdict, 'install');
  });

  it('says why a report cannot be used', () => {
    assert.equal(fleetRow(node('n'), NOW, STALE).problem, 'no report');
    assert.equal(fleetRow(node('n', 'not json'), NOW, STALE).problem, 'report is not JSON');
    assert.match(fleetRow(node('n', '{}'), NOW, STALE).problem ?? '', /does not match nokmem\/node-report@1/);
    const timeless = fleetRow(node('n', report({ time: 'yesterday' })), NOW, STALE);
    assert.equal(timeless.status, 'bad report');
    assert.equal(timeless.problem, 'report time "yesterday" is not a time');
  });

  it('a 3.x node without the label the agent needs has no report because it has no agent: said so, with the fix', () => {
    const el7 = { kernel: '3.10.0-1160.el7.x86_64', agentLabelled: false };
    const missing = fleetRow(node('n1', undefined, undefined, el7), NOW, STALE);
    assert.equal(missing.status, 'no report');
    assert.equal(
      missing.problem,
      'agent not scheduled: kernel 3.10.0-1160.el7.x86_64 but no label nokmem.io/cgroup=v1 (kubectl label node n1 nokmem.io/cgroup=v1)',
    );
    // labelled (the agent should be there): plain "no report"
    assert.equal(
      fleetRow(node('n2', undefined, undefined, { ...el7, agentLabelled: true }), NOW, STALE).problem,
      'no report',
    );
    // a newer kernel without the label has no agent and needs none: not affected, and it does not make the fleet
    // exit 3 (a mixed fleet can be all right)
    const el9 = fleetRow(
      node('n3', undefined, undefined, { kernel: '5.14.0-362.el9.x86_64', agentLabelled: false }),
      NOW,
      STALE,
    );
    assert.equal(el9.status, 'not affected');
    assert.match(el9.problem ?? '', /^kernel 5\.14\.0-362\.el9\.x86_64 does not leak memory cgroup IDs/);
    assert.equal(fleetExitCode([el9]), 0);
    // labelled although its kernel is new (the agent should be there): still "no report"
    assert.equal(
      fleetRow(node('n4', undefined, undefined, { kernel: '5.14.0-362.el9.x86_64', agentLabelled: true }), NOW, STALE)
        .status,
      'no report',
    );
    const table = formatFleetTable(
      fleetRows(
        [node('n1', undefined, undefined, el7), node('n2', undefined, undefined, { ...el7, agentLabelled: true })],
        NOW,
        STALE,
      ),
      NOW,
    ).split('\n');
    assert.match(table[1]!, /^n1 +no report$/);
    assert.match(table[2]!, /^n2 +no report$/);
    assert.deepEqual(table.slice(4), [
      '2 nodes: 2 no report',
      'n1: agent not scheduled: kernel 3.10.0-1160.el7.x86_64 but no label nokmem.io/cgroup=v1 (kubectl label node n1 nokmem.io/cgroup=v1)',
      '',
    ]);
  });

  it('prints every fact of the report, "?" where unread, and a summary', () => {
    const rows = fleetRows(
      [
        node(
          'node-reboot',
          report({
            verdict: 'reboot',
            kernel: '3.10.0-957.el7.x86_64',
            bootFlag: { present: true, honoured: 'no' },
            kmemOnKubepods: true,
            exhaustionErrors: 12,
            binaries: [
              { role: 'kubelet', path: '/usr/bin/kubelet', state: 'nokmem', version: 'v1.12.4' },
              { role: 'runc', path: '/usr/bin/runc', state: 'kmem', version: '1.0.0-rc5' },
            ],
            rebootRequestedAt: '2026-12-06T09:00:00Z',
          }),
        ),
        node(
          'node-unknown',
          report({
            verdict: 'unknown',
            kernel: null,
            bootFlag: null,
            kmemOnKubepods: null,
            exhaustionErrors: null,
            headroom: { used: 3000, limit: 65535 },
            binaries: [{ role: 'kubelet', path: '/usr/bin/kubelet', state: 'unknown', why: 'not a Go binary' }],
            missing: ['kernel: /proc/version unreadable', 'boot flag'],
          }),
        ),
        node('node-bad', '{'),
      ],
      NOW,
      STALE,
    );
    const table = formatFleetTable(rows, NOW).split('\n');
    assert.match(
      table[0]!,
      /^NODE +KERNEL +NOKMEM FLAG +KMEM ON KUBEPODS +EXHAUSTION ERRORS +HEADROOM +KUBELET +RUNC +VERDICT +REBOOT PENDING +AGE$/,
    );
    assert.match(
      table[1]!,
      /^node-reboot +3\.10\.0-957\.el7\.x86_64 +ignored +active +12 +unknown +nokmem v1\.12\.4 +kmem 1\.0\.0-rc5 +reboot +3h +2m$/,
    );
    assert.match(table[2]!, /^node-bad +bad report$/);
    assert.match(table[3]!, /^node-unknown +\? +\? +\? +\? +62535 free \(95%\) +unknown +- +unknown +no +2m$/);
    assert.equal(table[5], '3 nodes: 1 reboot, 1 unknown, 1 bad report');
    assert.deepEqual(table.slice(6), [
      'node-bad: report is not JSON',
      'node-unknown: unknown, missing kernel: /proc/version unreadable; boot flag',
      '',
    ]);
  });

  it('reads durations and prints ages as kubectl does', () => {
    assert.equal(parseDuration('15m'), 900);
    assert.equal(parseDuration('90s'), 90);
    assert.equal(parseDuration('2h'), 7200);
    assert.equal(parseDuration('15'), undefined);
    assert.equal(parseDuration('-1m'), undefined);
    assert.deepEqual([42, 300, 7200, 200_000].map(formatAge), ['42s', '5m', '2h', '2d']);
  });
});
