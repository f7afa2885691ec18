// githubRelease (src/publish/github.ts) against the in-repo GitHub stand-in (test/helpers/github-standin.ts, on
// 127.0.0.1, every request and response checked against GitHub's OpenAPI description): the draft-upload-publish
// order, a re-run that changes nothing, a changed asset replaced, a broken upload completed through 422
// already_exists, and the token and repository errors a user reads. test/integration/release.test.ts drives the same
// through `nokmem release`.

import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { Octokit } from '@octokit/rest';
import { InputError } from '../../../src/errors.ts';
import { silentLogger } from '../../../src/log.ts';
import { type ExistingAsset, type ReleaseRequest, githubRelease, octokitFor } from '../../../src/publish/github.ts';
import { redact } from '../../../src/redact.ts';
import { startGithubStandin } from '../../helpers/github-standin.ts';
import { removeTempDirs, tempDir } from '../../helpers/steps.ts';

after(removeTempDirs);

const TOKEN = 'ghp_unit_github_release_token_0001';

async function files(contents: Record<string, string>): Promise<{ name: string; file: string }[]> {
  const dir = await tempDir('nokmem-gh-');
  return Promise.all(
    Object.entries(contents).map(async ([name, text]) => {
      const file = path.join(dir, name);
      await writeFile(file, text);
      return { name, file };
    }),
  );
}

const request = (
  api: string,
  assets: ReleaseRequest['assets'],
  extra: Partial<ReleaseRequest> = {},
): ReleaseRequest => ({
  repository: 'acme/nokmem',
  tag: 'v0.1.0',
  assets,
  draft: false,
  token: TOKEN,
  apiUrl: api,
  ...extra,
});

async function withStandin(
  test: (gh: Awaited<ReturnType<typeof startGithubStandin>>) => Promise<void>,
  options: Parameters<typeof startGithubStandin>[2] = {},
) {
  const gh = await startGithubStandin('acme', 'nokmem', options);
  try {
    await test(gh);
    assert.deepEqual(gh.violations, []);
  } finally {
    await gh.close();
  }
}

