// A GitHub release with @octokit/rest: find the release by tag among all releases (drafts included: the
// get-by-tag endpoint does not see drafts), create it as a draft if missing, upload every asset — skipping one
// already there with the same size and digest, replacing one that differs — and publish it last, because an
// immutable release rejects later uploads. A re-run after a failure completes the release without duplicates.
// Before the uploads, the caller may look at what the release already holds (nokmem release keeps the signature
// of its sums when the sums are unchanged, so that a re-run changes nothing).
// The token comes from the environment only; GitHub Enterprise works through the API base URL.

import { readFile } from 'node:fs/promises';
import { Octokit } from '@octokit/rest';
import { sha256 } from '../attest.js';
import { InputError } from '../errors.js';
import type { Logger } from '../log.js';
import { registerSecret } from '../redact.js';

export interface ReleaseRequest {
  /** owner/name */
  repository: string;
  tag: string;
  name?: string;
  body?: string;
  /** Each file under the name GitHub stores it by (githubAssetName in release-assets.ts). */
  assets: { name: string; file: string }[];
  /** Called with the assets the release holds already, before any upload (the files may be written then). */
  prepare?: (existing: ExistingAsset[]) => Promise<void>;
  /** Leave the release as a draft (publish later). */
  draft: boolean;
  token: string;
  apiUrl?: string;
}

export interface ReleaseResult {
  id: number;
  url: string;
  created: boolean;
  uploaded: string[];
  replaced: string[];
  unchanged: string[];
  published: boolean;
}

/** An asset a release holds already. */
export interface ExistingAsset {
  name: string;
  size: number;
  /** Fully uploaded (an upload that broke is left "open"). */
  uploaded: boolean;
  download(): Promise<Buffer>;
}

export function octokitFor(token: string, apiUrl?: string): Octokit {
  registerSecret(token);
  return new Octokit({
    auth: token,
    baseUrl: apiUrl ?? 'https://api.github.com',
    userAgent: 'nokmem',
    request: { retries: 0 },
  });
}

function httpStatus(error: unknown): number | undefined {
  return typeof error === 'object' && error !== null && 'status' in error
    ? Number((error as { status: unknown }).status)
    : undefined;
}

export async function githubRelease(
  request: ReleaseRequest,
  log: Logger,
  octokit = octokitFor(request.token, request.apiUrl),
): Promise<ReleaseResult> {
  const [owner, repo] = request.repository.split('/');
  if (!owner || !repo) throw new InputError(`--repository ${JSON.stringify(request.repository)} is not owner/name`);
  const result: ReleaseResult = {
    id: 0,
    url: '',
    created: false,
    uploaded: [],
    replaced: [],
    unchanged: [],
    published: false,
  };
  try {
    const releases = await octokit.paginate(octokit.rest.repos.listReleases, { owner, repo, per_page: 100 });
    let release = releases.find((r) => r.tag_name === request.tag);
    if (release && !release.draft && release.assets.length && request.assets.length) {
      log.info(`  release ${request.tag} is already published; only missing assets can be added`);
    }
    if (!release) {
      release = (
        await octokit.rest.repos.createRelease({
          owner,
          repo,
          tag_name: request.tag,
          name: request.name ?? request.tag,
          body: request.body ?? '',
          draft: true,
        })
      ).data;
      result.created = true;
      log.info(`  created draft release ${request.tag} (id ${release.id})`);
    }
    result.id = release.id;
    const existing = await octokit.paginate(octokit.rest.repos.listReleaseAssets, {
      owner,
      repo,
      release_id: release.id,
      per_page: 100,
    });
    if (request.prepare)
      await request.prepare(
        existing.map((a) => ({
          name: a.name,
          size: a.size,
          uploaded: a.state === 'uploaded',
          // the bytes, not the JSON: GitHub answers with them or redirects to where they are
          download: async () => {
            const r = await octokit.rest.repos.getReleaseAsset({
              owner,
              repo,
              asset_id: a.id,
              headers: { accept: 'application/octet-stream' },
            });
            return Buffer.from(r.data as unknown as ArrayBuffer);
          },
        })),
      );
    for (const { name, file } of request.assets) {
      const bytes = await readFile(file);
      const digest = `sha256:${sha256(bytes)}`;
      const current = existing.find((a) => a.name === name);
      if (current) {
        const currentDigest = (current as { digest?: string | null }).digest;
        if (
          current.size === bytes.length &&
          (!currentDigest || currentDigest === digest) &&
          current.state === 'uploaded'
        ) {
          result.unchanged.push(name);
          continue;
        }
        await octokit.rest.repos.deleteReleaseAsset({ owner, repo, asset_id: current.id });
        result.replaced.push(name);
      }
      const upload = () =>
        octokit.request({
          method: 'POST',
          url: release!.upload_url,
          name,
          data: bytes,
          headers: { 'content-type': 'application/octet-stream', 'content-length': bytes.length.toString() },
        });
      try {
        await upload();
      } catch (error) {
        // 422 already_exists: a half-finished upload of an earlier run; find it, delete it, upload again.
        if (httpStatus(error) !== 422) throw error;
        const again = await octokit.paginate(octokit.rest.repos.listReleaseAssets, {
          owner,
          repo,
          release_id: release.id,
          per_page: 100,
        });
        const stale = again.find((a) => a.name === name);
        if (!stale) throw error;
        await octokit.rest.repos.deleteReleaseAsset({ owner, repo, asset_id: stale.id });
        await upload();
      }
      if (!current) result.uploaded.push(name);
      log.info(`  uploaded ${name} (${bytes.length} bytes)`);
    }
    if (!request.draft && release.draft) {
      release = (await octokit.rest.repos.updateRelease({ owner, repo, release_id: release.id, draft: false })).data;
      result.published = true;
    }
    result.url = release.html_url;
    return result;
  } catch (error) {
    const status = httpStatus(error);
    if (status === 401 || status === 403)
      throw new InputError(
        `GitHub refused the token for ${request.repository} (HTTP ${status}); give GITHUB_TOKEN with contents: write on that repository`,
      );
    if (status === 404)
      throw new InputError(
        `GitHub has no repository ${request.repository} for this token (HTTP 404); check --repository and the token's access`,
      );
    throw error;
  }
}
