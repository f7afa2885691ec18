// nokmem builder-image: make builder images, offline from Debian packages or from an official golang image. Its
// options: src/cli/builder-image.ts.

import path from 'node:path';
import { buildFromOfficial, buildOfflineImage, defaultBuilderImage, offlineImageIsCurrent } from '../builder-image.js';
import { UsageError } from '../errors.js';
import { goMinor, loadToolchains } from '../toolchain.js';
import type { CommandDeps } from './deps.js';

export interface BuilderImageOptions {
  offline?: boolean;
  go?: string;
  tag?: string;
  mirror: string;
  specs: string;
  verbose?: boolean;
  ifOutdated?: boolean;
}

const seconds = (deps: CommandDeps, started: Date) =>
  ((deps.clock.now().getTime() - started.getTime()) / 1000).toFixed(1);

export async function run(options: BuilderImageOptions, deps: CommandDeps): Promise<void> {
  const { env, runner } = deps;
  const log = deps.logger({ verbose: options.verbose });
  const specs = await loadToolchains(path.resolve(options.specs));
  await deps.docker.ping();
  if (!options.offline) {
    if (!options.go)
      throw new UsageError(
        'say how to make the image: --offline (Debian packages) or --go VERSION (official golang image)',
      );
    const started = deps.clock.now();
    const tag = options.tag ?? defaultBuilderImage(options.go);
    log.info(`building ${tag} from golang:${options.go} ...`);
    const id = await buildFromOfficial(runner, log, options.go, tag, specs);
    env.out(`${tag} ${id} (${seconds(deps, started)}s)\n`);
    return;
  }
  const go = options.go;
  const images = go ? specs.offline.filter((o) => o.go === go || goMinor(o.go) === goMinor(go)) : specs.offline;
  if (images.length === 0)
    throw new UsageError(
      `no offline image with Go ${go} in specs/toolchains.yaml; offline images: ${specs.offline.map((o) => `Go ${o.go} (${o.image})`).join(', ')}`,
    );
  for (const image of images) {
    if (options.ifOutdated && (await offlineImageIsCurrent(runner, image, specs))) {
      env.out(`${image.image} is current\n`);
      continue;
    }
    const started = deps.clock.now();
    log.info(`building ${image.image} from Debian ${image.suite} packages ...`);
    const id = await buildOfflineImage(runner, log, image, specs, { mirror: options.mirror });
    env.out(`${image.image} ${id} (${seconds(deps, started)}s)\n`);
  }
}
