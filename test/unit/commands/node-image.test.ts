// nokmem node-image (src/commands/node-image.ts): without a Docker engine nothing is built or saved.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { run } from '../../../src/commands/node-image.ts';
import { MissingPrerequisite } from '../../../src/errors.ts';
import { NODE_IMAGE } from '../../../src/meta.ts';
import { fakeDeps } from '../../helpers/command-deps.ts';
import { FakeDocker } from '../../helpers/fakes.ts';

describe('nokmem node-image', () => {
  it('a Docker engine that does not answer: a missing prerequisite, and nothing runs', async () => {
    const f = fakeDeps({ docker: new FakeDocker({}) });
    await assert.rejects(
      run({ tag: NODE_IMAGE, mirror: 'http://deb.debian.org/debian', save: '/nonexistent/doctor.tar' }, f.deps),
      (e: Error) => e instanceof MissingPrerequisite && /start dockerd/.test(e.message),
    );
    assert.equal(f.runner.calls.length, 0);
    assert.equal(f.stdout(), '');
  });
});
