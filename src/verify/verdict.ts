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
