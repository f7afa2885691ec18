// How `nokmem fleet` prints the fleet: one row per node in the order of src/node/fleet.ts, a column per fact of
// the report ("?" where the agent could not read it), and one summary line.

import { type FleetRow, type FleetStatus, countByStatus, formatAge } from './fleet.js';
import type { BinaryState, NodeReport } from './report.js';

const COLUMNS = [
  'NODE',
  'KERNEL',
  'NOKMEM FLAG',
  'KMEM ON KUBEPODS',
  'EXHAUSTION ERRORS',
  'HEADROOM',
  'KUBELET',
  'RUNC',
  'VERDICT',
  'REBOOT PENDING',
  'AGE',
] as const;

const UNKNOWN = '?';

function bootFlag(report: NodeReport): string {
  const flag = report.bootFlag;
  if (!flag) return UNKNOWN;
  if (!flag.present) return 'absent';
  return { yes: 'honoured', no: 'ignored', unverified: 'unverified' }[flag.honoured];
}

function binaries(report: NodeReport, role: string): string {
  const found = report.binaries.filter((b: BinaryState) => b.role === role);
  if (found.length === 0) return '-';
  return found.map((b) => (b.version ? `${b.state} ${b.version}` : b.state)).join(', ');
}

function headroom(report: NodeReport): string {
  const h = report.headroom;
  if (!h) return 'unknown';
  const free = h.limit - h.used;
  return `${free} free (${Math.floor((100 * free) / h.limit)}%)`;
}

function cells(row: FleetRow, now: Date): string[] {
  const r = row.report;
  const verdict = row.status === 'stale' && r ? `stale (${r.verdict})` : row.status;
  if (!r) return [row.node, '', '', '', '', '', '', '', verdict, '', ''];
  const since = r.rebootRequestedAt ? Date.parse(r.rebootRequestedAt) : NaN;
  return [
    row.node,
    r.kernel ?? UNKNOWN,
    bootFlag(r),
    r.kmemOnKubepods === null ? UNKNOWN : r.kmemOnKubepods ? 'active' : 'off',
    r.exhaustionErrors === null ? UNKNOWN : String(r.exhaustionErrors),
    headroom(r),
    binaries(r, 'kubelet'),
    binaries(r, 'runc'),
    verdict,
    r.rebootRequestedAt === null
      ? 'no'
      : Number.isNaN(since)
        ? 'yes'
        : `${formatAge(Math.max(0, Math.round((now.getTime() - since) / 1000)))}`,
    row.ageSeconds === null ? '' : formatAge(row.ageSeconds),
  ];
}

const ORDER: FleetStatus[] = ['reboot', 'install', 'unknown', 'stale', 'no report', 'bad report', 'ok', 'not affected'];

export function formatFleetTable(rows: readonly FleetRow[], now: Date): string {
  if (rows.length === 0) return 'no nodes\n';
  const table = [[...COLUMNS], ...rows.map((r) => cells(r, now))];
  const widths = COLUMNS.map((_, i) => Math.max(...table.map((line) => line[i]!.length)));
  const lines = table.map((line) =>
    line
      .map((cell, i) => (i === line.length - 1 ? cell : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd(),
  );
  const counts = countByStatus(rows);
  const summary = ORDER.filter((s) => counts[s]).map((s) => `${counts[s]} ${s}`);
  // why a node has no verdict to trust: a report that cannot be read, no agent there, or the facts an unknown one
  // lacked
  const problems = rows.flatMap((r) =>
    r.status === 'bad report' || (r.status === 'no report' && r.problem !== 'no report')
      ? [`${r.node}: ${r.problem}`]
      : r.status === 'unknown' && r.report?.missing.length
        ? [`${r.node}: unknown, missing ${r.report.missing.join('; ')}`]
        : [],
  );
  return `${[...lines, '', `${rows.length} nodes: ${summary.join(', ')}`, ...problems].join('\n')}\n`;
}
