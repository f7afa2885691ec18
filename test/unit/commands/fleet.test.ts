// nokmem fleet (src/commands/fleet.ts): bad durations and page sizes are refused before the cluster is read; then
// the whole command against a stand-in API server (test/helpers/kube-standin.ts, TLS, a bearer token in a
// kubeconfig file): the pages it asks for, the table and --json, the exit code, and a refusal as one line.

import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { realKube } from '../../../src/commands/deps.ts';
import { type FleetOptions, run } from '../../../src/commands/fleet.ts';
import { ClusterAccessError, UsageError } from '../../../src/errors.ts';
import { readNode } from '../../../src/node/node-object.ts';
import { type Certificates, makeCertificates } from '../../helpers/apiserver-certs.ts';
import { FakeKube, NOW, fakeDeps } from '../../helpers/command-deps.ts';
import {
  type Answer,
  type KubeStandin,
  type SeenRequest,
  startKubeStandin,
  status,
} from '../../helpers/kube-standin.ts';
import { reportedNode, sampleReport } from '../../helpers/node-objects.ts';
import { tempDir } from '../../helpers/tmp.ts';

const good: FleetOptions = {
  staleAfter: '20m',
  pageSize: '500',
  timeout: '30s',
  kubeconfig: '/nonexistent/kubeconfig',
};

describe('nokmem fleet', () => {
  for (const [bad, message] of [
    [{ staleAfter: '20 minutes' }, '--stale-after "20 minutes" is not a duration like 15m, 900s or 1h'],
    [{ staleAfter: '0s' }, '--stale-after "0s" is not a duration like 15m, 900s or 1h'],
    [{ timeout: '1d' }, '--timeout "1d" is not a duration like 30s or 2m'],
    [{ pageSize: '0' }, '--page-size "0" is not a whole number above 0'],
    [{ pageSize: '2.5' }, '--page-size "2.5" is not a whole number above 0'],
  ] as const) {
    it(`${JSON.stringify(bad)}: a usage error (exit 2) naming the value`, async () => {
      const f = fakeDeps({ kube: realKube });
      await assert.rejects(
        run({ ...good, ...bad }, f.deps),
        (e: Error) => e instanceof UsageError && e.exitCode === 2 && e.message === message,
      );
      assert.equal(f.stdout(), '');
      assert.equal(f.deps.env.exitCode, undefined);
    });
  }
});

describe('nokmem fleet with the cluster it is given', () => {
  it('reads the kubeconfig of KUBECONFIG and --context, with the page size and timeout asked for; worst node first', async () => {
    const at = (minutesAgo: number) => new Date(NOW.getTime() - minutesAgo * 60_000);
    const kube = new FakeKube({
      context: 'prod',
      server: 'https://prod.example:6443',
      nodes: [
        readNode(reportedNode('fixed', 0, sampleReport('ok', at(5)), at(1))),
        readNode(reportedNode('reboot-me', 1, sampleReport('reboot', at(5)), at(1))),
      ],
    });
    const f = fakeDeps({ vars: { KUBECONFIG: '/etc/k/a:/etc/k/b', HOME: '/home/u' }, kube });
    await run({ ...good, kubeconfig: undefined, context: 'prod', pageSize: '50', timeout: '10s', json: true }, f.deps);
    assert.deepEqual(kube.asked, [
      {
        source: { files: ['/etc/k/a', '/etc/k/b'], origin: 'KUBECONFIG', context: 'prod' },
        options: { pageSize: 50, timeoutMs: 10_000 },
      },
    ]);
    const out = JSON.parse(f.stdout()) as { context: string; server: string; nodes: { node: string }[] };
    assert.equal(out.context, 'prod');
    assert.equal(out.server, 'https://prod.example:6443');
    assert.deepEqual(
      out.nodes.map((n) => n.node),
      ['reboot-me', 'fixed'],
    );
    assert.notEqual(f.deps.env.exitCode, 0);
  });

  it('a bad argument is refused before the cluster is asked anything', async () => {
    const kube = new FakeKube();
    await assert.rejects(run({ ...good, pageSize: 'many' }, fakeDeps({ kube }).deps), UsageError);
    assert.deepEqual(kube.asked, []);
  });
});

