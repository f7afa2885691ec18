// The agent's API client (src/node/agent/kube-client.ts) against a stand-in API server over TLS in this process:
// get of its own Node (absent: undefined), the two patches with the content types the API server merges them by,
// the Node name escaped in the path, the service account's bearer token on every request and in no error; the
// errors a write meets (401, 403, 409, 5xx, a server that hangs or is not there) reach the Node writer as they came,
// so it tries the whole write again at the next sync. Also how the kubeconfig is found.

import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { ApiException } from '@kubernetes/client-node';
import { NodeApiError, kubeConfig, kubeNodeClient } from '../../../../src/node/agent/kube-client.ts';
import { NodeWriter } from '../../../../src/node/agent/node-writer.ts';
import {
  METADATA_PATCH_TYPE,
  STATUS_PATCH_TYPE,
  metadataPatch,
  statusPatch,
} from '../../../../src/node/node-object.ts';
import { CONDITION_TYPE, REPORT_ANNOTATION, VERDICT_LABEL } from '../../../../src/node/report.ts';
import { type Certificates, makeCertificates } from '../../../helpers/apiserver-certs.ts';
import {
  type Answer,
  type KubeStandin,
  type SeenRequest,
  kubeConfigFor,
  refusingUrl,
  startKubeStandin,
  status,
} from '../../../helpers/kube-standin.ts';
import { FakeClock, report } from '../../../helpers/node-fakes.ts';
import { tempDir } from '../../../helpers/tmp.ts';

const TOKEN = 'sa-token.of-the-agent.never-in-a-message';

const noToken = (e: unknown) => {
  const text = e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e);
  return !text.includes(TOKEN);
};

/** A Node as the API server serves it, with the agent's condition and report on it. */
const servedNode = (name: string, reportText?: string) => ({
  kind: 'Node',
  apiVersion: 'v1',
  metadata: {
    name,
    labels: { 'nokmem.io/cgroup': 'v1', 'kubernetes.io/hostname': name },
    annotations: reportText ? { [REPORT_ANNOTATION]: reportText } : {},
  },
  status: {
    nodeInfo: { kernelVersion: '3.10.0-1160.el7.x86_64' },
    conditions: [
      { type: 'Ready', status: 'True', lastHeartbeatTime: '2026-12-06T11:59:00Z' },
      {
        type: CONDITION_TYPE,
        status: 'True',
        reason: 'NokmemInstall',
        message: 'install',
        lastHeartbeatTime: '2026-12-06T11:58:00Z',
        lastTransitionTime: '2026-12-06T10:00:00Z',
      },
    ],
  },
});

