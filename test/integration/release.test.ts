// GitHub releases against the stand-in, whose every request and response is checked against GitHub's
// published OpenAPI description: draft, upload, publish; a re-run after a broken upload completes the release
// without duplicates (including the 422 already_exists path); the token never reaches the output.

import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { nokmem } from '../helpers/cli.ts';
import { startGithubStandin } from '../helpers/github-standin.ts';
import { tempDir } from '../helpers/tmp.ts';

const TOKEN = 'ghs_nokmemTestToken0123456789abcdef';

async function assets(): Promise<string> {
  const dir = path.join(await tempDir('nokmem-release-assets-'), 'assets');
  await mkdir(dir);
  await writeFile(path.join(dir, 'runc-nokmem-1.0.0~rc5-1.x86_64.rpm'), Buffer.alloc(4096, 7));
  await writeFile(path.join(dir, 'SHA256SUMS'), 'x  y\n');
  await writeFile(path.join(dir, 'SHA256SUMS.asc'), '-----BEGIN PGP SIGNATURE-----\n');
  await writeFile(path.join(dir, 'RPM-GPG-KEY-nokmem'), '-----BEGIN PGP PUBLIC KEY BLOCK-----\n');
  return dir;
}

const release = (api: string, dir: string, ...extra: string[]) =>
  nokmem(['release', dir, '--repository', 'acme/nokmem', '--tag', 'v0.1.0', '--api-url', api, '--json', ...extra], {
    GITHUB_TOKEN: TOKEN,
  });

describe('nokmem release', () => {
  it('creates a draft, uploads every asset, then publishes; GitHub renames ~ to .', async () => {
    const gh = await startGithubStandin('acme', 'nokmem');
    try {
      const r = await release(gh.url, await assets());
      assert.equal(r.exitCode, 0, r.stderr);
      const out = JSON.parse(r.stdout) as { created: boolean; uploaded: string[]; published: boolean };
      assert.equal(out.created, true);
      assert.equal(out.published, true);
      assert.ok(out.uploaded.includes('runc-nokmem-1.0.0.rc5-1.x86_64.rpm'));
      assert.equal(gh.releases[0]?.draft, false);
      assert.equal(gh.releases[0]?.assets.length, 4);
      // the draft was published only after the last upload
      const publishAt = gh.requests.findIndex((q) => q.startsWith('PATCH '));
      assert.ok(gh.requests.slice(publishAt + 1).every((q) => !q.startsWith('POST /uploads')));
      assert.ok(!r.stdout.includes(TOKEN) && !r.stderr.includes(TOKEN));
      assert.deepEqual(gh.violations, []);
    } finally {
      await gh.close();
    }
  });

  it('a re-run after a broken upload completes the release without duplicates, through 422 already_exists', async () => {
    const gh = await startGithubStandin('acme', 'nokmem', { failUploadNumber: 2, hideOpenOnce: true });
    try {
      const dir = await assets();
      const first = await release(gh.url, dir);
      assert.notEqual(first.exitCode, 0);
      assert.equal(gh.releases[0]?.draft, true, 'a failed run leaves a draft');
      const second = await release(gh.url, dir);
      assert.equal(second.exitCode, 0, second.stderr);
      assert.ok(
        gh.requests.some((q) => q.startsWith('GET /repos/acme/nokmem/releases?')),
        'the draft is found by listing, not by tag',
      );
      assert.ok(
        !gh.requests.some((q) => q.startsWith('GET /repos/acme/nokmem/releases/tags/')),
        'get-by-tag does not see drafts',
      );
      // the second asset (SHA256SUMS) broke mid-upload and was hidden from the next listing: the re-run's upload
      // met 422 already_exists, deleted the half-uploaded asset and uploaded it again
      const sums = gh.requests.filter((q) => q.startsWith('POST /uploads/') && /[?&]name=SHA256SUMS(&|$)/.test(q));
      assert.equal(sums.length, 3, gh.requests.join('\n'));
      assert.equal(gh.requests.filter((q) => q.startsWith('DELETE ')).length, 1);
      const r = gh.releases[0]!;
      assert.equal(gh.releases.length, 1);
      assert.equal(r.draft, false);
      assert.deepEqual(r.assets.map((a) => a.name).sort(), [
        'RPM-GPG-KEY-nokmem',
        'SHA256SUMS',
        'SHA256SUMS.asc',
        'runc-nokmem-1.0.0.rc5-1.x86_64.rpm',
      ]);
      assert.ok(r.assets.every((a) => a.state === 'uploaded'));
      const third = await release(gh.url, dir);
      assert.equal((JSON.parse(third.stdout) as { unchanged: string[] }).unchanged.length, 4);
      assert.deepEqual(gh.violations, []);
    } finally {
      await gh.close();
    }
  });

  it('the notes say which functional proof the released build skipped, and why', async () => {
    const gh = await startGithubStandin('acme', 'nokmem');
    try {
      const dir = await assets();
      const notes = path.join(dir, '..', `${path.basename(dir)}-notes.md`);
      await writeFile(notes, 'Hand-written notes.\n');
      const skipped = 'this host has no cgroup-v1 memory controller (cgroup v2 only, like GitHub-hosted runners)';
      // a build record given as a file ships as it is, and the notes read it (a directory with one is a build)
      const records = await tempDir('nokmem-release-records-');
      await writeFile(
        path.join(records, 'build-record.json'),
        JSON.stringify({
          component: 'kubelet',
          version: 'v1.20.2',
          verification: { ok: true, checks: [{ name: 'runtime (kubelet)', status: 'skipped', detail: skipped }] },
        }),
      );
      const r = await release(gh.url, dir, path.join(records, 'build-record.json'), '--notes-file', notes);
      assert.equal(r.exitCode, 0, r.stderr);
      const body = gh.releases[0]?.body ?? '';
      assert.match(body, /^Hand-written notes\.\n\n## Functional proofs\n/);
      assert.ok(body.includes(`- kubelet v1.20.2: runtime (kubelet) SKIPPED: ${skipped}`), body);
      assert.match(body, /Complete a skipped proof on any cgroup-v1 host/);
      assert.deepEqual(gh.violations, []);
    } finally {
      await gh.close();
    }
  });

  it('no token is a one-line error; a refused token names the fix', async () => {
    const none = await nokmem(['release', '.', '--repository', 'acme/nokmem', '--tag', 'v0.1.0'], {
      GITHUB_TOKEN: '',
      GH_TOKEN: '',
    });
    assert.equal(none.exitCode, 1);
    assert.match(none.stderr, /^nokmem: error: no GitHub token: set GITHUB_TOKEN/m);
    const gh = await startGithubStandin('acme', 'nokmem');
    try {
      const wrong = await nokmem(
        ['release', await assets(), '--repository', 'acme/other', '--tag', 'v0.1.0', '--api-url', gh.url],
        { GITHUB_TOKEN: TOKEN },
      );
      assert.equal(wrong.exitCode, 1);
      assert.match(wrong.stderr, /^nokmem: error: GitHub has no repository acme\/other for this token \(HTTP 404\)/m);
      assert.ok(!wrong.stderr.includes(TOKEN));
    } finally {
      await gh.close();
    }
  });
});
