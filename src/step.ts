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
  /** Starts together with the step before it (alongside()): neither reads what the other sets. */
  alongside?: boolean;
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

export interface StepOptions {
  dryRun: boolean;
  log: Logger;
  /** In GitHub Actions, each step's log is folded into a group named after the step. */
  groups?: boolean;
  /** When these steps continue a longer list (plan, then apply): how many came before, and the whole count. */
  first?: number;
  total?: number;
}

const labelOf = (name: string, index: number, options: StepOptions) => {
  const total = options.total ?? index + 1;
  return `[${String((options.first ?? 0) + index + 1).padStart(String(total).length)}/${total}] ${name}`;
};

/**
 * Runs one step's work under the wrapper (log, timing, error context) and adds its report. Planning steps are plain
 * functions that return their value; they come here directly. A StepSkipped is returned, not thrown.
 */
async function timed<T>(
  name: string,
  label: string,
  work: () => Promise<T>,
  options: StepOptions,
  reports: StepReport[],
): Promise<{ value: T } | StepSkipped> {
  const started = performance.now();
  if (options.groups) options.log.info(`::group::${label}`);
  options.log.info(`${label} ...`);
  try {
    const value = await work();
    if (options.groups) options.log.info('::endgroup::');
    const seconds = (performance.now() - started) / 1000;
    reports.push({ name, status: 'done', seconds });
    options.log.info(`${label}: done in ${seconds.toFixed(1)}s`);
    return { value };
  } catch (error) {
    const seconds = (performance.now() - started) / 1000;
    if (options.groups) options.log.info('::endgroup::');
    if (error instanceof StepSkipped) {
      reports.push({ name, status: 'skipped', seconds, reason: error.reason });
      options.log.info(`${label}: skipped (${error.reason})`);
      return error;
    }
    reports.push({ name, status: 'failed', seconds });
    options.log.info(`${label}: failed after ${seconds.toFixed(1)}s`);
    if (error instanceof UserError) {
      error.step ??= name;
      throw error;
    }
    throw new StepBug(name, error);
  }
}

/** A planning step (a plain function that writes nothing), run as step number `index` of the list. */
export async function runPlanStep<T>(
  step: { name: string },
  work: () => Promise<T>,
  index: number,
  options: StepOptions,
  reports: StepReport[],
): Promise<T> {
  const outcome = await timed(step.name, labelOf(step.name, index, options), work, options, reports);
  if (outcome instanceof StepSkipped) throw new StepBug(step.name, outcome);
  return outcome.value;
}

/**
 * The step, run side by side with the one before it in a list: both start together, and the list goes on when both
 * have ended. A failure of either is thrown once both have ended (the earlier step's first), so nothing is left
 * running behind an error.
 */
export const alongside = <C>(step: Step<C>): Step<C> => ({ ...step, alongside: true });

export async function runSteps<C>(steps: readonly Step<C>[], ctx: C, options: StepOptions): Promise<StepReport[]> {
  const reports: StepReport[] = [];
  const all = { ...options, total: options.total ?? steps.length };
  const start = (step: Step<C>, index: number, into: StepReport[], grouped: boolean) => {
    const label = labelOf(step.name, index, all);
    const reason = options.dryRun && step.writes ? 'dry run' : step.skip?.(ctx);
    if (reason) {
      into.push({ name: step.name, status: 'skipped', seconds: 0, reason });
      options.log.info(`${label}: skipped (${reason})`);
      return Promise.resolve();
    }
    // side by side, the log of each is not folded into a group of its own (GitHub's groups do not interleave)
    return timed(step.name, label, () => step.run(ctx), grouped ? { ...all, groups: false } : all, into);
  };
  for (let index = 0; index < steps.length;) {
    let size = 1;
    while (steps[index + size]?.alongside) size++;
    if (size === 1) await start(steps[index]!, index, reports, false);
    else {
      // each step's report in the list's order, whichever ends first
      const group = steps.slice(index, index + size).map((step, i) => {
        const own: StepReport[] = [];
        return { own, done: start(step, index + i, own, true) };
      });
      const settled = await Promise.allSettled(group.map((g) => g.done));
      for (const g of group) reports.push(...g.own);
      const failed = settled.find((r) => r.status === 'rejected');
      if (failed) throw failed.reason;
    }
    index += size;
  }
  return reports;
}
