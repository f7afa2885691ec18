// The API load of real agents (scripts/bench-fleet.ts, part 2): `nokmem agent` processes from the node side's bundle
// (as the doctor's image runs them), each on its own hand-made node root and Node object, authenticated as the
// manifest's ServiceAccount (deploy/base/rbac.yaml applied), writing by their own rule (on a change, the condition
// alone on a heartbeat). One agent in ten sees its facts change every 5 periods (a kubelet exhaustion error appended
// to its log); the rest never change. Measured over a window: the requests the API server counted
// (apiserver_request_total), the bytes through a counting proxy in front of it, the agents' CPU and memory (/proc);
// scaled to 5,000 agents at the real period and heartbeat.

import { appendFile, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { NodeVerdict } from '../../src/node/report.ts';
import {
  type AgentProcess,
  EXHAUSTION_LINE,
  nodeSideBundle,
  scenarioRoot,
  startAgent,
} from '../../test/helpers/agents.ts';
import type { ApiServer } from '../../test/helpers/apiserver.ts';
import { countingProxy } from './counting-proxy.ts';
import { difference, requestsOf } from '../../test/helpers/apiserver-metrics.ts';

export interface LoadOptions {
  agents: number;
  windowSeconds: number;
  periodSeconds: number;
  heartbeatSeconds: number;
  realPeriodSeconds: number;
  realHeartbeatSeconds: number;
  /** The name of Node i (the seeded ones). */
  name(i: number): string;
}

const ROOT = path.resolve(import.meta.dirname, '../..');
const kb = (b: number) => `${(b / 1024).toFixed(1)} KiB`;

/** CPU time (ms) and resident memory (KiB) of a process, from /proc. */
async function usage(pid: number): Promise<{ cpuMs: number; rssKiB: number }> {
  const stat = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]!.split(' ');
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return {
    cpuMs: (Number(stat[11]) + Number(stat[12])) * 10,
    rssKiB: Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0),
  };
}

async function total(agents: AgentProcess[]): Promise<{ cpuMs: number; rssKiB: number }> {
  const all = await Promise.all(agents.map((a) => usage(a.process.pid!)));
  return all.reduce((t, u) => ({ cpuMs: t.cpuMs + u.cpuMs, rssKiB: t.rssKiB + u.rssKiB }), { cpuMs: 0, rssKiB: 0 });
}

export async function agentLoad(server: ApiServer, o: LoadOptions): Promise<void> {
  console.log(
    `\n== API load of ${o.agents} real agents (nokmem agent, the node side's bundle), ${o.windowSeconds} s window`,
  );
  const base = path.join(ROOT, 'deploy/base');
  const rbac = await server.kubectl(['apply', '-f', `${base}/namespace.yaml`, '-f', `${base}/rbac.yaml`]);
  if (rbac.exitCode !== 0) throw new Error(rbac.stderr);
  const sa = await server.serviceAccount('nokmem', 'nokmem-agent');
  const proxy = await countingProxy(new URL(server.url));
  const kubeconfig = await server.kubeconfigVia(proxy.url, sa.kubeconfig);
  const bundle = await nodeSideBundle();
  const mix: NodeVerdict[] = ['ok', 'ok', 'install', 'ok', 'reboot'];
  const agents: AgentProcess[] = [];
  let changer: NodeJS.Timeout | undefined;
  try {
    const started = performance.now();
    for (let i = 0; i < o.agents; i++)
      agents.push(
        startAgent({
          cli: bundle.cli,
          node: o.name(i),
          root: await scenarioRoot(mix[i % mix.length]!),
          kubeconfig,
          intervalSeconds: o.periodSeconds,
          heartbeatSeconds: o.heartbeatSeconds,
        }),
      );
    await Promise.all(agents.map((a) => a.ready));
    const startup = await total(agents);
    console.log(
      `  ${o.agents} agents started and wrote their first report in ${((performance.now() - started) / 1000).toFixed(1)} s ` +
        `(CPU ${(startup.cpuMs / o.agents).toFixed(0)} ms each; resident memory ${(startup.rssKiB / 1024 / o.agents).toFixed(0)} MiB each, ` +
        `${(startup.rssKiB / 1024 / 1024).toFixed(1)} GiB in all)`,
    );
    const changing = agents.filter((_, i) => i % 10 === 0);
    changer = setInterval(
      () => void Promise.all(changing.map((a) => appendFile(path.join(a.root, 'var/log/messages'), EXHAUSTION_LINE))),
      5 * o.periodSeconds * 1000,
    );
    const before = {
      requests: requestsOf(await server.metrics(), 'nodes'),
      bytes: proxy.counts(),
      usage: await total(agents),
      at: performance.now(),
    };
    await new Promise((resolve) => setTimeout(resolve, o.windowSeconds * 1000));
    const after = {
      requests: requestsOf(await server.metrics(), 'nodes'),
      bytes: proxy.counts(),
      usage: await total(agents),
      at: performance.now(),
    };
    const seconds = (after.at - before.at) / 1000;
    const requests = difference(after.requests, before.requests);
    const all = [...requests.values()].reduce((a, b) => a + b, 0);
    const toServer = after.bytes.toServer - before.bytes.toServer;
    const fromServer = after.bytes.fromServer - before.bytes.fromServer;
    const connections = after.bytes.connections - before.bytes.connections;
    const periods = seconds / o.periodSeconds;
    console.log(
      `  measured over ${seconds.toFixed(1)} s = ${periods.toFixed(1)} periods of ${o.periodSeconds} s (heartbeat ${o.heartbeatSeconds} s):`,
    );
    for (const [kind, n] of [...requests].sort()) console.log(`    ${kind}: ${n}`);
    console.log(
      `    ${all} requests in ${connections} TLS connections; the API server received ${kb(toServer)} ` +
        `(${(toServer / Math.max(all, 1)).toFixed(0)} B a request) and sent ${kb(fromServer)}`,
    );
    console.log(
      `    per agent: ${(all / o.agents / periods).toFixed(2)} requests a period, ${kb(toServer / o.agents / periods)} received a period; ` +
        `CPU ${((after.usage.cpuMs - before.usage.cpuMs) / o.agents / periods).toFixed(1)} ms a period (the doctor, and a write when one is due)`,
    );
    if (o.realHeartbeatSeconds / o.realPeriodSeconds !== o.heartbeatSeconds / o.periodSeconds)
      console.log(
        '    (warning: the real heartbeat/period ratio differs from the measured one; the scaling below is off)',
      );
    const scale = 5000 / o.agents / seconds / (o.realPeriodSeconds / o.periodSeconds);
    console.log(
      `  scaled to 5,000 agents at a ${o.realPeriodSeconds} s period and ${o.realHeartbeatSeconds} s heartbeat: ` +
        `${(all * scale).toFixed(1)} requests/s, ${kb(toServer * scale)}/s received, ${kb(fromServer * scale)}/s sent ` +
        `(for comparison, 5,000 kubelets renew their Lease every 10 s: 500 requests/s)`,
    );
  } finally {
    if (changer) clearInterval(changer);
    await Promise.all(agents.map((a) => a.stop()));
    await Promise.all(agents.map((a) => rm(a.root, { recursive: true, force: true })));
    await proxy.close();
    await bundle.cleanup();
  }
}
