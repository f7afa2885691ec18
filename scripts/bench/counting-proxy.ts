// A TCP proxy on 127.0.0.1 in front of the test API server that counts what passes: the bytes the API server
// receives from its clients and sends back (TLS records, handshakes included: what the wire carries) and the
// connections. The benchmark points the agents' kubeconfigs at it.

import { type Server, type Socket, connect, createServer } from 'node:net';

export interface Counts {
  toServer: number;
  fromServer: number;
  connections: number;
}

export interface CountingProxy {
  url: string;
  counts(): Counts;
  close(): Promise<void>;
}

export async function countingProxy(target: URL): Promise<CountingProxy> {
  const counts: Counts = { toServer: 0, fromServer: 0, connections: 0 };
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    counts.connections += 1;
    const upstream = connect(Number(target.port), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.on('data', (chunk: Buffer) => (counts.toServer += chunk.length));
    upstream.on('data', (chunk: Buffer) => (counts.fromServer += chunk.length));
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('the proxy has no port');
  return {
    url: `https://127.0.0.1:${address.port}`,
    counts: () => ({ ...counts }),
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
