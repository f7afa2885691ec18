import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StepSkipped } from '../../src/errors.ts';
import { silentLogger } from '../../src/log.ts';
import { StepBug, UserError } from '../../src/errors.ts';
import { type Step, runSteps } from '../../src/step.ts';

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
});
