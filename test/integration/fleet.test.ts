// `nokmem fleet` against a real API server (kube-apiserver v1.20.2 on Debian's etcd, test/helpers/apiserver.ts):
// Node objects carry what the agent writes (its own writer and API client: label + annotation in a patch of the
// Node, the condition in a patch of nodes/status), and the fleet reads them back as a table, as JSON and as an
// exit status; it pages through the list, and a missing kubeconfig, an unreachable server, refused credentials
// and RBAC are each one line naming the input, the reason and the fix.

import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { kubeNodeClient } from '../../src/node/agent/kube-client.ts';
import { rawMetadataPatch } from '../../src/node/node-object.ts';
import { REPORT_ANNOTATION } from '../../src/node/report.ts';
import { type ApiServer, startApiServer } from '../helpers/apiserver.ts';
import { nokmem } from '../helpers/cli.ts';
import { registeredNode, sampleReport, writeReport } from '../helpers/node-objects.ts';

describe('nokmem fleet against a real API server', () => {
  let server: ApiServer;
  let api: CoreV1Api;
  let tmp: string;
  const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000);

  before(async () => {
    server = await startApiServer({ name: 'fleet' });
    tmp = await mkdtemp(path.join(os.tmpdir(), 'nokmem-fleet-'));
    const config = new KubeConfig();
    config.loadFromFile(server.kubeconfig);
    api = config.makeApiClient(CoreV1Api);
    const agent = kubeNodeClient(config);
    // each node registers as a kubelet would, then "its agent" (its writer and API client) writes its report
    const write = (name: string, verdict: 'ok' | 'install' | 'reboot' | 'unknown', made: Date, beat?: Date) =>
      writeReport(agent, name, sampleReport(verdict, made), beat);
    const names = ['n-ok', 'n-install', 'n-reboot', 'n-unknown', 'n-stale', 'n-none', 'n-malformed', 'n-beat'];
    await Promise.all(names.map((name, i) => api.createNode({ body: registeredNode(name, i) })));
    await write('n-ok', 'ok', minutesAgo(1));
    await write('n-install', 'install', minutesAgo(2));
    await write('n-reboot', 'reboot', minutesAgo(3));
    await write('n-unknown', 'unknown', minutesAgo(1));
    await write('n-stale', 'reboot', minutesAgo(60));
    // an unchanged report kept fresh by the heartbeat alone
    await write('n-beat', 'ok', minutesAgo(120), minutesAgo(4));
    await agent.patchNode('n-malformed', rawMetadataPatch('ok', '{"schema":"nokmem/node-report@1","verdict":"ok"'));
  });

  after(async () => {
    await server?.stop();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('prints every node worst first, each fact in its column, and exits 2 for a node to reboot', async () => {
    const r = await nokmem(['fleet', '--kubeconfig', server.kubeconfig]);
    assert.equal(r.exitCode, 2, r.stderr);
    assert.equal(r.stderr, '');
    const lines = r.stdout.split('\n');
    assert.deepEqual(
      lines.slice(1, 9).map((l) => l.split(/\s+/)[0]),
      ['n-reboot', 'n-install', 'n-malformed', 'n-none', 'n-stale', 'n-unknown', 'n-beat', 'n-ok'],
    );
    const row = (name: string) => lines.find((l) => l.startsWith(`${name} `)) ?? '';
    assert.match(
      row('n-reboot'),
      /^n-reboot +3\.10\.0-1160\.83\.1\.el7\.x86_64 +absent +active +37 +unknown +nokmem v1\.20\.2 +nokmem 1\.0\.0-rc93 +reboot +[34]m +\d+[sm]$/,
    );
    assert.match(row('n-install'), / +active +0 +unknown +kmem v1\.20\.2 +kmem 1\.0\.0-rc93 +install +no +\d+[sm]$/);
    assert.match(
      row('n-unknown'),
      / +absent +\? +0 +unknown +nokmem v1\.20\.2 +nokmem 1\.0\.0-rc93 +unknown +no +\d+[sm]$/,
    );
    assert.match(row('n-stale'), / stale \(reboot\) +6\dm +6\dm$/);
    assert.match(row('n-none'), /^n-none +no report$/);
    assert.match(row('n-malformed'), /^n-malformed +bad report$/);
    assert.match(row('n-beat'), / +off +0 +unknown +nokmem v1\.20\.2 +nokmem 1\.0\.0-rc93 +ok +no +[45]m$/);
    assert.match(r.stdout, /^8 nodes: 1 reboot, 1 install, 1 unknown, 1 stale, 1 no report, 1 bad report, 2 ok$/m);
    assert.deepEqual(r.stdout.split('\n').slice(11), [
      'n-malformed: report is not JSON',
      'n-unknown: unknown, missing kmem on kubepods: /sys/fs/cgroup/memory/kubepods is not mounted',
    ]);
  });

  it('--json has every node with its status, report and age, and the same exit status', async () => {
    const r = await nokmem(['fleet', '--json'], { KUBECONFIG: server.kubeconfig });
    assert.equal(r.exitCode, 2, r.stderr);
    const fleet = JSON.parse(r.stdout);
    assert.equal(fleet.context, 'nokmem-test');
    assert.equal(fleet.server, server.url);
    assert.equal(fleet.exitCode, 2);
    assert.equal(fleet.staleAfterSeconds, 1200);
    assert.deepEqual(fleet.counts, {
      reboot: 1,
      install: 1,
      unknown: 1,
      stale: 1,
      'no report': 1,
      'bad report': 1,
      ok: 2,
    });
    const byName = Object.fromEntries(fleet.nodes.map((n: { node: string }) => [n.node, n]));
    assert.equal(byName['n-reboot'].report.exhaustionErrors, 37);
    assert.equal(byName['n-stale'].status, 'stale');
    assert.equal(byName['n-stale'].report.verdict, 'reboot');
    assert.ok(Math.abs(byName['n-stale'].ageSeconds - 3600) < 60);
    assert.equal(byName['n-none'].report, null);
    assert.equal(byName['n-none'].problem, 'no report');
    assert.equal(byName['n-beat'].status, 'ok');
    assert.ok(Math.abs(byName['n-beat'].ageSeconds - 240) < 60, 'the heartbeat, not the report time');
    // a shorter --stale-after makes the heartbeat-only node stale too
    const strict = JSON.parse(
      (await nokmem(['fleet', '--json', '--stale-after', '3m'], { KUBECONFIG: server.kubeconfig })).stdout,
    );
    assert.equal(strict.nodes.find((n: { node: string }) => n.node === 'n-beat').status, 'stale');
  });

  it('pages through the list: 38 nodes, 7 a page, 6 list requests', async () => {
    await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        api.createNode({ body: registeredNode(`p-${String(i).padStart(2, '0')}`, 100 + i) }),
      ),
    );
    const lists = async () => {
      const m = /^apiserver_request_total\{[^}]*resource="nodes"[^}]*verb="LIST"[^}]*\} (\d+)$/gm;
      return [...(await server.metrics()).matchAll(m)].reduce((sum, x) => sum + Number(x[1]), 0);
    };
    const before = await lists();
    const r = await nokmem(['fleet', '--kubeconfig', server.kubeconfig, '--page-size', '7', '--json']);
    assert.equal(r.exitCode, 2, r.stderr);
    const fleet = JSON.parse(r.stdout);
    assert.equal(fleet.nodes.length, 38);
    assert.equal(new Set(fleet.nodes.map((n: { node: string }) => n.node)).size, 38);
    assert.equal(fleet.counts['no report'], 31);
    assert.equal((await lists()) - before, 6);
    await Promise.all(
      Array.from({ length: 30 }, (_, i) => api.deleteNode({ name: `p-${String(i).padStart(2, '0')}` })),
    );
  });

  it('a ServiceAccount needs list on nodes: refused with the fix named, then allowed by exactly that', async () => {
    const sa = await server.serviceAccount('nokmem-fleet', 'reader');
    const denied = await nokmem(['fleet', '--kubeconfig', sa.kubeconfig]);
    assert.equal(denied.exitCode, 3);
    assert.equal(denied.stdout, '');
    assert.match(
      denied.stderr.trim(),
      new RegExp(
        `^nokmem: error: the API server ${server.url.replace(/\./g, '\\.')} \\(kubeconfig .*sa-nokmem-fleet-reader\\.kubeconfig, context "nokmem-test"\\) answered 403: nodes is forbidden: User "system:serviceaccount:nokmem-fleet:reader" cannot list resource "nodes" in API group "" at the cluster scope: RBAC: .*kubectl create clusterrole nokmem-fleet --verb=list --resource=nodes`,
      ),
    );
    for (const args of [
      ['create', 'clusterrole', 'nokmem-fleet', '--verb=list', '--resource=nodes'],
      [
        'create',
        'clusterrolebinding',
        'nokmem-fleet',
        '--clusterrole=nokmem-fleet',
        '--serviceaccount=nokmem-fleet:reader',
      ],
    ]) {
      const k = await server.kubectl(args);
      assert.equal(k.exitCode, 0, k.stderr);
    }
    const allowed = await nokmem(['fleet', '--kubeconfig', sa.kubeconfig]);
    assert.equal(allowed.exitCode, 2, allowed.stderr);
    assert.match(allowed.stdout, /^8 nodes: /m);
  });

  it('one line for a missing kubeconfig, an unknown context, refused credentials, an unreachable server, an untrusted certificate', async () => {
    const home = path.join(tmp, 'home');
    const cases: [string[], Record<string, string>, RegExp][] = [
      [
        ['--kubeconfig', path.join(tmp, 'nope')],
        {},
        /^nokmem: error: no kubeconfig at \S+\/nope \(from --kubeconfig\): pass --kubeconfig FILE or set KUBECONFIG$/,
      ],
      [
        [],
        { HOME: home, KUBECONFIG: '' },
        /^nokmem: error: no kubeconfig at \S+\/home\/\.kube\/config \(from ~\/\.kube\/config \(default\)\): pass --kubeconfig FILE or set KUBECONFIG$/,
      ],
      [
        ['--kubeconfig', server.kubeconfig, '--context', 'prod'],
        {},
        /^nokmem: error: context "prod" is not in kubeconfig \S+ \(it has: nokmem-test\): pick one with --context$/,
      ],
    ];
    const config = await readFile(server.kubeconfig, 'utf8');
    const bogus = path.join(tmp, 'bogus-token.kubeconfig');
    await writeFile(
      bogus,
      config.replace(
        /user:\n(\s+)client-certificate-data: .*\n\s+client-key-data: .*\n/,
        'user:\n$1token: not-a-token\n',
      ),
    );
    cases.push([
      ['--kubeconfig', bogus],
      {},
      /answered 401: Unauthorized: the credentials of user "nokmem-test" were refused; renew them/,
    ]);
    const closed = await closedPort();
    const unreachable = await server.kubeconfigVia(`https://127.0.0.1:${closed}`);
    cases.push([
      ['--kubeconfig', unreachable],
      {},
      new RegExp(
        `^nokmem: error: cannot reach the API server https://127\\.0\\.0\\.1:${closed} \\(kubeconfig \\S+, context "nokmem-test"\\): ECONNREFUSED .*: check the server address`,
      ),
    ]);
    const untrusted = path.join(tmp, 'untrusted.kubeconfig');
    await writeFile(untrusted, config.replace(/\s+certificate-authority-data: .*\n/, '\n'));
    cases.push([
      ['--kubeconfig', untrusted],
      {},
      /^nokmem: error: cannot reach .*: the server certificate is not trusted by the kubeconfig/,
    ]);
    for (const [args, env, expected] of cases) {
      const r = await nokmem(['fleet', ...args], env);
      assert.equal(r.exitCode, 3, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stdout, '');
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.match(r.stderr.trim(), expected);
    }
    const json = await nokmem(['fleet', '--json', '--kubeconfig', path.join(tmp, 'nope')]);
    assert.equal(JSON.parse(json.stdout).kind, 'ClusterAccessError');
    const usage = await nokmem(['fleet', '--kubeconfig', server.kubeconfig, '--stale-after', 'soon']);
    assert.equal(usage.exitCode, 2);
    assert.match(usage.stderr, /--stale-after "soon" is not a duration like 15m/);
  });

  it('exits by the worst node as the fleet heals: 2 reboot, 1 install, 3 not known, 0 all ok', async () => {
    const code = async () => (await nokmem(['fleet', '--kubeconfig', server.kubeconfig])).exitCode;
    assert.equal(await code(), 2);
    await api.deleteNode({ name: 'n-reboot' });
    assert.equal(await code(), 1);
    await api.deleteNode({ name: 'n-install' });
    assert.equal(await code(), 3);
    for (const name of ['n-unknown', 'n-stale', 'n-none', 'n-malformed']) await api.deleteNode({ name });
    const r = await nokmem(['fleet', '--kubeconfig', server.kubeconfig]);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(r.stdout, /^2 nodes: 2 ok$/m);
    const node = await api.readNode({ name: 'n-ok' });
    assert.ok(node.metadata?.annotations?.[REPORT_ANNOTATION]);
  });
});

async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const address = s.address();
  await new Promise((resolve) => s.close(resolve));
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}
