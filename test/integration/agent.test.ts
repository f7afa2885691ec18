// The agent against a real API server (kube-apiserver v1.20.2 on Debian's etcd, test/helpers/apiserver.ts): deploy/
// applies as it is (the DaemonSet has no kubelet to run it here; the objects must be accepted); the Node objects are
// made by the admin, as kubelets would register them; then real agents (`nokmem agent` from the node side's bundle,
// as the image runs it), each with a hand-made node root (ok, install, reboot, unknown), authenticated as the
// manifest's ServiceAccount, update their own Node, and `nokmem fleet` prints them. The ServiceAccount can do what
// deploy/base/rbac.yaml says and nothing more; an agent writes on a change and on its heartbeat only (counted by the
// API server); a report no agent confirms any more shows as stale. Periods are short: 0.5 s, heartbeat 2 s.

import assert from 'node:assert/strict';
import { appendFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CoreV1Api, KubeConfig, type V1Node } from '@kubernetes/client-node';
import type { NodeVerdict } from '../../src/node/report.ts';
import { difference, requestsOf } from '../helpers/apiserver-metrics.ts';
import { type AgentProcess, EXHAUSTION_LINE, nodeSideBundle, scenarioRoot, startAgent } from '../helpers/agents.ts';
import { type ApiServer, startApiServer } from '../helpers/apiserver.ts';
import { ROOT, nokmem } from '../helpers/cli.ts';
import { registeredNode } from '../helpers/node-objects.ts';

const INTERVAL = 0.5;
const HEARTBEAT = 2;
const VERDICTS: NodeVerdict[] = ['ok', 'install', 'reboot', 'unknown'];
const sleep = (s: number) => new Promise((resolve) => setTimeout(resolve, s * 1000));

