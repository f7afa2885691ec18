// nokmem node-image: make the doctor's image (doctor and agent with their own Node 20 on Debian bullseye), offline,
// and optionally save it as a `docker save` tarball (the release asset air-gapped sites `docker load`), with its
// digest beside it in `sha256sum -c` form, as the RPMs have theirs in SHA256SUMS.

import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { sha256sums } from '../attest.js';
import { Docker } from '../docker.js';
import { consoleLogger } from '../log.js';
import { NODE_IMAGE, buildNodeImage } from '../node-image.js';
import { realRunner } from '../runner.js';
import type { CliEnv } from './shared.js';

export function register(program: Command, env: CliEnv): void {
  program
    .command('node-image')
    .description("make the doctor's image (doctor and agent, with their own Node 20 on Debian bullseye), offline")
    .option('--tag <image>', 'the image to make', NODE_IMAGE)
    .option('--mirror <url>', 'Debian mirror', 'http://deb.debian.org/debian')
    .option('--if-outdated', 'skip the build when the image exists and was made from the same inputs')
    .option('--save <file>', 'also write it as a docker save tarball (the release asset) and <file>.sha256')
    .option('--verbose', 'show the output as it runs')
    .action(
      async (options: { tag: string; mirror: string; ifOutdated?: boolean; save?: string; verbose?: boolean }) => {
        const log = consoleLogger({ verbose: options.verbose });
        await new Docker(realRunner).ping();
        const started = performance.now();
        const made = await buildNodeImage(realRunner, log, {
          mirror: options.mirror,
          image: options.tag,
          ifOutdated: options.ifOutdated,
        });
        env.out(
          made.built
            ? `${made.image} ${made.id} (${((performance.now() - started) / 1000).toFixed(1)}s)\n`
            : `${made.image} is current (${made.revision})\n`,
        );
        if (options.save) {
          await realRunner.run('docker', ['save', '--output', options.save, made.image], {
            purpose: `save ${made.image} to ${options.save}`,
          });
          const sums = await sha256sums([options.save]);
          await writeFile(`${options.save}.sha256`, sums);
          const id = await realRunner.run('docker', ['image', 'inspect', '--format', '{{.Id}}', made.image]);
          env.out(
            `saved ${made.image} (image ${id.stdout.trim()}) to ${options.save}, sha256 ${sums.split(' ')[0]} (${path.basename(options.save)}.sha256)\n`,
          );
        }
      },
    );
}
