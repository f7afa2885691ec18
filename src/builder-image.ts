// Builder images: a Go toolchain plus what real runc and kubernetes builds need (gcc and libc for cgo, make,
// git, rsync for kubernetes' hack/lib/golang.sh, libseccomp for runc's seccomp tag). specs/toolchains.yaml
// lists them. Two ways to make one:
//   - offline, from Debian packages with debootstrap + `docker import` (no registry: CI, air-gapped sites):
//     bookworm's Go 1.19 (also the packager image: rpmbuild, rpmsign, gpg, createrepo_c) and bullseye's Go 1.15,
//     which builds the kubernetes trees that vendor reflect2 < v1.0.2 into binaries that run;
//   - from the official golang:<version> image of the upstream Go, pinned by digest, with apt pointed at Debian's
//     archive where the image's suite has left the main mirror.
// Every image is labelled with the Go it carries, so the toolchain rule (src/toolchain.ts) can choose among them.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { DockerEngine } from './docker.js';
import { MissingPrerequisite } from './errors.js';
import { TOOLS_LABEL, toolsLabel } from './image-facts.js';
import type { Logger } from './log.js';
import { precompileStd, stdRevision } from './precompiled-std.js';
import type { Runner } from './runner.js';
import {
  type AvailableImage,
  GO_VERSION_LABEL,
  type OfflineImage,
  REVISION_LABEL,
  type ToolchainSpecs,
} from './toolchain.js';

/** The packager image (rpmbuild, rpmsign, gpg, createrepo_c) and default tool image: the first offline image. */
export { OFFLINE_IMAGE } from './meta.js';

export const defaultBuilderImage = (goVersion: string) => `nokmem-builder:go${goVersion}`;

/** The packages of an offline image: its own and the common ones. */
export function offlinePackages(image: OfflineImage, specs: ToolchainSpecs): string[] {
  return [...new Set([...image.packages, ...specs.common])];
}

/**
 * Changes whenever the image's contents would (its packages, the standard library precompiled in it): setup
 * rebuilds an image whose label differs, and the toolchain rule offers none but current ones.
 */
export function offlineRevision(image: OfflineImage, specs: ToolchainSpecs): string {
  return `5:${image.suite}:${offlinePackages(image, specs).join(',')}:${stdRevision()}`;
}

/** What a builder made from the official golang image installs on top of it. */
const OFFICIAL_PACKAGES = ['libseccomp-dev', 'pkg-config', 'rsync', 'make', 'gcc', 'libc6-dev', 'git'];

/** The revision label of a builder made from golang:<goVersion>: its Go and the package list. */
export function officialRevision(goVersion: string): string {
  return `official:${goVersion}:${OFFICIAL_PACKAGES.join(',')}`;
}

/**
 * Whether an image is one `nokmem builder-image` made for building, as its labels say: an offline image under its
 * own name with the current package list, or an official-image builder whose revision names the Go it carries.
 * Labels are inherited: an image made FROM a builder (a test image, with its Go label changed or a tool removed)
 * carries the builder's revision, but not under the builder's name, and not with its Go.
 */
export function madeForBuilding(image: string, revision: string, go: string, specs: ToolchainSpecs): boolean {
  const offline = specs.offline.find((o) => o.image === image);
  if (offline) return revision === offlineRevision(offline, specs);
  return revision === officialRevision(go);
}

export interface OfflineImageOptions {
  mirror: string;
  workDir?: string;
}

