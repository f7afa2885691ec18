// nokmem agent (src/commands/agent.ts): what it refuses before it talks to the API server; then one pass (--once)
// on a hand-made node root against a stand-in API server (test/helpers/kube-standin.ts): what it asks, what it
// writes on the Node, the metrics it prints, and a refused write as one line.

import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type AgentCliOptions, run } from '../../../src/commands/agent.ts';
import { realKube } from '../../../src/commands/deps.ts';
import { InputError, UsageError } from '../../../src/errors.ts';
import { NodeApiError } from '../../../src/node/agent/kube-client.ts';
import { METADATA_PATCH_TYPE, STATUS_PATCH_TYPE } from '../../../src/node/node-object.ts';
import { VERDICT_LABEL } from '../../../src/node/report.ts';
import { type Certificates, makeCertificates } from '../../helpers/apiserver-certs.ts';
import { FakeKube, fakeDeps } from '../../helpers/command-deps.ts';
import { node } from '../../helpers/doctor-host.ts';
import { FakeNodeClient } from '../../helpers/node-fakes.ts';
import {
  type Answer,
  type KubeStandin,
  type SeenRequest,
  startKubeStandin,
  status,
} from '../../helpers/kube-standin.ts';
import { tempDir } from '../../helpers/tmp.ts';

const good: AgentCliOptions = { root: '/', interval: '300', heartbeat: '600', listen: '127.0.0.1:9717', once: true };

describe('nokmem agent', () => {
  it('no node name (no --node, no NODE_NAME): a usage error that names both ways to give it', async () => {
    const f = fakeDeps({ kube: realKube });
    await assert.rejects(
      run(good, f.deps),
      (e: Error) =>
        e instanceof UsageError && e.message === 'say which Node this is: --node NAME, or NODE_NAME (the downward API)',
    );
  });

  for (const [bad, message] of [
    [{ interval: '0' }, '--interval 0: give a number of seconds, e.g. 300'],
    [{ heartbeat: 'often' }, '--heartbeat often: give a number of seconds, e.g. 300'],
    [{ listen: '0.0.0.0' }, '--listen 0.0.0.0: give host:port, e.g. 0.0.0.0:9717'],
  ] as const) {
    it(`${JSON.stringify(bad)}: a usage error naming the option and an example`, async () => {
      const f = fakeDeps({ vars: { NODE_NAME: 'node-1' } });
      await assert.rejects(
        run({ ...good, ...bad }, f.deps),
        (e: Error) => e instanceof UsageError && e.message === message,
      );
    });
  }

  it('no API server: an input error that says to run in the cluster or give --kubeconfig', async () => {
    const f = fakeDeps({ vars: { NODE_NAME: 'node-1' }, kube: realKube });
    await assert.rejects(
      run({ ...good, kubeconfig: '/nonexistent/kubeconfig' }, f.deps),
      (e: Error) =>
        e instanceof InputError &&
        e.message.startsWith('no API server to write to (') &&
        e.message.endsWith('); run in the cluster or give --kubeconfig'),
    );
    assert.equal(f.stdout(), '');
  });
});

describe('nokmem agent --once with the Node client it is given', () => {
  it('writes the verdict through that client (its own Node, from --kubeconfig) and prints the metrics', async () => {
    const client = new FakeNodeClient();
    const kube = new FakeKube(undefined, client);
    const root = await node({ kubelet: 'kmem', runc: 'kmem', kubepodsKmem: true });
    const f = fakeDeps({ kube });
    await run({ ...good, root, node: 'n1', kubeconfig: '/etc/nokmem/kubeconfig' }, f.deps);
    assert.deepEqual(kube.asked, [{ source: { files: ['/etc/nokmem/kubeconfig'], origin: 'agent' } }]);
    assert.deepEqual(client.calls, ['get', 'patch', 'status']);
    assert.equal(client.labels[VERDICT_LABEL], 'install');
    assert.match(f.stdout(), /^nokmem_node_verdict\{[^}]*verdict="install"[^}]*\} 1$/m);
  });

  it('a client that cannot be made is the input error that says to run in the cluster or give --kubeconfig', async () => {
    const f = fakeDeps({ vars: { NODE_NAME: 'n1' }, kube: new FakeKube() });
    await assert.rejects(run(good, f.deps), (e: Error) => {
      assert.ok(e instanceof InputError);
      assert.equal(
        e.message,
        'no API server to write to (FakeKube: no Node client given); run in the cluster or give --kubeconfig',
      );
      assert.ok(e.cause instanceof Error);
      return true;
    });
  });
});

describe('nokmem agent --once against a stand-in API server', () => {
  const TOKEN = 'agent-sa-token.never-in-output';
  let certs: Certificates;
  let server: KubeStandin;
  let answer: (request: SeenRequest) => Answer;
  let kubeconfig = '';

  before(async () => {
    const dir = await tempDir('nokmem-agent-command-');
    certs = await makeCertificates(dir);
    server = await startKubeStandin((r) => answer(r), certs);
    kubeconfig = path.join(dir, 'kubeconfig');
    await writeFile(kubeconfig, server.config(TOKEN).exportConfig());
  });
  after(() => server.close());

  const served = { kind: 'Node', apiVersion: 'v1', metadata: { name: 'n1', labels: {}, annotations: {} }, status: {} };

  it('reads its Node, writes the verdict (label, annotation, condition) and prints the metrics', async () => {
    server.requests.length = 0;
    answer = () => ({ status: 200, body: served });
    const root = await node({ kubelet: 'kmem', runc: 'kmem', kubepodsKmem: true });
    const f = fakeDeps({ kube: realKube });
    await run({ ...good, root, node: 'n1', kubeconfig }, f.deps);
    assert.deepEqual(
      server.requests.map((r) => `${r.method} ${r.path} ${r.headers['content-type'] ?? ''}`.trim()),
      [
        'GET /api/v1/nodes/n1',
        `PATCH /api/v1/nodes/n1 ${METADATA_PATCH_TYPE}`,
        `PATCH /api/v1/nodes/n1/status ${STATUS_PATCH_TYPE}`,
      ],
    );
    for (const r of server.requests) assert.equal(r.headers.authorization, `Bearer ${TOKEN}`);
    const metadata = JSON.parse(server.requests[1]!.body) as { metadata: { labels: Record<string, string> } };
    assert.equal(metadata.metadata.labels[VERDICT_LABEL], 'install');
    assert.match(f.stdout(), /^# TYPE nokmem_node_verdict /m);
    assert.match(f.stdout(), /^nokmem_node_verdict\{[^}]*verdict="install"[^}]*\} 1$/m);
    assert.ok(!f.stdout().includes(TOKEN));
  });

  it('a write the API server refuses (RBAC): one line naming the request and the answer, no token', async () => {
    answer = (r) =>
      r.method === 'GET'
        ? { status: 200, body: served }
        : status(
            403,
            'Forbidden',
            'nodes "n1" is forbidden: User "system:serviceaccount:nokmem:nokmem-agent" cannot patch',
          );
    const root = await node({ kubelet: 'nokmem', runc: 'nokmem', kubepodsKmem: false });
    const f = fakeDeps({ kube: realKube });
    await assert.rejects(run({ ...good, root, node: 'n1', kubeconfig }, f.deps), (e: Error) => {
      assert.ok(e instanceof NodeApiError);
      assert.equal(
        e.message,
        'PATCH nodes/n1: the API server answered 403: nodes "n1" is forbidden: User "system:serviceaccount:nokmem:nokmem-agent" cannot patch',
      );
      assert.ok(!e.message.includes(TOKEN));
      return true;
    });
  });
});
