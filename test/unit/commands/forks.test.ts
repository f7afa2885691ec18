// nokmem forks (src/commands/forks.ts): the list and the --docker answer from the real specs, and the refusal
// of a --docker that is not a release.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { run } from '../../../src/commands/forks.ts';
import { UsageError } from '../../../src/errors.ts';
import { DEFAULT_SPECS_DIR } from '../../../src/project.ts';
import { loadForkSpecs } from '../../../src/specs.ts';
import { fakeDeps } from '../../helpers/command-deps.ts';

describe('nokmem forks', () => {
  it('--json lists every fork of forks.yaml with its claimed method', async () => {
    const f = fakeDeps();
    await run({ specs: DEFAULT_SPECS_DIR, json: true }, f.deps);
    const printed = JSON.parse(f.stdout()) as { forks: { name: string; method: string }[] };
    const specs = await loadForkSpecs(`${DEFAULT_SPECS_DIR}/forks.yaml`);
    assert.deepEqual(
      printed.forks.map((e) => e.name),
      Object.keys(specs.forks),
    );
    assert.ok(printed.forks.every((e) => typeof e.method === 'string' && e.method.length > 0));
  });

  it('the list for people names every fork', async () => {
    const f = fakeDeps();
    await run({ specs: DEFAULT_SPECS_DIR }, f.deps);
    for (const name of Object.keys((await loadForkSpecs(`${DEFAULT_SPECS_DIR}/forks.yaml`)).forks))
      assert.ok(f.stdout().includes(name), `${name} missing from:\n${f.stdout()}`);
  });

  it('--docker answers for that release and distribution', async () => {
    const f = fakeDeps();
    await run({ specs: DEFAULT_SPECS_DIR, docker: '18.09.2', centos: true, json: true }, f.deps);
    const answer = JSON.parse(f.stdout()) as { docker: string; distribution: string };
    assert.equal(answer.docker, '18.09.2');
    assert.equal(answer.distribution, 'centos');
  });

  it('--docker that is not a release: a usage error with an example', async () => {
    const f = fakeDeps();
    await assert.rejects(
      run({ specs: DEFAULT_SPECS_DIR, docker: 'latest' }, f.deps),
      (e: Error) =>
        e instanceof UsageError && e.message === '--docker "latest" is not a docker release; give one like 18.09.2',
    );
    assert.equal(f.stdout(), '');
  });
});
