// nokmem fleet: its options (src/commands/fleet.ts runs it).

import type { FleetOptions } from '../commands/fleet.js';
import { CADENCE, formatAge } from '../node/cadence.js';
import { defineCommand } from './command.js';

export const fleet = defineCommand({
  define: (program) =>
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
      .option('--json', 'print the fleet as JSON on stdout'),
  args: (options: FleetOptions) => options,
  load: () => import('../commands/fleet.js'),
});
