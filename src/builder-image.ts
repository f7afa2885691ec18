// Builder images: a Go toolchain plus what runc and kubernetes need to build (gcc and libc for cgo, make,
// git, libseccomp for runc's seccomp tag). Two ways to make one:
//   - from the official golang:<version> image of the upstream Go (needs a registry and apt);
//   - offline, from Debian packages with debootstrap + `docker import` (no registry: CI, air-gapped sites).
//     Debian bookworm's Go 1.19 still compiles every affected runc and kubernetes tree. The offline image also
//     carries the packaging tools (rpmbuild, rpmsign, gpg, createrepo_c), so the host needs none of them.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { UserError } from './errors.js';
import type { Logger } from './log.js';
import type { Runner } from './runner.js';

export const OFFLINE_IMAGE = 'nokmem-builder:debian-go1.19';
export const OFFLINE_PACKAGES = [
  // build
  'golang-1.19-go', 'gcc', 'libc6-dev', 'make', 'git', 'libseccomp-dev', 'pkg-config', 'binutils', 'ca-certificates',
  // package, sign, inspect, publish
  'rpm', 'gnupg', 'cpio', 'xz-utils', 'createrepo-c',
  // verify: the functional proof traces the binary inside a container of this image
  'strace',
];
/** Changes whenever the image's contents would: setup rebuilds an image whose label differs. */
export const OFFLINE_IMAGE_REVISION = `2:${OFFLINE_PACKAGES.join(',')}`;
export const REVISION_LABEL = 'dev.nokmem.image-revision';
const OFFLINE_PATH = '/usr/lib/go-1.19/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface OfflineImageOptions {
  tag: string;
  mirror: string;
  suite: string;
  workDir?: string;
}

export async function buildOfflineImage(runner: Runner, log: Logger, options: OfflineImageOptions): Promise<string> {
  if (process.getuid?.() !== 0) throw new UserError('building the offline builder image needs root (debootstrap); run it as root or with sudo');
  const tool = await runner.run('debootstrap', ['--version'], { allowFailure: true });
  if (tool.exitCode !== 0) throw new UserError('debootstrap is not installed; install it (apt-get install debootstrap) and run again');
  const scratch = await mkdtemp(path.join(options.workDir ?? os.tmpdir(), 'nokmem-rootfs-'));
  const rootfs = path.join(scratch, 'rootfs');
  try {
    log.info(`  debootstrap ${options.suite} from ${options.mirror} with ${OFFLINE_PACKAGES.join(', ')}`);
    await runner.run('debootstrap', ['--variant=minbase', `--include=${OFFLINE_PACKAGES.join(',')}`, options.suite, rootfs, options.mirror], {
      purpose: 'make the builder root file system',
      onOutput: log.detail,
    });
    // Package caches are not part of the image.
    await runner.run('find', [path.join(rootfs, 'var/cache/apt/archives'), path.join(rootfs, 'var/lib/apt/lists'), '-maxdepth', '1', '-type', 'f', '-delete']);
    const archive = path.join(scratch, 'rootfs.tar');
    await runner.run('tar', ['-C', rootfs, '--numeric-owner', '-cf', archive, '.'], { purpose: 'pack the builder root file system' });
    const r = await runner.run(
      'docker',
      ['import', '--change', `ENV PATH=${OFFLINE_PATH}`, '--change', 'WORKDIR /tmp', '--change', `LABEL ${REVISION_LABEL}="${OFFLINE_IMAGE_REVISION}"`, archive, options.tag],
      { purpose: `import ${options.tag}` },
    );
    return r.stdout.trim();
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

export async function buildFromOfficial(runner: Runner, log: Logger, goVersion: string, tag: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'nokmem-image-'));
  try {
    await writeFile(
      path.join(dir, 'Dockerfile'),
      [
        `FROM golang:${goVersion}`,
        '# runc builds with the seccomp tag: it needs libseccomp (static library included)',
        'RUN apt-get update && apt-get install -y --no-install-recommends libseccomp-dev pkg-config && rm -rf /var/lib/apt/lists/*',
        '',
      ].join('\n'),
    );
    await runner.run('docker', ['build', '--network', 'host', '--tag', tag, dir], { purpose: `build ${tag} from golang:${goVersion}`, onOutput: log.detail });
    const id = await runner.run('docker', ['image', 'inspect', '--format', '{{.Id}}', tag]);
    return id.stdout.trim();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Whether an image exists and was made from the current package list. */
export async function offlineImageIsCurrent(runner: Runner, tag: string): Promise<boolean> {
  const r = await runner.run('docker', ['image', 'inspect', '--format', `{{index .Config.Labels "${REVISION_LABEL}"}}`, tag], { allowFailure: true });
  return r.exitCode === 0 && r.stdout.trim() === OFFLINE_IMAGE_REVISION;
}
