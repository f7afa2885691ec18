// Turns what was read of a host into findings and one verdict with the next step. Pure: tests feed it facts.
//   ok       nothing to do (not affected, mitigated, or fixed and rebooted)        exit 0
//   install  a kubelet or runc in use can switch kmem on: install the packages   exit 1
//   reboot   fixed binaries, but kubepods still has kmem on: drain and reboot      exit 2
//   unknown  a fact the verdict needed could not be read, or a binary cannot be  exit 3
//            judged (not placed by its version/commit, or not trustworthy)
// No claim without the fact behind it. Which facts a verdict needs depends on the host:
//   - every host: the kernel release;
//   - a kernel that leaks (3.x): the command line; unless it boots with a cgroup.memory=nokmem this kernel
//     honours, also the mount table (a v1 memory controller?), the memory hierarchy, and the kubelet binary;
//   - booted with cgroup.memory=nokmem on a kernel that predates it: kubepods, whose kmem state then decides.
// cgroup v2 hosts and kernels from 4.x legitimately have no kmem files: nothing more is needed there.

import {
  type Honoured,
  BOOT_FLAG,
  EL7_NOKMEM_RELEASE,
  bootFlagPresent,
  countsDyingCgroups,
  el7Release,
  flagHonoured,
  kernelAffected,
} from './kernel.js';
import type { HostFacts } from './facts/host.js';
import type { BinaryFacts } from './facts/binaries.js';
import { ownership } from './facts/binaries.js';
import type { Placer } from './place.js';
import type { Finding } from './findings.js';
import type { BinaryState } from './report.js';
import { judgeBinaries } from './verdict-binaries.js';

export { kernelAffected } from './kernel.js';

export const MEMCG_ID_LIMIT = 65_535;

export type Verdict = 'ok' | 'install' | 'reboot' | 'unknown';

export type { Finding } from './findings.js';

export interface DoctorReport {
  verdict: Verdict;
  nextStep: string;
  exitCode: number;
  atRisk: boolean;
  findings: Finding[];
  /** Facts the verdict needed and could not read. */
  missing: string[];
  bootFlag: { present: boolean; honoured: Honoured } | null;
  /** kmem accounting on in kubepods (a pod, QoS or kubepods cgroup's slabinfo readable); null where unread. */
  kmemOnKubepods: boolean | null;
  /** IDs in use, only where the kernel counts dying cgroups in /proc/cgroups; null elsewhere. */
  headroom: { used: number; limit: number } | null;
  binaries: BinaryState[];
  facts: HostFacts;
}

const EXIT: Record<Verdict, number> = { ok: 0, install: 1, reboot: 2, unknown: 3 };

const UNPLACED: Placer = () => ({ method: 'unknown', by: 'no version/commit to place it by' });

