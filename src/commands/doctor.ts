// nokmem doctor: is this node affected, and are its kubelet and runc fixed? Read-only: it reads files under
// --root and never runs what it inspects. The exit status says (or, with --npd, node-problem-detector's).

import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { InputError, UsageError } from '../errors.js';
import { examine, loadPlacer } from '../node/doctor.js';
import { PRINTERS, type PrinterName } from '../node/outputs/index.js';
import type { CliEnv } from './shared.js';

interface DoctorOptions {
  root: string;
  json?: boolean;
  npd?: boolean;
  prometheus?: boolean;
  node?: string;
}

export function register(program: Command, env: CliEnv): void {
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
    .option('--node <name>', 'the node name in --prometheus metrics', os.hostname())
    .action(async (options: DoctorOptions) => {
      const chosen = (['json', 'npd', 'prometheus'] as const).filter((o) => options[o]);
      if (chosen.length > 1) throw new UsageError(`choose one of --${chosen.join(', --')}`);
      const root = path.resolve(options.root);
      if (!existsSync(path.join(root, 'proc')))
        throw new InputError(`${root} has no proc/; give the root of a node (default /)`);
      const report = await examine(root, await loadPlacer());
      const printer: PrinterName = chosen[0] ?? 'text';
      const printed = PRINTERS[printer](report, { node: options.node ?? os.hostname(), time: new Date() });
      env.out(printed.text);
      env.exitCode = printed.exitCode;
    });
}
