// nokmem matrix (src/commands/matrix.ts): the matrix from the real specs, on stdout, and the refusal of --only.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { run } from '../../../src/commands/matrix.ts';
import { UsageError } from '../../../src/errors.ts';
import { DEFAULT_SPECS_DIR } from '../../../src/project.ts';
import { fakeDeps } from '../../helpers/command-deps.ts';

type Matrix = { include: { component: string; version: string; args: string }[] };

describe('nokmem matrix', () => {
  it('prints one line of JSON, --only keeping one component, and runs nothing', async () => {
    const all = fakeDeps();
    await run({ specs: DEFAULT_SPECS_DIR }, all.deps);
    assert.match(all.stdout(), /^\{.*\}\n$/);
    const every = (JSON.parse(all.stdout()) as Matrix).include;
    assert.ok(every.some((e) => e.component === 'runc') && every.some((e) => e.component === 'kubelet'));
    const only = fakeDeps();
    await run({ specs: DEFAULT_SPECS_DIR, only: 'runc' }, only.deps);
    const runc = (JSON.parse(only.stdout()) as Matrix).include;
    assert.ok(runc.length > 0 && runc.every((e) => e.component === 'runc' && e.args === `--runc ${e.version}`));
    assert.equal(all.runner.calls.length + only.runner.calls.length, 0);
  });

  it('--only something else: a usage error naming the value and the choices', async () => {
    const f = fakeDeps();
    await assert.rejects(
      run({ specs: DEFAULT_SPECS_DIR, only: 'docker' }, f.deps),
      (e: Error) => e instanceof UsageError && e.message === '--only "docker" is not runc, kubelet or fork',
    );
    assert.equal(f.stdout(), '');
  });
});
