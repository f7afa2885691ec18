// The agent: the doctor on a node every few minutes, its report published where Kubernetes users look — the
// Node object (node-writer.ts), Prometheus metrics (served by server.ts), and, opted in, kured's sentinel
// (kured.ts). One tick: facts → verdict → outputs. The clock is an interface; so is the API client.

import type { Logger } from '../../log.js';
import { examine } from '../doctor.js';
import { readUnder } from '../facts/files.js';
import { type AgentState, metricsText } from '../outputs/metrics.js';
import { type RebootRequest, toNodeReport } from '../outputs/node-report.js';
import type { Placer } from '../place.js';
import type { NodeReport } from '../report.js';
import { applySentinel, decide } from './kured.js';
import type { Clock, NodeWriter, WriteResult } from './node-writer.js';

export interface AgentOptions {
  root: string;
  node: string;
  place: Placer;
  writer: NodeWriter;
  clock: Clock;
  log: Logger;
  /** The directory of kured's sentinel, when kured is opted in. */
  kuredDir?: string;
}

export interface Tick {
  report: NodeReport;
  write: WriteResult;
  sentinel?: { present: boolean; foreign: boolean };
}

export class Agent {
  private request: RebootRequest | null = null;
  private state: AgentState = {};
  metrics = '';
  lastTick?: Date;

  constructor(private readonly o: AgentOptions) {}

  /** Carries on from what this node's report said before the agent (or the node) restarted. */
  async start(): Promise<void> {
    const previous = await this.o.writer.recover();
    this.request = previous?.rebootRequest ?? null;
    if (previous?.verdict === 'reboot')
      this.state.rebootPendingSince = Date.parse(previous.rebootRequest?.at ?? previous.time) / 1000;
  }

  async tick(): Promise<Tick> {
    const now = this.o.clock.now();
    const report = await examine(this.o.root, this.o.place);
    let sentinel: Tick['sentinel'];
    if (this.o.kuredDir) {
      const bootId = ((await readUnder(this.o.root, 'proc/sys/kernel/random/boot_id')) ?? 'unknown').trim();
      const decision = decide(report.verdict, this.request, bootId, now);
      this.request = decision.request;
      sentinel = await applySentinel(this.o.kuredDir, decision, this.o.node);
      if (sentinel.foreign)
        this.o.log.info(`${this.o.kuredDir}: a reboot sentinel the agent did not write is there; left alone`);
    }
    if (report.verdict === 'reboot') this.state.rebootPendingSince ??= now.getTime() / 1000;
    else if (report.verdict !== 'unknown') this.state.rebootPendingSince = undefined;
    this.state.rebootGaveUp = this.request?.gaveUp === true;
    const nodeReport = toNodeReport(report, now, this.o.kuredDir ? this.request : null);
    const write = await this.o.writer.sync(nodeReport);
    if (write.error)
      this.o.log.info(
        `writing node ${this.o.node}: ${write.error instanceof Error ? write.error.message : String(write.error)}; trying again next time`,
      );
    this.metrics = metricsText(this.o.node, nodeReport, this.state);
    this.lastTick = now;
    return { report: nodeReport, write, sentinel };
  }
}
