// nokmem builder-image (src/commands/builder-image.ts): which images it makes with what, the time it prints
// (from the clock it is given), and its refusals.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { run } from '../../../src/commands/builder-image.ts';
import { MissingPrerequisite, UsageError } from '../../../src/errors.ts';
import { DEFAULT_SPECS_DIR } from '../../../src/project.ts';
import { loadToolchains } from '../../../src/toolchain.ts';
import { NOW, fakeDeps } from '../../helpers/command-deps.ts';
import { FakeDocker } from '../../helpers/fakes.ts';

const base = { mirror: 'http://deb.debian.org/debian', specs: DEFAULT_SPECS_DIR };

describe('nokmem builder-image', () => {
  it('--go alone: docker build from the official image, then the id and the seconds it took', async () => {
    const f = fakeDeps({
      times: [NOW, new Date(NOW.getTime() + 2500)],
      script: [
        { command: 'docker', args: ['build'] },
        { command: 'docker', args: ['image', 'inspect'], result: { stdout: 'sha256:1234\n' } },
      ],
    });
    await run({ ...base, go: '1.19', tag: 'example/builder:1.19', verbose: true }, f.deps);
    assert.equal(f.stdout(), 'example/builder:1.19 sha256:1234 (2.5s)\n');
    const build = f.runner.calls[0]!;
    assert.deepEqual(build.args.slice(0, 4), ['build', '--network', 'host', '--tag']);
    assert.equal(build.args[4], 'example/builder:1.19');
    assert.ok(f.logs.includes('info: building example/builder:1.19 from golang:1.19 ...'), f.logs.join('\n'));
    assert.deepEqual(f.loggers, [{ verbose: true }]);
  });

  it('neither --offline nor --go: a usage error that names both', async () => {
    const f = fakeDeps();
    await assert.rejects(
      run(base, f.deps),
      (e: Error) =>
        e instanceof UsageError &&
        e.message === 'say how to make the image: --offline (Debian packages) or --go VERSION (official golang image)',
    );
    assert.equal(f.runner.calls.length, 0);
  });

  it('--offline --go with no such offline image: a usage error listing the offline images there are', async () => {
    const specs = await loadToolchains(DEFAULT_SPECS_DIR);
    const f = fakeDeps();
    await assert.rejects(
      run({ ...base, offline: true, go: '9.99' }, f.deps),
      (e: Error) =>
        e instanceof UsageError &&
        e.message ===
          `no offline image with Go 9.99 in specs/toolchains.yaml; offline images: ${specs.offline.map((o) => `Go ${o.go} (${o.image})`).join(', ')}`,
    );
    assert.equal(f.runner.calls.length, 0);
  });

  it('no Docker engine: a missing prerequisite before anything is built', async () => {
    const f = fakeDeps({ docker: new FakeDocker({}) });
    await assert.rejects(run({ ...base, go: '1.19' }, f.deps), MissingPrerequisite);
    assert.equal(f.runner.calls.length, 0);
  });
});
