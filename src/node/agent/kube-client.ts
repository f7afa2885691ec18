// The real NodeClient: @kubernetes/client-node (1.x: Node 20, and the core/v1 calls any API server from 1.20 on
// serves) against the API server of a kubeconfig, or the pod's service account in the cluster, through its
// request path with plain JSON (src/node/kube-request.ts). The agent needs get on its own Node (at start, to carry
// on from what it wrote before a restart or a reboot) and patch on nodes and nodes/status; RBAC cannot limit those
// to the agent's own node. The patches' shapes are src/node/node-object.ts's.

import { ApiException, KubeConfig } from '@kubernetes/client-node';
import { KubeRequester, firstLine, statusMessage, timedOut } from '../kube-request.js';
import { METADATA_PATCH_TYPE, STATUS_PATCH_TYPE, readNode } from '../node-object.js';
import type { NodeClient } from './node-writer.js';

export function kubeConfig(file?: string): KubeConfig {
  const config = new KubeConfig();
  if (file) config.loadFromFile(file);
  else config.loadFromDefault();
  return config;
}

/**
 * A request of the agent that failed, as one line for its log (the library's ApiException spans four lines, with
 * the raw Status and the headers): the status code or the error's code, the server's message; the original as cause.
 */
export class NodeApiError extends Error {
  constructor(
    message: string,
    readonly code: number | string | undefined,
    options: { cause: unknown },
  ) {
    super(message, options);
    this.name = 'NodeApiError';
  }
}

function nodeApiError(error: unknown, what: string, timeoutMs: number): NodeApiError {
  if (error instanceof ApiException) {
    const reason = statusMessage(error.body) ?? (error.code === 401 ? 'Unauthorized' : `HTTP ${error.code}`);
    return new NodeApiError(`${what}: the API server answered ${error.code}: ${reason}`, error.code, { cause: error });
  }
  if (timedOut(error))
    return new NodeApiError(`${what}: the API server did not answer within ${timeoutMs / 1000} s`, 'ETIMEDOUT', {
      cause: error,
    });
  return new NodeApiError(`${what}: ${firstLine(error)}`, (error as { code?: string }).code, { cause: error });
}

/**
 * timeoutMs bounds every request: an API server that accepts the connection and never answers must not stop the
 * agent's loop (its heartbeat, its metrics' freshness) for good.
 */
export function kubeNodeClient(config: KubeConfig, timeoutMs = 30_000): NodeClient {
  const api = new KubeRequester(config);
  const node = (name: string) => `/api/v1/nodes/${encodeURIComponent(name)}`;
  const call = async <T>(what: string, request: () => Promise<T>): Promise<T> => {
    try {
      return await request();
    } catch (error) {
      throw nodeApiError(error, what, timeoutMs);
    }
  };
  return {
    async getNode(name) {
      try {
        return readNode(await api.json({ path: node(name), timeoutMs }));
      } catch (error) {
        if (error instanceof ApiException && error.code === 404) return undefined;
        throw nodeApiError(error, `GET nodes/${name}`, timeoutMs);
      }
    },
    async patchNode(name, patch) {
      await call(`PATCH nodes/${name}`, () =>
        api.text({ method: 'PATCH', path: node(name), patch: { body: patch, type: METADATA_PATCH_TYPE }, timeoutMs }),
      );
    },
    async patchNodeStatus(name, patch) {
      await call(`PATCH nodes/${name}/status`, () =>
        api.text({
          method: 'PATCH',
          path: `${node(name)}/status`,
          patch: { body: patch, type: STATUS_PATCH_TYPE },
          timeoutMs,
        }),
      );
    },
  };
}
