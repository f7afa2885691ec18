// What a node says about itself, as the agent publishes it on its Node object and `nokmem fleet` reads it back:
// the one contract between the node side's writer (the agent) and its readers (fleet, dashboards, people).
//
//   label       nokmem.io/verdict = ok | install | reboot | unknown      (kubectl get nodes -L nokmem.io/verdict)
//   annotation  nokmem.io/report  = NodeReport as JSON                    (the facts behind the verdict)
//   condition   type KernelMemoryAccounting, node-problem-detector's semantics: status "True" means the problem
//               is present (verdict install or reboot), "Unknown" for unknown, "False" for ok; reason
//               Nokmem<Verdict>; message the next step; lastHeartbeatTime refreshed on change and every heartbeat.
//
// How these are written and read on the wire, and how often: src/node/node-object.ts. A report's `time` is when it
// was made, i.e. when what it says last changed; the condition's heartbeat says it was still current later; a reader
// calls a report stale when the later of the two is older than about two heartbeats.

import * as z from 'zod';

export const VERDICT_LABEL = 'nokmem.io/verdict';
export const REPORT_ANNOTATION = 'nokmem.io/report';
export const CONDITION_TYPE = 'KernelMemoryAccounting';
export const REPORT_SCHEMA = 'nokmem/node-report@1';

export const NodeVerdict = z.enum(['ok', 'install', 'reboot', 'unknown']);
export type NodeVerdict = z.infer<typeof NodeVerdict>;

/** A kubelet or runc in use on the node, judged from the file (never by running it on the host). */
export const BinaryState = z
  .object({
    role: z.string(),
    path: z.string(),
    /** nokmem: cannot switch kmem on; kmem: can; unknown: could not tell (the reason is in `why`) */
    state: z.enum(['nokmem', 'kmem', 'unknown']),
    version: z.string().optional(),
    why: z.string().optional(),
  })
  .strict();
export type BinaryState = z.infer<typeof BinaryState>;

export const NodeReport = z
  .object({
    schema: z.literal(REPORT_SCHEMA),
    /** When the facts were read (ISO 8601): the report is written again only when they change. */
    time: z.string(),
    verdict: NodeVerdict,
    nextStep: z.string(),
    kernel: z.string().nullable(),
    /** cgroup.memory=nokmem on the kernel command line, and whether this kernel honours it. */
    bootFlag: z
      .object({ present: z.boolean(), honoured: z.enum(['yes', 'no', 'unverified']) })
      .strict()
      .nullable(),
    /** A pod or QoS cgroup under kubepods has kmem accounting active (3.x kernels); null where unknown. */
    kmemOnKubepods: z.boolean().nullable(),
    /** Live memory cgroups (/proc/cgroups), null where unread. */
    liveMemoryCgroups: z.number().int().nullable(),
    /** Memory-cgroup IDs in use of the 65,535, only where the kernel counts dying cgroups; null elsewhere. */
    headroom: z.object({ used: z.number().int(), limit: z.number().int() }).strict().nullable(),
    /** "no space left on device" / "cannot allocate memory" on mkdir under kubepods, seen in the kubelet's log. */
    exhaustionErrors: z.number().int().nullable(),
    binaries: z.array(BinaryState),
    /** The agent asked for a reboot (its own kured sentinel) and since when; null when it has not. */
    rebootRequestedAt: z.string().nullable(),
    /** Facts the verdict needed and could not read (the verdict is then unknown). */
    missing: z.array(z.string()),
    /**
     * The agent's own reboot request (kured opt-in), kept here so it survives the reboot it asks for: the boot it
     * asked to end, and whether it gave up after one reboot that did not help (no reboot loops). Optional: added
     * after the first version of the schema.
     */
    rebootRequest: z.object({ at: z.string(), bootId: z.string(), gaveUp: z.boolean() }).strict().nullable().optional(),
  })
  .strict();
export type NodeReport = z.infer<typeof NodeReport>;

/** A report read back from a Node's annotation, or why it cannot be used. */
export function parseNodeReport(text: string | undefined): { report?: NodeReport; problem?: string } {
  if (text === undefined) return { problem: 'no report' };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { problem: 'report is not JSON' };
  }
  const parsed = NodeReport.safeParse(value);
  return parsed.success ? { report: parsed.data } : { problem: `report does not match ${REPORT_SCHEMA}` };
}
