// nokmem release: its arguments and options (src/commands/release.ts runs it).

import { defaultCacheDir } from '../commands/environment.js';
import type { ReleaseArgs, ReleaseOptions } from '../commands/release.js';
import { OFFLINE_IMAGE } from '../meta.js';
import { defineCommand } from './command.js';

export const release = defineCommand({
  define: (program, env) =>
    program
      .command('release')
      .description(
        'make or complete a GitHub release: draft, upload every asset (re-runs skip or replace), then publish',
      )
      .argument(
        '<assets...>',
        'build output directories (their RPMs, the directory as <dir>.tar.gz, the key once), or files (every file of a directory without a build record)',
      )
      .requiredOption(
        '--repository <owner/name>',
        'the GitHub repository (env GITHUB_REPOSITORY)',
        env.vars.GITHUB_REPOSITORY,
      )
      .requiredOption('--tag <tag>', 'the release tag')
      .option('--title <text>', 'the release title (default: the tag)')
      .option('--notes-file <file>', 'release notes (markdown)')
      .option('--draft', 'leave the release as a draft')
      .option(
        '--api-url <url>',
        'GitHub API base URL, for GitHub Enterprise (env GITHUB_API_URL)',
        env.vars.GITHUB_API_URL,
      )
      .option(
        '--image <image>',
        `image with gpg, to sign SHA256SUMS (default ${OFFLINE_IMAGE}, env NOKMEM_PACKAGER_IMAGE)`,
      )
      .option(
        '--cache-dir <dir>',
        'cache (scratch space for the archives; the development key is kept in NOKMEM_DATA_DIR)',
        defaultCacheDir(env),
      )
      .option('--json', 'print the result as JSON on stdout')
      .addHelpText(
        'after',
        '\nThe token comes from the environment only: GITHUB_TOKEN (or GH_TOKEN), with contents: write.\nWith build output directories, SHA256SUMS of every asset is signed with the project key, from the environment as\nfor build: NOKMEM_SIGNING_KEY or NOKMEM_SIGNING_KEY_FILE (+ NOKMEM_SIGNING_PASSPHRASE); it must be the key the\nbuilds were signed with.',
      ),
  args: (assets: string[], options: ReleaseOptions): ReleaseArgs => ({ ...options, assets }),
  load: () => import('../commands/release.js'),
});
