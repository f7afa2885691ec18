// nokmem pin (src/commands/pin.ts) with a fake runner: what it asks git, what it prints, when it refuses.

import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { run } from '../../../src/commands/pin.ts';
import { InputError, UsageError } from '../../../src/errors.ts';
import { DEFAULT_SPECS_DIR } from '../../../src/project.ts';
import { fakeDeps } from '../../helpers/command-deps.ts';

const RC5 = '4fc53a81fb7c994640722ac585fa9ca548971871';
const OTHER = 'a'.repeat(40);
const lsRemote = (sha: string, tag: string) => ({
  command: 'git',
  args: ['ls-remote'],
  result: { stdout: `${sha}\trefs/tags/${tag}\n` },
});

describe('nokmem pin', () => {
  it('asks the upstream of versions.yaml for the tag and says it is already pinned', async () => {
    const f = fakeDeps({ script: [lsRemote(RC5, 'v1.0.0-rc5')] });
    await run({ runc: 'v1.0.0-rc5', specs: DEFAULT_SPECS_DIR }, f.deps);
    assert.equal(f.stdout(), `runc v1.0.0-rc5 ${RC5} (already pinned)\n`);
    assert.equal(f.runner.calls.length, 1);
    assert.deepEqual(f.runner.calls[0]!.args, [
      'ls-remote',
      '--tags',
      '--',
      'https://github.com/opencontainers/runc.git',
      'refs/tags/v1.0.0-rc5',
      'refs/tags/v1.0.0-rc5^{}',
    ]);
  });

  it('a tag that moved off its pin is refused, naming both commits', async () => {
    const f = fakeDeps({ script: [lsRemote(OTHER, 'v1.0.0-rc5')] });
    await assert.rejects(
      run({ runc: 'v1.0.0-rc5', specs: DEFAULT_SPECS_DIR, remote: '/srv/mirror/runc' }, f.deps),
      (e: Error) =>
        e instanceof InputError &&
        e.message ===
          `runc v1.0.0-rc5 is pinned to ${RC5} but file:///srv/mirror/runc says ${OTHER}; the tag moved or the remote is wrong`,
    );
    assert.equal(f.runner.calls[0]!.args[3], 'file:///srv/mirror/runc');
  });

  it('a tag the remote lacks: an input error with what to check', async () => {
    const f = fakeDeps({ script: [{ command: 'git', args: ['ls-remote'], result: { stdout: '' } }] });
    await assert.rejects(
      run({ kubelet: 'v1.12.4', specs: DEFAULT_SPECS_DIR }, f.deps),
      /^InputError: tag v1\.12\.4 is not on https:\/\/github\.com\/kubernetes\/kubernetes\.git; check the version or --remote$/,
    );
    assert.equal(f.stdout(), '');
  });

  it('--write records an unpinned tag in pins.yaml', async () => {
    const specs = await mkdtemp(path.join(os.tmpdir(), 'pin-specs-'));
    try {
      await cp(DEFAULT_SPECS_DIR, specs, { recursive: true });
      const f = fakeDeps({ script: [lsRemote(OTHER, 'v1.0.0-rc94')] });
      await run({ runc: 'v1.0.0-rc94', specs, write: true }, f.deps);
      assert.equal(f.stdout(), `runc v1.0.0-rc94 ${OTHER} (written)\n`);
      assert.match(await readFile(path.join(specs, 'pins.yaml'), 'utf8'), new RegExp(`v1\\.0\\.0-rc94: ${OTHER}`));
    } finally {
      await rm(specs, { recursive: true, force: true });
    }
  });

  it('no version, or two: a usage error (exit 2) that says what to give, and git is never asked', async () => {
    const f = fakeDeps();
    await assert.rejects(
      run({ specs: DEFAULT_SPECS_DIR }, f.deps),
      (e: Error) =>
        e instanceof UsageError &&
        e.exitCode === 2 &&
        e.message === 'which release? give --kubelet VERSION (e.g. v1.12.4) or --runc VERSION (e.g. v1.0.0-rc5)',
    );
    await assert.rejects(run({ runc: 'v1.0.0-rc5', kubelet: 'v1.12.4', specs: DEFAULT_SPECS_DIR }, f.deps), UsageError);
    assert.equal(f.runner.calls.length, 0);
  });
});
