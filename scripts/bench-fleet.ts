// Benchmark of the node side against a real API server (kube-apiserver v1.20.2 on Debian's etcd, as the tests
// start it): prints figures, asserts nothing.
//   1. table: `nokmem fleet` over --nodes Node objects (default 5,000), each a realistic registered node carrying
//      a report; the CLI's wall and CPU time, started with tsx and compiled to one JavaScript file (esbuild), and
//      where it goes (the API server's LIST time from its own metrics, the list by page size, the table);
//   2. load: --agents real agent processes (default 100; `nokmem agent` from the node side's bundle, as the image
//      runs it, each on a hand-made node root) writing their reports for --window seconds at a short --period and
//      --heartbeat; the requests the API server counted (apiserver_request_total) and the bytes it received and
//      sent (a counting TCP proxy in front of it, TLS included), scaled to 5,000 agents at the real periods
//      (--real-period, --real-heartbeat): scripts/bench/agent-load.ts.
// Usage: npx tsx scripts/bench-fleet.ts [--only table|load] [--nodes N] [--agents N] [--window S]

import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { build } from 'esbuild';
import { execa } from 'execa';
import { listNodes, loadCluster } from '../src/node/cluster.ts';
import { formatFleetTable } from '../src/node/fleet-table.ts';
import { fleetRows } from '../src/node/fleet.ts';
import { CADENCE } from '../src/node/node-object.ts';
import type { NodeVerdict } from '../src/node/report.ts';
import { type ApiServer, startApiServer } from '../test/helpers/apiserver.ts';
import { registeredNode, reportedNode, sampleReport } from '../test/helpers/node-objects.ts';
import { agentLoad } from './bench/agent-load.ts';
import { sum } from '../test/helpers/apiserver-metrics.ts';

const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    nodes: { type: 'string', default: '5000' },
    agents: { type: 'string', default: '100' },
    window: { type: 'string', default: '80' },
    period: { type: 'string', default: '4' },
    heartbeat: { type: 'string', default: '8' },
    'real-period': { type: 'string', default: '300' },
    'real-heartbeat': { type: 'string', default: '600' },
  },
});
const ROOT = path.resolve(import.meta.dirname, '..');
const CLI = path.join(ROOT, 'src/cli.ts');
const ms = (t: number) => `${Math.round(t)} ms`;
const kb = (b: number) => `${(b / 1024).toFixed(1)} KiB`;
const name = (i: number) => `node-${String(i).padStart(5, '0')}`;

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
  // the CLI as it is started today (tsx compiles the TypeScript at start) and compiled to one JavaScript file
  // (esbuild, as the doctor's image is made): what a CLI compiled to JavaScript would cost
  const dir = await mkdtemp(path.join(os.tmpdir(), 'nokmem-bench-cli-'));
  // laid out as the project is: dist/ beside package.json (the version) and specs/
  const bundled = path.join(dir, 'dist/nokmem.mjs');
  await cp(path.join(ROOT, 'package.json'), path.join(dir, 'package.json'));
  await cp(path.join(ROOT, 'specs'), path.join(dir, 'specs'), { recursive: true });
  await build({
    entryPoints: [CLI],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile: bundled,
    logLevel: 'warning',
    banner: { js: "import { createRequire as __r } from 'node:module'; const require = __r(import.meta.url);" },
  });
  const timed = async (command: string[], args: string[]) => {
    const s0 = await serverCpu();
    const t = performance.now();
    const r = await execa('bash', ['-c', 'TIMEFORMAT="%U %S"; time "$@" >/dev/null', 'bash', ...command, ...args], {
      reject: false,
    });
    const wall = performance.now() - t;
    const lines = r.stderr.trim().split('\n');
    const [user, sys] = (lines.pop() ?? '0 0').split(' ').map(Number);
    if (![0, 1, 2, 3].includes(r.exitCode ?? -1) || lines.some((l) => l.startsWith('nokmem: error')))
      throw new Error(`${[...command, ...args].join(' ')} failed (${r.exitCode}):\n${lines.join('\n')}`);
    return { wall, cli: ((user ?? 0) + (sys ?? 0)) * 1000, server: (await serverCpu()) - s0, exitCode: r.exitCode };
  };
  try {
    for (const [variant, command] of [
      ['with tsx', ['node', '--import', 'tsx', CLI]],
      ['compiled (esbuild bundle)', ['node', bundled]],
    ] as const)
      for (const [what, args] of [
        ['--version', ['--version']],
        ['table', ['fleet', '--kubeconfig', server.kubeconfig]],
        ['table', ['fleet', '--kubeconfig', server.kubeconfig]],
        ['table', ['fleet', '--kubeconfig', server.kubeconfig]],
        ['--json', ['fleet', '--json', '--kubeconfig', server.kubeconfig]],
      ] as const) {
        const r = await timed([...command], [...args]);
        console.log(
          `  the CLI ${variant}, ${what}: ${ms(r.wall)} wall; CPU: the CLI ${ms(r.cli)}, the API server and etcd ` +
            `${ms(r.server)} (exit ${r.exitCode})`,
        );
      }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  for (const pageSize of [250, 500, 1000, 5000]) {
    const before = await server.metrics();
    const cluster = loadCluster({ files: [server.kubeconfig], origin: '--kubeconfig' });
    const s0 = await serverCpu();
    const cpu = process.cpuUsage();
    const a = performance.now();
    const nodes = await listNodes(cluster, { pageSize, timeoutMs: 60_000 });
    const b = performance.now();
    const used = process.cpuUsage(cpu);
    const serverUsed = (await serverCpu()) - s0;
    const rows = fleetRows(nodes, new Date(), CADENCE.staleAfterSeconds);
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

const server = await startApiServer({ name: 'bench' });
try {
  const t = performance.now();
  console.log(`API server up (kube-apiserver v1.20.2, etcd 3.4) at ${server.url}`);
  const nodes = values.only === 'load' ? Math.max(Number(values.agents), 1) : Number(values.nodes);
  await seed(server, nodes);
  if (values.only !== 'load') await table(server);
  if (values.only !== 'table')
    await agentLoad(server, {
      agents: Number(values.agents),
      windowSeconds: Number(values.window),
      periodSeconds: Number(values.period),
      heartbeatSeconds: Number(values.heartbeat),
      realPeriodSeconds: Number(values['real-period']),
      realHeartbeatSeconds: Number(values['real-heartbeat']),
      name,
    });
  console.log(`\n(benchmark ${((performance.now() - t) / 1000).toFixed(0)} s)`);
} finally {
  await server.stop();
}
