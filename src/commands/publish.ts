// nokmem publish: verify RPMs and add them to a signed yum repository, atomically; and/or push the doctor's image
// to a registry the user names.

import path from 'node:path';
import type { Command } from 'commander';
import { OFFLINE_IMAGE } from '../builder-image.js';
import { Docker } from '../docker.js';
import { UsageError } from '../errors.js';
import { consoleLogger } from '../log.js';
import { NODE_IMAGE } from '../node-image.js';
import { NOKMEM_VERSION } from '../meta.js';
import {
  type PushedImage,
  REGISTRY_PASSWORD_VAR,
  REGISTRY_USERNAME_VAR,
  planImagePush,
  pushImage,
  registryCredentialsFromEnv,
} from '../publish/image.js';
import { publish } from '../publish/index.js';
import type { CrashPoint } from '../publish/yum.js';
import { realRunner } from '../runner.js';
import { DEFAULT_SPECS_DIR, loadVersionTable } from '../specs.js';
import { type CliEnv, defaultCacheDir, packagerImage, signingFromEnv, writeJson } from './shared.js';

export function register(program: Command, env: CliEnv): void {
  program
    .command('publish')
    .description(
      "verify RPMs and add them to a signed yum repository (a directory any web server can serve), atomically; and/or push the doctor's image to a registry",
    )
    .argument('[inputs...]', 'RPM files or build output directories')
    .option('--repo <dir>', 'the repository directory (created on first publish); needed with RPM inputs')
    .option('--base-url <url>', 'where clients will reach the repository, for nokmem.repo (default file://<repo>)')
    .option('--target <dest>', 'also mirror the repository with rsync to user@host:/path (ssh) or a path')
    .option('--keep <n>', 'releases kept per package version', '3')
    .option(
      '--image <image>',
      `image with createrepo_c, gpg and rpm (default ${OFFLINE_IMAGE}, env NOKMEM_PACKAGER_IMAGE)`,
    )
    .option('--cache-dir <dir>', 'cache (development key, scratch space)', defaultCacheDir(env))
    .option('--specs <dir>', 'directory with versions.yaml', DEFAULT_SPECS_DIR)
    .option('--no-functional', 'skip the functional proofs when verifying the packages')
    .option(
      '--image-registry <host[:port][/path]>',
      `push the doctor's image (${NODE_IMAGE}, from nokmem node-image) as <registry>/nokmem-doctor:${NOKMEM_VERSION}`,
    )
    .option(
      '--plain-http',
      'the image registry speaks plain HTTP, not HTTPS (dockerd must allow it: insecure-registries)',
    )
    .option('--json', 'print the result as JSON on stdout')
    .addHelpText(
      'after',
      `\nThe repository key comes from the environment, as for build: NOKMEM_SIGNING_KEY or NOKMEM_SIGNING_KEY_FILE\n(+ NOKMEM_SIGNING_PASSPHRASE). Packages must be signed by that key.\nThe image registry's credentials come from docker's own login (docker login <host>) or from the environment:\n${REGISTRY_USERNAME_VAR} and ${REGISTRY_PASSWORD_VAR}; never from the command line.`,
    )
    .action(
      async (
        inputs: string[],
        options: {
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
        },
      ) => {
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
        const docker = new Docker(realRunner);
        await docker.ping();
        const log = consoleLogger();
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
              realRunner,
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
                { docker, runner: realRunner, log },
              )
            : undefined;
        const image: PushedImage | undefined = imagePush
          ? await pushImage(imagePush, { runner: realRunner, log })
          : undefined;
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
      },
    );
}
