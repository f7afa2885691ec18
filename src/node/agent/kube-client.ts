// The real NodeClient: @kubernetes/client-node (1.x: Node 20, and the core/v1 calls any API server from 1.20 on
// serves) against the API server of a kubeconfig, or the pod's service account in the cluster. The agent needs
// get on its own Node (at start, to carry on from what it wrote before a restart or a reboot) and patch on nodes and
// nodes/status; RBAC cannot limit those to the agent's own node.

import { CoreV1Api, KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { NodeClient, NodeCondition } from './node-writer.js';

export function kubeConfig(file?: string): KubeConfig {
  const config = new KubeConfig();
  if (file) config.loadFromFile(file);
  else config.loadFromDefault();
  return config;
}

function statusOf(error: unknown): number | undefined {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'number' ? code : undefined;
}

export function kubeNodeClient(config: KubeConfig): NodeClient {
  const api = config.makeApiClient(CoreV1Api);
  return {
    async getNode(name) {
      try {
        const node = await api.readNode({ name });
        return {
          labels: node.metadata?.labels ?? {},
          annotations: node.metadata?.annotations ?? {},
          conditions: (node.status?.conditions ?? []).map((c) => ({
            type: c.type,
            status: c.status as NodeCondition['status'],
            reason: c.reason ?? '',
            message: c.message ?? '',
            lastHeartbeatTime: new Date(c.lastHeartbeatTime ?? 0).toISOString(),
            lastTransitionTime: new Date(c.lastTransitionTime ?? 0).toISOString(),
          })),
        };
      } catch (error) {
        if (statusOf(error) === 404) return undefined;
        throw error;
      }
    },
    async patchMetadata(name, labels, annotations) {
      await api.patchNode(
        { name, body: { metadata: { labels, annotations } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
    },
    async patchCondition(name, condition) {
      await api.patchNodeStatus(
        { name, body: { status: { conditions: [condition] } } },
        setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
      );
    },
  };
}
