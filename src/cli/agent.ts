// nokmem agent: its options (src/commands/agent.ts runs it).

import type { AgentCliOptions } from '../commands/agent.js';
import { CADENCE } from '../node/cadence.js';
import { defineCommand } from './command.js';

export const agent = defineCommand({
  define: (program) =>
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
      .option('--once', 'look once, publish, print the metrics and exit'),
  args: (options: AgentCliOptions) => options,
  load: () => import('../commands/agent.js'),
});
