// nokmem release: make or complete a GitHub release (draft, every asset, publish); re-runs finish the job. Build
// output directories ship as their RPMs, one archive each and the project key once, with the release's own
// SHA256SUMS over every asset, signed with the project key (src/publish/release-assets.ts, release-signing.ts);
// other files ship as they are. The notes name every build with its verdict and its assets, say how to check them,
// and which functional proofs the builds made and which they skipped (src/publish/release-notes.ts). Its options: src/cli/release.ts.

import { readFileSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { InputError } from '../errors.js';
import {
  RELEASE_SUMS,
  RELEASE_SUMS_SIGNATURE,
  type ReleaseInputs,
  readReleaseInputs,
  releaseContents,
  releaseSums,
} from '../publish/release-assets.js';
import { type ProvenRecord, buildNotes, buildRecordsIn, proofNotes } from '../publish/release-notes.js';
import { releaseSigner } from '../publish/release-signing.js';
import { PUBLIC_KEY_FILE } from '../signing.js';
import { newWorkspace } from '../workspace.js';
import type { CommandDeps } from './deps.js';
import { packagerImage, signingFromEnv } from './environment.js';
import { writeJson } from './output.js';

export interface ReleaseOptions {
  repository: string;
  tag: string;
  title?: string;
  notesFile?: string;
  draft?: boolean;
  apiUrl?: string;
  image?: string;
  cacheDir: string;
  json?: boolean;
}

/** The notes file, the builds with their verdicts and how to check them, then what the records say of the proofs. */
function releaseBody(
  notesFile: string | undefined,
  given: ReleaseInputs,
  builds: string | undefined,
): string | undefined {
  const records: ProvenRecord[] = [...given.builds.map((b) => b.record), ...buildRecordsIn(given.files)];
  const parts = [notesFile ? readFileSync(notesFile, 'utf8').trimEnd() : '', builds ?? '', proofNotes(records) ?? ''];
  const body = parts
    .map((p) => p.trimEnd())
    .filter(Boolean)
    .join('\n\n');
  return body || undefined;
}

export type ReleaseArgs = ReleaseOptions & { assets: string[] };

export async function run(args: ReleaseArgs, deps: CommandDeps): Promise<void> {
  const { env } = deps;
  const { assets: inputs, ...options } = args;
  const token = env.vars.GITHUB_TOKEN || env.vars.GH_TOKEN;
  if (!token)
    throw new InputError(
      'no GitHub token: set GITHUB_TOKEN (contents: write on the repository); tokens are never taken from the command line',
    );
  const given = readReleaseInputs(inputs);
  // @octokit/rest is loaded only here: the other commands do not pay for it at start-up.
  const { githubRelease } = await import('../publish/github.js');
  const octokit = await deps.github(token, options.apiUrl);
  const log = deps.logger();
  const request = {
    repository: options.repository,
    tag: options.tag,
    name: options.title,
    draft: Boolean(options.draft),
    token,
    apiUrl: options.apiUrl,
  };
  if (given.builds.length === 0) {
    const { assets } = await releaseContents(given, '');
    const result = await githubRelease(
      { ...request, assets, body: releaseBody(options.notesFile, given, undefined) },
      log,
      octokit,
    );
    if (options.json) writeJson(env, result);
    else env.out(`${summary(options.tag, result)}\n`);
    return;
  }
  const cacheDir = path.resolve(options.cacheDir);
  const { docker } = deps;
  await docker.ping();
  const workDir = await newWorkspace(cacheDir, 'release');
  try {
    const contents = await releaseContents(given, workDir);
    const shippedKey = contents.assets.find((a) => a.name === PUBLIC_KEY_FILE);
    const signer = await releaseSigner({
      signing: signingFromEnv(env),
      builds: contents.builds,
      shippedKey,
      docker: docker.asInvokingUser(),
      image: packagerImage(env, options.image),
      log,
      workDir,
      cacheDir,
    });
    try {
      const assets = shippedKey
        ? contents.assets
        : [...contents.assets, { name: PUBLIC_KEY_FILE, file: signer.publicKeyFile, from: 'the signing key' }];
      const sumsFile = path.join(workDir, RELEASE_SUMS);
      await writeFile(sumsFile, await releaseSums(assets));
      let signature = 'signed' as 'kept' | 'signed';
      const result = await githubRelease(
        {
          ...request,
          assets: [
            ...assets,
            { name: RELEASE_SUMS, file: sumsFile },
            { name: RELEASE_SUMS_SIGNATURE, file: `${sumsFile}.asc` },
          ],
          body: releaseBody(options.notesFile, given, buildNotes(contents.builds, signer.fingerprint)),
          prepare: async (existing) => {
            signature = await signer.sign(sumsFile, existing);
          },
        },
        log,
        octokit,
      );
      const sums = { fingerprint: signer.fingerprint, signature, development: signer.development };
      if (options.json) writeJson(env, { ...result, sums });
      else
        env.out(
          `${summary(options.tag, result)}; ${RELEASE_SUMS} of ${assets.length} assets signed by ${signer.fingerprint}${signature === 'kept' ? ' (signature kept)' : ''}\n`,
        );
    } finally {
      await signer.dispose();
    }
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

function summary(
  tag: string,
  result: { url: string; uploaded: string[]; replaced: string[]; unchanged: string[]; published: boolean },
): string {
  return `release ${tag}: ${result.url} — uploaded ${result.uploaded.length}, replaced ${result.replaced.length}, unchanged ${result.unchanged.length}${result.published ? ', published' : ''}`;
}
