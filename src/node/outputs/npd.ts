// node-problem-detector's custom-plugin contract: exit 0 no problem, 1 problem, anything else unknown; stdout is
// the message, which NPD cuts at max_output_length (80 by default), so the line is made to fit.

import type { DoctorReport } from '../verdict.js';

export const NPD_MAX_OUTPUT = 80;

export function npdOutput(report: DoctorReport, maxLength = NPD_MAX_OUTPUT): { text: string; exitCode: number } {
  const exitCode = report.verdict === 'ok' ? 0 : report.verdict === 'unknown' ? 3 : 1;
  const head = `nokmem ${report.verdict}: `;
  const full = `${head}${report.nextStep}`;
  // NPD cuts bytes (a Go string slice): count bytes, end a cut line with an ASCII "...".
  let text = full;
  if (Buffer.byteLength(full) > maxLength) {
    text = full.slice(0, maxLength - 3);
    while (Buffer.byteLength(text) > maxLength - 3) text = text.slice(0, -1);
    text = `${text.trimEnd()}...`;
  }
  return { text: `${text}\n`, exitCode };
}
