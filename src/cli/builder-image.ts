// nokmem builder-image: its options (src/commands/builder-image.ts runs it).

import type { BuilderImageOptions } from '../commands/builder-image.js';
import { DEFAULT_SPECS_DIR } from '../project.js';
import { defineCommand } from './command.js';

export const builderImage = defineCommand({
  define: (program) =>
    program
      .command('builder-image')
      .description(
        'make builder images: --offline from Debian packages (no registry), or --go VERSION from golang:VERSION',
      )
      .option(
        '--offline',
        'debootstrap the Debian images of specs/toolchains.yaml (all of them, or the one with --go) and docker-import them',
      )
      .option(
        '--go <version>',
        'with --offline: only the offline image with this Go; alone: derive from the official golang:<version> image',
      )
      .option('--tag <image>', 'image name to create (--go without --offline)')
      .option('--mirror <url>', 'Debian mirror for --offline', 'http://deb.debian.org/debian')
      .option('--specs <dir>', 'directory with toolchains.yaml', DEFAULT_SPECS_DIR)
      .option('--verbose', 'show the output as it runs')
      .option('--if-outdated', 'with --offline: skip an image that exists and has the current package list'),
  args: (options: BuilderImageOptions) => options,
  load: () => import('../commands/builder-image.js'),
});
