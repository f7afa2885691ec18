// One request to the API server (src/node/kube-request.ts), through the client library's own request path,
// against a stand-in API server over TLS in this process: what goes on the wire (method, path, query, Accept,
// the bearer token, a patch's content type and body), the text of a 2xx answer, and every way it fails — a status
// outside 2xx as the library's ApiException with the server's Status text, a server that does not answer in time,
// one that is not there, a certificate the kubeconfig does not trust — never with the token in the message.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApiException, KubeConfig } from '@kubernetes/client-node';
import { KubeRequester } from '../../../src/node/kube-request.ts';
import { type Certificates, makeCertificates } from '../../helpers/apiserver-certs.ts';
import {
  type Answer,
  type KubeStandin,
  type SeenRequest,
  kubeConfigFor,
  refusingUrl,
  startKubeStandin,
  status,
} from '../../helpers/kube-standin.ts';
import { tempDir } from '../../helpers/tmp.ts';

const TOKEN = 'eyJhbGciOi.secret-bearer-token.for-this-test';

/** The error's message holds no part of the bearer token. */
function tokenless(error: unknown): boolean {
  const text = error instanceof Error ? `${error.message}\n${error.stack ?? ''}` : String(error);
  return !text.includes(TOKEN) && !text.includes('secret-bearer-token');
}

