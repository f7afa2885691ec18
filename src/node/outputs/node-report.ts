// The doctor's report as the contract the agent publishes on its Node (src/node/report.ts): what fleet and
// dashboards read. Pure.

import { type NodeReport, REPORT_SCHEMA } from '../report.js';
import type { DoctorReport } from '../verdict.js';

export interface RebootRequest {
  /** When the agent raised its sentinel. */
  at: string;
  /** The boot it asked to end (proc/sys/kernel/random/boot_id): a later boot means the reboot happened. */
  bootId: string;
  /** It rebooted once for nokmem and the verdict still said reboot: the agent stopped asking. */
  gaveUp: boolean;
}

export function toNodeReport(report: DoctorReport, time: Date, reboot?: RebootRequest | null): NodeReport {
  const gaveUp = reboot?.gaveUp === true;
  return {
    schema: REPORT_SCHEMA,
    time: time.toISOString(),
    verdict: report.verdict,
    nextStep: gaveUp
      ? `a reboot for nokmem (asked ${reboot.at}) did not clear kmem accounting on kubepods: the agent stopped asking; look at this node by hand (${report.nextStep})`
      : report.nextStep,
    kernel: report.facts.kernel ?? null,
    bootFlag: report.bootFlag,
    kmemOnKubepods: report.kmemOnKubepods,
    liveMemoryCgroups: report.facts.liveMemoryCgroups ?? null,
    headroom: report.headroom,
    exhaustionErrors: report.facts.exhaustion?.errors ?? null,
    binaries: report.binaries,
    rebootRequestedAt: reboot && !gaveUp ? reboot.at : null,
    missing: report.missing,
    rebootRequest: reboot ?? null,
  };
}
