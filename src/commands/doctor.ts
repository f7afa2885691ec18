// nokmem doctor: is this node affected, and are its kubelet and runc fixed? Read-only: it reads files under
// --root and never runs what it inspects. The exit status says (or, with --npd, node-problem-detector's). Its
// options: src/cli/doctor.ts.

import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InputError, UsageError } from '../errors.js';
import { examine, loadPlacer } from '../node/doctor.js';
import { PRINTERS, type PrinterName } from '../node/outputs/index.js';
import type { CommandDeps } from './deps.js';

export interface DoctorOptions {
  root: string;
  json?: boolean;
  npd?: boolean;
  prometheus?: boolean;
  node?: string;
}

export async function run(options: DoctorOptions, deps: CommandDeps): Promise<void> {
  const chosen = (['json', 'npd', 'prometheus'] as const).filter((o) => options[o]);
  if (chosen.length > 1) throw new UsageError(`choose one of --${chosen.join(', --')}`);
  const root = path.resolve(options.root);
  if (!existsSync(path.join(root, 'proc')))
    throw new InputError(`${root} has no proc/; give the root of a node (default /)`);
  const report = await examine(root, await loadPlacer());
  const printer: PrinterName = chosen[0] ?? 'text';
  const printed = PRINTERS[printer](report, { node: options.node ?? os.hostname(), time: deps.clock.now() });
  deps.env.out(printed.text);
  deps.env.exitCode = printed.exitCode;
}
