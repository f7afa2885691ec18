// nokmem release (src/commands/release.ts): the token comes from the environment only, and a missing asset is
// named before GitHub is asked anything.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type ReleaseArgs, run } from '../../../src/commands/release.ts';
import { InputError } from '../../../src/errors.ts';
import { fakeDeps } from '../../helpers/command-deps.ts';

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
});
