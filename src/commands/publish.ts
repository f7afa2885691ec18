// nokmem publish: verify RPMs and add them to a signed yum repository, atomically; and/or push the doctor's image
// to a registry the user names. Its options: src/cli/publish.ts.

import path from 'node:path';
import { UsageError } from '../errors.js';
import { NODE_IMAGE, NOKMEM_VERSION } from '../meta.js';
import { type PushedImage, planImagePush, pushImage, registryCredentialsFromEnv } from '../publish/image.js';
import { publish } from '../publish/index.js';
import type { CrashPoint } from '../publish/yum.js';
import { loadVersionTable } from '../specs.js';
import type { CommandDeps } from './deps.js';
import { packagerImage, signingFromEnv } from './environment.js';
import { writeJson } from './output.js';

export interface PublishOptions {
  repo?: string;
  baseUrl?: string;
  target?: string;
  keep: string;
  image?: string;
  cacheDir: string;
  specs: string;
  functional: boolean;
  imageRegistry?: string;
  plainHttp?: boolean;
  json?: boolean;
}

export type PublishArgs = PublishOptions & { inputs: string[] };

export async function run(args: PublishArgs, deps: CommandDeps): Promise<void> {
  const { env, docker, runner } = deps;
  const { inputs, ...options } = args;
  if (inputs.length === 0 && !options.imageRegistry)
    throw new UsageError(
      'nothing to publish: give RPM files or build output directories with --repo <dir>, and/or --image-registry <host[:port][/path]>',
    );
  if (inputs.length > 0 && !options.repo)
    throw new UsageError(
      `no --repo for ${inputs.join(', ')}: give the yum repository directory, e.g. --repo /srv/nokmem (created on first publish)`,
    );
  if (options.plainHttp && !options.imageRegistry)
    throw new UsageError('--plain-http is about the image registry: give --image-registry too, or drop it');
  if (!/^[1-9]\d{0,2}$/.test(options.keep))
    throw new UsageError(
      `--keep ${JSON.stringify(options.keep)} is not a count; give a whole number from 1, e.g. --keep 3`,
    );
  const crashAt = env.vars.NOKMEM_TEST_CRASH_AT as CrashPoint | undefined;
  await docker.ping();
  const log = deps.logger();
  // The image's preflight runs before the packages' long verification: a wrong registry fails in seconds.
  const imagePush = options.imageRegistry
    ? await planImagePush(
        {
          registry: options.imageRegistry,
          plainHttp: Boolean(options.plainHttp),
          credentials: registryCredentialsFromEnv(env.vars),
          image: NODE_IMAGE,
          tag: NOKMEM_VERSION,
        },
        runner,
      )
    : undefined;
  const repo = options.repo;
  const result =
    repo && inputs.length > 0
      ? await publish(
          {
            inputs: inputs.map((i) => path.resolve(i)),
            repo,
            baseUrl: options.baseUrl,
            target: options.target,
            keep: Number(options.keep),
            signing: signingFromEnv(env),
            image: packagerImage(env, options.image),
            cacheDir: path.resolve(options.cacheDir),
            functional: options.functional,
            crashAt,
            table: await loadVersionTable(path.resolve(options.specs)),
          },
          { docker, runner: runner, log },
        )
      : undefined;
  const image: PushedImage | undefined = imagePush ? await pushImage(imagePush, { runner: runner, log }) : undefined;
  if (options.json) writeJson(env, { ...result, ...(image ? { image } : {}) });
  else {
    if (result && repo)
      env.out(
        `published to ${path.resolve(repo)}: added ${result.added.length} (${result.added.join(', ') || '-'}), unchanged ${result.unchanged.length}, retired ${result.removed.length}\n`,
      );
    if (image)
      env.out(
        `pushed ${image.image} as ${image.reference}, digest ${image.digest}\npull by digest: ${image.pullByDigest}\n`,
      );
  }
}
