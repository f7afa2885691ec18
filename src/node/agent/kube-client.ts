// The real NodeClient: @kubernetes/client-node (1.x: Node 20, and the core/v1 calls any API server from 1.20 on
// serves) against the API server of a kubeconfig, or the pod's service account in the cluster, through its
// request path with plain JSON (src/node/kube-request.ts). The agent needs get on its own Node (at start, to carry
// on from what it wrote before a restart or a reboot) and patch on nodes and nodes/status; RBAC cannot limit those
// to the agent's own node. The patches' shapes are src/node/node-object.ts's.

import { ApiException, KubeConfig } from '@kubernetes/client-node';
import { KubeRequester } from '../kube-request.js';
import { METADATA_PATCH_TYPE, STATUS_PATCH_TYPE, readNode } from '../node-object.js';
import type { NodeClient } from './node-writer.js';

export function kubeConfig(file?: string): KubeConfig {
  const config = new KubeConfig();
  if (file) config.loadFromFile(file);
  else config.loadFromDefault();
  return config;
}

export function kubeNodeClient(config: KubeConfig): NodeClient {
  const api = new KubeRequester(config);
  const node = (name: string) => `/api/v1/nodes/${encodeURIComponent(name)}`;
  return {
    async getNode(name) {
      try {
        return readNode(await api.json({ path: node(name) }));
      } catch (error) {
        if (error instanceof ApiException && error.code === 404) return undefined;
        throw error;
      }
    },
    async patchNode(name, patch) {
      await api.text({ method: 'PATCH', path: node(name), patch: { body: patch, type: METADATA_PATCH_TYPE } });
    },
    async patchNodeStatus(name, patch) {
      await api.text({
        method: 'PATCH',
        path: `${node(name)}/status`,
        patch: { body: patch, type: STATUS_PATCH_TYPE },
      });
    },
  };
}
