// Turns what doctor read into findings and one verdict with the next step. Pure: the tests feed it facts.
//   ok       nothing to do (not affected, mitigated, or fixed and rebooted)        exit 0
//   install  a kubelet or runc in use can switch kmem on: install the packages   exit 1
//   reboot   fixed binaries, but kubepods still has kmem on: drain and reboot      exit 2

import type { HostFacts } from './probe.js';

export const MEMCG_ID_LIMIT = 65_535;

export type Verdict = 'ok' | 'install' | 'reboot';

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

export function assess(facts: HostFacts): DoctorReport {
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
  findings.push({ area: 'cgroups', level: 'info', message: `cgroup ${facts.cgroupVersion}${facts.memoryMount ? `, memory controller at ${facts.memoryMount}` : ', no cgroup-v1 memory controller'}` });
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

  const leaking = facts.binaries.filter((b) => b.kmemCode && b.role !== 'runc-nokmem');
  for (const b of facts.binaries) {
    findings.push({
      area: 'binaries',
      level: b.kmemCode ? (atRisk ? 'bad' : 'info') : 'ok',
      message: `${b.role} ${b.path} (${b.foundBy}): ${b.kmemCode ? 'can switch kmem accounting on (contains memory.kmem.limit_in_bytes)' : `nokmem${b.marker ? ' (nokmem build)' : ' (no kmem code)'}`}${b.version ? `, ${b.version}` : ''}`,
    });
  }
  if (!facts.binaries.some((b) => b.role === 'kubelet')) findings.push({ area: 'binaries', level: 'info', message: 'no kubelet found (process, unit or PATH)' });
  if (facts.cgroupDriver) findings.push({ area: 'kubelet', level: 'info', message: `kubelet cgroup driver: ${facts.cgroupDriver}` });

  const kmemOnKubepods = facts.kubepods ? facts.kubepods.slabinfoReadable || (facts.kubepods.kmemUsage ?? 0) > 0 : false;
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
    nextStep = oldKernel ? 'nothing to do: kmem accounting is off at boot (cgroup.memory=nokmem)' : 'nothing to do: this kernel does not leak memory cgroup IDs';
  } else if (leaking.length) {
    verdict = 'install';
    nextStep = `install the nokmem packages (${[...new Set(leaking.map((b) => (b.role === 'kubelet' ? 'kubelet' : 'runc-nokmem')))].join(', ')}) from the nokmem repository and wire runc-nokmem into the container engine, then drain and reboot the node`;
  } else if (kmemOnKubepods) {
    verdict = 'reboot';
    nextStep = 'drain and reboot the node: the binaries are nokmem, but kubepods still has kmem accounting on and new pods inherit it';
  } else {
    nextStep = 'nothing to do: the binaries in use are nokmem and kubepods has no kmem accounting';
  }
  return { verdict, nextStep, exitCode: verdict === 'ok' ? 0 : verdict === 'install' ? 1 : 2, atRisk, findings, facts };
}

export function formatReport(report: DoctorReport): string {
  const mark = { ok: 'ok  ', warn: 'warn', bad: 'BAD ', info: '    ' } as const;
  const lines = report.findings.map((f) => `${mark[f.level]} ${f.area.padEnd(9)} ${f.message}`);
  lines.push('', `verdict: ${report.verdict}`, `next:    ${report.nextStep}`);
  return `${lines.join('\n')}\n`;
}
