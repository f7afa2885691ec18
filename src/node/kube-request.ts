// One request to the API server through the Kubernetes client library's own request path (@kubernetes/client-node:
// its kubeconfig and in-cluster handling, credentials, TLS and HTTP client), answered as plain JSON: the node side
// reads a few fields of each Node, and the library's typed model of a whole Node (dates, nested classes) cost the
// fleet most of its time over thousands of them. A status outside 2xx is the library's ApiException, with the
// server's Status text as its body, as the typed calls throw it.

import {
  ApiException,
  type Configuration,
  HttpMethod,
  type KubeConfig,
  ServerConfiguration,
  createConfiguration,
} from '@kubernetes/client-node';

export interface KubeRequest {
  method?: 'GET' | 'PATCH';
  /** The path under the server's URL, e.g. /api/v1/nodes */
  path: string;
  query?: Record<string, string | undefined>;
  /** A patch: its body (sent as JSON) and its content type. */
  patch?: { body: unknown; type: string };
  timeoutMs?: number;
}

export class KubeRequester {
  private readonly configuration: Configuration;

  constructor(private readonly config: KubeConfig) {
    const cluster = config.getCurrentCluster();
    if (!cluster) throw new Error('the kubeconfig has no current cluster');
    this.configuration = createConfiguration({
      baseServer: new ServerConfiguration(cluster.server, {}),
      authMethods: { default: config },
    });
  }

  /** The answer's text (JSON), for a 2xx status. */
  async text(request: KubeRequest): Promise<string> {
    const method = request.method === 'PATCH' ? HttpMethod.PATCH : HttpMethod.GET;
    const context = this.configuration.baseServer.makeRequestContext(request.path, method);
    for (const [key, value] of Object.entries(request.query ?? {}))
      if (value !== undefined) context.setQueryParam(key, value);
    context.setHeaderParam('Accept', 'application/json');
    if (request.patch) {
      context.setHeaderParam('Content-Type', request.patch.type);
      context.setBody(JSON.stringify(request.patch.body));
    }
    if (request.timeoutMs) context.setSignal(AbortSignal.timeout(request.timeoutMs));
    await this.config.applySecurityAuthentication(context);
    const response = await this.configuration.httpApi.send(context).toPromise();
    const body = await response.body.text();
    const code = response.httpStatusCode;
    if (code < 200 || code > 299)
      throw new ApiException(code, code === 401 ? 'Unauthorized' : `HTTP ${code}`, body, response.headers);
    return body;
  }

  async json(request: KubeRequest): Promise<unknown> {
    return JSON.parse(await this.text(request)) as unknown;
  }
}

/** The message of a Kubernetes Status body (or its first line when it is not JSON). */
export function statusMessage(body: unknown): string | undefined {
  let value = body;
  if (typeof body === 'string') {
    try {
      value = JSON.parse(body);
    } catch {
      return body.trim().split('\n')[0] || undefined;
    }
  }
  const message = (value as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : undefined;
}

export function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
}

/** Whether the request ended because its time was up (the signal of KubeRequest.timeoutMs). */
export function timedOut(error: unknown): boolean {
  const name = (error as { name?: string }).name;
  return name === 'AbortError' || name === 'TimeoutError' || (error as { type?: string }).type === 'aborted';
}
