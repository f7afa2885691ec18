// The containers nokmem starts (src/containers.ts): the sweep removes those whose owner is provably dead, and no
// other; a tied container that ends before it is up is an error.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { execa } from 'execa';
import { TIED_MAIN, startTied, sweepDeadContainers } from '../../src/containers.ts';
import { CommandFailed } from '../../src/errors.ts';
import { currentOwner, startTime } from '../../src/owner.ts';
import { fakeRunner } from '../helpers/fakes.ts';

describe('sweepDeadContainers', () => {
  it("removes the containers of this boot's dead owners, and only those", async () => {
    const me = currentOwner()!;
    const child = execa('true');
    await child;
    const dead = child.pid!;
    const rows = [
      ['nokmem-1-dead', me.pidns, dead, '123'],
      ['nokmem-2-reused', me.pidns, 1, String(Number(startTime(1)) + 7)],
      ['nokmem-3-alive', me.pidns, process.pid, me.start],
      ['nokmem-4-init', me.pidns, 1, startTime(1)],
      ['nokmem-5-other-namespace', '1', dead, '123'],
      ['nokmem-6-unlabelled', '', '', ''],
    ].map((r) => r.join('\t'));
    const runner = fakeRunner([
      { command: 'docker', args: ['ps'], result: { stdout: `${rows.join('\n')}\n` } },
      { command: 'docker', args: ['rm', '--force'] },
    ]);
    assert.deepEqual(await sweepDeadContainers(runner), ['nokmem-1-dead', 'nokmem-2-reused']);
    const [ps] = runner.callsTo({ command: 'docker', args: ['ps'] });
    // only this boot's containers are asked for: another host's or boot's are never judged
    assert.deepEqual(ps?.args.slice(0, 4), ['ps', '--all', '--filter', `label=dev.nokmem.owner.boot=${me.boot}`]);
    assert.deepEqual(runner.callsTo({ command: 'docker', args: ['rm'] })[0]?.args, [
      'rm',
      '--force',
      'nokmem-1-dead',
      'nokmem-2-reused',
    ]);
  });

  it('an engine that cannot list containers removes nothing', async () => {
    const runner = fakeRunner([{ command: 'docker', args: ['ps'], result: { exitCode: 1, stderr: 'no engine' } }]);
    assert.deepEqual(await sweepDeadContainers(runner), []);
  });
});

describe('startTied', () => {
  it('a container that ends before it says it is up is a CommandFailed with its reason', async () => {
    const runner = fakeRunner([
      { command: 'docker', args: ['run'], result: { exitCode: 125, stderr: 'docker: invalid tmpfs option' } },
    ]);
    await assert.rejects(
      startTied(runner, ['run', '--interactive', 'img', ...TIED_MAIN], 'start a packager container'),
      (e: unknown) => e instanceof CommandFailed && /invalid tmpfs option/.test(e.message),
    );
  });
});
