// nokmem doctor: its options (src/commands/doctor.ts runs it).

import os from 'node:os';
import type { DoctorOptions } from '../commands/doctor.js';
import { defineCommand } from './command.js';

export const doctor = defineCommand({
  define: (program) =>
    program
      .command('doctor')
      .description(
        'is this node affected, and are its kubelet and runc fixed? read-only, runs nothing it inspects; exit 0 ok, 1 install, 2 reboot, 3 unknown',
      )
      .option('--root <dir>', "the node's root: / on the node, /host in the doctor's image, a mounted node image", '/')
      .option('--json', 'print the report as JSON on stdout')
      .option(
        '--npd',
        "node-problem-detector's custom-plugin contract: one line of at most 80 bytes; exit 0 ok, 1 problem, 3 unknown",
      )
      .option('--prometheus', "print Prometheus metrics (for node_exporter's textfile collector)")
      .option('--node <name>', 'the node name in --prometheus metrics', os.hostname()),
  args: (options: DoctorOptions) => options,
  load: () => import('../commands/doctor.js'),
});
