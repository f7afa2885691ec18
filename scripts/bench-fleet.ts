// Benchmark of the node side against a real API server (kube-apiserver v1.20.2 on Debian's etcd, as the tests
// start it): prints figures, asserts nothing.
//   1. table: `nokmem fleet` over --nodes Node objects (default 5,000), each a realistic registered node carrying
//      a report; the CLI's wall time, and where it goes (the API server's LIST time from its own metrics, the
//      client library, the table);
//   2. load: --agents agent processes (default 100) writing their reports by the write-on-change-plus-heartbeat
//      rule for --window seconds; the requests the API server counted (apiserver_request_total) and the bytes it
//      received and sent (a counting TCP proxy in front of it, TLS included), scaled to 5,000 agents at the real
//      periods (--real-period, --real-heartbeat). The agent is scripts/bench/agent-standin.ts until the real
//      agent replaces it in agentCommand() below.
// Usage: npx tsx scripts/bench-fleet.ts [--only table|load] [--nodes N] [--agents N] [--window S]

import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { type ResultPromise, execa } from 'execa';
import { listNodes, loadCluster } from '../src/node/cluster.ts';
import { formatFleetTable } from '../src/node/fleet-table.ts';
import { fleetRows } from '../src/node/fleet.ts';
import type { NodeVerdict } from '../src/node/report.ts';
import { type ApiServer, startApiServer } from '../test/helpers/apiserver.ts';
import { registeredNode, reportedNode, sampleReport } from '../test/helpers/node-objects.ts';
import { countingProxy } from './bench/counting-proxy.ts';
import { difference, requestsOf, sum } from './bench/metrics.ts';

const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    nodes: { type: 'string', default: '5000' },
    agents: { type: 'string', default: '100' },
    window: { type: 'string', default: '40' },
    period: { type: 'string', default: '2' },
    heartbeat: { type: 'string', default: '4' },
    'real-period': { type: 'string', default: '300' },
    'real-heartbeat': { type: 'string', default: '600' },
  },
});
const ROOT = path.resolve(import.meta.dirname, '..');
const CLI = path.join(ROOT, 'src/cli.ts');
const ms = (t: number) => `${Math.round(t)} ms`;
const kb = (b: number) => `${(b / 1024).toFixed(1)} KiB`;
const name = (i: number) => `node-${String(i).padStart(5, '0')}`;

/** The command of agent i: the stand-in now; the real agent (`nokmem agent ...`) can take its place here. */
function agentCommand(i: number, kubeconfig: string, durationS: number): string[] {
  return [
    'node',
    '--import',
    'tsx',
    path.join(ROOT, 'scripts/bench/agent-standin.ts'),
    `--kubeconfig=${kubeconfig}`,
    `--node=${name(i)}`,
    `--period=${values.period}`,
    `--heartbeat=${values.heartbeat}`,
    `--duration=${durationS}`,
    // one agent in ten sees its facts change every 5 periods (exhaustion errors counted); the rest never do
    `--change-every=${i % 10 === 0 ? 5 : 0}`,
    `--verdict=${(['ok', 'ok', 'install', 'ok', 'reboot'] as const)[i % 5]}`,
  ];
}

/** The verdict mix of a fleet mid-rollout: most ok, some to install or reboot, a few unknown, stale or silent. */
function verdictOf(i: number): NodeVerdict | 'stale' | 'none' {
  const r = (i * 7919) % 100;
  return r < 70 ? 'ok' : r < 85 ? 'install' : r < 90 ? 'reboot' : r < 95 ? 'unknown' : r < 98 ? 'stale' : 'none';
}

async function seed(server: ApiServer, count: number): Promise<void> {
  const config = new KubeConfig();
  config.loadFromFile(server.kubeconfig);
  const api = config.makeApiClient(CoreV1Api);
  const started = performance.now();
  let next = 0;
  let bytes = 0;
  let reportBytes = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const v = verdictOf(i);
      const made = new Date(Date.now() - (v === 'stale' ? 2 * 3600_000 : (i % 240) * 1000));
      const body =
        v === 'none'
          ? registeredNode(name(i), i)
          : reportedNode(name(i), i, sampleReport(v === 'stale' ? 'ok' : v, made), made);
      bytes += JSON.stringify(body).length;
      reportBytes += body.metadata?.annotations?.['nokmem.io/report']?.length ?? 0;
      await api.createNode({ body });
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  console.log(
    `seeded ${count} Node objects in ${((performance.now() - started) / 1000).toFixed(1)} s: ` +
      `${kb(bytes / count)} of JSON each, of which the report ${kb(reportBytes / count)}`,
  );
}

