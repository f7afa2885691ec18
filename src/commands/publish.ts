// nokmem publish: verify RPMs and add them to a signed yum repository, atomically.

import path from 'node:path';
import type { Command } from 'commander';
import { OFFLINE_IMAGE } from '../builder-image.js';
import { Docker } from '../docker.js';
import { UsageError } from '../errors.js';
import { consoleLogger } from '../log.js';
import { publish } from '../publish/index.js';
import type { CrashPoint } from '../publish/yum.js';
import { realRunner } from '../runner.js';
import { DEFAULT_SPECS_DIR, loadVersionTable } from '../specs.js';
import { type CliEnv, defaultCacheDir, packagerImage, signingFromEnv, writeJson } from './shared.js';

export function register(program: Command, env: CliEnv): void {
  program
    .command('publish')
    .description(
      'verify RPMs and add them to a signed yum repository (a directory any web server can serve), atomically',
    )
    .argument('<inputs...>', 'RPM files or build output directories')
    .requiredOption('--repo <dir>', 'the repository directory (created on first publish)')
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
    .option('--json', 'print the result as JSON on stdout')
    .addHelpText(
      'after',
      '\nThe repository key comes from the environment, as for build: NOKMEM_SIGNING_KEY or NOKMEM_SIGNING_KEY_FILE\n(+ NOKMEM_SIGNING_PASSPHRASE). Packages must be signed by that key.',
    )
    .action(
      async (
        inputs: string[],
        options: {
          repo: string;
          baseUrl?: string;
          target?: string;
          keep: string;
          image?: string;
          cacheDir: string;
          specs: string;
          functional: boolean;
          json?: boolean;
        },
      ) => {
        if (!/^[1-9]\d{0,2}$/.test(options.keep))
          throw new UsageError(
            `--keep ${JSON.stringify(options.keep)} is not a count; give a whole number from 1, e.g. --keep 3`,
          );
        const crashAt = env.vars.NOKMEM_TEST_CRASH_AT as CrashPoint | undefined;
        const docker = new Docker(realRunner);
        await docker.ping();
        const log = consoleLogger();
        const result = await publish(
          {
            inputs: inputs.map((i) => path.resolve(i)),
            repo: options.repo,
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
        );
        if (options.json) writeJson(env, result);
        else
          env.out(
            `published to ${path.resolve(options.repo)}: added ${result.added.length} (${result.added.join(', ') || '-'}), unchanged ${result.unchanged.length}, retired ${result.removed.length}\n`,
          );
      },
    );
}
