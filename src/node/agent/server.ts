// The agent's HTTP endpoint: /metrics (Prometheus text format) and /healthz (the last tick is recent).

import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface MetricsSource {
  metrics: string;
  lastTick?: Date;
}

export async function serveMetrics(
  source: MetricsSource,
  listen: { host: string; port: number },
  staleAfterMs: number,
  now: () => number = Date.now,
): Promise<{ port: number; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const url = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && url === '/metrics' && source.metrics) {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
      res.end(source.metrics);
    } else if (req.method === 'GET' && url === '/healthz') {
      const fresh = source.lastTick !== undefined && now() - source.lastTick.getTime() < staleAfterMs;
      res.writeHead(fresh ? 200 : 503, { 'content-type': 'text/plain' });
      res.end(fresh ? 'ok\n' : 'no recent report\n');
    } else {
      res.writeHead(url === '/metrics' ? 503 : 404, { 'content-type': 'text/plain' });
      res.end(url === '/metrics' ? 'no report yet\n' : 'not found\n');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, resolve);
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
