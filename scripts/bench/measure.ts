// What the benchmark's figures share: how nokmem is started (the compiled CLI where it is built, else tsx), the
// environment of a run (the development key, nothing of the caller's nokmem settings), timing a run N times and
// taking the median, and the table that prints each figure beside the one issue 20 measured before.

import { existsSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { buildSteps } from '../../src/pipeline.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** `node dist/cli.js` once the compiled CLI is built, else the TypeScript CLI through tsx (as before). */
export function nokmemCommand(): { command: string[]; how: string } {
  const compiled = path.join(ROOT, 'dist/cli.js');
  if (existsSync(compiled)) return { command: ['node', compiled], how: 'node dist/cli.js' };
  return { command: ['node', '--import', 'tsx', path.join(ROOT, 'src/cli.ts')], how: 'node --import tsx src/cli.ts' };
}

/** The caller's environment without what would change what is measured: a signing key, a chosen image or cache. */
export function benchEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('NOKMEM_')) env[k] = v;
  return { ...env, ...(dataDir ? { NOKMEM_DATA_DIR: dataDir } : {}), ...extra };
}

let dataDir: string | undefined;

/**
 * The data directory of every run from now on (the development key: made once per machine, not per cache), inside
 * the benchmark's own directory rather than the user's.
 */
export function useDataDir(dir: string): void {
  dataDir = dir;
}

/** Runs nokmem with these arguments; the output, and the seconds from spawn to exit. */
export async function runNokmem(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ stdout: string; seconds: number }> {
  const [command = 'node', ...before] = nokmemCommand().command;
  const started = performance.now();
  const r = await execa(command, [...before, ...args], { env: benchEnv(env), extendEnv: false, cwd: ROOT });
  return { stdout: String(r.stdout), seconds: (performance.now() - started) / 1000 };
}

export async function seconds(run: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await run();
  return (performance.now() - started) / 1000;
}

/** One figure measured `runs` times: every time, in order, and the median. */
export interface Sample {
  times: number[];
  median: number;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export const sampleOf = (times: number[]): Sample => ({ times, median: median(times) });

/**
 * Runs `measure` `runs` times, one after another (never side by side: they would share the two cores). `prepare`
 * runs before each, outside the time (a fresh cache, a fresh tree).
 */
export async function sample(
  runs: number,
  measure: (i: number) => Promise<number>,
  prepare?: (i: number) => Promise<void>,
): Promise<Sample> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    await prepare?.(i);
    times.push(await measure(i));
  }
  return sampleOf(times);
}

/** One line of the table: what was measured, the figure now, the figure before (issue 20) and the target. */
export interface Row {
  figure: string;
  now: string;
  before?: string;
  target?: string;
}

export const secondsOf = (s: Sample, digits = 2) =>
  `${s.median.toFixed(digits)} s [${s.times.map((t) => t.toFixed(digits)).join(' ')}]`;

export const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}x`;

export function printTable(title: string, rows: readonly Row[]): void {
  console.log(title);
  const head: Row = { figure: 'figure', now: 'now: median [each run]', before: 'before (issue 20)', target: 'target' };
  const all = [head, ...rows];
  const w = (key: keyof Row) => Math.max(...all.map((r) => (r[key] ?? '').length));
  const [wf, wn, wb] = [w('figure'), w('now'), w('before')];
  for (const r of all)
    console.log(
      `${r.figure.padEnd(wf)}  ${r.now.padEnd(wn)}  ${(r.before ?? '').padEnd(wb)}  ${r.target ?? ''}`.trimEnd(),
    );
}

/** A step of a build's --json report. */
export type StepReport = { name: string; status: string; seconds: number };
export const stepsOf = (stdout: string) => (JSON.parse(stdout) as { steps: StepReport[] }).steps;

const ALONGSIDE = new Set(buildSteps.filter((s) => s.alongside).map((s) => s.name));

/** The wall time of steps in the pipeline's order: a step run alongside the one before it counts with the longer. */
export function elapsed(list: readonly StepReport[]): number {
  let total = 0;
  let previous = 0;
  for (const s of list) {
    if (ALONGSIDE.has(s.name)) {
      total += Math.max(0, s.seconds - previous);
      previous = Math.max(previous, s.seconds);
    } else {
      total += s.seconds;
      previous = s.seconds;
    }
  }
  return total;
}

/** Each phase of the pipeline in one column per run (a median run), and the rest of the run: node and the CLI. */
export function printPhases(columns: readonly { title: string; steps: StepReport[]; wall: number }[]): void {
  const cell = (text: string) => text.padEnd(18);
  const phase = (list: StepReport[], name: string) => {
    const s = list.find((x) => x.name === name);
    return cell(!s ? '-' : s.status === 'done' ? `${s.seconds.toFixed(2)} s` : `(${s.status})`);
  };
  const names = columns[0]?.steps.map((s) => s.name) ?? [];
  const width = Math.max(...names.map((n) => n.length + 2), 38);
  const line = (head: string, cells: string[]) => console.log(`${head.padEnd(width)}  ${cells.join(' ')}`.trimEnd());
  line(
    'phase (the median run)',
    columns.map((c) => cell(c.title)),
  );
  for (const name of names)
    line(
      `  ${name}${ALONGSIDE.has(name) ? ' (alongside)' : ''}`,
      columns.map((c) => phase(c.steps, name)),
    );
  line(
    '  outside the steps (node, CLI start)',
    columns.map((c) => cell(`${(c.wall - elapsed(c.steps)).toFixed(2)} s`)),
  );
}

/** Builds `runs` times (`prepare` before each, outside the time): the times, their median, each run's --json output, and which run is the median one. */
export async function buildSample(
  runs: number,
  run: (i: number) => Promise<{ stdout: string; seconds: number }>,
  prepare?: (i: number) => Promise<void>,
) {
  const outputs: string[] = [];
  const s = await sample(
    runs,
    async (i) => {
      const r = await run(i);
      outputs.push(r.stdout);
      return r.seconds;
    },
    prepare,
  );
  // The run whose time is the median (the upper middle one for an even count): its phases are shown.
  const medianRun = s.times.indexOf([...s.times].sort((a, b) => a - b)[Math.floor(runs / 2)]!);
  return { ...s, outputs, medianRun, medianSteps: stepsOf(outputs[medianRun]!) };
}