describe('the agent API client', () => {
  let certs: Certificates;
  let server: KubeStandin;
  let answer: (request: SeenRequest) => Answer;
  const client = () => kubeNodeClient(server.config(TOKEN));

  before(async () => {
    certs = await makeCertificates(await tempDir('nokmem-kube-client-'));
    server = await startKubeStandin((r) => answer(r), certs);
  });
  after(async () => {
    await server.close();
  });
  afterEach(() => {
    // every request of every test carried the token, and only as the Authorization header
    for (const r of server.requests) assert.equal(r.headers.authorization, `Bearer ${TOKEN}`);
    server.requests.length = 0;
  });

  it('getNode: GET /api/v1/nodes/NAME, read as the node side reads a Node', async () => {
    const text = JSON.stringify(report('install', '2026-12-06T11:58:00Z'));
    answer = () => ({ status: 200, body: servedNode('n1', text) });
    const node = await client().getNode('n1');
    assert.deepEqual(
      server.requests.map((r) => [r.method, r.path]),
      [['GET', '/api/v1/nodes/n1']],
    );
    assert.equal(server.requests[0]!.headers.accept, 'application/json');
    assert.equal(node?.name, 'n1');
    assert.equal(node?.report, text);
    assert.equal(node?.condition?.lastTransitionTime, '2026-12-06T10:00:00Z');
    assert.equal(node?.heartbeat, '2026-12-06T11:58:00Z');
    assert.equal(node?.kernel, '3.10.0-1160.el7.x86_64');
    assert.equal(node?.agentLabelled, true);
  });

  it('getNode: a Node that is not there (404) is undefined, not an error', async () => {
    answer = () => status(404, 'NotFound', 'nodes "gone" not found');
    assert.equal(await client().getNode('gone'), undefined);
  });

  it('a node name is one path segment, escaped', async () => {
    answer = (r) => (r.method === 'GET' ? status(404, 'NotFound', 'not found') : { status: 200, body: {} });
    await client().getNode('a/b c');
    await client().patchNodeStatus(
      'a/b c',
      statusPatch({ ...base(), lastHeartbeatTime: 't', lastTransitionTime: 't' }),
    );
    assert.deepEqual(
      server.requests.map((r) => r.path),
      ['/api/v1/nodes/a%2Fb%20c', '/api/v1/nodes/a%2Fb%20c/status'],
    );
  });

  it('a patch of a Node that is not there (404) is an error, unlike a get', async () => {
    answer = () => status(404, 'NotFound', 'nodes "gone" not found');
    await assert.rejects(
      client().patchNode('gone', metadataPatch(report('ok', '2026-12-06T12:00:00Z'))),
      (e: unknown) => {
        assert.ok(e instanceof NodeApiError && e.cause instanceof ApiException);
        assert.equal(e.code, 404);
        assert.equal(e.message, 'PATCH nodes/gone: the API server answered 404: nodes "gone" not found');
        return true;
      },
    );
  });

  for (const [code, reason] of [
    [401, 'Unauthorized'],
    [403, 'Forbidden'],
    [500, 'InternalError'],
  ] as const) {
    it(`getNode: ${code} is an error, one line, the library's ApiException its cause (only 404 means "no Node")`, async () => {
      answer = () => status(code, reason, `${reason.toLowerCase()} for nodes "n1"`);
      await assert.rejects(client().getNode('n1'), (e: unknown) => {
        assert.ok(e instanceof NodeApiError && e.cause instanceof ApiException);
        assert.equal(e.code, code);
        assert.equal(
          e.message,
          `GET nodes/n1: the API server answered ${code}: ${reason.toLowerCase()} for nodes "n1"`,
        );
        assert.ok(noToken(e));
        return true;
      });
    });
  }

  it('patchNode: a JSON merge patch of the Node with the label and the annotation', async () => {
    answer = () => ({ status: 200, body: servedNode('n1') });
    const patch = metadataPatch(report('reboot', '2026-12-06T12:00:00Z'));
    await client().patchNode('n1', patch);
    const [r] = server.requests;
    assert.equal(r?.method, 'PATCH');
    assert.equal(r?.path, '/api/v1/nodes/n1');
    assert.equal(r?.headers['content-type'], METADATA_PATCH_TYPE);
    assert.equal(r?.headers['content-type'], 'application/merge-patch+json');
    assert.deepEqual(JSON.parse(r?.body ?? ''), patch);
    assert.equal(JSON.parse(r?.body ?? '').metadata.labels[VERDICT_LABEL], 'reboot');
  });

  it('patchNodeStatus: a strategic merge patch of nodes/status (the condition, merged by type)', async () => {
    answer = () => ({ status: 200, body: servedNode('n1') });
    const patch = statusPatch({ ...base(), lastHeartbeatTime: '2026-12-06T12:00:00Z', lastTransitionTime: 'x' });
    await client().patchNodeStatus('n1', patch);
    const [r] = server.requests;
    assert.equal(r?.method, 'PATCH');
    assert.equal(r?.path, '/api/v1/nodes/n1/status');
    assert.equal(r?.headers['content-type'], STATUS_PATCH_TYPE);
    assert.equal(r?.headers['content-type'], 'application/strategic-merge-patch+json');
    assert.deepEqual(JSON.parse(r?.body ?? ''), patch);
  });

  for (const [code, reason, message] of [
    [401, 'Unauthorized', 'Unauthorized'],
    [403, 'Forbidden', 'nodes "n1" is forbidden: User "system:serviceaccount:nokmem:nokmem-agent" cannot patch'],
    [409, 'Conflict', 'Operation cannot be fulfilled on nodes "n1"'],
    [503, 'ServiceUnavailable', 'the server is currently unable to handle the request'],
  ] as const) {
    it(`a patch answered ${code}: one line with the server's Status message (the ApiException its cause), no token`, async () => {
      answer = () => status(code, reason, message);
      await assert.rejects(
        client().patchNode('n1', metadataPatch(report('ok', '2026-12-06T12:00:00Z'))),
        (e: unknown) => {
          assert.ok(e instanceof NodeApiError && e.cause instanceof ApiException);
          assert.equal(e.code, code);
          assert.match(String(e.cause.body), new RegExp(`"message":"${message.replaceAll('"', '\\\\"')}"`));
          assert.equal(e.message, `PATCH nodes/n1: the API server answered ${code}: ${message}`);
          assert.ok(noToken(e));
          return true;
        },
      );
    });
  }

  it('through the Node writer: recover, then a failed write (403) is kept and the whole write is tried again', async () => {
    const clock = new FakeClock();
    let refuse = true;
    answer = (r) =>
      r.method === 'GET'
        ? status(404, 'NotFound', 'nodes "n1" not found')
        : refuse
          ? status(403, 'Forbidden', 'nodes "n1" is forbidden')
          : { status: 200, body: servedNode('n1') };
    const writer = new NodeWriter('n1', client(), clock, 300_000);
    assert.equal(await writer.recover(), undefined);
    const failed = await writer.sync(report('install', clock.now().toISOString()));
    assert.equal(failed.wrote, false);
    assert.ok(failed.error instanceof NodeApiError && failed.error.code === 403);
    assert.equal(failed.error.message, 'PATCH nodes/n1: the API server answered 403: nodes "n1" is forbidden');
    assert.ok(noToken(failed.error));
    refuse = false;
    clock.advance(60_000);
    assert.deepEqual(await writer.sync(report('install', clock.now().toISOString())), { wrote: true, why: 'retry' });
    assert.deepEqual(
      server.requests.map((r) => `${r.method} ${r.path}`),
      ['GET /api/v1/nodes/n1', 'PATCH /api/v1/nodes/n1', 'PATCH /api/v1/nodes/n1', 'PATCH /api/v1/nodes/n1/status'],
    );
  });

  it('a server that hangs: the request ends at the client time limit, one line, no token', async () => {
    answer = () => 'hang';
    const impatient = kubeNodeClient(server.config(TOKEN), 300);
    await assert.rejects(
      impatient.patchNode('n1', metadataPatch(report('ok', '2026-12-06T12:00:00Z'))),
      (e: unknown) => {
        assert.ok(e instanceof NodeApiError);
        assert.equal(e.code, 'ETIMEDOUT');
        assert.equal(e.message, 'PATCH nodes/n1: the API server did not answer within 0.3 s');
        assert.ok(noToken(e));
        return true;
      },
    );
  });

  it('an API server that is not there: ECONNREFUSED naming the URL, one line, no token', async () => {
    const url = await refusingUrl();
    const refused = kubeNodeClient(kubeConfigFor(url, TOKEN));
    for (const call of [
      () => refused.getNode('n1'),
      () => refused.patchNode('n1', metadataPatch(report('ok', '2026-12-06T12:00:00Z'))),
      () => refused.patchNodeStatus('n1', statusPatch({ ...base(), lastHeartbeatTime: 't', lastTransitionTime: 't' })),
    ])
      await assert.rejects(call(), (e: unknown) => {
        assert.equal((e as { code?: string }).code, 'ECONNREFUSED');
        assert.match(
          (e as Error).message,
          new RegExp(`^(GET|PATCH) nodes/n1(/status)?: request to ${url}/api/v1/nodes/n1(/status)? failed, reason: `),
        );
        assert.ok(!(e as Error).message.includes('\n'));
        assert.ok(noToken(e));
        return true;
      });
  });
});

