// The builder-image recipes that run here (src/builder-image.ts): what the offline images install, the
// Dockerfile made from an official golang image, and (with a fake runner) which Go an image carries.

import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { execa } from 'execa';
import {
  ARCHIVE_SED,
  availableBuilderImages,
  imageGoVersion,
  officialDockerfile,
  officialRevision,
  offlinePackages,
  offlineRevision,
} from '../../src/builder-image.ts';
import { DEFAULT_SPECS_DIR } from '../../src/specs.ts';
import { GO_VERSION_LABEL, REVISION_LABEL, loadToolchains } from '../../src/toolchain.ts';
import { fakeRunner } from '../helpers/fakes.ts';
import { tempDir } from '../helpers/tmp.ts';

const specs = await loadToolchains(DEFAULT_SPECS_DIR);

describe('builder images', () => {
  it('every offline image has what a real kubernetes build needs (rsync, make, gcc)', () => {
    for (const image of specs.offline)
      for (const p of ['rsync', 'make', 'gcc', 'libc6-dev'])
        assert.ok(offlinePackages(image, specs).includes(p), `${image.image} lacks ${p}`);
    assert.deepEqual(specs.offline.map((o) => o.go).sort(), ['1.15', '1.19']);
  });

  it("the official-image Dockerfile points apt at Debian's archive and installs rsync and libseccomp", () => {
    const { dockerfile } = officialDockerfile('1.10.4', specs);
    assert.match(dockerfile, /^FROM golang:1\.10\.4(@sha256:[0-9a-f]{64})?$/m);
    assert.match(dockerfile, /archive\.debian\.org/);
    assert.match(dockerfile, /Check-Valid-Until=false update/);
    assert.match(dockerfile, /install -y --no-install-recommends libseccomp-dev pkg-config rsync/);
    assert.match(dockerfile, /LABEL dev\.nokmem\.go-version="1\.10\.4"/);
    // the project's own label, with the package list the image was made from
    assert.match(
      dockerfile,
      /LABEL dev\.nokmem\.image-revision="official:1\.10\.4:libseccomp-dev,pkg-config,rsync,make,gcc,libc6-dev,git"/,
    );
  });

  it('the archive rewrite turns stretch and buster sources into archive.debian.org and drops -updates', async () => {
    const dir = await tempDir('nokmem-sources-');
    const file = path.join(dir, 'sources.list');
    await writeFile(
      file,
      [
        'deb http://deb.debian.org/debian stretch main',
        'deb http://security.debian.org/debian-security stretch/updates main',
        'deb http://deb.debian.org/debian stretch-updates main',
        'deb http://deb.debian.org/debian buster main',
        'deb http://security.debian.org buster/updates main',
        '',
      ].join('\n'),
    );
    await execa('sed', ['-i', ...ARCHIVE_SED.flatMap((e) => ['-e', e]), file]);
    assert.deepEqual((await readFile(file, 'utf8')).split('\n'), [
      'deb http://archive.debian.org/debian stretch main',
      'deb http://archive.debian.org/debian-security stretch/updates main',
      'deb http://archive.debian.org/debian buster main',
      'deb http://archive.debian.org/debian-security buster/updates main',
      '',
    ]);
  });
});

