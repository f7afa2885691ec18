// The fleet at a glance: every node's report (src/node/report.ts) read back from its Node object, judged fresh or
// stale, sorted worst first (reboot, install, then what is not known, then ok), with the exit status of the
// worst. Pure: the Node objects come from src/node/cluster.ts (read by src/node/node-object.ts), the time from the
// caller.

import { formatAge, parseDuration } from './cadence.js';
import { AGENT_NODE_LABEL, type NodeObject } from './node-object.js';
import { NodeReport, NodeVerdict, parseNodeReport } from './report.js';

/** What the fleet knows of a node: its verdict, or why it has none it can trust. */
export type FleetStatus = NodeVerdict | 'stale' | 'no report' | 'bad report' | 'not affected';

export interface FleetRow {
  node: string;
  status: FleetStatus;
  /** Why the report cannot be used (malformed), or why it is not believed any more (stale). */
  problem: string | null;
  /** When the report was last known to be current: the later of its `time` and the condition's heartbeat. */
  seenAt: string | null;
  ageSeconds: number | null;
  report: NodeReport | null;
}

const RANK: Record<FleetStatus, number> = {
  reboot: 0,
  install: 1,
  unknown: 2,
  stale: 2,
  'no report': 2,
  'bad report': 2,
  ok: 3,
  'not affected': 3,
};

/** The doctor's exit codes: 0 ok, 1 install, 2 reboot, 3 unknown (stale, no report and bad report are unknown). */
const EXIT: Record<FleetStatus, number> = {
  reboot: 2,
  install: 1,
  unknown: 3,
  stale: 3,
  'no report': 3,
  'bad report': 3,
  ok: 0,
  'not affected': 0,
};

export function fleetRow(node: NodeObject, now: Date, staleAfterSeconds: number): FleetRow {
  const parsed = parseNodeReport(node.report);
  const base = { node: node.name, seenAt: null, ageSeconds: null, report: null };
  if (!parsed.report) {
    // No agent is meant to run there and the kernel is not one that leaks: nothing to report, nothing to do.
    if (node.report === undefined && !node.agentLabelled && kernelMajor(node.kernel) >= 4)
      return {
        ...base,
        status: 'not affected',
        problem: `kernel ${node.kernel} does not leak memory cgroup IDs (the leak is in 3.x kernels, as EL7's 3.10); no agent runs there`,
      };
    const status = node.report === undefined ? 'no report' : 'bad report';
    return { ...base, status, problem: status === 'no report' ? noReport(node) : (parsed.problem ?? status) };
  }
  const report = parsed.report;
  const seen = [report.time, node.heartbeat]
    .map((t) => (t === undefined ? NaN : Date.parse(t)))
    .filter((t) => !Number.isNaN(t));
  if (seen.length === 0)
    return { ...base, report, status: 'bad report', problem: `report time "${report.time}" is not a time` };
  const seenAt = Math.max(...seen);
  const ageSeconds = Math.max(0, Math.round((now.getTime() - seenAt) / 1000));
  const stale = ageSeconds > staleAfterSeconds;
  return {
    node: node.name,
    status: stale ? 'stale' : report.verdict,
    problem: stale ? `last report ${formatAge(ageSeconds)} ago (verdict then: ${report.verdict})` : null,
    seenAt: new Date(seenAt).toISOString(),
    ageSeconds,
    report,
  };
}

/**
 * Why a node has no report. The agent runs only where a label says the node has a cgroup-v1 memory hierarchy: a
 * node with a 3.x kernel (the kernels that leak, all cgroup v1) without that label has no agent at all.
 */
function noReport(node: NodeObject): string {
  const { key, value } = AGENT_NODE_LABEL;
  if (!node.agentLabelled && node.kernel?.startsWith('3.'))
    return `agent not scheduled: kernel ${node.kernel} but no label ${key}=${value} (kubectl label node ${node.name} ${key}=${value})`;
  return 'no report';
}

function kernelMajor(kernel: string | undefined): number {
  const major = Number(/^(\d+)\./.exec(kernel ?? '')?.[1]);
  return Number.isFinite(major) ? major : NaN;
}

/** Every node, worst first; nodes of one rank by name. */
export function fleetRows(nodes: readonly NodeObject[], now: Date, staleAfterSeconds: number): FleetRow[] {
  return nodes
    .map((n) => fleetRow(n, now, staleAfterSeconds))
    .sort((a, b) => RANK[a.status] - RANK[b.status] || (a.node < b.node ? -1 : a.node > b.node ? 1 : 0));
}

/** The exit status of the worst node (0 for a fleet without nodes). */
export function fleetExitCode(rows: readonly FleetRow[]): number {
  const worst = rows.reduce<FleetStatus | undefined>(
    (w, r) => (w === undefined || RANK[r.status] < RANK[w] ? r.status : w),
    undefined,
  );
  return worst === undefined ? 0 : EXIT[worst];
}

export function countByStatus(rows: readonly FleetRow[]): Partial<Record<FleetStatus, number>> {
  const counts: Partial<Record<FleetStatus, number>> = {};
  for (const r of rows) counts[r.status] = (counts[r.status] ?? 0) + 1;
  return counts;
}

export { formatAge, parseDuration };
