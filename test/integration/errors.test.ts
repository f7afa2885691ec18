// Bad input and broken surroundings: each gives one clear line on stderr, a non-zero exit, and leaves nothing
// in the output directory.

import assert from 'node:assert/strict';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import YAML from 'yaml';
import { TEST_IMAGE, type Workbench, exists, nokmem, workbench } from '../helpers/cli.ts';

let wb: Workbench;
/** A mirror whose v1.0.0-rc4 was rewritten to switch kmem on inline, so the recipe finds no function to rewrite. */
let odd: string;
/** A read-only file system (a tmpfs mounted ro), as a full or read-only disk would be. */
let readOnly: string;

// Apply writing memory.kmem.limit_in_bytes itself: a shape no runc release has, which the recipe cannot fit.
const INLINE_KMEM_MEMORY_GO = `// +build linux

package fs

import (
	"io/ioutil"
	"os"
	"path/filepath"

	"github.com/opencontainers/runc/libcontainer/cgroups"
	"github.com/opencontainers/runc/libcontainer/configs"
)

type MemoryGroup struct {
}

func (s *MemoryGroup) Apply(d *cgroupData) (err error) {
	path, err := d.path("memory")
	if err != nil || path == "" {
		return err
	}
	if memoryAssigned(d.config) && !cgroups.PathExists(path) {
		if err := os.MkdirAll(path, 0755); err != nil {
			return err
		}
		for _, v := range []string{"1", "-1"} {
			if err := ioutil.WriteFile(filepath.Join(path, "memory.kmem.limit_in_bytes"), []byte(v), 0700); err != nil {
				return err
			}
		}
	}
	_, err = d.join("memory")
	return err
}

func (s *MemoryGroup) Set(path string, cgroup *configs.Cgroup) error {
	return setMemoryAndSwap(path, cgroup)
}
`;

async function makeOddMirror(): Promise<string> {
  const dir = path.join(wb.root, 'odd-runc');
  const git = (args: string[]) =>
    execa('git', ['-C', dir, '-c', 'commit.gpgSign=false', '-c', 'tag.gpgSign=false', ...args], {
      env: {
        GIT_AUTHOR_NAME: 'T',
        GIT_AUTHOR_EMAIL: 't@t.invalid',
        GIT_COMMITTER_NAME: 'T',
        GIT_COMMITTER_EMAIL: 't@t.invalid',
      },
    });
  await execa('git', ['clone', '-q', wb.runc.dir, dir]);
  await git(['checkout', '-q', 'v1.0.0-rc4']);
  await writeFile(path.join(dir, 'libcontainer/cgroups/fs/memory.go'), INLINE_KMEM_MEMORY_GO);
  await git(['commit', '-q', '-am', 'kmem inline in Apply']);
  await git(['tag', '-f', '-a', '-m', 'moved', 'v1.0.0-rc4']);
  const commit = (await git(['rev-parse', 'HEAD'])).stdout.trim();
  const pinsFile = path.join(wb.specs, 'pins.yaml');
  const pins = YAML.parse(await readFile(pinsFile, 'utf8')) as { runc: Record<string, string> };
  pins.runc['v1.0.0-rc4'] = commit;
  await writeFile(pinsFile, YAML.stringify(pins));
  return `file://${dir}`;
}

// Builder images that break a real build, made from the test image without any registry; named after this test
// process, so that two runs of this file (another worktree's) neither share nor remove each other's images.
const TEST_IMAGES = `nokmem-test-${process.pid}`;
const NO_RSYNC = `${TEST_IMAGES}:no-rsync`;
const NO_MAKE = `${TEST_IMAGES}:no-make`;
// Labelled as an old Go (the label is what nokmem reads for the images it makes): below the fixture's minimum.
const OLD_GO = `${TEST_IMAGES}:go-too-old`;

async function derivedImage(tag: string, lines: string[]): Promise<void> {
  await execa('docker', ['build', '--network', 'none', '--quiet', '--tag', tag, '-'], {
    input: [`FROM ${TEST_IMAGE}`, ...lines, ''].join('\n'),
  });
}