async function table(server: ApiServer): Promise<void> {
  console.log('\n== nokmem fleet over', values.nodes, 'nodes');
  // Wall time on a shared machine says little; CPU time says what an idle one would take: the CLI's (bash's
  // `time`, children included) and the API server's and etcd's (/proc) during the run.
  const serverCpu = async () => {
    let ticks = 0;
    for (const pid of [server.pids.apiserver, server.pids.etcd]) {
      const stat = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]!.split(' ');
      ticks += Number(stat[11]) + Number(stat[12]);
    }
    return (ticks * 1000) / 100;
  };
  const timed = async (args: string[]) => {
    const s0 = await serverCpu();
    const t = performance.now();
    const r = await execa(
      'bash',
      ['-c', 'TIMEFORMAT="%U %S"; time "$@" >/dev/null', 'bash', 'node', '--import', 'tsx', CLI, ...args],
      {
        reject: false,
      },
    );
    const wall = performance.now() - t;
    const [user, sys] = (r.stderr.trim().split('\n').pop() ?? '0 0').split(' ').map(Number);
    return { wall, cli: ((user ?? 0) + (sys ?? 0)) * 1000, server: (await serverCpu()) - s0, exitCode: r.exitCode };
  };
  for (const [what, args] of [
    ['--version', ['--version']],
    ['table', ['fleet', '--kubeconfig', server.kubeconfig]],
    ['table', ['fleet', '--kubeconfig', server.kubeconfig]],
    ['table', ['fleet', '--kubeconfig', server.kubeconfig]],
    ['--json', ['fleet', '--json', '--kubeconfig', server.kubeconfig]],
  ] as const) {
    const r = await timed([...args]);
    console.log(
      `  the CLI, ${what}: ${ms(r.wall)} wall; CPU: the CLI ${ms(r.cli)}, the API server and etcd ${ms(r.server)} ` +
        `(exit ${r.exitCode})`,
    );
  }
  for (const pageSize of [500, 5000]) {
    const before = await server.metrics();
    const cluster = loadCluster({ files: [server.kubeconfig], origin: '--kubeconfig' });
    const s0 = await serverCpu();
    const cpu = process.cpuUsage();
    const a = performance.now();
    const nodes = await listNodes(cluster, { pageSize, timeoutMs: 60_000 });
    const b = performance.now();
    const used = process.cpuUsage(cpu);
    const serverUsed = (await serverCpu()) - s0;
    const rows = fleetRows(nodes, new Date(), 900);
    const c = performance.now();
    formatFleetTable(rows, new Date());
    const d = performance.now();
    const after = await server.metrics();
    const match = { verb: 'LIST', resource: 'nodes' };
    const serverS =
      sum(after, 'apiserver_request_duration_seconds_sum', match) -
      sum(before, 'apiserver_request_duration_seconds_sum', match);
    const pages =
      sum(after, 'apiserver_request_duration_seconds_count', match) -
      sum(before, 'apiserver_request_duration_seconds_count', match);
    const sent = sum(after, 'apiserver_response_sizes_sum', match) - sum(before, 'apiserver_response_sizes_sum', match);
    console.log(
      `  in process, --page-size ${pageSize}: list ${ms(b - a)} (${pages} requests, ${kb(sent)} of gzipped JSON; ` +
        `the API server spent ${ms(serverS * 1000)} on them; CPU: the client ${ms((used.user + used.system) / 1000)}, ` +
        `the API server and etcd ${ms(serverUsed)}), ` +
        `rows ${ms(c - b)}, table ${ms(d - c)}`,
    );
  }
}