describe('nokmem fleet against a stand-in API server', () => {
  const TOKEN = 'fleet-user-token.never-in-output';
  let certs: Certificates;
  let server: KubeStandin;
  let answer: (request: SeenRequest) => Answer;
  let kubeconfig = '';

  before(async () => {
    const dir = await tempDir('nokmem-fleet-command-');
    certs = await makeCertificates(dir);
    server = await startKubeStandin((r) => answer(r), certs);
    kubeconfig = path.join(dir, 'kubeconfig');
    await writeFile(kubeconfig, server.config(TOKEN).exportConfig());
  });
  after(() => server.close());

  const at = (minutesAgo: number) => new Date(NOW.getTime() - minutesAgo * 60_000);
  /** Two pages: the API server's continue token is followed, in the page size asked for. */
  const pages =
    (nodes: unknown[]) =>
    (r: SeenRequest): Answer => {
      const first = !r.query.get('continue');
      return {
        status: 200,
        body: {
          kind: 'NodeList',
          apiVersion: 'v1',
          metadata: first ? { continue: 'page-2' } : {},
          items: first ? nodes.slice(0, 2) : nodes.slice(2),
        },
      };
    };

  it('reads every page, worst node first; --json carries the counts, the exit code is the worst verdict', async () => {
    answer = pages([
      reportedNode('fixed', 0, sampleReport('ok', at(5)), at(1)),
      reportedNode('leaking', 1, sampleReport('install', at(5)), at(1)),
      reportedNode('silent', 2, sampleReport('ok', at(120)), at(90)),
    ]);
    const f = fakeDeps({ kube: realKube });
    await run({ ...good, kubeconfig, pageSize: '2', json: true }, f.deps);
    assert.deepEqual(
      server.requests.map(
        (r) => `${r.method} ${r.path}?limit=${r.query.get('limit')}&continue=${r.query.get('continue') ?? ''}`,
      ),
      ['GET /api/v1/nodes?limit=2&continue=', 'GET /api/v1/nodes?limit=2&continue=page-2'],
    );
    for (const r of server.requests) assert.equal(r.headers.authorization, `Bearer ${TOKEN}`);
    const out = JSON.parse(f.stdout()) as {
      server: string;
      exitCode: number;
      nodes: { node: string; status: string }[];
      counts: Record<string, number>;
    };
    assert.equal(out.server, server.url);
    assert.deepEqual(
      out.nodes.map((n) => [n.node, n.status]),
      [
        ['leaking', 'install'],
        ['silent', 'stale'],
        ['fixed', 'ok'],
      ],
    );
    assert.equal(out.exitCode, f.deps.env.exitCode);
    assert.equal(f.deps.env.exitCode, 1);
    assert.ok(!f.stdout().includes(TOKEN) && !f.stderr().includes(TOKEN));
  });

  it('the table is the default output', async () => {
    answer = pages([reportedNode('fixed', 0, sampleReport('ok', at(5)), at(1))]);
    const f = fakeDeps({ kube: realKube });
    await run({ ...good, kubeconfig }, f.deps);
    assert.match(f.stdout(), /^NODE\s/m);
    assert.match(f.stdout(), /^fixed\s+3\.10\.0-1160\.83\.1\.el7\.x86_64\s.*\sok\s+no\s/m);
    assert.match(f.stdout(), /^1 nodes: 1 ok$/m);
    assert.equal(f.deps.env.exitCode, 0);
  });

  it('RBAC that forbids listing nodes: one line naming the server, the answer and the role to grant, nothing printed', async () => {
    answer = () => status(403, 'Forbidden', 'nodes is forbidden: User "alice" cannot list resource "nodes"');
    const f = fakeDeps({ kube: realKube });
    await assert.rejects(run({ ...good, kubeconfig }, f.deps), (e: Error) => {
      assert.ok(e instanceof ClusterAccessError);
      assert.ok(!e.message.includes('\n'));
      assert.match(e.message, /answered 403: nodes is forbidden: User "alice" cannot list resource "nodes": RBAC/);
      assert.ok(!e.message.includes(TOKEN));
      return true;
    });
    assert.equal(f.stdout(), '');
  });
});