before(async () => {
  wb = await workbench((runc, kube) => ({
    runc: {
      'v1.0.0-rc4': runc.tags['v1.0.0-rc4']!,
      'v1.0.0-rc5': runc.tags['v1.0.0-rc5']!,
      // a pin that does not match what the remote's tag points to
      'v1.0.0-rc6': runc.tags['v1.0.0-rc5']!,
      // a tag the remote does not have
      'v1.0.0-rc7': '0123456789abcdef0123456789abcdef01234567',
    },
    kubelet: { 'v1.12.4': kube.tags['v1.12.4']! },
  }));
  await derivedImage(NO_RSYNC, ['RUN rm /usr/bin/rsync']);
  await derivedImage(NO_MAKE, ['RUN rm /usr/bin/make']);
  await derivedImage(OLD_GO, ['LABEL dev.nokmem.go-version="1.9.7"']);
  odd = await makeOddMirror();
  readOnly = path.join(wb.root, 'read-only');
  await mkdir(readOnly);
  await execa('mount', ['-t', 'tmpfs', '-o', 'ro,size=1m', 'nokmem-test-ro', readOnly]);
});

after(async () => {
  if (readOnly) await execa('umount', [readOnly], { reject: false });
  await wb?.cleanup();
  await execa('docker', ['image', 'rm', NO_RSYNC, NO_MAKE, OLD_GO], { reject: false });
});

function errorLine(stderr: string): string {
  const lines = stderr.split('\n').filter((l) => l.startsWith('nokmem: '));
  assert.equal(lines.length, 1, `exactly one error line, got: ${stderr}`);
  return lines[0] ?? '';
}

