// The shape of a verification result: named checks, each passed, failed or skipped (with the reason).
// A skipped check is never counted as a pass; the verdict says which proofs were made and which were not.

export type CheckStatus = 'pass' | 'fail' | 'skipped';

export interface Check {
  name: string;
  status: CheckStatus;
  detail: string;
}

export interface Verdict {
  ok: boolean;
  checks: Check[];
}

export function verdictOf(checks: Check[]): Verdict {
  return { ok: checks.every((c) => c.status !== 'fail') && checks.some((c) => c.status === 'pass'), checks };
}

export const pass = (name: string, detail: string): Check => ({ name, status: 'pass', detail });
export const fail = (name: string, detail: string): Check => ({ name, status: 'fail', detail });
export const skipped = (name: string, detail: string): Check => ({ name, status: 'skipped', detail });

/**
 * The one short line a failed verification ends with, after its table: what failed, how many of how many
 * checks, and their names (each once). Details are in the table, never here.
 */
export function failureSummary(subject: string, checks: readonly Check[]): string {
  const failed = checks.filter((c) => c.status === 'fail');
  if (failed.length === 0) return `${subject}: no check passed`;
  const names = [...new Set(failed.map((c) => c.name))];
  // At most about 80 characters of names: the rest are counted, and all of them are in the table above.
  const shown: string[] = [];
  for (const [i, name] of names.entries()) {
    if (shown.join(', ').length + name.length > 80) {
      shown.push(`${names.length - i} more`);
      break;
    }
    shown.push(name);
  }
  return `${subject}: ${failed.length} of ${checks.length} checks failed (${shown.join(', ')})`;
}
