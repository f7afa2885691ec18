// Fakes of the agent's side effects (src/node/agent/node-writer.ts's Clock and NodeClient), as
// node-problem-detector tests its condition manager, and a NodeReport to feed them.

import type { NodeClient } from '../../src/node/agent/node-writer.ts';
import { type MetadataPatch, type NodeCondition, type StatusPatch, readNode } from '../../src/node/node-object.ts';
import { type NodeReport, REPORT_SCHEMA } from '../../src/node/report.ts';

export class FakeClock {
  constructor(public t = Date.parse('2026-12-06T10:00:00Z')) {}
  now = () => new Date(this.t);
  advance(ms: number) {
    this.t += ms;
  }
}

/** An API server of one Node, applying the agent's patches as the real one does (merge, conditions by type). */
export class FakeNodeClient implements NodeClient {
  labels: Record<string, string> = {};
  annotations: Record<string, string> = {};
  conditions: NodeCondition[] = [];
  calls: string[] = [];
  failNext = false;
  failStatus = false;
  async getNode(name: string) {
    this.calls.push('get');
    return readNode({
      metadata: { name, labels: this.labels, annotations: this.annotations },
      status: { conditions: this.conditions },
    });
  }
  async patchNode(_name: string, patch: MetadataPatch) {
    this.calls.push('patch');
    if (this.failNext) {
      this.failNext = false;
      throw new Error('connection refused');
    }
    Object.assign(this.labels, patch.metadata.labels);
    Object.assign(this.annotations, patch.metadata.annotations);
  }
  async patchNodeStatus(_name: string, patch: StatusPatch) {
    this.calls.push('status');
    if (this.failStatus) {
      this.failStatus = false;
      throw new Error('connection reset');
    }
    for (const condition of patch.status.conditions)
      this.conditions = [...this.conditions.filter((c) => c.type !== condition.type), condition];
  }
}

export const report = (verdict: NodeReport['verdict'], time: string, extra: Partial<NodeReport> = {}): NodeReport => ({
  schema: REPORT_SCHEMA,
  time,
  verdict,
  nextStep: `next for ${verdict}`,
  kernel: '3.10.0-957.el7.x86_64',
  bootFlag: { present: false, honoured: 'no' },
  kmemOnKubepods: verdict === 'reboot',
  liveMemoryCgroups: 212,
  headroom: null,
  exhaustionErrors: 0,
  binaries: [],
  rebootRequestedAt: null,
  missing: [],
  ...extra,
});