/** kind: the error's class, as `--json` names it; tests decide by it, the message is what a person reads. */
const cases: {
  name: string;
  args: string[];
  env?: Record<string, string>;
  exit: number;
  kind: string;
  message: RegExp;
}[] = [
  {
    name: 'a version without a patch number',
    args: ['--kubelet', '1.12'],
    exit: 2,
    kind: 'UsageError',
    message: /kubelet version "1\.12" is not a release version; expected a full tag like v1\.12\.4/,
  },
  {
    name: '"latest"',
    args: ['--runc', 'latest'],
    exit: 2,
    kind: 'UsageError',
    message: /runc version "latest" is not a release version; expected a full tag like v1\.0\.0-rc5/,
  },
  {
    name: 'a version with shell syntax',
    args: ['--kubelet', 'v1.12.4;id'],
    exit: 2,
    kind: 'UsageError',
    message: /"v1\.12\.4;id" is not a release version/,
  },
  {
    name: 'both components',
    args: ['--kubelet', 'v1.12.4', '--runc', 'v1.0.0-rc5'],
    exit: 2,
    kind: 'UsageError',
    message: /give one of --kubelet VERSION, --runc VERSION or --fork NAME, not several/,
  },
  {
    name: 'an unaffected version',
    args: ['--kubelet', 'v1.22.3'],
    exit: 1,
    kind: 'InputError',
    message: /kubelet v1\.22\.3 is not affected .*Use --force to build it anyway/,
  },
  {
    name: 'a tag the remote lacks',
    args: ['--runc', 'v1.0.0-rc7', 'REMOTE'],
    exit: 1,
    kind: 'InputError',
    message: /tag v1\.0\.0-rc7 is not on file:\/\/.*; check the version, or point --remote at a mirror/,
  },
  {
    name: 'an unpinned tag the remote lacks',
    args: ['--runc', 'v1.0.0-rc8', 'REMOTE'],
    exit: 1,
    kind: 'InputError',
    message: /tag v1\.0\.0-rc8 is not on file:\/\//,
  },
  {
    name: 'a pin mismatch',
    args: ['--runc', 'v1.0.0-rc6', 'REMOTE'],
    exit: 1,
    kind: 'PinMismatch',
    message:
      /runc v1\.0\.0-rc6 on file:\/\/.* is commit [0-9a-f]{40}, but specs\/pins\.yaml pins [0-9a-f]{40}; a moved tag is a mistake or an attack/,
  },
  {
    name: 'a patch that does not apply',
    args: ['--runc', 'v1.0.0-rc4', 'ODD'],
    exit: 1,
    kind: 'PinMismatch',
    message: /does not apply: func EnableKernelMemoryAccounting not found in libcontainer\/cgroups\/fs\/memory\.go/,
  },
  {
    name: 'Docker unreachable',
    args: ['--runc', 'v1.0.0-rc5', 'REMOTE'],
    env: { DOCKER_HOST: 'unix:///nonexistent/docker.sock' },
    exit: 1,
    kind: 'MissingPrerequisite',
    message: /the Docker engine is not reachable .*; start dockerd or set DOCKER_HOST/,
  },
  {
    name: 'a remote that does not exist',
    args: ['--runc', 'v1.0.0-rc5', '--remote', '/nonexistent/runc.git'],
    exit: 1,
    kind: 'InputError',
    message:
      /cannot fetch v1\.0\.0-rc5 from file:\/\/\/nonexistent\/runc\.git: '\/nonexistent\/runc\.git' does not appear to be a git repository; check --remote/,
  },
  {
    name: 'a version in a not-affected era that was never released',
    args: ['--runc', 'v1.0.0-rc99', 'REMOTE'],
    exit: 1,
    kind: 'InputError',
    message: /tag v1\.0\.0-rc99 is not on file:\/\/.*, so runc v1\.0\.0-rc99 is not a release; check the version$/,
  },
  {
    name: 'a read-only --out',
    args: ['--runc', 'v1.0.0-rc5', 'REMOTE', '--out', 'READONLY/out'],
    exit: 1,
    kind: 'InputError',
    message: /cannot write to .*\/read-only\/out \(read-only file system\); choose a writable --out$/,
  },
  {
    name: 'a read-only --cache-dir',
    args: ['--runc', 'v1.0.0-rc5', 'REMOTE', '--cache-dir', 'READONLY/cache'],
    exit: 1,
    kind: 'InputError',
    message: /cannot write to .*\/read-only\/cache \(read-only file system\); choose a writable --cache-dir$/,
  },
  {
    name: 'a --cache-dir under /proc',
    args: ['--runc', 'v1.0.0-rc5', 'REMOTE', '--cache-dir', '/proc/nokmem-cache'],
    exit: 1,
    kind: 'InputError',
    message:
      /--cache-dir \/proc\/nokmem-cache is under \/proc, a kernel file system that cannot hold files; choose a normal writable directory/,
  },
  {
    name: 'a builder image that is not there',
    args: ['--runc', 'v1.0.0-rc5', 'REMOTE', '--image', 'nokmem-builder:no-such-tag'],
    exit: 1,
    kind: 'MissingPrerequisite',
    message: /builder image nokmem-builder:no-such-tag is not in the Docker engine; build it with/,
  },
  {
    name: 'a builder image without rsync',
    args: ['--kubelet', 'v1.12.4', 'KUBE_REMOTE', '--image', NO_RSYNC],
    exit: 1,
    kind: 'MissingPrerequisite',
    message: new RegExp(
      `^nokmem: error: builder image ${NO_RSYNC} lacks rsync, which a real kubelet build needs \\(kubernetes' hack/lib/golang\\.sh places its code generators with rsync\\)`,
    ),
  },
  {
    name: 'a builder image without make',
    args: ['--runc', 'v1.0.0-rc5', 'REMOTE', '--image', NO_MAKE],
    exit: 1,
    kind: 'MissingPrerequisite',
    message: new RegExp(`builder image ${NO_MAKE} lacks make, which a real runc build needs`),
  },
  {
    name: "a builder image whose Go is below the tree's minimum",
    args: ['--kubelet', 'v1.12.4', 'KUBE_REMOTE', '--image', OLD_GO],
    exit: 1,
    kind: 'ToolchainRefused',
    message: new RegExp(
      `${OLD_GO} \\(Go 1\\.9\\.7\\) is unsafe for this tree: Go 1\\.9\\.7 is older than the tree's minimum Go 1\\.10\\.2; use an image with Go >= 1\\.10\\.2`,
    ),
  },
];

