// nokmem node-image: make the doctor's image (doctor and agent with their own Node 20 on Debian bullseye), offline,
// and optionally save it as a `docker save` tarball (the release asset air-gapped sites `docker load`), with its
// digest beside it in `sha256sum -c` form, as the RPMs have theirs in SHA256SUMS. Its options: src/cli/node-image.ts.

import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { sha256sums } from '../attest.js';
import { buildNodeImage } from '../node-image.js';
import type { CommandDeps } from './deps.js';

export interface NodeImageOptions {
  tag: string;
  mirror: string;
  ifOutdated?: boolean;
  save?: string;
  verbose?: boolean;
}

export async function run(options: NodeImageOptions, deps: CommandDeps): Promise<void> {
  const { env, runner } = deps;
  const log = deps.logger({ verbose: options.verbose });
  await deps.docker.ping();
  const started = deps.clock.now().getTime();
  const made = await buildNodeImage(runner, log, {
    mirror: options.mirror,
    image: options.tag,
    ifOutdated: options.ifOutdated,
  });
  env.out(
    made.built
      ? `${made.image} ${made.id} (${((deps.clock.now().getTime() - started) / 1000).toFixed(1)}s)\n`
      : `${made.image} is current (${made.revision})\n`,
  );
  if (options.save) {
    await runner.run('docker', ['save', '--output', options.save, made.image], {
      purpose: `save ${made.image} to ${options.save}`,
    });
    const sums = await sha256sums([options.save]);
    await writeFile(`${options.save}.sha256`, sums);
    const id = await runner.run('docker', ['image', 'inspect', '--format', '{{.Id}}', made.image]);
    env.out(
      `saved ${made.image} (image ${id.stdout.trim()}) to ${options.save}, sha256 ${sums.split(' ')[0]} (${path.basename(options.save)}.sha256)\n`,
    );
  }
}
