// nokmem publish: its arguments and options (src/commands/publish.ts runs it).

import type { PublishArgs, PublishOptions } from '../commands/publish.js';
import { defaultCacheDir } from '../commands/environment.js';
import { NODE_IMAGE, NOKMEM_VERSION, OFFLINE_IMAGE } from '../meta.js';
import { DEFAULT_SPECS_DIR } from '../project.js';
import { REGISTRY_PASSWORD_VAR, REGISTRY_USERNAME_VAR } from '../publish/registry-vars.js';
import { defineCommand } from './command.js';

export const publish = defineCommand({
  define: (program, env) =>
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
      .option(
        '--cache-dir <dir>',
        'cache (scratch space; the development key is kept in NOKMEM_DATA_DIR)',
        defaultCacheDir(env),
      )
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
      ),
  args: (inputs: string[], options: PublishOptions): PublishArgs => ({ ...options, inputs }),
  load: () => import('../commands/publish.js'),
});
