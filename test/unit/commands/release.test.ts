// nokmem release (src/commands/release.ts): the token comes from the environment only, and a missing asset is
// named before GitHub is asked anything; the GitHub client is the one the command is given (here the real
// client, against the GitHub stand-in that checks every request against GitHub's API description).

import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { type ReleaseArgs, run } from '../../../src/commands/release.ts';
import { InputError } from '../../../src/errors.ts';
import { octokitFor } from '../../../src/publish/github.ts';
import { fakeDeps } from '../../helpers/command-deps.ts';
import { startGithubStandin } from '../../helpers/github-standin.ts';
import { tempDir } from '../../helpers/tmp.ts';

const args: ReleaseArgs = {
  assets: ['/nonexistent/out/runc-v1.0.0-rc5'],
  repository: 'example/nokmem',
  tag: 'v0.1.0',
  cacheDir: '/nonexistent/cache',
};

describe('nokmem release', () => {
  it('no GITHUB_TOKEN or GH_TOKEN: an input error that says which token, and that the command line is not a way', async () => {
    const f = fakeDeps();
    await assert.rejects(
      run(args, f.deps),
      (e: Error) =>
        e instanceof InputError &&
        e.exitCode === 1 &&
        e.message ===
          'no GitHub token: set GITHUB_TOKEN (contents: write on the repository); tokens are never taken from the command line',
    );
    assert.equal(f.runner.calls.length, 0);
  });

  it('an asset that does not exist is named before anything is uploaded or signed', async () => {
    const f = fakeDeps({ vars: { GH_TOKEN: 'not-a-real-token' } });
    await assert.rejects(
      run(args, f.deps),
      (e: Error) =>
        e instanceof InputError &&
        e.message === '/nonexistent/out/runc-v1.0.0-rc5 does not exist; give asset files or build output directories',
    );
    assert.equal(f.runner.calls.length, 0);
    assert.equal(f.stdout(), '');
  });

  it('plain asset files: released through the GitHub client it is given, for the token of the environment and --api-url', async () => {
    const gh = await startGithubStandin('example', 'nokmem');
    try {
      const file = path.join(await tempDir('nokmem-release-command-'), 'notes.tar.gz');
      await writeFile(file, 'not really a tarball\n');
      const asked: [string, string | undefined][] = [];
      const f = fakeDeps({
        vars: { GITHUB_TOKEN: 'ghp_release_command_unit_token' },
        github: async (token, apiUrl) => {
          asked.push([token, apiUrl]);
          return octokitFor(token, apiUrl);
        },
      });
      await run({ ...args, assets: [file], apiUrl: gh.url }, f.deps);
      assert.deepEqual(asked, [['ghp_release_command_unit_token', gh.url]]);
      assert.match(f.stdout(), /^release v0\.1\.0: \S+ — uploaded 1, replaced 0, unchanged 0, published\n$/);
      assert.ok(!f.stdout().includes('ghp_release_command_unit_token'));
      assert.equal(f.runner.calls.length, 0, 'no build directory: nothing signed, no Docker');
      assert.deepEqual(gh.violations, []);
    } finally {
      await gh.close();
    }
  });
});
