// nokmem builder-image: make builder images, offline from Debian packages or from an official golang image.

import path from 'node:path';
import type { Command } from 'commander';
import { buildFromOfficial, buildOfflineImage, defaultBuilderImage, offlineImageIsCurrent } from '../builder-image.js';
import { Docker } from '../docker.js';
import { UsageError } from '../errors.js';
import { consoleLogger } from '../log.js';
import { realRunner } from '../runner.js';
import { DEFAULT_SPECS_DIR } from '../specs.js';
import { goMinor, loadToolchains } from '../toolchain.js';
import type { CliEnv } from './shared.js';

export function register(program: Command, env: CliEnv): void {
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
    .option('--if-outdated', 'with --offline: skip an image that exists and has the current package list')
    .action(
      async (options: {
        offline?: boolean;
        go?: string;
        tag?: string;
        mirror: string;
        specs: string;
        verbose?: boolean;
        ifOutdated?: boolean;
      }) => {
        const log = consoleLogger({ verbose: options.verbose });
        const specs = await loadToolchains(path.resolve(options.specs));
        const docker = new Docker(realRunner);
        await docker.ping();
        if (!options.offline) {
          if (!options.go)
            throw new UsageError(
              'say how to make the image: --offline (Debian packages) or --go VERSION (official golang image)',
            );
          const started = performance.now();
          const tag = options.tag ?? defaultBuilderImage(options.go);
          log.info(`building ${tag} from golang:${options.go} ...`);
          const id = await buildFromOfficial(realRunner, log, options.go, tag, specs);
          env.out(`${tag} ${id} (${((performance.now() - started) / 1000).toFixed(1)}s)\n`);
          return;
        }
        const images = options.go
          ? specs.offline.filter((o) => o.go === options.go || goMinor(o.go) === goMinor(options.go!))
          : specs.offline;
        if (images.length === 0)
          throw new UsageError(
            `no offline image with Go ${options.go} in specs/toolchains.yaml; offline images: ${specs.offline.map((o) => `Go ${o.go} (${o.image})`).join(', ')}`,
          );
        for (const image of images) {
          if (options.ifOutdated && (await offlineImageIsCurrent(realRunner, image, specs))) {
            env.out(`${image.image} is current\n`);
            continue;
          }
          const started = performance.now();
          log.info(`building ${image.image} from Debian ${image.suite} packages ...`);
          const id = await buildOfflineImage(realRunner, log, image, specs, { mirror: options.mirror });
          env.out(`${image.image} ${id} (${((performance.now() - started) / 1000).toFixed(1)}s)\n`);
        }
      },
    );
}
