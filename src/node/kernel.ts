// What a kernel release says about the leak, pure: whether it leaks memory-cgroup IDs when kmem accounting is on,
// whether it honours cgroup.memory=nokmem on its command line, and whether /proc/cgroups shows dying cgroups.
//
// - Kernels before 4.x (CentOS/RHEL 7's 3.10) leak: a memory cgroup with kmem accounting on keeps its ID after
//   removal.
// - RHEL/CentOS 7 kernels honour cgroup.memory=nokmem only from 3.10.0-1062.4.1.el7 (RHSA-2019:3055); older 3.10
//   kernels ignore the unknown option silently, and it still shows in /proc/cmdline. Upstream added the option in
//   4.6. Releases are compared as rpm does (rpmvercmp), so 1062.4.1 > 1062.1.2 > 957.27.2.
// - On RHEL 3.10, /proc/cgroups counts live memory cgroups only and hides leaked IDs (kubernetes#61937: the count
//   fell to 65,436 after deletions while mkdir still failed). Newer kernels count a removed cgroup until it is
//   freed (measured on 6.18: 134 counted with 14 directories after removing one that page cache pinned).

import { rpmvercmp } from '../rpm/vercmp.js';

/** The first EL7 kernel release that honours cgroup.memory=nokmem. */
export const EL7_NOKMEM_RELEASE = '1062.4.1';

export const BOOT_FLAG = 'cgroup.memory=nokmem';

export type Honoured = 'yes' | 'no' | 'unverified';

function majorMinor(release: string): [number, number] | undefined {
  const m = /^(\d+)\.(\d+)/.exec(release);
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

/** Kernels before 4.x leak memory-cgroup IDs when kmem accounting is on. */
export function kernelAffected(release: string): boolean {
  const mm = majorMinor(release);
  return mm !== undefined && mm[0] < 4;
}

/** The release part of an EL7 kernel ("1062.4.1" of 3.10.0-1062.4.1.el7.x86_64), or undefined for others. */
export function el7Release(release: string): string | undefined {
  return /^3\.10\.0-([\d.]+)\.el7/.exec(release)?.[1];
}

export function bootFlagPresent(cmdline: string): boolean {
  return new RegExp(`(^|\\s)${BOOT_FLAG.replace('.', '\\.')}(\\s|$)`).test(cmdline);
}

/**
 * Whether this kernel turns kmem accounting off for cgroup.memory=nokmem. "unverified": the flag is on the
 * command line of a kernel that predates it (or that nokmem cannot place), so only the cgroups can tell.
 */
export function flagHonoured(release: string, present: boolean): Honoured {
  if (!present) return 'no';
  const el = el7Release(release);
  if (el) return rpmvercmp(el, EL7_NOKMEM_RELEASE) >= 0 ? 'yes' : 'unverified';
  const mm = majorMinor(release);
  if (mm && (mm[0] > 4 || (mm[0] === 4 && mm[1] >= 6))) return 'yes';
  return 'unverified';
}

/** /proc/cgroups counts dying memory cgroups (so used IDs can be read from it): kernels from 4.x. */
export function countsDyingCgroups(release: string): boolean {
  const mm = majorMinor(release);
  return mm !== undefined && mm[0] >= 4;
}
