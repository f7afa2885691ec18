// nokmem fleet: every node's report, as the agent left it on the Node objects, in one table worst first; the
// exit status is the worst node's (the doctor's codes). Read-only: it only lists nodes.

import os from 'node:os';
import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { countByStatus, fleetExitCode, fleetRows, formatAge, parseDuration } from '../node/fleet.js';
import { formatFleetTable } from '../node/fleet-table.js';
import { CADENCE } from '../node/node-object.js';
import { type CliEnv, writeJson } from './shared.js';

interface FleetOptions {
  kubeconfig?: string;
  context?: string;
  json?: boolean;
  staleAfter: string;
  pageSize: string;
  timeout: string;
}

export function register(program: Command, env: CliEnv): void {
  program
    .command('fleet')
    .description(
      'every node at a glance, from the reports the nokmem agent writes on the Node objects, worst first; ' +
        'exit 0 ok, 1 install, 2 reboot, 3 unknown, stale or no report (also when the cluster cannot be read)',
    )
    .option('--kubeconfig <file>', 'the kubeconfig (default: KUBECONFIG, else ~/.kube/config)')
    .option('--context <name>', 'the kubeconfig context (default: its current context)')
    .option(
      '--stale-after <duration>',
      `a report neither made nor confirmed for this long is stale (s, m or h; the agent confirms every ${formatAge(CADENCE.heartbeatSeconds)})`,
      formatAge(CADENCE.staleAfterSeconds),
    )
    .option('--page-size <n>', 'nodes per list request (limit + continue)', '500')
    .option('--timeout <duration>', 'how long one list request may take', '30s')
    .option('--json', 'print the fleet as JSON on stdout')
    .action(async (options: FleetOptions) => {
      const staleAfter = parseDuration(options.staleAfter);
      if (staleAfter === undefined || staleAfter <= 0)
        throw new UsageError(
          `--stale-after ${JSON.stringify(options.staleAfter)} is not a duration like 15m, 900s or 1h`,
        );
      const timeout = parseDuration(options.timeout);
      if (timeout === undefined || timeout <= 0)
        throw new UsageError(`--timeout ${JSON.stringify(options.timeout)} is not a duration like 30s or 2m`);
      const pageSize = Number(options.pageSize);
      if (!Number.isInteger(pageSize) || pageSize < 1)
        throw new UsageError(`--page-size ${JSON.stringify(options.pageSize)} is not a whole number above 0`);
      // the client library takes a second to load: only this command pays for it
      const { kubeconfigSource, listNodes, loadCluster } = await import('../node/cluster.js');
      const cluster = loadCluster(
        kubeconfigSource(options.kubeconfig, env.vars.KUBECONFIG, env.vars.HOME ?? os.homedir(), options.context),
      );
      const nodes = await listNodes(cluster, { pageSize, timeoutMs: timeout * 1000 });
      const now = new Date();
      const rows = fleetRows(nodes, now, staleAfter);
      env.exitCode = fleetExitCode(rows);
      if (options.json)
        writeJson(env, {
          context: cluster.context,
          server: cluster.server,
          time: now.toISOString(),
          staleAfterSeconds: staleAfter,
          exitCode: env.exitCode,
          counts: countByStatus(rows),
          nodes: rows,
        });
      else env.out(formatFleetTable(rows, now));
    });
}
