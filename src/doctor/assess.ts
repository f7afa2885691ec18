// Turns what doctor read into findings and one verdict with the next step. Pure: the tests feed it facts.
//   ok       nothing to do (not affected, mitigated, or fixed and rebooted)        exit 0
//   install  a kubelet or runc in use can switch kmem on: install the packages   exit 1
//   reboot   fixed binaries, but kubepods still has kmem on: drain and reboot      exit 2
//   unknown  a binary with kmem code that cannot be placed by its version/commit   exit 3
// A binary's kmem code is judged by its place in specs/ (version or fork commit), not by the string alone:
// runc that enables kmem only for an explicit kernel-memory limit contains it too and is not affected.

import type { Placer } from './place.js';
import type { HostFacts } from './probe.js';

export const MEMCG_ID_LIMIT = 65_535;

export type Verdict = 'ok' | 'install' | 'reboot' | 'unknown';

export interface Finding {
  area: 'kernel' | 'cgroups' | 'binaries' | 'kubepods' | 'kubelet';
  level: 'ok' | 'warn' | 'bad' | 'info';
  message: string;
}

export interface DoctorReport {
  verdict: Verdict;
  nextStep: string;
  exitCode: number;
  atRisk: boolean;
  findings: Finding[];
  facts: HostFacts;
}

export function kernelAffected(release: string): boolean {
  const major = Number(/^(\d+)\./.exec(release)?.[1]);
  return Number.isFinite(major) && major < 4;
}

const UNPLACED: Placer = () => ({ method: 'unknown', by: 'no version/commit to place it by' });

