// The doctor's outputs, each a small plug-in over the same report (node-problem-detector's exporters, for a
// one-shot run): the table for people, --json for scripts, --npd for node-problem-detector's custom plugins,
// --prometheus for node_exporter's textfile collector. The agent's outputs (the Node object, /metrics, the kured
// sentinel) are in src/node/agent/.

import type { DoctorReport } from '../verdict.js';
import { metricsText } from './metrics.js';
import { toNodeReport } from './node-report.js';
import { npdOutput } from './npd.js';
import { formatText } from './text.js';

export interface Printed {
  text: string;
  exitCode: number;
}

export interface PrintContext {
  node: string;
  time: Date;
}

export type Printer = (report: DoctorReport, context: PrintContext) => Printed;

export const PRINTERS = {
  text: (report) => ({ text: formatText(report), exitCode: report.exitCode }),
  json: (report) => ({ text: `${JSON.stringify(report, null, 2)}\n`, exitCode: report.exitCode }),
  npd: (report) => npdOutput(report),
  prometheus: (report, { node, time }) => ({
    text: metricsText(node, toNodeReport(report, time)),
    exitCode: report.exitCode,
  }),
} satisfies Record<string, Printer>;

export type PrinterName = keyof typeof PRINTERS;
