// The builder-image recipes that run here (src/builder-image.ts): what the offline images install, and the
// Dockerfile made from an official golang image.

import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { execa } from 'execa';
import { ARCHIVE_SED, officialDockerfile, offlinePackages } from '../../src/builder-image.ts';
import { DEFAULT_SPECS_DIR } from '../../src/specs.ts';
import { loadToolchains } from '../../src/toolchain.ts';

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
  });

  it('the archive rewrite turns stretch and buster sources into archive.debian.org and drops -updates', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'nokmem-sources-'));
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
