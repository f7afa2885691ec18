// The doctor's table for people: one line per finding, then the verdict and the next step.

import type { DoctorReport } from '../verdict.js';

export function formatText(report: DoctorReport): string {
  const mark = { ok: 'ok  ', warn: 'warn', bad: 'BAD ', info: '    ' } as const;
  const lines = report.findings.map((f) => `${mark[f.level]} ${f.area.padEnd(9)} ${f.message}`);
  if (report.missing.length) lines.push(`warn unread     ${report.missing.join('; ')}`);
  lines.push('', `verdict: ${report.verdict}`, `next:    ${report.nextStep}`);
  return `${lines.join('\n')}\n`;
}
