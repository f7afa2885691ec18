// nokmem node-image: its options (src/commands/node-image.ts runs it).

import type { NodeImageOptions } from '../commands/node-image.js';
import { NODE_IMAGE } from '../meta.js';
import { defineCommand } from './command.js';

export const nodeImage = defineCommand({
  define: (program) =>
    program
      .command('node-image')
      .description("make the doctor's image (doctor and agent, with their own Node 20 on Debian bullseye), offline")
      .option('--tag <image>', 'the image to make', NODE_IMAGE)
      .option('--mirror <url>', 'Debian mirror', 'http://deb.debian.org/debian')
      .option('--if-outdated', 'skip the build when the image exists and was made from the same inputs')
      .option('--save <file>', 'also write it as a docker save tarball (the release asset) and <file>.sha256')
      .option('--verbose', 'show the output as it runs'),
  args: (options: NodeImageOptions) => options,
  load: () => import('../commands/node-image.js'),
});
