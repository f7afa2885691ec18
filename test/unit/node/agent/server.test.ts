// The agent's HTTP endpoint (src/node/agent/server.ts) on a real loopback port: /metrics in Prometheus text format
// once there is a report (503 before), /healthz that says whether the last tick is recent (by the clock given),
// 404 for anything else, the port chosen when asked for 0, an address in use refused at start, and close().

import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { type MetricsSource, serveMetrics } from '../../../../src/node/agent/server.ts';

const METRICS = '# HELP nokmem_node_verdict x\n# TYPE nokmem_node_verdict gauge\nnokmem_node_verdict{verdict="ok"} 1\n';
const NOW = Date.parse('2026-12-06T12:00:00Z');

async function get(port: number, path: string, method = 'GET') {
  const r = await fetch(`http://127.0.0.1:${port}${path}`, { method });
  return { status: r.status, type: r.headers.get('content-type'), text: await r.text() };
}

async function serving(source: MetricsSource, staleAfterMs = 60_000, now = () => NOW) {
  return serveMetrics(source, { host: '127.0.0.1', port: 0 }, staleAfterMs, now);
}

describe('the agent endpoint', () => {
  it('/metrics: the source metrics as Prometheus text 0.0.4, read afresh on each request, query ignored', async () => {
    const source: MetricsSource = { metrics: METRICS, lastTick: new Date(NOW) };
    const server = await serving(source);
    try {
      assert.ok(server.port > 0);
      assert.deepEqual(await get(server.port, '/metrics'), {
        status: 200,
        type: 'text/plain; version=0.0.4; charset=utf-8',
        text: METRICS,
      });
      source.metrics = `${METRICS}nokmem_up 1\n`;
      assert.equal((await get(server.port, '/metrics?format=text')).text, source.metrics);
    } finally {
      await server.close();
    }
  });

  it('/metrics before the first report: 503 "no report yet"', async () => {
    const server = await serving({ metrics: '' });
    try {
      assert.deepEqual(await get(server.port, '/metrics'), {
        status: 503,
        type: 'text/plain',
        text: 'no report yet\n',
      });
    } finally {
      await server.close();
    }
  });

  it('/healthz: 200 while the last tick is younger than staleAfterMs by the clock given, 503 otherwise', async () => {
    let now = NOW;
    const source: MetricsSource = { metrics: METRICS };
    const server = await serving(source, 60_000, () => now);
    try {
      assert.deepEqual(await get(server.port, '/healthz'), {
        status: 503,
        type: 'text/plain',
        text: 'no recent report\n',
      });
      source.lastTick = new Date(NOW - 1_000);
      assert.deepEqual(await get(server.port, '/healthz'), { status: 200, type: 'text/plain', text: 'ok\n' });
      now = NOW + 58_999;
      assert.equal((await get(server.port, '/healthz')).status, 200);
      now = NOW + 59_000; // exactly staleAfterMs since the tick: stale
      assert.equal((await get(server.port, '/healthz')).status, 503);
      source.lastTick = new Date(now);
      assert.equal((await get(server.port, '/healthz?x=1')).status, 200);
    } finally {
      await server.close();
    }
  });

  it('anything else is 404 "not found"; only GET reads metrics or health', async () => {
    const server = await serving({ metrics: METRICS, lastTick: new Date(NOW) });
    try {
      for (const p of ['/', '/metrics/', '/health', '/favicon.ico'])
        assert.deepEqual(await get(server.port, p), { status: 404, type: 'text/plain', text: 'not found\n' }, p);
      assert.equal((await get(server.port, '/healthz', 'POST')).status, 404);
      // a non-GET on /metrics is answered as /metrics without a report
      assert.deepEqual(await get(server.port, '/metrics', 'POST'), {
        status: 503,
        type: 'text/plain',
        text: 'no report yet\n',
      });
    } finally {
      await server.close();
    }
  });

  it('an address already in use: the start fails with EADDRINUSE, nothing left listening', async () => {
    const holder = http.createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const { port } = holder.address() as AddressInfo;
    try {
      await assert.rejects(
        serveMetrics({ metrics: METRICS }, { host: '127.0.0.1', port }, 60_000),
        (e: NodeJS.ErrnoException) => e.code === 'EADDRINUSE',
      );
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }
  });

  it('close(): the port stops answering', async () => {
    const server = await serving({ metrics: METRICS });
    await server.close();
    await assert.rejects(get(server.port, '/metrics'), (e: Error & { cause?: { code?: string } }) => {
      assert.equal(e.cause?.code, 'ECONNREFUSED');
      return true;
    });
  });
});
