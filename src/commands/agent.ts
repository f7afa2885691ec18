// nokmem agent: runs on every node (deploy/, a DaemonSet) and publishes the doctor's report every few minutes:
// the Node's label, annotation and condition (written on change and on a heartbeat), Prometheus metrics on
// /metrics, and, opted in with --kured-sentinel-dir, kured's sentinel when the node needs a reboot. Its options:
// src/cli/agent.ts.

import path from 'node:path';
import { InputError, UsageError } from '../errors.js';
import { Agent } from '../node/agent/agent.js';
import { NodeWriter } from '../node/agent/node-writer.js';
import { serveMetrics } from '../node/agent/server.js';
import { loadPlacer } from '../node/doctor.js';
import type { CommandDeps } from './deps.js';

export interface AgentCliOptions {
  root: string;
  node?: string;
  interval: string;
  heartbeat: string;
  listen: string;
  kubeconfig?: string;
  kuredSentinelDir?: string;
  once?: boolean;
}

function seconds(value: string, option: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${option} ${value}: give a number of seconds, e.g. 300`);
  return n;
}

export async function run(options: AgentCliOptions, deps: CommandDeps): Promise<void> {
  const { env, clock } = deps;
  const node = options.node ?? env.vars.NODE_NAME;
  if (!node) throw new UsageError('say which Node this is: --node NAME, or NODE_NAME (the downward API)');
  const interval = seconds(options.interval, '--interval') * 1000;
  const heartbeat = seconds(options.heartbeat, '--heartbeat') * 1000;
  const [host, port] = [options.listen.replace(/:\d+$/, ''), Number(/:(\d+)$/.exec(options.listen)?.[1])];
  if (!Number.isInteger(port)) throw new UsageError(`--listen ${options.listen}: give host:port, e.g. 0.0.0.0:9717`);
  const root = path.resolve(options.root);
  const log = deps.logger();
  let client;
  try {
    client = await deps.kube.nodeClient(options.kubeconfig);
  } catch (error) {
    throw new InputError(
      `no API server to write to (${error instanceof Error ? error.message : String(error)}); run in the cluster or give --kubeconfig`,
      1,
      { cause: error },
    );
  }
  const writer = new NodeWriter(node, client, clock, heartbeat);
  const agent = new Agent({
    root,
    node,
    place: await loadPlacer(),
    writer,
    clock,
    log,
    kuredDir: options.kuredSentinelDir && path.resolve(options.kuredSentinelDir),
  });
  await agent.start();
  if (options.once) {
    const tick = await agent.tick();
    env.out(agent.metrics);
    if (tick.write.error) throw tick.write.error;
    return;
  }
  const server = await serveMetrics(agent, { host, port }, 3 * interval);
  log.info(`nokmem agent for node ${node}: /metrics on ${host}:${server.port}, every ${interval / 1000}s`);
  for (;;) {
    const tick = await agent.tick().catch((error: unknown) => {
      log.info(`looking at the node failed: ${error instanceof Error ? error.message : String(error)}`);
      return undefined;
    });
    if (tick?.write.wrote) log.info(`node ${node}: ${tick.report.verdict} (${tick.write.why})`);
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
}