describe('which Go an image carries', () => {
  const label = { command: 'docker', args: ['image', 'inspect', '--format', new RegExp(GO_VERSION_LABEL)] };
  const goVersion = { command: 'docker', args: ['run'], includes: ['go', 'version'] };

  it("reads nokmem's label, without starting a container", async () => {
    const runner = fakeRunner([{ ...label, result: { stdout: '1.15.15\n' } }]);
    assert.equal(await imageGoVersion(runner, 'nokmem-builder:debian-go1.15'), '1.15.15');
    assert.equal(runner.callsTo({ command: 'docker', args: ['run'] }).length, 0);
  });

  it('asks `go version` in an image nokmem did not make, with no network', async () => {
    const runner = fakeRunner([
      { ...label, result: { stdout: '\n' } },
      { ...goVersion, result: { stdout: 'go version go1.16.15 linux/amd64\n' } },
    ]);
    assert.equal(await imageGoVersion(runner, 'golang:1.16'), '1.16.15');
    const [run] = runner.callsTo(goVersion);
    assert.deepEqual(run?.args.slice(0, 4), ['run', '--rm', '--network', 'none']);
  });

  it('knows none when the image is missing or has no go', async () => {
    const runner = fakeRunner([
      { ...label, result: { exitCode: 1, stderr: 'No such image' } },
      { ...goVersion, result: { exitCode: 127, stderr: 'exec: "go": executable file not found' } },
    ]);
    assert.equal(await imageGoVersion(runner, 'debian:bookworm'), undefined);
  });

  // What `nokmem builder-image` writes: the project's own label with the package list, beside the Go.
  const labels = (revision: string, go: string) => ({ stdout: `${revision}\t${go}\n` });
  const offline = (name: string) =>
    offlineRevision(
      specs.offline.find((o) => o.image === name)!,
      specs,
    );
  const inspect = { command: 'docker', args: ['image', 'inspect', '--format', new RegExp(REVISION_LABEL)] };

  it('lists the labelled images with their Go, skipping dangling ones and those whose Go is unknown', async () => {
    const runner = fakeRunner([
      {
        command: 'docker',
        args: ['image', 'ls'],
        result: { stdout: 'nokmem-builder:debian-go1.19\n<none>:<none>\n\nbroken:1\nnokmem-builder:debian-go1.15\n' },
      },
      {
        ...inspect,
        includes: ['nokmem-builder:debian-go1.19'],
        result: labels(offline('nokmem-builder:debian-go1.19'), '1.19.8'),
      },
      {
        ...inspect,
        includes: ['nokmem-builder:debian-go1.15'],
        result: labels(offline('nokmem-builder:debian-go1.15'), '1.15.15'),
      },
      { ...inspect, includes: ['broken:1'], result: { exitCode: 1 } },
      { ...goVersion, includes: ['broken:1'], result: { exitCode: 1 } },
    ]);
    assert.deepEqual(await availableBuilderImages(runner, specs), [
      { image: 'nokmem-builder:debian-go1.19', go: '1.19.8' },
      { image: 'nokmem-builder:debian-go1.15', go: '1.15.15' },
    ]);
    assert.deepEqual(runner.callsTo({ command: 'docker', args: ['image', 'ls'] })[0]?.args, [
      'image',
      'ls',
      '--filter',
      `label=${REVISION_LABEL}`,
      '--format',
      '{{.Repository}}:{{.Tag}}',
    ]);
  });

  it('offers only images made for building: a test image derived from a builder (labels inherited) is never one', async () => {
    const official = officialRevision('1.10.4');
    const runner = fakeRunner([
      {
        command: 'docker',
        args: ['image', 'ls'],
        result: {
          stdout: [
            'nokmem-test:go-too-old',
            'nokmem-test:no-rsync',
            'nokmem-builder:debian-go1.15',
            'nokmem-builder:go1.10.4',
            'mine:relabelled',
            'nokmem-builder:debian-go1.19',
            '',
          ].join('\n'),
        },
      },
      // FROM nokmem-builder:debian-go1.19 plus LABEL dev.nokmem.go-version="1.9.7": the revision came along
      {
        ...inspect,
        includes: ['nokmem-test:go-too-old'],
        result: labels(offline('nokmem-builder:debian-go1.19'), '1.9.7'),
      },
      {
        ...inspect,
        includes: ['nokmem-test:no-rsync'],
        result: labels(offline('nokmem-builder:debian-go1.19'), '1.19.8'),
      },
      // made from an older package list: setup makes it again
      {
        ...inspect,
        includes: ['nokmem-builder:debian-go1.15'],
        result: labels('2:bullseye:golang-1.15-go', '1.15.15'),
      },
      { ...inspect, includes: ['nokmem-builder:go1.10.4'], result: labels(official, '1.10.4') },
      // an official-image builder whose Go label was changed afterwards
      { ...inspect, includes: ['mine:relabelled'], result: labels(official, '1.9.7') },
      {
        ...inspect,
        includes: ['nokmem-builder:debian-go1.19'],
        result: labels(offline('nokmem-builder:debian-go1.19'), '1.19.8'),
      },
    ]);
    assert.deepEqual(await availableBuilderImages(runner, specs), [
      { image: 'nokmem-builder:go1.10.4', go: '1.10.4' },
      { image: 'nokmem-builder:debian-go1.19', go: '1.19.8' },
    ]);
    assert.equal(runner.callsTo(goVersion).length, 0, 'no container is started to ask');
  });

  it('an engine that cannot list images offers none', async () => {
    const runner = fakeRunner([{ command: 'docker', args: ['image', 'ls'], result: { exitCode: 1 } }]);
    assert.deepEqual(await availableBuilderImages(runner, specs), []);
  });
});