async function load(server: ApiServer): Promise<void> {
  const agents = Number(values.agents);
  const window = Number(values.window);
  console.log(`\n== API load of ${agents} agents (${path.basename(agentCommand(0, '', 0)[3]!)}), ${window} s window`);
  for (const args of [
    ['create', 'namespace', 'nokmem'],
    ['create', 'clusterrole', 'nokmem-agent', '--verb=get,patch', '--resource=nodes,nodes/status'],
    [
      'create',
      'clusterrolebinding',
      'nokmem-agent',
      '--clusterrole=nokmem-agent',
      '--serviceaccount=nokmem:nokmem-agent',
    ],
  ]) {
    const r = await server.kubectl(args);
    if (r.exitCode !== 0 && !/AlreadyExists/.test(r.stderr)) throw new Error(r.stderr);
  }
  const sa = await server.serviceAccount('nokmem', 'nokmem-agent');
  const proxy = await countingProxy(new URL(server.url));
  const kubeconfig = await server.kubeconfigVia(proxy.url, sa.kubeconfig);
  const started = performance.now();
  const processes: ResultPromise[] = [];
  const ready: Promise<void>[] = [];
  for (let i = 0; i < agents; i++) {
    const [file, ...args] = agentCommand(i, kubeconfig, window + 600);
    const p = execa(file!, args, { cwd: ROOT, reject: false, buffer: false, stdout: 'pipe', stderr: 'inherit' });
    processes.push(p);
    ready.push(
      new Promise((resolve, reject) => {
        p.stdout?.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
        void p.then((r) => reject(new Error(`agent ${i} exited (${r.exitCode}) before its first write`)));
      }),
    );
  }
  await Promise.all(ready);
  console.log(
    `  ${agents} agents started and wrote their first report in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  const before = {
    requests: requestsOf(await server.metrics(), 'nodes'),
    bytes: proxy.counts(),
    at: performance.now(),
  };
  await new Promise((resolve) => setTimeout(resolve, window * 1000));
  const after = { requests: requestsOf(await server.metrics(), 'nodes'), bytes: proxy.counts(), at: performance.now() };
  for (const p of processes) p.kill('SIGTERM');
  await Promise.all(processes);
  await proxy.close();
  const seconds = (after.at - before.at) / 1000;
  const requests = difference(after.requests, before.requests);
  const total = [...requests.values()].reduce((a, b) => a + b, 0);
  const toServer = after.bytes.toServer - before.bytes.toServer;
  const fromServer = after.bytes.fromServer - before.bytes.fromServer;
  const connections = after.bytes.connections - before.bytes.connections;
  const periods = seconds / Number(values.period);
  console.log(
    `  measured over ${seconds.toFixed(1)} s = ${periods.toFixed(1)} periods of ${values.period} s (heartbeat ${values.heartbeat} s):`,
  );
  for (const [kind, n] of [...requests].sort()) console.log(`    ${kind}: ${n}`);
  console.log(
    `    ${total} requests in ${connections} TLS connections; the API server received ${kb(toServer)} ` +
      `(${(toServer / Math.max(total, 1)).toFixed(0)} B a request) and sent ${kb(fromServer)}`,
  );
  const perAgentPerPeriod = total / agents / periods;
  console.log(
    `    per agent: ${perAgentPerPeriod.toFixed(2)} requests a period, ${kb(toServer / agents / periods)} received a period`,
  );
  const factor = Number(values['real-period']) / Number(values.period);
  if (
    Number(values['real-heartbeat']) / Number(values['real-period']) !==
    Number(values.heartbeat) / Number(values.period)
  )
    console.log(
      '    (warning: the real heartbeat/period ratio differs from the measured one; the scaling below is off)',
    );
  const scale = 5000 / agents / seconds / factor;
  console.log(
    `  scaled to 5,000 agents at a ${values['real-period']} s period and ${values['real-heartbeat']} s heartbeat: ` +
      `${(total * scale).toFixed(1)} requests/s, ${kb(toServer * scale)}/s received, ${kb(fromServer * scale)}/s sent ` +
      `(for comparison, 5,000 kubelets renew their Lease every 10 s: 500 requests/s)`,
  );
}

const server = await startApiServer({ name: 'bench' });
try {
  const t = performance.now();
  console.log(`API server up (kube-apiserver v1.20.2, etcd 3.4) at ${server.url}`);
  const nodes = values.only === 'load' ? Math.max(Number(values.agents), 1) : Number(values.nodes);
  await seed(server, nodes);
  if (values.only !== 'load') await table(server);
  if (values.only !== 'table') await load(server);
  console.log(`\n(benchmark ${((performance.now() - t) / 1000).toFixed(0)} s)`);
} finally {
  await server.stop();
}