export function assess(facts: HostFacts, place: Placer = UNPLACED): DoctorReport {
  const findings: Finding[] = [];
  const missing: string[] = [];
  const need = (what: string) => missing.push(what);
  const finish = (verdict: Verdict, nextStep: string, atRisk: boolean, rest: Partial<DoctorReport> = {}) => {
    if (verdict === 'unknown' && missing.length)
      nextStep = `could not read ${missing.join('; ')}: run it as root with these readable (in the container, mount them under --root)${nextStep ? `; ${nextStep}` : ''}`;
    return {
      verdict,
      nextStep,
      exitCode: EXIT[verdict],
      atRisk,
      findings,
      missing,
      bootFlag: null,
      kmemOnKubepods: null,
      headroom: null,
      binaries: [],
      facts,
      ...rest,
    };
  };

  // Kernel
  if (!facts.kernel) {
    need('the kernel release (proc/sys/kernel/osrelease)');
    findings.push({ area: 'kernel', level: 'warn', message: 'kernel release unreadable' });
    return finish('unknown', '', false);
  }
  const kernel = facts.kernel;
  const oldKernel = kernelAffected(kernel);
  const present = facts.cmdline !== undefined && bootFlagPresent(facts.cmdline);
  const honoured = flagHonoured(kernel, present);
  const bootFlag = facts.cmdline === undefined ? null : { present, honoured };
  const kmemOnKubepods = facts.kubepods
    ? facts.kubepods.slabinfoReadable || (facts.kubepods.kmemUsage ?? 0) > 0
    : facts.memoryHierarchyRead
      ? false
      : null;
  const headroom =
    countsDyingCgroups(kernel) && facts.kernelMemoryCgroups !== undefined
      ? { used: facts.kernelMemoryCgroups, limit: MEMCG_ID_LIMIT }
      : null;
  const flagNote = !present
    ? ''
    : honoured === 'yes'
      ? `; booted with ${BOOT_FLAG}, which this kernel honours: kmem accounting is off`
      : el7Release(kernel)
        ? `; booted with ${BOOT_FLAG}, but EL7 kernels before 3.10.0-${EL7_NOKMEM_RELEASE}.el7 ignore it (unverified: kubepods decides)`
        : `; booted with ${BOOT_FLAG}, which this kernel may ignore (unverified: kubepods decides)`;
  findings.push({
    area: 'kernel',
    level: oldKernel ? (honoured === 'yes' ? 'ok' : 'warn') : 'ok',
    message: oldKernel
      ? `kernel ${kernel} leaks memory cgroup IDs when kmem accounting is on${flagNote}`
      : `kernel ${kernel} is not in the affected range (3.x, as CentOS/RHEL 7's 3.10)`,
  });
  findings.push({
    area: 'cgroups',
    level: 'info',
    message:
      facts.cgroupVersion === 'unknown' && !facts.mountinfoFrom
        ? 'cgroup layout unknown (no mount table read)'
        : `cgroup ${facts.cgroupVersion}${facts.memoryMount ? `, memory controller at ${facts.memoryMount}` : ', no cgroup-v1 memory controller'}`,
  });
  cgroupCounts(facts, headroom, findings);
  if (facts.exhaustion?.errors)
    findings.push({
      area: 'kubelet',
      level: 'bad',
      message: `${facts.exhaustion.errors} memory-cgroup exhaustion error${facts.exhaustion.errors === 1 ? '' : 's'} (mkdir …/kubepods/…: no space left on device / cannot allocate memory) in ${facts.exhaustion.logs.join(', ')}`,
    });

  const judged = judgeBinaries(facts, place, kmemOnKubepods === true, oldKernel && honoured !== 'yes');
  findings.push(...judged.findings);
  const rest = { bootFlag, kmemOnKubepods, headroom, binaries: judged.states };
  if (facts.kubepods)
    findings.push({
      area: 'kubepods',
      level: kmemOnKubepods && oldKernel && honoured !== 'yes' ? 'bad' : 'info',
      message: `${facts.kubepods.path}: kmem accounting ${kmemOnKubepods ? 'is on' : 'is off'} (slabinfo ${facts.kubepods.slabinfoReadable ? 'readable' : 'not readable'} in ${facts.kubepods.checked.length} cgroup${facts.kubepods.checked.length === 1 ? '' : 's'}, kmem usage ${facts.kubepods.kmemUsage ?? 'unknown'} bytes)`,
    });
  if (facts.cgroupDriver)
    findings.push({ area: 'kubelet', level: 'info', message: `kubelet cgroup driver: ${facts.cgroupDriver}` });

  if (!oldKernel) return finish('ok', 'nothing to do: this kernel does not leak memory cgroup IDs', false, rest);
  if (facts.cmdline === undefined) need('the kernel command line (proc/cmdline)');
  if (honoured === 'yes')
    return finish('ok', `nothing to do: kmem accounting is off at boot (${BOOT_FLAG})`, false, rest);
  if (!facts.mountinfoFrom) need('the mount table (proc/1/mountinfo)');
  if (missing.length) return finish('unknown', '', true, rest);
  if (!facts.memoryMount)
    return finish('ok', 'nothing to do: there is no cgroup-v1 memory controller to leak IDs', false, rest);
  if (!facts.memoryHierarchyRead) need(`the memory cgroup hierarchy (${facts.memoryMount.replace(/^\//, '')})`);
  if (honoured === 'unverified' && facts.memoryHierarchyRead && !facts.kubepods)
    need(`a kubepods cgroup, to verify that ${kernel} honours ${BOOT_FLAG}`);
  // Booted with a flag this kernel may ignore: kubepods shows whether it took.
  if (honoured === 'unverified' && kmemOnKubepods === false && !missing.length)
    return finish(
      'ok',
      `nothing to do: booted with ${BOOT_FLAG} and kubepods has no kmem accounting, so it took`,
      false,
      rest,
    );
  if (!facts.binaries.some((b) => b.role === 'kubelet'))
    need('the kubelet binary (no kubelet process, systemd unit or file in PATH)');
  if (missing.length) return finish('unknown', '', true, rest);

  if (judged.leaking.length) {
    const packageFor = (role: string) =>
      role === 'kubelet'
        ? 'kubelet'
        : role === 'nvidia-container-runtime'
          ? 'the nvidia-runtime-* build that matches it (nokmem forks)'
          : 'runc-nokmem';
    return finish(
      'install',
      `install the nokmem packages (${[...new Set(judged.leaking.map((b) => packageFor(b.role)))].join(', ')}) from the nokmem repository and wire them into the container engine, then drain and reboot the node`,
      true,
      rest,
    );
  }
  if (judged.unjudged.length)
    return finish(
      'unknown',
      `cannot tell whether ${judged.unjudged.map((b) => b.path).join(', ')} switch kmem on: ${judged.unjudged.some((b) => !ownership(b.owner ?? { uid: 0, mode: 0 }).trusted) ? 'make each owned by root and writable only by root (reinstall it from its package), or ' : ''}check each with \`nokmem verify PATH\` on a machine with Docker (the doctor never runs what it inspects)`,
      true,
      rest,
    );
  if (kmemOnKubepods)
    return finish(
      'reboot',
      'drain and reboot the node: the binaries are nokmem, but kubepods still has kmem accounting on and new pods inherit it',
      true,
      rest,
    );
  return finish('ok', 'nothing to do: the binaries in use are nokmem and kubepods has no kmem accounting', true, rest);
}

function cgroupCounts(facts: HostFacts, headroom: DoctorReport['headroom'], findings: Finding[]): void {
  if (headroom && facts.liveMemoryCgroups !== undefined) {
    const zombies = Math.max(0, headroom.used - facts.liveMemoryCgroups);
    const used = headroom.used / headroom.limit;
    findings.push({
      area: 'cgroups',
      level: used >= 0.9 ? 'bad' : used >= 0.5 ? 'warn' : 'info',
      message: `${headroom.used} memory cgroups counted by the kernel, ${facts.liveMemoryCgroups} live: ${zombies} zombie${zombies === 1 ? '' : 's'}; ${(used * 100).toFixed(1)}% of the ${headroom.limit} IDs in use`,
    });
  } else if (facts.liveMemoryCgroups !== undefined || facts.kernelMemoryCgroups !== undefined) {
    const live = facts.liveMemoryCgroups ?? facts.kernelMemoryCgroups;
    findings.push({
      area: 'cgroups',
      level: 'info',
      message: `${live} live memory cgroups; IDs in use unknown: this kernel's /proc/cgroups does not count dying cgroups, so leaked IDs do not show`,
    });
  }
}

export type { BinaryFacts };
