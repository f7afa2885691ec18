// nokmem agent: runs on every node (deploy/, a DaemonSet) and publishes the doctor's report every few minutes:
// the Node's label, annotation and condition (written on change and on a heartbeat), Prometheus metrics on
// /metrics, and, opted in with --kured-sentinel-dir, kured's sentinel when the node needs a reboot.

import path from 'node:path';
import type { Command } from 'commander';
import { InputError, UsageError } from '../errors.js';
import { consoleLogger } from '../log.js';
import { Agent } from '../node/agent/agent.js';
import { kubeConfig, kubeNodeClient } from '../node/agent/kube-client.js';
import { NodeWriter, systemClock } from '../node/agent/node-writer.js';
import { serveMetrics } from '../node/agent/server.js';
import { loadPlacer } from '../node/doctor.js';
import { CADENCE } from '../node/node-object.js';
import type { CliEnv } from './shared.js';

interface AgentCliOptions {
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

export function register(program: Command, env: CliEnv): void {
  program
    .command('agent')
    .description(
      "publish this node's doctor report on its Node object (label, annotation, condition) and on /metrics, every few minutes",
    )
    .option('--root <dir>', "the node's root (/host in the DaemonSet)", '/')
    .option('--node <name>', 'the Node object to write (default: $NODE_NAME)')
    .option('--interval <seconds>', 'how often to look at the node', String(CADENCE.periodSeconds))
    .option(
      '--heartbeat <seconds>',
      "confirm an unchanged report this often (the condition's lastHeartbeatTime alone)",
      String(CADENCE.heartbeatSeconds),
    )
    .option('--listen <host:port>', 'where to serve /metrics and /healthz', '0.0.0.0:9717')
    .option('--kubeconfig <file>', 'the API server and credentials (default: in-cluster, or $KUBECONFIG)')
    .option(
      '--kured-sentinel-dir <dir>',
      "opt in to kured: raise this directory's reboot-required when a reboot is due",
    )
    .option('--once', 'look once, publish, print the metrics and exit')
    .action(async (options: AgentCliOptions) => {
      const node = options.node ?? env.vars.NODE_NAME;
      if (!node) throw new UsageError('say which Node this is: --node NAME, or NODE_NAME (the downward API)');
      const interval = seconds(options.interval, '--interval') * 1000;
      const heartbeat = seconds(options.heartbeat, '--heartbeat') * 1000;
      const [host, port] = [options.listen.replace(/:\d+$/, ''), Number(/:(\d+)$/.exec(options.listen)?.[1])];
      if (!Number.isInteger(port))
        throw new UsageError(`--listen ${options.listen}: give host:port, e.g. 0.0.0.0:9717`);
      const root = path.resolve(options.root);
      const log = consoleLogger();
      let config;
      try {
        config = kubeConfig(options.kubeconfig);
      } catch (error) {
        throw new InputError(
          `no API server to write to (${error instanceof Error ? error.message : String(error)}); run in the cluster or give --kubeconfig`,
          1,
          { cause: error },
        );
      }
      const writer = new NodeWriter(node, kubeNodeClient(config), systemClock, heartbeat);
      const agent = new Agent({
        root,
        node,
        place: await loadPlacer(),
        writer,
        clock: systemClock,
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
    });
}
