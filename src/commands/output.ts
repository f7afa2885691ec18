// What the commands print the same way: JSON results, and check lists as tables.

import type { Check } from '../verify/verdict.js';
import type { CliEnv } from './environment.js';

export function writeJson(env: CliEnv, value: unknown): void {
  env.out(`${JSON.stringify(value, null, 2)}\n`);
}

/**
 * A list of checks as a table, one line each: status, name, detail. The name column is as wide as the longest
 * name (at least 22), so a name and its detail are always two spaces apart or more.
 */
export function checkTable(checks: readonly Check[], indent = '', width = nameWidth(checks)): string {
  return checks.map((c) => `${indent}${c.status.toUpperCase().padEnd(8)}${c.name.padEnd(width)}${c.detail}\n`).join('');
}

/** The name column width for these checks (pass all the checks of one table, printed in parts). */
export function nameWidth(checks: readonly Check[]): number {
  return Math.max(22, ...checks.map((c) => c.name.length + 2));
}
