import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StepSkipped } from '../../src/errors.ts';
import { silentLogger } from '../../src/log.ts';
import { StepBug, UserError } from '../../src/errors.ts';
import { type Step, alongside, runSteps } from '../../src/step.ts';

describe('runSteps', () => {
  const ran: string[] = [];
  const step = (
    name: string,
    writes: boolean,
    run: () => Promise<void> = async () => void ran.push(name),
  ): Step<object> => ({ name, writes, run });

  it('does not run steps that write in a dry run, and reports them as skipped', async () => {
    ran.length = 0;
    const reports = await runSteps(
      [step('plan', false), step('compile', true)],
      {},
      { dryRun: true, log: silentLogger },
    );
    assert.deepEqual(ran, ['plan']);
    assert.deepEqual(
      reports.map((r) => [r.name, r.status, r.reason]),
      [
        ['plan', 'done', undefined],
        ['compile', 'skipped', 'dry run'],
      ],
    );
  });

  it('reports StepSkipped as a skip, not a failure', async () => {
    const reports = await runSteps(
      [
        step('patch', true, async () => {
          throw new StepSkipped('build-tag era');
        }),
      ],
      {},
      { dryRun: false, log: silentLogger },
    );
    assert.equal(reports[0]?.status, 'skipped');
  });

  it('turns a bug in a step into a StepBug that names the step and keeps the cause', async () => {
    await assert.rejects(
      runSteps(
        [
          step('fetch', true, async () => {
            throw new Error('boom');
          }),
        ],
        {},
        { dryRun: false, log: silentLogger },
      ),
      (e: unknown) =>
        e instanceof StepBug && e.step === 'fetch' && e.cause instanceof Error && e.cause.message === 'boom',
    );
  });

  it('lets a user error through with its class and message, and names its step', async () => {
    class Mine extends UserError {}
    await assert.rejects(
      runSteps(
        [
          step('fetch', true, async () => {
            throw new Mine('the tag moved');
          }),
        ],
        {},
        { dryRun: false, log: silentLogger },
      ),
      (e: unknown) => e instanceof Mine && e.step === 'fetch' && e.message === 'the tag moved',
    );
  });

  describe('a step alongside the one before it', () => {
    /** A step that says when it starts and ends, and ends when `gate` settles. */
    const gated = (name: string, events: string[], gate: Promise<void>, fail?: Error): Step<object> => ({
      name,
      writes: true,
      run: async () => {
        events.push(`${name} starts`);
        await gate;
        events.push(`${name} ends`);
        if (fail) throw fail;
      },
    });
    const logged = () => {
      const lines: string[] = [];
      return { lines, log: { ...silentLogger, info: (m: string) => void lines.push(m) } };
    };

    it('starts with it; the list goes on when both have ended; reports and labels keep the list order', async () => {
      const events: string[] = [];
      let open!: () => void;
      const gate = new Promise<void>((resolve) => (open = resolve));
      const { lines, log } = logged();
      const run = runSteps(
        [
          gated('compile', events, Promise.resolve()),
          gated('verify', events, gate),
          alongside(gated('package RPM', events, Promise.resolve())),
          gated('store result', events, Promise.resolve()),
        ],
        {},
        { dryRun: false, log, groups: true },
      );
      // verify waits for the gate: package RPM has started, and ended, meanwhile; store result has not started
      await new Promise((resolve) => setTimeout(resolve, 20));
      assert.deepEqual(events, [
        'compile starts',
        'compile ends',
        'verify starts',
        'package RPM starts',
        'package RPM ends',
      ]);
      open();
      const reports = await run;
      assert.deepEqual(events.slice(5), ['verify ends', 'store result starts', 'store result ends']);
      assert.deepEqual(
        reports.map((r) => r.name),
        ['compile', 'verify', 'package RPM', 'store result'],
      );
      assert.ok(lines.includes('[3/4] package RPM ...') && lines.includes('[2/4] verify ...'));
      // GitHub's log groups do not interleave: the steps side by side open none
      assert.deepEqual(
        lines.filter((l) => l.startsWith('::group::')),
        ['::group::[1/4] compile', '::group::[4/4] store result'],
      );
    });

    it('a failure is thrown once both have ended, the earlier step first; nothing after them runs', async () => {
      const events: string[] = [];
      class Failed extends UserError {}
      await assert.rejects(
        runSteps(
          [
            gated('verify', events, Promise.resolve(), new Failed('the kmem proof failed')),
            alongside(gated('package RPM', events, new Promise((r) => setTimeout(r, 20)), new Error('rpmbuild bug'))),
            gated('store result', events, Promise.resolve()),
          ],
          {},
          { dryRun: false, log: silentLogger },
        ),
        (e: unknown) => e instanceof Failed && e.step === 'verify',
      );
      assert.deepEqual(events, ['verify starts', 'package RPM starts', 'verify ends', 'package RPM ends']);

      // the later one's failure, when the earlier passed
      await assert.rejects(
        runSteps(
          [
            gated('verify', [], Promise.resolve()),
            alongside(gated('package RPM', [], Promise.resolve(), new Error('boom'))),
          ],
          {},
          { dryRun: false, log: silentLogger },
        ),
        (e: unknown) => e instanceof StepBug && e.step === 'package RPM',
      );
    });

    it('is skipped by its own rule (or a dry run) while the other runs', async () => {
      const events: string[] = [];
      const reports = await runSteps(
        [
          gated('verify', events, Promise.resolve()),
          alongside({ ...gated('package RPM', events, Promise.resolve()), skip: () => 'packages cached' }),
        ],
        {},
        { dryRun: false, log: silentLogger },
      );
      assert.deepEqual(events, ['verify starts', 'verify ends']);
      assert.deepEqual(
        reports.map((r) => [r.name, r.status, r.reason]),
        [
          ['verify', 'done', undefined],
          ['package RPM', 'skipped', 'packages cached'],
        ],
      );
    });
  });
});
