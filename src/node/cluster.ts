// The cluster the fleet is read from, through the Kubernetes client library (@kubernetes/client-node): the
// kubeconfig the user named (--kubeconfig, else KUBECONFIG, else ~/.kube/config) and its context, and every
// Node object, paged (limit + continue) so a list of thousands is never one answer. Failures a user can fix
// (no kubeconfig, no such context, a server that does not answer, credentials refused, RBAC) become one line
// naming the input, the reason and the fix.

import { existsSync } from 'node:fs';
import { ApiException, KubeConfig } from '@kubernetes/client-node';
import { ClusterAccessError } from '../errors.js';
import { KubeRequester, firstLine, statusMessage, timedOut } from './kube-request.js';
import type { KubeconfigSource } from './kubeconfig.js';
import { type NodeObject, readNode } from './node-object.js';

export interface Cluster {
  config: KubeConfig;
  context: string;
  server: string;
  user: string;
  /** "kubeconfig FILE, context NAME" */
  describe: string;
}

export function loadCluster(source: KubeconfigSource): Cluster {
  const fix = 'pass --kubeconfig FILE or set KUBECONFIG';
  const present = source.files.filter((f) => existsSync(f));
  // KUBECONFIG may list files that do not exist (kubectl ignores them), but not only such files
  if (present.length === 0)
    throw new ClusterAccessError(`no kubeconfig at ${source.files.join(':')} (from ${source.origin}): ${fix}`);
  const config = new KubeConfig();
  for (const [i, file] of present.entries()) {
    try {
      if (i === 0) config.loadFromFile(file);
      else {
        const more = new KubeConfig();
        more.loadFromFile(file);
        config.mergeConfig(more);
      }
    } catch (error) {
      throw new ClusterAccessError(
        `kubeconfig ${file} (from ${source.origin}) cannot be read: ${firstLine(error)}; ${fix} that kubectl can use`,
        { cause: error },
      );
    }
  }
  const where = `kubeconfig ${present.join(':')}`;
  if (source.context) {
    if (!config.getContextObject(source.context))
      throw new ClusterAccessError(
        `context "${source.context}" is not in ${where} (it has: ${
          config
            .getContexts()
            .map((c) => c.name)
            .join(', ') || 'none'
        }): pick one with --context`,
      );
    config.setCurrentContext(source.context);
  }
  const context = config.getCurrentContext();
  const contextObject = context ? config.getContextObject(context) : null;
  if (!contextObject)
    throw new ClusterAccessError(
      `${where} has no current context: pass --context NAME (or kubectl config use-context)`,
    );
  const cluster = config.getCurrentCluster();
  if (!cluster?.server)
    throw new ClusterAccessError(`context "${context}" of ${where} names no cluster with a server: fix the kubeconfig`);
  return {
    config,
    context,
    server: cluster.server,
    user: contextObject.user,
    describe: `${where}, context "${context}"`,
  };
}

/**
 * Every Node object of the cluster, `pageSize` at a time (limit + continue, consistent reads from etcd as kubectl
 * makes them). Each page is read as plain JSON (src/node/kube-request.ts), and the next page is asked for as soon
 * as the continue token is known — it leads the answer — so the API server makes one page while this parses the
 * last.
 */
export async function listNodes(
  cluster: Cluster,
  options: { pageSize: number; timeoutMs: number },
): Promise<NodeObject[]> {
  const api = new KubeRequester(cluster.config);
  const page = (next?: string) =>
    api
      .text({
        path: '/api/v1/nodes',
        query: { limit: String(options.pageSize), continue: next },
        timeoutMs: options.timeoutMs,
      })
      .catch((error: unknown) => {
        throw accessError(error, cluster, options.timeoutMs);
      });
  const nodes: NodeObject[] = [];
  let pending: Promise<string> | undefined = page();
  const ask = (next: string | undefined) => {
    const p = next === undefined ? undefined : page(next);
    // a failure of the page asked for ahead is the next iteration's to throw
    p?.catch(() => undefined);
    return p;
  };
  while (pending) {
    const text = await pending;
    const ahead = continueToken(text);
    pending = ask(ahead);
    const list = JSON.parse(text) as { items?: unknown[]; metadata?: { continue?: string } };
    const next = list.metadata?.continue || undefined;
    // a server that puts the token elsewhere: ask for the next page now (an answer read ahead is left unread)
    if (next !== ahead) pending = ask(next);
    for (const item of list.items ?? []) nodes.push(readNode(item));
  }
  return nodes;
}

/** The Nodes of the cluster a kubeconfig names, with where they were read (what `nokmem fleet` shows). */
export async function readFleet(
  source: KubeconfigSource,
  options: { pageSize: number; timeoutMs: number },
): Promise<FleetRead> {
  const cluster = loadCluster(source);
  return { context: cluster.context, server: cluster.server, nodes: await listNodes(cluster, options) };
}

export interface FleetRead {
  context: string;
  server: string;
  nodes: NodeObject[];
}

/** The list's continue token, read from the head of the answer, before the items (where the API server puts it). */
export function continueToken(text: string): string | undefined {
  const head = text.slice(0, Math.max(0, text.indexOf('"items"')) || 4096);
  const match = /"continue"\s*:\s*("(?:[^"\\]|\\.)*")/.exec(head);
  return match ? (JSON.parse(match[1]!) as string) || undefined : undefined;
}

/** A failed list as the one line the user needs: what, why, what to do. */
function accessError(error: unknown, cluster: Cluster, timeoutMs: number): ClusterAccessError {
  const at = `the API server ${cluster.server} (${cluster.describe})`;
  if (error instanceof ApiException) {
    // the library keeps no body for a 401
    const reason = statusMessage(error.body) ?? (error.code === 401 ? 'Unauthorized' : `HTTP ${error.code}`);
    const fix =
      error.code === 401
        ? `the credentials of user "${cluster.user}" were refused; renew them (a new token or certificate) or pick another --context`
        : error.code === 403
          ? 'RBAC: the fleet needs list on nodes at cluster scope, e.g. `kubectl create clusterrole nokmem-fleet --verb=list --resource=nodes` and a clusterrolebinding to your user'
          : 'see the message of the API server';
    return new ClusterAccessError(`${at} answered ${error.code}: ${reason}: ${fix}`, { cause: error });
  }
  const code = (error as { code?: string; type?: string; name?: string }).code;
  if (timedOut(error))
    return new ClusterAccessError(
      `${at} did not answer within ${timeoutMs / 1000} s: check that it is up and reachable from here (VPN, proxy), or raise --timeout`,
      { cause: error },
    );
  const tls = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ALTNAME|TLS|SSL/.test(code ?? '');
  const reason = code ? `${code} (${firstLine(error)})` : firstLine(error);
  const fix = tls
    ? 'the server certificate is not trusted by the kubeconfig: fix certificate-authority(-data) of the cluster'
    : 'check the server address in the kubeconfig and that the API server is up and reachable from here';
  return new ClusterAccessError(`cannot reach ${at}: ${reason}: ${fix}`, { cause: error });
}