export function assess(facts: HostFacts, place: Placer = UNPLACED): DoctorReport {
  const findings: Finding[] = [];
  const oldKernel = kernelAffected(facts.kernel);
  const bootNokmem = /(^|\s)cgroup\.memory=nokmem(\s|$)/.test(facts.cmdline);
  findings.push({
    area: 'kernel',
    level: oldKernel ? (bootNokmem ? 'ok' : 'warn') : 'ok',
    message: oldKernel
      ? `kernel ${facts.kernel} leaks memory cgroup IDs when kmem accounting is on${bootNokmem ? '; booted with cgroup.memory=nokmem, which turns kmem accounting off' : ''}`
      : `kernel ${facts.kernel} is not in the affected range (3.x, as CentOS/RHEL 7's 3.10)`,
  });
  findings.push({
    area: 'cgroups',
    level: 'info',
    message: `cgroup ${facts.cgroupVersion}${facts.memoryMount ? `, memory controller at ${facts.memoryMount}` : ', no cgroup-v1 memory controller'}`,
  });
  const atRisk = oldKernel && !bootNokmem && Boolean(facts.memoryMount);

  if (facts.kernelMemoryCgroups !== undefined && facts.liveMemoryCgroups !== undefined) {
    const zombies = Math.max(0, facts.kernelMemoryCgroups - facts.liveMemoryCgroups);
    const used = facts.kernelMemoryCgroups / MEMCG_ID_LIMIT;
    findings.push({
      area: 'cgroups',
      level: used >= 0.9 ? 'bad' : used >= 0.5 && atRisk ? 'warn' : 'info',
      message: `${facts.kernelMemoryCgroups} memory cgroups counted by the kernel, ${facts.liveMemoryCgroups} live: ${zombies} zombie${zombies === 1 ? '' : 's'}; ${(used * 100).toFixed(1)}% of the ${MEMCG_ID_LIMIT} IDs in use`,
    });
  }

  const placed = facts.binaries.map((b) => ({ b, p: b.kmemCode && b.role !== 'runc-nokmem' ? place(b) : undefined }));
  const leaking = placed
    .filter(({ p }) => p && (p.method === 'source-patch' || p.method === 'build-tag'))
    .map(({ b }) => b);
  const unplaced = placed.filter(({ p }) => p?.method === 'unknown').map(({ b }) => b);
  for (const { b, p } of placed) {
    const state = !b.kmemCode
      ? `nokmem${b.marker ? ' (nokmem build)' : ' (no kmem code)'}`
      : !p
        ? 'contains memory.kmem.limit_in_bytes'
        : p.method === 'not-affected'
          ? `not affected: kmem only for an explicit kernel-memory limit (${p.by})`
          : p.method === 'unknown'
            ? `has kmem code and cannot be placed (${p.by}); check it with \`nokmem verify ${b.path}\``
            : `can switch kmem accounting on (${p.by})`;
    const level =
      !b.kmemCode || p?.method === 'not-affected' ? 'ok' : p?.method === 'unknown' ? 'warn' : atRisk ? 'bad' : 'info';
    findings.push({
      area: 'binaries',
      level,
      message: `${b.role} ${b.path} (${b.foundBy}): ${state}${b.version ? `, ${b.version}` : ''}`,
    });
  }
  if (!facts.binaries.some((b) => b.role === 'kubelet'))
    findings.push({ area: 'binaries', level: 'info', message: 'no kubelet found (process, unit or PATH)' });
  if (facts.cgroupDriver)
    findings.push({ area: 'kubelet', level: 'info', message: `kubelet cgroup driver: ${facts.cgroupDriver}` });

  const kmemOnKubepods = facts.kubepods
    ? facts.kubepods.slabinfoReadable || (facts.kubepods.kmemUsage ?? 0) > 0
    : false;
  if (facts.kubepods) {
    findings.push({
      area: 'kubepods',
      level: kmemOnKubepods && atRisk ? 'bad' : 'info',
      message: `${facts.kubepods.path}: kmem accounting ${kmemOnKubepods ? 'is on' : 'is off'} (slabinfo ${facts.kubepods.slabinfoReadable ? 'readable' : 'not readable'}, kmem usage ${facts.kubepods.kmemUsage ?? 'unknown'} bytes)`,
    });
  }

  let verdict: Verdict = 'ok';
  let nextStep: string;
  if (!atRisk) {
    nextStep = oldKernel
      ? 'nothing to do: kmem accounting is off at boot (cgroup.memory=nokmem)'
      : 'nothing to do: this kernel does not leak memory cgroup IDs';
  } else if (leaking.length) {
    verdict = 'install';
    const packageFor = (role: string) =>
      role === 'kubelet'
        ? 'kubelet'
        : role === 'nvidia-container-runtime'
          ? 'the nvidia-runtime-* build that matches it (nokmem forks)'
          : 'runc-nokmem';
    nextStep = `install the nokmem packages (${[...new Set(leaking.map((b) => packageFor(b.role)))].join(', ')}) from the nokmem repository and wire them into the container engine, then drain and reboot the node`;
  } else if (unplaced.length) {
    verdict = 'unknown';
    nextStep = `cannot tell whether ${unplaced.map((b) => b.path).join(', ')} switch kmem on: check each with \`nokmem verify PATH\` (run as root on this node), or compare its \`--version\` with \`nokmem forks\``;
  } else if (kmemOnKubepods) {
    verdict = 'reboot';
    nextStep =
      'drain and reboot the node: the binaries are nokmem, but kubepods still has kmem accounting on and new pods inherit it';
  } else {
    nextStep = 'nothing to do: the binaries in use are nokmem and kubepods has no kmem accounting';
  }
  return {
    verdict,
    nextStep,
    exitCode: { ok: 0, install: 1, reboot: 2, unknown: 3 }[verdict],
    atRisk,
    findings,
    facts,
  };
}

export function formatReport(report: DoctorReport): string {
  const mark = { ok: 'ok  ', warn: 'warn', bad: 'BAD ', info: '    ' } as const;
  const lines = report.findings.map((f) => `${mark[f.level]} ${f.area.padEnd(9)} ${f.message}`);
  lines.push('', `verdict: ${report.verdict}`, `next:    ${report.nextStep}`);
  return `${lines.join('\n')}\n`;
}
