// nokmem publish (src/commands/publish.ts): the refusals that come before Docker is asked anything, each with
// what to give instead.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type PublishArgs, run } from '../../../src/commands/publish.ts';
import { MissingPrerequisite, UsageError } from '../../../src/errors.ts';
import { DEFAULT_SPECS_DIR } from '../../../src/project.ts';
import { fakeDeps } from '../../helpers/command-deps.ts';
import { FakeDocker } from '../../helpers/fakes.ts';

const base: PublishArgs = {
  inputs: [],
  keep: '3',
  cacheDir: '/nonexistent/cache',
  specs: DEFAULT_SPECS_DIR,
  functional: true,
};

describe('nokmem publish', () => {
  for (const [args, message] of [
    [
      {},
      'nothing to publish: give RPM files or build output directories with --repo <dir>, and/or --image-registry <host[:port][/path]>',
    ],
    [
      { inputs: ['out/a.rpm', 'out/b.rpm'] },
      'no --repo for out/a.rpm, out/b.rpm: give the yum repository directory, e.g. --repo /srv/nokmem (created on first publish)',
    ],
    [
      { inputs: ['out/a.rpm'], repo: '/srv/nokmem', plainHttp: true },
      '--plain-http is about the image registry: give --image-registry too, or drop it',
    ],
    [
      { inputs: ['out/a.rpm'], repo: '/srv/nokmem', keep: 'all' },
      '--keep "all" is not a count; give a whole number from 1, e.g. --keep 3',
    ],
  ] as [Partial<PublishArgs>, string][]) {
    it(`${message.split(':')[0]}: a usage error, and Docker is not asked`, async () => {
      const f = fakeDeps({ docker: new FakeDocker({}) });
      await assert.rejects(
        run({ ...base, ...args }, f.deps),
        (e: Error) => e instanceof UsageError && e.exitCode === 2 && e.message === message,
      );
      assert.equal(f.runner.calls.length, 0);
      assert.equal(f.stdout(), '');
    });
  }

  it('a Docker engine that does not answer stops it before any package is read', async () => {
    const f = fakeDeps({ docker: new FakeDocker({}) });
    await assert.rejects(
      run({ ...base, inputs: ['/nonexistent/out'], repo: '/nonexistent/repo' }, f.deps),
      MissingPrerequisite,
    );
    assert.equal(f.runner.calls.length, 0);
  });
});
