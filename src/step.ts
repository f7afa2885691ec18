// The step contract and the one wrapper that runs steps: it logs each step's name and duration, reports skips
// as skips (not failures), enforces --dry-run (a step that writes does not run), and puts the step's name on
// any error that escapes it: a UserError keeps its class and message and learns its step; anything else is a bug
// and becomes a StepBug, with the original as its cause.

import { StepBug, StepSkipped, UserError } from './errors.js';
import type { Logger } from './log.js';

export interface Step<C> {
  name: string;
  /** Steps that write (cache, workspace, output) or publish do not run in a dry run. */
  writes: boolean;
  /** A reason to skip this step for this context, or undefined to run it. */
  skip?(ctx: C): string | undefined;
  run(ctx: C): Promise<void>;
}

export interface StepReport {
  name: string;
  status: 'done' | 'skipped' | 'failed';
  seconds: number;
  reason?: string;
}

/** In GitHub Actions, each step's log is folded into a group named after the step. */
export async function runSteps<C>(
  steps: readonly Step<C>[],
  ctx: C,
  options: {
    dryRun: boolean;
    log: Logger;
    groups?: boolean;
    /** When these steps continue a longer list (plan, then apply): how many came before, and the whole count. */
    first?: number;
    total?: number;
  },
): Promise<StepReport[]> {
  const reports: StepReport[] = [];
  const total = options.total ?? steps.length;
  const width = String(total).length;
  for (const [index, step] of steps.entries()) {
    const label = `[${String((options.first ?? 0) + index + 1).padStart(width)}/${total}] ${step.name}`;
    const reason = options.dryRun && step.writes ? 'dry run' : step.skip?.(ctx);
    if (reason) {
      reports.push({ name: step.name, status: 'skipped', seconds: 0, reason });
      options.log.info(`${label}: skipped (${reason})`);
      continue;
    }
    const started = performance.now();
    if (options.groups) options.log.info(`::group::${label}`);
    options.log.info(`${label} ...`);
    try {
      await step.run(ctx);
      if (options.groups) options.log.info('::endgroup::');
      const seconds = (performance.now() - started) / 1000;
      reports.push({ name: step.name, status: 'done', seconds });
      options.log.info(`${label}: done in ${seconds.toFixed(1)}s`);
    } catch (error) {
      const seconds = (performance.now() - started) / 1000;
      if (options.groups) options.log.info('::endgroup::');
      if (error instanceof StepSkipped) {
        reports.push({ name: step.name, status: 'skipped', seconds, reason: error.reason });
        options.log.info(`${label}: skipped (${error.reason})`);
        continue;
      }
      reports.push({ name: step.name, status: 'failed', seconds });
      options.log.info(`${label}: failed after ${seconds.toFixed(1)}s`);
      if (error instanceof UserError) {
        error.step ??= step.name;
        throw error;
      }
      throw new StepBug(step.name, error);
    }
  }
  return reports;
}