describe('bad input and broken surroundings', () => {
  for (const c of cases) {
    it(`${c.name}: one line, exit ${c.exit}, nothing in the output`, async () => {
      const out = wb.out(c.name.replace(/\W+/g, '-'));
      const remotes: Record<string, string> = { REMOTE: wb.runc.url, KUBE_REMOTE: wb.kubernetes.url, ODD: odd };
      const args = c.args.flatMap((a) =>
        remotes[a] ? ['--remote', remotes[a]] : [a.replace(/^READONLY\//, `${readOnly}/`)],
      );
      // the case's own options come last, so they win over the common ones
      const r = await nokmem(['build', ...wb.common, '--out', out, ...args, '--json'], c.env);
      assert.equal(r.exitCode, c.exit, r.stderr);
      assert.equal((JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}') as { kind?: string }).kind, c.kind);
      assert.match(errorLine(r.stderr), c.message);
      assert.ok(!exists(out), `${out} must not exist`);
    });
  }

  it('a --specs file with a tag YAML cannot resolve: the one error line is the last line, no YAMLWarning after it', async () => {
    const specs = path.join(wb.root, 'specs-js-function');
    await mkdir(specs, { recursive: true });
    for (const f of await readdir(wb.specs))
      await writeFile(path.join(specs, f), await readFile(path.join(wb.specs, f)));
    await writeFile(
      path.join(specs, 'versions.yaml'),
      `${await readFile(path.join(wb.specs, 'versions.yaml'), 'utf8')}x: !!js/function "function () {}"\n`,
    );
    const out = wb.out('js-function');
    const r = await nokmem(['build', ...wb.common, '--specs', specs, '--runc', 'v1.0.0-rc5', '--out', out]);
    assert.equal(r.exitCode, 1, r.stderr);
    assert.match(
      errorLine(r.stderr),
      /versions\.yaml: line \d+, column \d+: unresolved tag !!js\/function; fix the file$/,
    );
    assert.match(r.stderr.trimEnd().split('\n').at(-1) ?? '', /^nokmem: error: /);
    assert.doesNotMatch(r.stderr, /YAMLWarning|Unresolved tag/);
    assert.ok(!exists(out));
  });

  it('--dry-run prints the plan and writes nothing', async () => {
    const out = wb.out('dry');
    const cache = `${wb.root}/dry-run-cache`;
    const r = await nokmem([
      'build',
      ...wb.common,
      '--kubelet',
      'v1.12.4',
      '--remote',
      wb.kubernetes.url,
      '--dry-run',
      '--out',
      out,
      '--cache-dir',
      cache,
    ]);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(r.stdout, /^source {6}file:\/\/.* v1\.12\.4 -> [0-9a-f]{40} \(pinned\)$/m);
    assert.match(r.stdout, /^method {6}source-patch: /m);
    assert.match(r.stdout, /^image {7}nokmem-builder:debian-go1\.19 sha256:/m);
    assert.match(
      r.stdout,
      /^output {6}.*kubelet-v1\.12\.4\/\{kubelet,build-record\.json,nokmem\.patch,\*\.rpm,SHA256SUMS\{,\.asc\}/m,
    );
    assert.match(r.stderr, /compile in Docker: skipped \(dry run\)/);
    assert.ok(!exists(out));
    assert.ok(!exists(cache), 'no fetch, no cache in a dry run');
  });

  it('without --image, a test image (made FROM a builder, its labels inherited) is never chosen as the builder', async () => {
    const common = wb.common.slice(0, wb.common.indexOf('--image'));
    for (const version of ['v1.0.0-rc5', 'v1.0.0-rc4']) {
      const r = await nokmem(['build', ...common, '--runc', version, '--remote', wb.runc.url, '--dry-run']);
      assert.equal(r.exitCode, 0, r.stderr);
      // runc takes any Go, and the oldest safe one is chosen: before the fix, the test image labelled Go 1.9.7
      assert.match(r.stdout, /^image {7}nokmem-builder:debian-go1\.(15|19) sha256:/m);
      assert.ok(!r.stdout.includes(TEST_IMAGES) && !r.stderr.includes(TEST_IMAGES), r.stdout);
    }
  });

  it('--dry-run prints the whole plan when prerequisites are missing, marks each with what makes it, exit 0', async () => {
    const args = ['build', ...wb.common, '--runc', 'v1.0.0-rc5', '--remote', wb.runc.url, '--dry-run'];
    const noImage = await nokmem([...args, '--out', wb.out('dry-missing'), '--image', 'nokmem-builder:no-such-tag']);
    assert.equal(noImage.exitCode, 0, noImage.stderr);
    assert.match(noImage.stdout, /^method {6}source-patch: /m);
    assert.match(noImage.stdout, /^image {7}nokmem-builder:no-such-tag \(MISSING\)$/m);
    assert.match(noImage.stdout, /^MISSING {5}builder image: .* — make it with: nokmem builder-image --offline$/m);
    assert.doesNotMatch(noImage.stdout, /^MISSING {5}Docker engine/m);

    const noDocker = await nokmem([...args, '--out', wb.out('dry-no-docker')], {
      DOCKER_HOST: 'unix:///nonexistent/docker.sock',
    });
    assert.equal(noDocker.exitCode, 0, noDocker.stderr);
    assert.match(noDocker.stdout, /^output {6}/m);
    assert.match(noDocker.stdout, /^MISSING {5}Docker engine: .* — make it with: start dockerd/m);
    assert.match(noDocker.stdout, /^MISSING {5}builder image: not checked: the Docker engine is not reachable$/m);
    assert.match(noDocker.stdout, /^MISSING {5}packager image: not checked/m);
    assert.ok(!exists(wb.out('dry-no-docker')));

    // an unreachable remote is a missing prerequisite too: the plan comes from the pins
    const noRemote = await nokmem([
      'build',
      ...wb.common,
      '--runc',
      'v1.0.0-rc5',
      '--remote',
      '/nonexistent/runc.git',
      '--dry-run',
      '--out',
      wb.out('dry-no-remote'),
    ]);
    assert.equal(noRemote.exitCode, 0, noRemote.stderr);
    assert.match(
      noRemote.stdout,
      /^source {6}file:\/\/\/nonexistent\/runc\.git v1\.0\.0-rc5 -> [0-9a-f]{40} \(pinned\)$/m,
    );
    assert.match(
      noRemote.stdout,
      /^MISSING {5}remote: cannot read file:\/\/\/nonexistent\/runc\.git: '\/nonexistent\/runc\.git' does not appear to be a git repository; check --remote/m,
    );
    assert.ok(!exists(wb.out('dry-no-remote')));
  });

  it('in GitHub Actions: one log group per step, and a job summary table', async () => {
    const summary = `${wb.root}/summary.md`;
    const r = await nokmem(
      [
        'build',
        ...wb.common,
        '--kubelet',
        'v1.12.4',
        '--remote',
        wb.kubernetes.url,
        '--dry-run',
        '--out',
        wb.out('gha'),
        '--cache-dir',
        `${wb.root}/gha-cache`,
      ],
      { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summary },
    );
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(r.stderr, /^::group::\[ ?1\/\d+\] resolve$/m);
    assert.match(r.stderr, /^::endgroup::$/m);
    const { readFile } = await import('node:fs/promises');
    assert.match(
      await readFile(summary, 'utf8'),
      /^### kubelet v1\.12\.4: planned\n\n\| \| \|\n\|---\|---\|\n\| source \| `[0-9a-f]{40}` \(v1\.12\.4\) \|$/m,
    );
  });

  it('--help describes every command', async () => {
    const r = await nokmem(['--help']);
    assert.equal(r.exitCode, 0);
    for (const command of [
      'build',
      'prepare',
      'verify',
      'publish',
      'release',
      'matrix',
      'doctor',
      'pin',
      'builder-image',
    ])
      assert.match(r.stdout, new RegExp(`^  ${command}`, 'm'));
    const build = await nokmem(['build', '--help']);
    assert.match(build.stdout, /--dry-run/);
  });

  it('leaves no workspace behind after a failed build', async () => {
    const work = `${wb.cache}/work`;
    assert.deepEqual(exists(work) ? await readdir(work) : [], []);
  });
});
