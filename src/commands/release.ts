// nokmem release: make or complete a GitHub release (draft, every asset, publish); re-runs finish the job. The notes
// say which functional proofs the released builds made and which they skipped (src/publish/release-notes.ts).

import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { InputError } from '../errors.js';
import { consoleLogger } from '../log.js';
import { buildRecordsIn, proofNotes } from '../publish/release-notes.js';
import { type CliEnv, writeJson } from './shared.js';

/** The notes file, then what the released build records say about the functional proofs (skipped ones above all). */
function releaseBody(notesFile: string | undefined, inputs: readonly string[]): string | undefined {
  const parts = [notesFile ? readFileSync(notesFile, 'utf8').trimEnd() : '', proofNotes(buildRecordsIn(inputs)) ?? ''];
  const body = parts.filter(Boolean).join('\n\n');
  return body || undefined;
}

export function register(program: Command, env: CliEnv): void {
  program
    .command('release')
    .description('make or complete a GitHub release: draft, upload every asset (re-runs skip or replace), then publish')
    .argument('<assets...>', 'files, or build output directories (every file in them is an asset)')
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
    .option('--json', 'print the result as JSON on stdout')
    .addHelpText(
      'after',
      '\nThe token comes from the environment only: GITHUB_TOKEN (or GH_TOKEN), with contents: write.',
    )
    .action(
      async (
        inputs: string[],
        options: {
          repository: string;
          tag: string;
          title?: string;
          notesFile?: string;
          draft?: boolean;
          apiUrl?: string;
          json?: boolean;
        },
      ) => {
        // @octokit/rest is loaded only here: the other commands do not pay for it at start-up.
        const { githubAssetName, githubRelease } = await import('../publish/github.js');
        const token = env.vars.GITHUB_TOKEN || env.vars.GH_TOKEN;
        if (!token)
          throw new InputError(
            'no GitHub token: set GITHUB_TOKEN (contents: write on the repository); tokens are never taken from the command line',
          );
        const assets: string[] = [];
        for (const input of inputs) {
          if (!existsSync(input))
            throw new InputError(`${input} does not exist; give asset files or build output directories`);
          if (statSync(input).isDirectory())
            for (const f of readdirSync(input).sort()) {
              if (statSync(path.join(input, f)).isFile()) assets.push(path.resolve(input, f));
            }
          else assets.push(path.resolve(input));
        }
        const names = new Map<string, string>();
        for (const a of assets) {
          const name = githubAssetName(a);
          if (names.has(name) && names.get(name) !== a)
            throw new InputError(
              `${a} and ${names.get(name)} would both be the release asset ${name}; give each asset once`,
            );
          names.set(name, a);
        }
        const result = await githubRelease(
          {
            repository: options.repository,
            tag: options.tag,
            name: options.title,
            body: releaseBody(options.notesFile, inputs),
            assets: [...names.values()],
            draft: Boolean(options.draft),
            token,
            apiUrl: options.apiUrl,
          },
          consoleLogger(),
        );
        if (options.json) writeJson(env, result);
        else
          env.out(
            `release ${options.tag}: ${result.url} — uploaded ${result.uploaded.length}, replaced ${result.replaced.length}, unchanged ${result.unchanged.length}${result.published ? ', published' : ''}\n`,
          );
      },
    );
}
