// The Go standard library, compiled into a builder image's GOROOT/pkg the ways nokmem's builds compile it, so that
// a cold build (a fresh nokmem cache, so an empty Go build cache) compiles only the project's own code. Go 1.10 to
// 1.19 look for each standard package's archive in GOROOT/pkg/<GOOS>_<GOARCH>[_<installsuffix>] first and use it
// when its build ID is the one the build would give it (same sources, compiler, flags, cgo settings); otherwise they
// compile the package into the Go build cache, as before. The archive is exactly what the build would have compiled,
// so the binary is the same byte for byte either way: the build stays reproducible, it only starts from more.
// (Go 1.20 ships no GOROOT/pkg and ignores it; an image with such a Go would need a seeded build cache instead.)

import path from 'node:path';
import type { Logger } from './log.js';
import type { Runner } from './runner.js';

export interface StdVariant {
  /** The directory under GOROOT/pkg the flags select. */
  target: string;
  /** `go install` flags: the ones of the builds that decide the directory and which files of std are compiled. */
  flags: readonly string[];
  /** The builds that compile std this way (why the variant is here). */
  usedBy: string;
}

/**
 * Every variant with cgo on (CGO_ENABLED=1), as the builds have it. Build flags that change no file of std (runc's
 * `seccomp`, `nokmem`, `static_build`, `cgo` tags, `-ldflags`) do not matter; flags that change every package's
 * build ID (runc rc93's `-trimpath`) would need a directory of their own, which Go does not give them: those builds
 * compile std as before.
 */
export const PRECOMPILED_STD: readonly StdVariant[] = [
  {
    target: 'linux_amd64',
    flags: [],
    usedBy: "kubernetes' hack/lib/golang.sh (cgo kubelet), runc rc2-rc4 (go build -i)",
  },
  {
    target: 'linux_amd64_netgo',
    flags: ['-installsuffix', 'netgo', '-tags', 'netgo osusergo'],
    usedBy: "runc's make static (rc5-rc92: -installsuffix netgo, pure-Go net and os/user)",
  },
];

/** What the image's revision label says about its precompiled standard library: a change rebuilds the image. */
export const stdRevision = (variants: readonly StdVariant[] = PRECOMPILED_STD) =>
  `std=${variants.map((v) => v.target).join('+')}`;

/**
 * Whether a Go takes standard packages from GOROOT/pkg by build ID: 1.10 to 1.19 (1.20 dropped GOROOT/pkg). Older
 * Go has no build cache and comes only from the official golang images, which are not made here.
 */
export function goUsesGorootPkg(go: string): boolean {
  const [major = 0, minor = 0] = go.split('.').map(Number);
  return major === 1 && minor >= 10 && minor <= 19;
}

/** Where the compile's own scratch build cache lives inside the root file system (removed afterwards). */
const SCRATCH_CACHE = '/tmp/nokmem-std-cache';

/**
 * The command (for chroot into the image's root file system) that installs std one way: a clean environment, so
 * nothing of the host's Go settings reaches it, and the compiler found through the image's own PATH.
 */
export function stdInstallCommand(goroot: string, variant: StdVariant): string[] {
  return [
    '/usr/bin/env',
    '-i',
    `PATH=${goroot}/bin:/usr/bin:/bin`,
    'HOME=/tmp',
    `GOCACHE=${SCRATCH_CACHE}`,
    'GOFLAGS=',
    'GO111MODULE=off',
    'CGO_ENABLED=1',
    `${goroot}/bin/go`,
    'install',
    ...variant.flags,
    'std',
  ];
}

/** Compiles std into GOROOT/pkg of a root file system, every variant, and leaves no build cache behind. */
export async function precompileStd(
  runner: Runner,
  log: Logger,
  rootfs: string,
  goroot: string,
  go: string,
  variants: readonly StdVariant[] = PRECOMPILED_STD,
): Promise<void> {
  if (!goUsesGorootPkg(go)) {
    log.info(`  Go ${go} does not take the standard library from GOROOT/pkg: nothing precompiled`);
    return;
  }
  try {
    for (const variant of variants) {
      log.info(`  go install ${[...variant.flags, 'std'].join(' ')} -> ${goroot}/pkg/${variant.target}`);
      await runner.run('chroot', [rootfs, ...stdInstallCommand(goroot, variant)], {
        purpose: `precompile the Go standard library (${variant.target}) for ${variant.usedBy}`,
        onOutput: log.detail,
      });
    }
  } finally {
    await runner.run('rm', ['-rf', path.join(rootfs, SCRATCH_CACHE)]);
  }
}