describe('githubRelease', () => {
  it('creates a draft, uploads every asset, and publishes it only after the last upload', () =>
    withStandin(async (gh) => {
      const assets = await files({ 'a.rpm': 'aaaa', SHA256SUMS: 'sums\n' });
      const r = await githubRelease(request(gh.url, assets, { name: 'nokmem 0.1.0', body: 'notes' }), silentLogger);
      assert.equal(r.created, true);
      assert.equal(r.published, true);
      assert.deepEqual(r.uploaded, ['a.rpm', 'SHA256SUMS']);
      assert.deepEqual([r.replaced, r.unchanged], [[], []]);
      assert.equal(r.id, gh.releases[0]?.id);
      assert.equal(r.url, `${gh.url}/acme/nokmem/releases/tag/v0.1.0`);
      assert.equal(gh.releases[0]?.draft, false);
      assert.deepEqual([gh.releases[0]?.name, gh.releases[0]?.body], ['nokmem 0.1.0', 'notes']);
      const publishAt = gh.requests.findIndex((q) => q.startsWith('PATCH '));
      const created = gh.requests.findIndex((q) => q.startsWith('POST /repos/acme/nokmem/releases'));
      assert.ok(created >= 0 && created < publishAt);
      assert.ok(gh.requests.slice(publishAt + 1).every((q) => !q.startsWith('POST /uploads')));
      assert.equal(gh.requests.filter((q) => q.startsWith('POST /uploads')).length, 2);
    }));

  it('a re-run with the same files uploads nothing, and shows the caller what the release holds first', () =>
    withStandin(async (gh) => {
      const assets = await files({ 'a.rpm': 'aaaa' });
      await githubRelease(request(gh.url, assets), silentLogger);
      const seen: ExistingAsset[] = [];
      const bytes: string[] = [];
      const again = await githubRelease(
        request(gh.url, assets, {
          prepare: async (existing) => {
            seen.push(...existing);
            for (const a of existing) bytes.push((await a.download()).toString());
          },
        }),
        silentLogger,
      );
      assert.deepEqual(
        seen.map(({ name, size, uploaded }) => ({ name, size, uploaded })),
        [{ name: 'a.rpm', size: 4, uploaded: true }],
      );
      assert.deepEqual(bytes, ['aaaa']);
      assert.equal(again.created, false);
      assert.equal(again.published, false);
      assert.deepEqual([again.uploaded, again.replaced, again.unchanged], [[], [], ['a.rpm']]);
      assert.equal(gh.releases.length, 1);
    }));

  it('replaces an asset whose bytes changed (delete, then upload), and keeps a draft a draft when asked', () =>
    withStandin(async (gh) => {
      await githubRelease(request(gh.url, await files({ 'a.rpm': 'aaaa' }), { draft: true }), silentLogger);
      assert.equal(gh.releases[0]?.draft, true);
      const r = await githubRelease(request(gh.url, await files({ 'a.rpm': 'bbbb' }), { draft: true }), silentLogger);
      assert.deepEqual([r.uploaded, r.replaced, r.unchanged], [[], ['a.rpm'], []]);
      assert.equal(r.published, false);
      assert.equal(gh.releases[0]?.draft, true);
      assert.equal(gh.releases[0]?.assets.length, 1);
      assert.equal(gh.releases[0]?.assets[0]?.data.toString(), 'bbbb');
      assert.ok(gh.requests.some((q) => q.startsWith('DELETE /repos/acme/nokmem/releases/assets/')));
    }));

  it('completes a release whose earlier upload broke, through 422 already_exists, without duplicates', () =>
    withStandin(
      async (gh) => {
        const assets = await files({ 'a.rpm': 'aaaa', 'b.rpm': 'bbbbbbbb' });
        await assert.rejects(githubRelease(request(gh.url, assets), silentLogger));
        assert.equal(gh.releases[0]?.draft, true, 'a failed run leaves a draft');
        // the half-uploaded asset is hidden from the next listing, so the upload meets 422 already_exists
        const r = await githubRelease(request(gh.url, assets), silentLogger);
        assert.equal(r.published, true);
        assert.deepEqual(r.unchanged, ['a.rpm']);
        assert.deepEqual(r.uploaded, ['b.rpm']);
        const stored = gh.releases[0]!.assets;
        assert.deepEqual(stored.map((a) => [a.name, a.state, a.size]).sort(), [
          ['a.rpm', 'uploaded', 4],
          ['b.rpm', 'uploaded', 8],
        ]);
      },
      { failUploadNumber: 2, hideOpenOnce: true },
    ));

  it('refuses a repository that is not owner/name before any request', async () => {
    await assert.rejects(
      githubRelease(request('http://127.0.0.1:9', [], { repository: 'nokmem' }), silentLogger),
      (e: Error) => e instanceof InputError && e.message.includes('--repository "nokmem" is not owner/name'),
    );
  });

  it('says the token was refused (HTTP 401), naming the repository and the permission it needs', async () => {
    const gh = await startGithubStandin('acme', 'nokmem');
    try {
      const anonymous = new Octokit({ baseUrl: gh.url, request: { retries: 0 } });
      await assert.rejects(
        githubRelease(request(gh.url, []), silentLogger, anonymous),
        (e: Error) =>
          e instanceof InputError &&
          e.message ===
            'GitHub refused the token for acme/nokmem (HTTP 401); give GITHUB_TOKEN with contents: write on that repository',
      );
      // GitHub answers 401 to any request without a token, although its description does not list it here
      assert.deepEqual(gh.violations, [
        "GET /repos/{owner}/{repo}/releases: status 401 is not in GitHub's description",
      ]);
    } finally {
      await gh.close();
    }
  });

  it('says the repository is unknown to the token (HTTP 404)', () =>
    withStandin(async (gh) => {
      await assert.rejects(
        githubRelease(request(gh.url, [], { repository: 'acme/other' }), silentLogger),
        (e: Error) => e instanceof InputError && e.message.startsWith('GitHub has no repository acme/other'),
      );
    }));
});

describe('octokitFor', () => {
  it('masks the token in everything nokmem prints', () => {
    octokitFor(TOKEN, 'http://127.0.0.1:9');
    assert.equal(redact(`token ${TOKEN}`), 'token ***');
  });
});
