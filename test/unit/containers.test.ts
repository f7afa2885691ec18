// The containers nokmem starts (src/containers.ts): the sweep removes those whose owner is provably dead, and no
// other; a tied container that ends before it is up is an error; which runs fit a session's container.

import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { execa } from 'execa';
import { type ContainerRun, TIED_MAIN, fitsSession, startTied, sweepDeadContainers } from '../../src/containers.ts';
import { hostMount } from '../../src/docker-mounts.ts';
import { CommandFailed } from '../../src/errors.ts';
import { currentOwner, startTime } from '../../src/owner.ts';
import { fakeRunner } from '../helpers/fakes.ts';
import { tempDir } from '../helpers/tmp.ts';

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

describe('fitsSession', () => {
  const USER = '10001:10001';
  const IMAGE = 'nokmem-builder:debian-go1.19';
  const run = (host: string, more: Partial<ContainerRun> = {}): ContainerRun => ({
    image: IMAGE,
    command: ['true'],
    mounts: [hostMount(host)],
    purpose: 'test',
    ...more,
  });

  it('fits a run of the same image and user whose mounts lie inside a mounted root, at the same place', async () => {
    const root = await tempDir('nokmem-fits-');
    await mkdir(path.join(root, 'rpm'));
    const roots = [hostMount(root)];
    assert.equal(await fitsSession(run(path.join(root, 'rpm')), IMAGE, roots, '0:0'), true);
    assert.equal(await fitsSession(run(root, { user: USER }), IMAGE, roots, USER), true);
  });

  it('does not fit another image, user, a mount outside the roots, extra options, a time limit or an isolated run', async () => {
    const root = await tempDir('nokmem-fits-');
    const roots = [hostMount(root)];
    const no = async (spec: ContainerRun) => assert.equal(await fitsSession(spec, IMAGE, roots, '0:0'), false);
    await no(run(root, { image: 'other:1' }));
    await no(run(root, { user: USER }));
    await no(run(path.dirname(root)));
    await no({ ...run(root), mounts: [{ host: root, container: '/elsewhere' }] });
    await no(run(root, { options: ['--network', 'none'] }));
    await no(run(root, { timeoutMs: 1000 }));
    await no(run(root, { isolated: true }));
    // a read-only root takes no writable mount
    assert.equal(await fitsSession(run(root), IMAGE, [hostMount(root, true)], '0:0'), false);
  });
});
