// Publishes a node's report on its Node object, as node-problem-detector's condition manager does
// (pkg/exporters/k8sexporter/condition/manager.go): the label (nokmem.io/verdict) and the annotation
// (nokmem.io/report) are written when the report changes, the condition (KernelMemoryAccounting) then and on every
// heartbeat, so thousands of nodes do not flood the API server: an unchanged report costs one small patch of
// nodes/status a heartbeat, and a reader sees it is current by the condition's lastHeartbeatTime. A failed write is
// tried again, whole, at the next sync. The patches are src/node/node-object.ts's; the clock and the API client are
// interfaces, so the timing is tested with fakes (test/unit/node/agent/node-writer.test.ts) and the real client
// runs against any API server (test/integration/agent.test.ts).

import {
  CADENCE,
  type MetadataPatch,
  type NodeObject,
  type StatusPatch,
  conditionFor,
  metadataPatch,
  statusPatch,
} from '../node-object.js';
import type { NodeReport } from '../report.js';

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** What the agent needs of the API server: its own Node, read once at start, and two patches. */
export interface NodeClient {
  /** The Node as the node side reads it; undefined when there is no such Node. */
  getNode(name: string): Promise<NodeObject | undefined>;
  /** A JSON merge patch of the Node (its metadata). */
  patchNode(name: string, patch: MetadataPatch): Promise<void>;
  /** A strategic merge patch of nodes/status (the condition, merged by type). */
  patchNodeStatus(name: string, patch: StatusPatch): Promise<void>;
}

export const HEARTBEAT_MS = CADENCE.heartbeatSeconds * 1000;

/** What a report says, without the time it was made: a change in this is a change worth writing. */
export function substance(report: NodeReport): string {
  return JSON.stringify({ ...report, time: undefined });
}

export interface WriteResult {
  wrote: boolean;
  /** changed: label, annotation and condition; heartbeat: the condition alone; retry: all, after a failure. */
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
    const condition = current?.condition;
    if (condition) this.transition = { status: condition.status, at: condition.lastTransitionTime };
    if (!current?.report) return undefined;
    try {
      const report = JSON.parse(current.report) as NodeReport;
      this.written = substance(report);
      const seen = [report.time, condition?.lastHeartbeatTime].map((t) => Date.parse(t ?? '')).filter((t) => t > 0);
      this.lastWrite = seen.length ? Math.max(...seen) : undefined;
      return report;
    } catch {
      return undefined;
    }
  }

  /** Writes the report if it changed or the last write failed; the condition alone when the heartbeat is due. */
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
      if (why !== 'heartbeat') await this.client.patchNode(this.node, metadataPatch(report));
      await this.client.patchNodeStatus(
        this.node,
        statusPatch({ ...base, lastHeartbeatTime: stamp, lastTransitionTime: this.transition.at }),
      );
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