describe('a request to the API server', () => {
  let certs: Certificates;
  let server: KubeStandin;
  let answer: (request: SeenRequest) => Answer;
  const seen = () => server.requests.at(-1)!;

  before(async () => {
    certs = await makeCertificates(await tempDir('nokmem-kube-request-'));
    server = await startKubeStandin((r) => answer(r), certs);
  });
  after(async () => {
    await server.close();
  });

  it('GET: the path and the query given (undefined values left out), JSON asked for, the bearer token sent', async () => {
    answer = () => ({ status: 200, body: { kind: 'NodeList', items: [] } });
    const api = new KubeRequester(server.config(TOKEN));
    const text = await api.text({ path: '/api/v1/nodes', query: { limit: '500', continue: undefined } });
    assert.equal(text, '{"kind":"NodeList","items":[]}');
    const r = seen();
    assert.equal(r.method, 'GET');
    assert.equal(r.path, '/api/v1/nodes');
    assert.deepEqual([...r.query], [['limit', '500']]);
    assert.equal(r.headers.accept, 'application/json');
    assert.equal(r.headers.authorization, `Bearer ${TOKEN}`);
    assert.equal(r.body, '');
    assert.equal(r.headers['content-type'], undefined);
  });

  it('json() is the answer parsed; the text is handed back as it came (a continue token with quotes)', async () => {
    const body = '{"metadata":{"continue":"a\\"b"},"items":[{"metadata":{"name":"n1"}}]}';
    answer = () => ({ status: 200, body });
    const api = new KubeRequester(server.config(TOKEN));
    assert.equal(await api.text({ path: '/api/v1/nodes', query: { continue: 'x=y&z' } }), body);
    assert.equal(seen().query.get('continue'), 'x=y&z');
    assert.deepEqual(await api.json({ path: '/api/v1/nodes' }), JSON.parse(body));
  });

  it('PATCH: the content type the patch says and its body as JSON', async () => {
    answer = () => ({ status: 200, body: { kind: 'Node' } });
    const api = new KubeRequester(server.config(TOKEN));
    const patch = { metadata: { labels: { 'nokmem.io/verdict': 'ok' }, annotations: { a: 'x"y' } } };
    await api.text({
      method: 'PATCH',
      path: '/api/v1/nodes/n1',
      patch: { body: patch, type: 'application/merge-patch+json' },
    });
    const r = seen();
    assert.equal(r.method, 'PATCH');
    assert.equal(r.path, '/api/v1/nodes/n1');
    assert.equal(r.headers['content-type'], 'application/merge-patch+json');
    assert.equal(r.headers.authorization, `Bearer ${TOKEN}`);
    assert.deepEqual(JSON.parse(r.body), patch);
  });

  for (const [code, reason, message] of [
    [403, 'Forbidden', 'nodes "n1" is forbidden: User "system:serviceaccount:nokmem:agent" cannot patch resource'],
    [404, 'NotFound', 'nodes "n1" not found'],
    [409, 'Conflict', 'Operation cannot be fulfilled on nodes "n1": the object has been modified'],
    [500, 'InternalError', 'Internal error occurred: etcdserver: request timed out'],
    [503, 'ServiceUnavailable', 'the server is currently unable to handle the request'],
  ] as const) {
    it(`${code}: the library's ApiException with the code and the server's Status as its body, no token`, async () => {
      answer = () => status(code, reason, message);
      const api = new KubeRequester(server.config(TOKEN));
      await assert.rejects(
        api.text({ method: 'PATCH', path: '/api/v1/nodes/n1', patch: { body: {}, type: 'application/json' } }),
        (e: unknown) => {
          assert.ok(e instanceof ApiException);
          assert.equal(e.code, code);
          assert.equal((JSON.parse(e.body as string) as { message: string }).message, message);
          assert.equal(e.message.split('\n')[0], `HTTP-Code: ${code}`);
          assert.equal(e.message.split('\n')[1], `Message: HTTP ${code}`);
          assert.ok(tokenless(e));
          return true;
        },
      );
    });
  }

  it('401: an ApiException saying Unauthorized (the body the server gave), no token', async () => {
    answer = () => ({ status: 401, body: 'Unauthorized', headers: { 'content-type': 'text/plain' } });
    const api = new KubeRequester(server.config(TOKEN));
    await assert.rejects(api.text({ path: '/api/v1/nodes/n1' }), (e: unknown) => {
      assert.ok(e instanceof ApiException);
      assert.equal(e.code, 401);
      assert.equal(e.body, 'Unauthorized');
      assert.equal(e.message.split('\n')[1], 'Message: Unauthorized');
      assert.ok(tokenless(e));
      return true;
    });
  });

  it('a 2xx other than 200 is an answer too (201)', async () => {
    answer = () => ({ status: 201, body: { kind: 'Node' } });
    assert.deepEqual(await new KubeRequester(server.config(TOKEN)).json({ path: '/api/v1/nodes' }), { kind: 'Node' });
  });

  it('a server that does not answer within timeoutMs: the request is aborted, no token', async () => {
    answer = () => 'hang';
    const api = new KubeRequester(server.config(TOKEN));
    const started = Date.now();
    await assert.rejects(api.text({ path: '/api/v1/nodes', timeoutMs: 150 }), (e: unknown) => {
      assert.equal((e as Error).name, 'AbortError');
      assert.ok(tokenless(e));
      return true;
    });
    assert.ok(Date.now() - started < 5_000, 'aborted at the timeout, not at some later one');
  });

  it('a server that is not there: the connection error (ECONNREFUSED) naming the URL, no token', async () => {
    const url = await refusingUrl();
    const api = new KubeRequester(kubeConfigFor(url, TOKEN));
    await assert.rejects(api.text({ path: '/api/v1/nodes/n1' }), (e: unknown) => {
      assert.equal((e as { code?: string }).code, 'ECONNREFUSED');
      assert.match(
        (e as Error).message,
        new RegExp(`^request to ${url}/api/v1/nodes/n1 failed, reason: .*ECONNREFUSED`),
      );
      assert.ok(!(e as Error).message.includes('\n'));
      assert.ok(tokenless(e));
      return true;
    });
  });

  it('a server certificate the kubeconfig does not trust: refused before anything is sent', async () => {
    answer = () => ({ status: 200, body: {} });
    const before = server.requests.length;
    const api = new KubeRequester(server.config(TOKEN, { trustCa: false }));
    await assert.rejects(api.text({ path: '/api/v1/nodes' }), (e: unknown) => {
      assert.match((e as { code?: string }).code ?? '', /UNABLE_TO_VERIFY|SELF_SIGNED/);
      assert.ok(tokenless(e));
      return true;
    });
    assert.equal(server.requests.length, before, 'the token never reached a server it could not verify');
  });

  it('plain http is refused by the library unless the kubeconfig skips TLS verification', async () => {
    const api = new KubeRequester(kubeConfigFor(server.url.replace('https:', 'http:'), TOKEN));
    await assert.rejects(api.text({ path: '/api/v1/nodes' }), /HTTP protocol is not allowed/);
  });

  it('a kubeconfig without a current cluster: refused when made, before any request', () => {
    const config = new KubeConfig();
    config.loadFromOptions({ clusters: [], users: [], contexts: [], currentContext: '' });
    assert.throws(() => new KubeRequester(config), /^Error: the kubeconfig has no current cluster$/);
  });
});
