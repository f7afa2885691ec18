// nokmem fleet: every node's report, as the agent left it on the Node objects, in one table worst first; the
// exit status is the worst node's (the doctor's codes). Read-only: it only lists nodes. Its options:
// src/cli/fleet.ts.

import os from 'node:os';
import { UsageError } from '../errors.js';
import { parseDuration } from '../node/cadence.js';
import { countByStatus, fleetExitCode, fleetRows } from '../node/fleet.js';
import { formatFleetTable } from '../node/fleet-table.js';
import { kubeconfigSource } from '../node/kubeconfig.js';
import type { CommandDeps } from './deps.js';
import { writeJson } from './output.js';

export interface FleetOptions {
  kubeconfig?: string;
  context?: string;
  json?: boolean;
  staleAfter: string;
  pageSize: string;
  timeout: string;
}

export async function run(options: FleetOptions, deps: CommandDeps): Promise<void> {
  const { env } = deps;
  const staleAfter = parseDuration(options.staleAfter);
  if (staleAfter === undefined || staleAfter <= 0)
    throw new UsageError(`--stale-after ${JSON.stringify(options.staleAfter)} is not a duration like 15m, 900s or 1h`);
  const timeout = parseDuration(options.timeout);
  if (timeout === undefined || timeout <= 0)
    throw new UsageError(`--timeout ${JSON.stringify(options.timeout)} is not a duration like 30s or 2m`);
  const pageSize = Number(options.pageSize);
  if (!Number.isInteger(pageSize) || pageSize < 1)
    throw new UsageError(`--page-size ${JSON.stringify(options.pageSize)} is not a whole number above 0`);
  // the client library is loaded only now, once the arguments are good
  const cluster = await deps.kube.readFleet(
    kubeconfigSource(options.kubeconfig, env.vars.KUBECONFIG, env.vars.HOME ?? os.homedir(), options.context),
    { pageSize, timeoutMs: timeout * 1000 },
  );
  const { nodes } = cluster;
  const now = deps.clock.now();
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
}
