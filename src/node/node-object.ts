// The report on a Node object, on the wire: the one place that says what the agent's two patches look like and
// how a Node is read back (src/node/report.ts is the report itself). The agent's writer (agent/node-writer.ts) and
// its API client (agent/kube-client.ts) send these patches; the fleet (cluster.ts, fleet.ts) reads Nodes with
// readNode(); the tests and the benchmark build their Node objects from the same functions.
//
//   on a change of the report:  a JSON merge patch of the Node  {metadata: {labels: {verdict}, annotations: {report}}}
//                               then a strategic merge patch of nodes/status with the condition (merged by type)
//   on a heartbeat:             the strategic merge patch of nodes/status alone (lastHeartbeatTime moves), as
//                               node-problem-detector's condition manager does; the report's `time` stays the time
//                               it last changed, so a reader takes the later of the two as "last seen".

import { CADENCE } from './cadence.js';
import { CONDITION_TYPE, type NodeReport, type NodeVerdict, REPORT_ANNOTATION, VERDICT_LABEL } from './report.js';

export { CADENCE };

/** The label that lets the agent's DaemonSet run on a node (deploy/base/daemonset.yaml's node affinity). */
export const AGENT_NODE_LABEL = { key: 'nokmem.io/cgroup', value: 'v1' } as const;
/** node-feature-discovery's label that does the same: a kernel of major version 3. */
export const NFD_KERNEL_MAJOR_LABEL = { key: 'feature.node.kubernetes.io/kernel-version.major', value: '3' } as const;

/** A node condition as the API has it (NPD semantics: status "True" means the problem is present). */
export interface NodeCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastHeartbeatTime: string;
  lastTransitionTime: string;
}

export const METADATA_PATCH_TYPE = 'application/merge-patch+json';
export const STATUS_PATCH_TYPE = 'application/strategic-merge-patch+json';

export interface MetadataPatch {
  metadata: { labels: Record<string, string>; annotations: Record<string, string> };
}
export interface StatusPatch {
  status: { conditions: NodeCondition[] };
}

const STATUS: Record<NodeVerdict, NodeCondition['status']> = {
  ok: 'False',
  install: 'True',
  reboot: 'True',
  unknown: 'Unknown',
};

/** The condition's type, status, reason and message for a report. */
export function conditionFor(
  report: Pick<NodeReport, 'verdict' | 'nextStep'>,
): Omit<NodeCondition, 'lastHeartbeatTime' | 'lastTransitionTime'> {
  const v = report.verdict;
  return {
    type: CONDITION_TYPE,
    status: STATUS[v],
    reason: `Nokmem${v[0]!.toUpperCase()}${v.slice(1)}`,
    message: report.nextStep,
  };
}

/** The patch of the Node written on a change: the verdict label and the report annotation. */
export function metadataPatch(report: NodeReport): MetadataPatch {
  return rawMetadataPatch(report.verdict, JSON.stringify(report));
}

/** The same patch with any annotation text (a test's malformed report). */
export function rawMetadataPatch(verdict: string, reportText: string): MetadataPatch {
  return { metadata: { labels: { [VERDICT_LABEL]: verdict }, annotations: { [REPORT_ANNOTATION]: reportText } } };
}

/** The patch of nodes/status written on a change and on every heartbeat. */
export function statusPatch(condition: NodeCondition): StatusPatch {
  return { status: { conditions: [condition] } };
}

/** What the fleet and the agent read of a Node object. */
export interface NodeObject {
  name: string;
  /** The report annotation's text, as the agent wrote it. */
  report?: string;
  /** The KernelMemoryAccounting condition, when the agent has written one. */
  condition?: NodeCondition;
  /** The condition's last heartbeat (ISO 8601), refreshed by the agent without a change of the report. */
  heartbeat?: string;
  /** status.nodeInfo.kernelVersion, as the kubelet registered it. */
  kernel?: string;
  /** The node carries a label that lets the agent run there (nokmem.io/cgroup=v1, or NFD's kernel major 3). */
  agentLabelled: boolean;
}

type Json = Record<string, unknown> | undefined;
const object = (v: unknown): Json => (v && typeof v === 'object' ? (v as Record<string, unknown>) : undefined);
const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** A Node as the API serves it (plain JSON, not the client library's model) → what the node side reads of it. */
export function readNode(node: unknown): NodeObject {
  const metadata = object(object(node)?.metadata);
  const status = object(object(node)?.status);
  const labels = object(metadata?.labels) ?? {};
  const conditions = Array.isArray(status?.conditions) ? status.conditions : [];
  const c = object(conditions.find((x) => object(x)?.type === CONDITION_TYPE));
  const condition: NodeCondition | undefined = c && {
    type: CONDITION_TYPE,
    status: (text(c.status) ?? 'Unknown') as NodeCondition['status'],
    reason: text(c.reason) ?? '',
    message: text(c.message) ?? '',
    lastHeartbeatTime: text(c.lastHeartbeatTime) ?? '',
    lastTransitionTime: text(c.lastTransitionTime) ?? '',
  };
  return {
    name: text(metadata?.name) ?? '',
    report: text(object(metadata?.annotations)?.[REPORT_ANNOTATION]),
    condition,
    heartbeat: condition?.lastHeartbeatTime || undefined,
    kernel: text(object(status?.nodeInfo)?.kernelVersion),
    agentLabelled: [AGENT_NODE_LABEL, NFD_KERNEL_MAJOR_LABEL].some((l) => labels[l.key] === l.value),
  };
}