describe('the agent against a real API server', () => {
  let server: ApiServer;
  let bundle: Awaited<ReturnType<typeof nodeSideBundle>>;
  let saKubeconfig: string;
  const agents = new Map<string, AgentProcess>();
  let applied: string;

  const start = (verdict: NodeVerdict, root: string) => {
    const agent = startAgent({
      cli: bundle.cli,
      node: `n-${verdict}`,
      root,
      kubeconfig: saKubeconfig,
      intervalSeconds: INTERVAL,
      heartbeatSeconds: HEARTBEAT,
    });
    agents.set(verdict, agent);
    return agent;
  };
  const nodeRequests = async () => requestsOf(await server.metrics(), 'nodes');
  const fleet = (...args: string[]) => nokmem(['fleet', '--kubeconfig', server.kubeconfig, ...args]);

  before(async () => {
    [server, bundle] = await Promise.all([startApiServer({ name: 'agent' }), nodeSideBundle()]);
    const apply = await server.kubectl(['apply', '-k', path.join(ROOT, 'deploy')]);
    assert.equal(apply.exitCode, 0, apply.stderr);
    applied = apply.stdout;
    const config = new KubeConfig();
    config.loadFromFile(server.kubeconfig);
    const api = config.makeApiClient(CoreV1Api);
    await Promise.all([
      ...VERDICTS.map((v, i) => api.createNode({ body: registeredNode(`n-${v}`, i) })),
      // an EL7 node nobody labelled: no agent runs there
      api.createNode({ body: registeredNode('n-el7-unlabelled', 10, { agentLabel: false }) }),
      // a node with a newer kernel, not labelled either: no agent, and none needed (not affected)
      api.createNode({ body: registeredNode('n-el9', 11, { agentLabel: false, kernel: '5.14.0-362.el9.x86_64' }) }),
    ]);
    saKubeconfig = (await server.serviceAccount('nokmem', 'nokmem-agent')).kubeconfig;
    for (const v of VERDICTS) start(v, await scenarioRoot(v));
    await Promise.all([...agents.values()].map((a) => a.ready));
  });

  after(async () => {
    await Promise.all([...agents.values()].map((a) => a.stop()));
    await server?.stop();
    await bundle?.cleanup();
    for (const a of agents.values()) await rm(a.root, { recursive: true, force: true });
  });

  it('deploy/ is accepted as it is, and so are its kured and seccomp-field variants and the plain files', async () => {
    for (const kind of [
      'namespace/nokmem',
      'serviceaccount/nokmem-agent',
      'clusterrole.rbac.authorization.k8s.io/nokmem-agent',
      'clusterrolebinding.rbac.authorization.k8s.io/nokmem-agent',
      'daemonset.apps/nokmem-agent',
    ])
      assert.match(applied, new RegExp(`^${kind.replace(/\./g, '\\.')} created$`, 'm'));
    const base = path.join(ROOT, 'deploy/base');
    for (const args of [
      ['-k', path.join(ROOT, 'deploy/kured')],
      ['-k', path.join(ROOT, 'deploy/seccomp-field')],
      ['-f', `${base}/namespace.yaml`, '-f', `${base}/rbac.yaml`, '-f', `${base}/daemonset.yaml`],
    ]) {
      const r = await server.kubectl(['apply', '--dry-run=server', ...args]);
      assert.equal(r.exitCode, 0, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stdout, /^daemonset\.apps\/nokmem-agent (configured|unchanged) \(server dry run\)$/m);
    }
    // A pod made from the template gets the runtime's default seccomp profile: 1.19 to 1.26 copy the annotation
    // (which every version reads) into the field. No controller here makes the DaemonSet's pods: the admin does.
    const ds = JSON.parse(
      (await server.kubectl(['-n', 'nokmem', 'get', 'daemonset', 'nokmem-agent', '-o', 'json'])).stdout,
    );
    const template = ds.spec.template;
    assert.equal(template.metadata.annotations['seccomp.security.alpha.kubernetes.io/pod'], 'runtime/default');
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'agent-from-template', namespace: 'nokmem', ...template.metadata },
      // no token controller here: the pod mounts no token (the kubelet would)
      spec: { ...template.spec, automountServiceAccountToken: false, nodeName: 'n-ok' },
    };
    const made = await server.kubectl(['create', '-o', 'json', '-f', '-'], { input: JSON.stringify(pod) });
    assert.equal(made.exitCode, 0, made.stderr);
    assert.deepEqual(JSON.parse(made.stdout).spec.securityContext.seccompProfile, { type: 'RuntimeDefault' });
  });

  it('the ServiceAccount may do what deploy/base/rbac.yaml says and nothing more', async () => {
    const asAgent = (args: string[]) => server.kubectl(args, { kubeconfig: saKubeconfig });
    const list = await asAgent(['auth', 'can-i', '--list']);
    assert.equal(list.exitCode, 0, list.stderr);
    const rows = list.stdout
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.trim().split(/\s{2,}/));
    // rows with a resource: ours, and the self-reviews every authenticated user has (system:basic-user)
    assert.deepEqual(
      rows
        .filter((r) => !r[0]!.startsWith('['))
        .map((r) => `${r[0]} ${r.at(-1)}`)
        .sort(),
      [
        'nodes [get patch]',
        'nodes/status [patch]',
        'selfsubjectaccessreviews.authorization.k8s.io [create]',
        'selfsubjectrulesreviews.authorization.k8s.io [create]',
      ],
    );
    // the rest: discovery URLs (system:discovery, system:public-info-viewer), read only
    for (const r of rows.filter((r) => r[0]!.startsWith('['))) assert.equal(r.at(-1), '[get]', r.join(' '));
    const can = async (...args: string[]) => (await asAgent(['auth', 'can-i', ...args])).stdout.trim();
    assert.equal(await can('patch', 'nodes'), 'yes');
    assert.equal(await can('patch', 'nodes', '--subresource=status'), 'yes');
    assert.equal(await can('get', 'nodes/n-install'), 'yes');
    for (const denied of [
      ['get', 'secrets', '--all-namespaces'],
      ['get', 'secrets', '-n', 'nokmem'],
      ['patch', 'pods', '-n', 'nokmem'],
      ['patch', 'pods', '--all-namespaces'],
      ['list', 'nodes'],
      ['watch', 'nodes'],
      ['update', 'nodes'],
      ['delete', 'nodes'],
      ['create', 'nodes'],
      ['patch', 'daemonsets', '-n', 'nokmem'],
    ])
      assert.equal(await can(...denied), 'no', denied.join(' '));
    const secrets = await asAgent(['-n', 'kube-system', 'get', 'secrets']);
    assert.notEqual(secrets.exitCode, 0);
    assert.match(
      secrets.stderr,
      /forbidden: User "system:serviceaccount:nokmem:nokmem-agent" cannot list resource "secrets"/,
    );
  });

  it('each agent writes its own Node; nokmem fleet prints them worst first, as JSON too, and exits 2', async () => {
    const r = await fleet();
    assert.equal(r.exitCode, 2, r.stderr);
    assert.equal(r.stderr, '');
    const lines = r.stdout.split('\n');
    const el7 = '3\\.10\\.0-1160\\.el7\\.x86_64 +absent';
    const age = '[0-9]s';
    assert.deepEqual(
      lines.slice(1, 7).map((l) => l.split(/\s+/)[0]),
      ['n-reboot', 'n-install', 'n-el7-unlabelled', 'n-unknown', 'n-el9', 'n-ok'],
    );
    const row = (name: string) => lines.find((l) => l.startsWith(`${name} `)) ?? '';
    assert.match(
      row('n-reboot'),
      new RegExp(
        `^n-reboot +${el7} +active +0 +unknown +nokmem v1\\.12\\.4 +nokmem 1\\.0\\.0-rc5 +reboot +no +${age}$`,
      ),
    );
    assert.match(
      row('n-install'),
      new RegExp(`^n-install +${el7} +active +0 +unknown +kmem v1\\.12\\.4 +kmem 1\\.0\\.0-rc5 +install +no +${age}$`),
    );
    assert.match(
      row('n-unknown'),
      new RegExp(`^n-unknown +${el7} +\\? +0 +unknown +kmem v1\\.12\\.4 +nokmem 1\\.0\\.0-rc5 +unknown +no +${age}$`),
    );
    assert.match(
      row('n-ok'),
      new RegExp(`^n-ok +${el7} +off +0 +unknown +nokmem v1\\.12\\.4 +nokmem 1\\.0\\.0-rc5 +ok +no +${age}$`),
    );
    assert.match(row('n-el7-unlabelled'), /^n-el7-unlabelled +no report$/);
    assert.match(row('n-el9'), /^n-el9 +not affected$/);
    assert.deepEqual(lines.slice(8), [
      '6 nodes: 1 reboot, 1 install, 1 unknown, 1 no report, 1 ok, 1 not affected',
      'n-el7-unlabelled: agent not scheduled: kernel 3.10.0-1160.83.1.el7.x86_64 but no label nokmem.io/cgroup=v1 (kubectl label node n-el7-unlabelled nokmem.io/cgroup=v1)',
      'n-unknown: unknown, missing the memory cgroup hierarchy (sys/fs/cgroup/memory)',
    ]);

    const json = await fleet('--json');
    assert.equal(json.exitCode, 2, json.stderr);
    const out = JSON.parse(json.stdout);
    assert.equal(out.staleAfterSeconds, 1200, 'two heartbeats of the agent (10m)');
    assert.deepEqual(out.counts, { reboot: 1, install: 1, unknown: 1, 'no report': 1, ok: 1, 'not affected': 1 });
    for (const v of VERDICTS) {
      const n = out.nodes.find((x: { node: string }) => x.node === `n-${v}`);
      assert.equal(n.status, v);
      assert.equal(n.report.verdict, v);
      assert.ok(n.ageSeconds <= 3 * HEARTBEAT, `${v}: ${n.ageSeconds}`);
    }

    // what kubectl shows of the same writes: the label, and the condition with node-problem-detector's semantics
    const labels = await server.kubectl(['get', 'nodes', '-L', 'nokmem.io/verdict', '--no-headers']);
    for (const v of VERDICTS) assert.match(labels.stdout, new RegExp(`^n-${v} .* ${v}$`, 'm'));
    const all = JSON.parse((await server.kubectl(['get', 'nodes', '-o', 'json'])).stdout) as { items: V1Node[] };
    const conditions = all.items.map((n) => {
      const c = n.status?.conditions?.find((x) => x.type === 'KernelMemoryAccounting');
      return `${n.metadata?.name} ${c?.status} ${c?.reason}`;
    });
    assert.deepEqual(conditions.sort(), [
      'n-el7-unlabelled undefined undefined',
      'n-el9 undefined undefined',
      'n-install True NokmemInstall',
      'n-ok False NokmemOk',
      'n-reboot True NokmemReboot',
      'n-unknown Unknown NokmemUnknown',
    ]);
  });

  it('an agent writes on a change and on its heartbeat, nothing in between (the API server counts)', async () => {
    const window = 6;
    const before = await nodeRequests();
    const logged = new Map([...agents].map(([v, a]) => [v, a.lines.length]));
    await sleep(window);
    const quiet = difference(await nodeRequests(), before);
    const heartbeats = [...agents].map(
      ([v, a]) => a.lines.slice(logged.get(v)).filter((l) => / \(heartbeat\)$/.test(l)).length,
    );
    // 4 agents × 12 looks, and no change: the condition alone, once a heartbeat each (2 s): 4 × 3, give or take one
    // an agent at each end of the window; never the Node itself, never a read
    const statusPatches = quiet.get('PATCH nodes/status 200') ?? 0;
    assert.deepEqual([...quiet.keys()], statusPatches ? ['PATCH nodes/status 200'] : [], JSON.stringify([...quiet]));
    assert.ok(
      statusPatches >= 4 * (window / HEARTBEAT - 1) && statusPatches <= 4 * (window / HEARTBEAT + 1),
      `${statusPatches}`,
    );
    const sum = heartbeats.reduce((a, b) => a + b, 0);
    assert.ok(
      Math.abs(sum - statusPatches) <= 4,
      `the agents logged ${sum} heartbeats, the API server counted ${statusPatches}`,
    );

    // a change of one node's facts: that agent writes the Node (label + annotation) and its condition, once
    const ok = agents.get('ok')!;
    const mark = ok.lines.length;
    const changed = await nodeRequests();
    await appendFile(path.join(ok.root, 'var/log/messages'), EXHAUSTION_LINE);
    await sleep(3 * INTERVAL + 1);
    const afterChange = difference(await nodeRequests(), changed);
    assert.equal(afterChange.get('PATCH nodes 200'), 1, JSON.stringify([...afterChange]));
    assert.ok(ok.lines.slice(mark).includes('node n-ok: ok (changed)'), ok.lines.slice(mark).join('\n'));
    const node = JSON.parse((await server.kubectl(['get', 'node', 'n-ok', '-o', 'json'])).stdout);
    assert.equal(JSON.parse(node.metadata.annotations['nokmem.io/report']).exhaustionErrors, 1);
  });

  it('an agent that stops: its report turns stale; restarted, it carries on without writing the same report again', async () => {
    const ok = agents.get('ok')!;
    await ok.stop();
    await sleep(HEARTBEAT + 6);
    const r = await fleet('--stale-after', '6s', '--json');
    const out = JSON.parse(r.stdout);
    assert.equal(r.exitCode, 2, r.stderr);
    const byName = Object.fromEntries(out.nodes.map((n: { node: string }) => [n.node, n]));
    assert.equal(byName['n-ok'].status, 'stale');
    assert.match(byName['n-ok'].problem, /^last report \d+s ago \(verdict then: ok\)$/);
    for (const v of ['install', 'reboot', 'unknown'])
      assert.equal(byName[`n-${v}`].status, v, 'kept fresh by heartbeats');
    const table = await fleet('--stale-after', '6s');
    assert.match(table.stdout, /^n-ok +3\.10\.0-1160\.el7\.x86_64 .* stale \(ok\) +no +\d+s$/m);

    // the restarted agent reads its Node (one GET), finds the same report, and only confirms it
    const before = await nodeRequests();
    const again = start('ok', ok.root);
    await again.ready;
    await sleep(HEARTBEAT);
    const requests = difference(await nodeRequests(), before);
    assert.equal(requests.get('GET nodes 200'), 1, JSON.stringify([...requests]));
    assert.equal(requests.get('PATCH nodes 200'), undefined, JSON.stringify([...requests]));
    assert.equal(
      again.lines.find((l) => l.startsWith('node n-ok: ')),
      'node n-ok: ok (heartbeat)',
    );
    const fresh = JSON.parse((await fleet('--stale-after', '6s', '--json')).stdout);
    assert.equal(fresh.nodes.find((n: { node: string }) => n.node === 'n-ok').status, 'ok');
  });
});
