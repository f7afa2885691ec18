// A stand-in for the Kubernetes API server in one test process: node:http (or node:https with certificates from
// test/helpers/apiserver-certs.ts) on 127.0.0.1, a random port. It records every request (method, path, query,
// headers, body) and answers through the test's handler, with JSON or a Kubernetes Status as the real one does; a
// handler may also never answer (a server that hangs). The clients under test get a KubeConfig for it, with a
// bearer token, as the agent's service account or a user's kubeconfig gives them.

import { readFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import type { Certificates } from './apiserver-certs.ts';

export interface SeenRequest {
  method: string;
  /** The path without the query. */
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** What the handler answers: a status and a body (an object is sent as JSON), or 'hang' to never answer. */
export type Answer = { status: number; body?: unknown; headers?: Record<string, string> } | 'hang';

export interface KubeStandin {
  url: string;
  readonly requests: SeenRequest[];
  /** A KubeConfig for this server with `token`, and the CA when it serves TLS (unless `trustCa` is false). */
  config(token: string, options?: { trustCa?: boolean }): KubeConfig;
  close(): Promise<void>;
}

/** A Kubernetes Status, as the API server answers a failure. */
export function status(code: number, reason: string, message: string): Answer {
  return {
    status: code,
    body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code },
  };
}

export async function startKubeStandin(
  handler: (request: SeenRequest) => Answer,
  tls?: Certificates,
): Promise<KubeStandin> {
  const requests: SeenRequest[] = [];
  const hanging = new Set<http.ServerResponse>();
  const listener: http.RequestListener = (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://standin');
      const seen: SeenRequest = {
        method: req.method ?? '',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(seen);
      const answer = handler(seen);
      if (answer === 'hang') {
        hanging.add(res);
        return;
      }
      const text =
        answer.body === undefined ? '' : typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
      res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
      res.end(text);
    });
  };
  const ca = tls ? await readFile(tls.caCert) : undefined;
  const server = tls
    ? https.createServer({ cert: await readFile(tls.serverCert), key: await readFile(tls.serverKey) }, listener)
    : http.createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `${tls ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    requests,
    config: (token, options = {}) =>
      kubeConfigFor(url, token, ca && options.trustCa !== false ? ca.toString('base64') : undefined),
    close: () =>
      new Promise((resolve) => {
        for (const res of hanging) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A KubeConfig whose current context reaches `server` with a bearer token (and trusts `caData`, base64 PEM). */
export function kubeConfigFor(server: string, token: string, caData?: string): KubeConfig {
  const config = new KubeConfig();
  config.loadFromOptions({
    clusters: [{ name: 'standin', server, caData, skipTLSVerify: false }],
    users: [{ name: 'agent', token }],
    contexts: [{ name: 'standin', cluster: 'standin', user: 'agent' }],
    currentContext: 'standin',
  });
  return config;
}

/** An https URL on 127.0.0.1 where nothing listens (a port the kernel gave and took back). */
export async function refusingUrl(): Promise<string> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `https://127.0.0.1:${port}`;
}