export async function buildOfflineImage(
  runner: Runner,
  log: Logger,
  image: OfflineImage,
  specs: ToolchainSpecs,
  options: OfflineImageOptions,
): Promise<string> {
  if (process.getuid?.() !== 0)
    throw new MissingPrerequisite(
      'building an offline builder image needs root (debootstrap); run it as root or with sudo',
    );
  const tool = await runner.run('debootstrap', ['--version'], { allowFailure: true });
  if (tool.exitCode !== 0)
    throw new MissingPrerequisite(
      'debootstrap is not installed; install it (apt-get install debootstrap) and run again',
    );
  const scratch = await mkdtemp(path.join(options.workDir ?? os.tmpdir(), 'nokmem-rootfs-'));
  const rootfs = path.join(scratch, 'rootfs');
  const packages = offlinePackages(image, specs);
  try {
    log.info(`  debootstrap ${image.suite} from ${options.mirror} with ${packages.join(', ')}`);
    await runner.run(
      'debootstrap',
      ['--variant=minbase', `--include=${packages.join(',')}`, image.suite, rootfs, options.mirror],
      {
        purpose: `make the root file system of ${image.image}`,
        onOutput: log.detail,
      },
    );
    // Package caches are not part of the image.
    await runner.run('find', [
      path.join(rootfs, 'var/cache/apt/archives'),
      path.join(rootfs, 'var/lib/apt/lists'),
      '-maxdepth',
      '1',
      '-type',
      'f',
      '-delete',
    ]);
    const searchPath = `${image.goroot}/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`;
    // The label carries the exact Go (1.15.15, not 1.15): a tree's minimum can name a patch release.
    const reported = await runner.run('chroot', [rootfs, `${image.goroot}/bin/go`, 'version'], {
      purpose: `ask the Go of ${image.image} for its version`,
    });
    const go = /go(\d+\.\d+(?:\.\d+)?)/.exec(reported.stdout)?.[1] ?? image.go;
    // A cold build then compiles only its own code, not the standard library (src/precompiled-std.ts).
    await precompileStd(runner, log, rootfs, image.goroot, go);
    const archive = path.join(scratch, 'rootfs.tar');
    await runner.run('tar', ['-C', rootfs, '--numeric-owner', '-cf', archive, '.'], {
      purpose: 'pack the builder root file system',
    });
    // the tools it carries, vouched for its one layer: preflight asks the label instead of starting a container
    const tools = await toolsLabel(runner, rootfs, searchPath, archive);
    const r = await runner.run(
      'docker',
      [
        'import',
        '--change',
        `ENV PATH=${searchPath}`,
        '--change',
        'WORKDIR /tmp',
        '--change',
        `LABEL ${REVISION_LABEL}="${offlineRevision(image, specs)}" ${GO_VERSION_LABEL}="${go}" ${TOOLS_LABEL}="${tools}"`,
        archive,
        image.image,
      ],
      { purpose: `import ${image.image}` },
    );
    return r.stdout.trim();
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** sed expressions that point an image's apt sources at Debian's archive (and drop the -updates suites it lacks). */
export const ARCHIVE_SED = [
  's#https\\?://\\(deb\\|httpredir\\).debian.org/debian-security#http://archive.debian.org/debian-security#',
  's#https\\?://security.debian.org/debian-security#http://archive.debian.org/debian-security#',
  's#https\\?://security.debian.org\\([/ ]\\)#http://archive.debian.org/debian-security\\1#',
  's#https\\?://\\(deb\\|httpredir\\).debian.org/debian\\([/ ]\\)#http://archive.debian.org/debian\\2#',
  '/-updates/d',
];

/**
 * The Dockerfile of a builder image from the official golang:<version> image: pinned by digest where
 * specs/toolchains.yaml has one, apt pointed at Debian's archive where the suite has left the main mirror
 * (stretch and buster images otherwise fail at `apt-get update`), and the packages runc and kubernetes need.
 */
export function officialDockerfile(goVersion: string, specs: ToolchainSpecs): { dockerfile: string; pinned: boolean } {
  const known = specs.official.images?.[goVersion];
  const from = known ? `golang:${goVersion}@${known.digest}` : `golang:${goVersion}`;
  const archived = known ? specs.official.suiteArchived.includes(known.suite) : true;
  const lines = [
    `FROM ${from}`,
    `LABEL ${GO_VERSION_LABEL}="${goVersion}"`,
    `LABEL ${REVISION_LABEL}="${officialRevision(goVersion)}"`,
  ];
  if (archived) {
    lines.push(
      `# ${known ? `${known.suite} has` : 'the images of Go <= 1.16 are stretch/buster, which have'} left the main Debian mirror: use Debian's archive`,
      'RUN set -e; for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do [ -f "$f" ] || continue; \\',
      `      sed -i ${ARCHIVE_SED.map((e) => `-e '${e}'`).join(' ')} "$f"; done`,
    );
  }
  lines.push(
    '# cgo and libseccomp for runc (seccomp tag); rsync for kubernetes (hack/lib/golang.sh)',
    `RUN apt-get ${archived ? '-o Acquire::Check-Valid-Until=false ' : ''}update \\`,
    ` && apt-get install -y --no-install-recommends ${OFFICIAL_PACKAGES.join(' ')} \\`,
    ' && rm -rf /var/lib/apt/lists/*',
    '',
  );
  return { dockerfile: lines.join('\n'), pinned: Boolean(known) };
}

export async function buildFromOfficial(
  runner: Runner,
  log: Logger,
  goVersion: string,
  tag: string,
  specs: ToolchainSpecs,
): Promise<string> {
  const { dockerfile, pinned } = officialDockerfile(goVersion, specs);
  if (!pinned)
    log.warn(
      `golang:${goVersion} has no verified digest in specs/toolchains.yaml; building FROM the tag alone (record its digest there)`,
    );
  const dir = await mkdtemp(path.join(os.tmpdir(), 'nokmem-image-'));
  try {
    await writeFile(path.join(dir, 'Dockerfile'), dockerfile);
    await runner.run('docker', ['build', '--network', 'host', '--tag', tag, dir], {
      purpose: `build ${tag} from golang:${goVersion}`,
      onOutput: log.detail,
    });
    const id = await runner.run('docker', ['image', 'inspect', '--format', '{{.Id}}', tag]);
    return id.stdout.trim();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Whether an offline image exists and was made from the current package list. */
export async function offlineImageIsCurrent(
  runner: Runner,
  image: OfflineImage,
  specs: ToolchainSpecs,
): Promise<boolean> {
  const r = await runner.run(
    'docker',
    ['image', 'inspect', '--format', `{{index .Config.Labels "${REVISION_LABEL}"}}`, image.image],
    { allowFailure: true },
  );
  return r.exitCode === 0 && r.stdout.trim() === offlineRevision(image, specs);
}

/**
 * The builder images the engine has that nokmem made for building (madeForBuilding), with the Go each carries
 * (from its label). Nothing else is ever chosen without --image. The engine's API lists them with their labels in
 * one call when `docker` has it; otherwise the CLI lists them and reads each one's labels.
 */
export async function availableBuilderImages(
  runner: Runner,
  specs: ToolchainSpecs,
  docker?: Pick<DockerEngine, 'imagesWithLabel'>,
): Promise<AvailableImage[]> {
  const offered = (image: string, revision: string, go: string) =>
    /^\d+\.\d+/.test(go) && madeForBuilding(image, revision, go, specs);
  const listed = await docker?.imagesWithLabel(REVISION_LABEL);
  if (listed)
    return listed.flatMap(({ tags, labels }) =>
      tags
        .filter((image) => offered(image, labels[REVISION_LABEL] ?? '', labels[GO_VERSION_LABEL] ?? ''))
        .map((image) => ({ image, go: labels[GO_VERSION_LABEL]! })),
    );
  const r = await runner.run(
    'docker',
    ['image', 'ls', '--filter', `label=${REVISION_LABEL}`, '--format', '{{.Repository}}:{{.Tag}}'],
    { allowFailure: true },
  );
  if (r.exitCode !== 0) return [];
  const images: AvailableImage[] = [];
  for (const image of r.stdout
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.includes('<none>'))) {
    const labels = await runner.run(
      'docker',
      [
        'image',
        'inspect',
        '--format',
        `{{index .Config.Labels "${REVISION_LABEL}"}}\t{{index .Config.Labels "${GO_VERSION_LABEL}"}}`,
        image,
      ],
      { allowFailure: true },
    );
    if (labels.exitCode !== 0) continue;
    const [revision = '', go = ''] = labels.stdout.trim().split('\t');
    if (offered(image, revision, go)) images.push({ image, go });
  }
  return images;
}

/** The Go an image carries: its label, or what `go version` in it says (an image nokmem did not make). */
export async function imageGoVersion(
  runner: Runner,
  image: string,
  docker?: Pick<DockerEngine, 'imageLabels'>,
): Promise<string | undefined> {
  // The label through the engine API where there is one, else through the docker CLI ('' when it has none).
  const labels = await docker?.imageLabels(image);
  const label = labels
    ? (labels[GO_VERSION_LABEL] ?? '')
    : await runner
        .run('docker', ['image', 'inspect', '--format', `{{index .Config.Labels "${GO_VERSION_LABEL}"}}`, image], {
          allowFailure: true,
        })
        .then((r) => (r.exitCode === 0 ? r.stdout.trim() : ''));
  if (/^\d+\.\d+/.test(label)) return label;
  const r = await runner.run('docker', ['run', '--rm', '--network', 'none', image, 'go', 'version'], {
    allowFailure: true,
    timeoutMs: 60_000,
  });
  return r.exitCode === 0 ? /go(\d+\.\d+(?:\.\d+)?)/.exec(r.stdout)?.[1] : undefined;
}
