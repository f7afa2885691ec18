// Prometheus metrics of a node's report, in the text exposition format (served on the agent's /metrics, or written
// for node_exporter's textfile collector by `nokmem doctor --prometheus`). Named for what they measure; a value
// the node side does not know is left out (no series), never written as 0: IDs in use only where the kernel counts
// dying cgroups, kmem on kubepods only where the hierarchy was read. Every series carries the node's name.

import type { NodeReport } from '../report.js';

export const VERDICTS = ['ok', 'install', 'reboot', 'unknown'] as const;
const STATES = ['nokmem', 'kmem', 'unknown'] as const;
const HONOURED = ['yes', 'no', 'unverified'] as const;

export interface AgentState {
  /** When the verdict became "reboot" (seconds since the epoch), kept across report periods. */
  rebootPendingSince?: number;
  /** The agent rebooted once for nokmem and the verdict still says reboot: it stopped asking. */
  rebootGaveUp?: boolean;
}

const escape = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');

class Exposition {
  private readonly lines: string[] = [];
  constructor(private readonly base: Record<string, string>) {}
  family(name: string, type: 'gauge' | 'counter', help: string, samples: [Record<string, string>, number][]) {
    if (!samples.length) return;
    this.lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, value] of samples) {
      const all = { ...this.base, ...labels };
      const text = Object.entries(all)
        .map(([k, v]) => `${k}="${escape(v)}"`)
        .join(',');
      this.lines.push(`${name}{${text}} ${sampleValue(value)}`);
    }
  }
  text(): string {
    return `${this.lines.join('\n')}\n`;
  }
}

const bool = (b: boolean) => (b ? 1 : 0);

/** A sample value as the text format spells it: infinities are +Inf and -Inf, not NaN. */
const sampleValue = (v: number) => (Number.isFinite(v) ? String(v) : Number.isNaN(v) ? 'NaN' : v > 0 ? '+Inf' : '-Inf');

export function metricsText(node: string, report: NodeReport, state: AgentState = {}): string {
  const m = new Exposition({ node });
  m.family(
    'nokmem_node_verdict',
    'gauge',
    "The node's verdict: 1 for the current one (ok, install, reboot, unknown).",
    VERDICTS.map((v) => [{ verdict: v }, bool(report.verdict === v)]),
  );
  m.family(
    'nokmem_binary_kmem_state',
    'gauge',
    'A kubelet or runc in use: 1 for its state (nokmem: cannot switch kmem on; kmem: can; unknown).',
    report.binaries.flatMap((b) =>
      STATES.map((s): [Record<string, string>, number] => [
        { role: b.role, path: b.path, state: s },
        bool(b.state === s),
      ]),
    ),
  );
  m.family(
    'nokmem_kubepods_kmem_active',
    'gauge',
    'Kernel-memory accounting is on for kubepods (a pod or QoS cgroup memory.kmem.slabinfo is readable).',
    report.kmemOnKubepods === null ? [] : [[{}, bool(report.kmemOnKubepods)]],
  );
  m.family(
    'nokmem_boot_flag_present',
    'gauge',
    'cgroup.memory=nokmem is on the kernel command line.',
    report.bootFlag ? [[{}, bool(report.bootFlag.present)]] : [],
  );
  m.family(
    'nokmem_boot_flag_honoured',
    'gauge',
    'Whether this kernel honours cgroup.memory=nokmem: 1 for the answer (yes, no, unverified).',
    report.bootFlag ? HONOURED.map((h) => [{ honoured: h }, bool(report.bootFlag!.honoured === h)]) : [],
  );
  m.family(
    'nokmem_memory_cgroups_live',
    'gauge',
    'Live memory cgroups on the node.',
    report.liveMemoryCgroups === null ? [] : [[{}, report.liveMemoryCgroups]],
  );
  m.family(
    'nokmem_memory_cgroup_ids_used',
    'gauge',
    'Memory-cgroup IDs in use, dying cgroups included; only where the kernel counts them in /proc/cgroups.',
    report.headroom ? [[{}, report.headroom.used]] : [],
  );
  m.family(
    'nokmem_memory_cgroup_ids_limit',
    'gauge',
    'Memory-cgroup IDs the kernel has (65535); only beside nokmem_memory_cgroup_ids_used.',
    report.headroom ? [[{}, report.headroom.limit]] : [],
  );
  m.family(
    'nokmem_kubelet_cgroup_exhaustion_errors',
    'gauge',
    '"mkdir .../kubepods/...: no space left on device / cannot allocate memory" lines in the kubelet log now.',
    report.exhaustionErrors === null ? [] : [[{}, report.exhaustionErrors]],
  );
  m.family('nokmem_report_timestamp_seconds', 'gauge', 'When the facts of this report were read.', [
    [{}, Date.parse(report.time) / 1000],
  ]);
  m.family(
    'nokmem_reboot_pending_since_timestamp_seconds',
    'gauge',
    'Since when the verdict has said "drain and reboot"; absent while it does not.',
    state.rebootPendingSince === undefined ? [] : [[{}, state.rebootPendingSince]],
  );
  m.family(
    'nokmem_reboot_gave_up',
    'gauge',
    'The agent rebooted the node once for nokmem (kured) and the verdict still says reboot: it stopped asking.',
    [[{}, bool(state.rebootGaveUp === true)]],
  );
  m.family(
    'nokmem_kernel_info',
    'gauge',
    "The node's kernel release.",
    report.kernel ? [[{ kernel: report.kernel }, 1]] : [],
  );
  return m.text();
}
