// nokmem pin: its options (src/commands/pin.ts runs it).

import type { PinOptions } from '../commands/pin.js';
import { DEFAULT_SPECS_DIR } from '../project.js';
import { defineCommand } from './command.js';

export const pin = defineCommand({
  define: (program) =>
    program
      .command('pin')
      .description('resolve a release tag on the remote and print (or --write) its pin')
      .option('--kubelet <version>', 'kubelet release')
      .option('--runc <version>', 'runc release')
      .option('--remote <url>', 'git URL or path of the upstream repository or a mirror')
      .option('--specs <dir>', 'directory with versions.yaml and pins.yaml', DEFAULT_SPECS_DIR)
      .option('--write', 'record the pin in pins.yaml'),
  args: (options: PinOptions) => options,
  load: () => import('../commands/pin.js'),
});