describe('the agent kubeconfig', () => {
  const yaml = (server: string) =>
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      `- name: c\n  cluster: { server: "${server}" }`,
      'users:',
      `- name: u\n  user: { token: ${TOKEN} }`,
      'contexts:',
      '- name: x\n  context: { cluster: c, user: u }',
      'current-context: x',
      '',
    ].join('\n');

  it('--kubeconfig FILE is read; without it, KUBECONFIG (the library default)', async () => {
    const dir = await tempDir('nokmem-agent-kubeconfig-');
    const [given, fromEnv] = [path.join(dir, 'given'), path.join(dir, 'env')];
    await writeFile(given, yaml('https://10.0.0.1:6443'));
    await writeFile(fromEnv, yaml('https://10.0.0.2:6443'));
    const saved = process.env.KUBECONFIG;
    process.env.KUBECONFIG = fromEnv;
    try {
      assert.equal(kubeConfig(given).getCurrentCluster()?.server, 'https://10.0.0.1:6443');
      assert.equal(kubeConfig().getCurrentCluster()?.server, 'https://10.0.0.2:6443');
      assert.equal(kubeConfig().getCurrentUser()?.token, TOKEN);
    } finally {
      if (saved === undefined) delete process.env.KUBECONFIG;
      else process.env.KUBECONFIG = saved;
    }
  });

  it('a kubeconfig that is not there: the error names the file (the agent command makes it an input error)', () => {
    assert.throws(() => kubeConfig('/nonexistent/agent.kubeconfig'), /ENOENT.*\/nonexistent\/agent\.kubeconfig/);
  });
});

function base() {
  return { type: CONDITION_TYPE, status: 'False' as const, reason: 'NokmemOk', message: 'nothing to do' };
}
