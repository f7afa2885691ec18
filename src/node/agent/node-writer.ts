// Publishes a node's report on its Node object, as node-problem-detector's condition manager does
// (pkg/exporters/k8sexporter/condition/manager.go): the label (nokmem.io/verdict), the annotation
// (nokmem.io/report) and the condition (KernelMemoryAccounting) are written only when what they say changes, or
// when the heartbeat is due, so thousands of nodes do not flood the API server and a stale report shows by its
// time; a failed write is tried again at the next sync. The clock and the API client are interfaces, so the timing
// is tested with fakes (test/unit/node/agent/node-writer.test.ts) and the real client runs against any API server.

import { CONDITION_TYPE, type NodeReport, REPORT_ANNOTATION, VERDICT_LABEL } from '../report.js';

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A node condition as the API has it (NPD semantics: status "True" means the problem is present). */
export interface NodeCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastHeartbeatTime: string;
  lastTransitionTime: string;
}

/** What the agent needs of the API server: its own Node, read once at start, and two patches. */
export interface NodeClient {
  /** The node's labels, annotations and conditions; undefined when there is no such Node. */
  getNode(
    name: string,
  ): Promise<
    { labels: Record<string, string>; annotations: Record<string, string>; conditions: NodeCondition[] } | undefined
  >;
  /** Sets these labels and annotations on the Node (a merge patch of metadata). */
  patchMetadata(name: string, labels: Record<string, string>, annotations: Record<string, string>): Promise<void>;
  /** Sets this condition in the Node's status (a strategic merge patch of nodes/status, merged by type). */
  patchCondition(name: string, condition: NodeCondition): Promise<void>;
}

export const HEARTBEAT_MS = 5 * 60_000;

export function conditionFor(report: NodeReport): Pick<NodeCondition, 'type' | 'status' | 'reason' | 'message'> {
  const status = report.verdict === 'ok' ? 'False' : report.verdict === 'unknown' ? 'Unknown' : 'True';
  const reason = `Nokmem${report.verdict[0]!.toUpperCase()}${report.verdict.slice(1)}`;
  return { type: CONDITION_TYPE, status, reason, message: report.nextStep };
}

/** What a report says, without the time it was made: a change in this is a change worth writing. */
export function substance(report: NodeReport): string {
  return JSON.stringify({ ...report, time: undefined });
}

export interface WriteResult {
  wrote: boolean;
  why: 'changed' | 'heartbeat' | 'retry' | 'unchanged';
  error?: unknown;
}

export class NodeWriter {
  private written?: string;
  private lastWrite?: number;
  private transition?: { status: string; at: string };
  private failed = false;

  constructor(
    private readonly node: string,
    private readonly client: NodeClient,
    private readonly clock: Clock = systemClock,
    private readonly heartbeatMs = HEARTBEAT_MS,
  ) {}

  /** Reads what the Node says now (after an agent restart): an unchanged report is then not written again. */
  async recover(): Promise<NodeReport | undefined> {
    const current = await this.client.getNode(this.node);
    const condition = current?.conditions.find((c) => c.type === CONDITION_TYPE);
    if (condition) this.transition = { status: condition.status, at: condition.lastTransitionTime };
    const text = current?.annotations[REPORT_ANNOTATION];
    if (!text) return undefined;
    try {
      const report = JSON.parse(text) as NodeReport;
      this.written = substance(report);
      this.lastWrite = condition ? Date.parse(condition.lastHeartbeatTime) : Date.parse(report.time);
      return report;
    } catch {
      return undefined;
    }
  }

  /** Writes the report if it changed, the heartbeat is due, or the last write failed. */
  async sync(report: NodeReport): Promise<WriteResult> {
    const now = this.clock.now();
    const changed = substance(report) !== this.written;
    const heartbeat = this.lastWrite === undefined || now.getTime() - this.lastWrite >= this.heartbeatMs;
    const why = this.failed ? 'retry' : changed ? 'changed' : heartbeat ? 'heartbeat' : 'unchanged';
    if (why === 'unchanged') return { wrote: false, why };
    const base = conditionFor(report);
    const stamp = now.toISOString();
    if (this.transition?.status !== base.status) this.transition = { status: base.status, at: stamp };
    try {
      await this.client.patchMetadata(
        this.node,
        { [VERDICT_LABEL]: report.verdict },
        { [REPORT_ANNOTATION]: JSON.stringify(report) },
      );
      await this.client.patchCondition(this.node, {
        ...base,
        lastHeartbeatTime: stamp,
        lastTransitionTime: this.transition.at,
      });
    } catch (error) {
      this.failed = true;
      return { wrote: false, why, error };
    }
    this.failed = false;
    this.written = substance(report);
    this.lastWrite = now.getTime();
    return { wrote: true, why };
  }
}
