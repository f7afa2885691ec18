// What the steps share about caches (src/steps/caches.ts): the Go build environment, a fork's make recipe, the
// kinds of the packages phase's files, and the verified binary among a result's files.

import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { Artifact } from '../../../src/context.ts';
import { binaryOf, buildEnv, forkRecipe, packageArtifactKind, packageArtifacts } from '../../../src/steps/caches.ts';
import { tempDir } from '../../helpers/tmp.ts';

describe('buildEnv', () => {
  it('builds offline: GOPATH layout without modules, modules without a proxy', () => {
    assert.deepEqual(buildEnv('gopath'), { GOPATH: '/go', GOCACHE: '/gocache', GO111MODULE: 'off', GOPROXY: 'off' });
    assert.equal(buildEnv('modules').GO111MODULE, 'on');
  });
});

describe('forkRecipe', () => {
  it("uses runc's own make static with the nokmem tag only for the build-tag method, vendored modules", () => {
    assert.deepEqual(forkRecipe('build-tag', 'modules', 'abc').make, [
      'static',
      'BUILDTAGS=seccomp nokmem',
      'COMMIT=abc',
    ]);
    assert.equal(forkRecipe('build-tag', 'modules', 'abc').env.GOFLAGS, '-mod=vendor');
    assert.deepEqual(forkRecipe('source-patch', 'gopath', 'abc').make, ['static', 'BUILDTAGS=seccomp', 'COMMIT=abc']);
    assert.equal(forkRecipe('source-patch', 'gopath', 'abc').env.GOFLAGS, undefined);
  });
});

describe('packageArtifactKind', () => {
  it('names each file of the packages phase, and calls any other file a bug', () => {
    const names = ['a.rpm', 'a.spdx.json', 'a.provenance.json', 'RPM-GPG-KEY-nokmem', 'SHA256SUMS', 'SHA256SUMS.asc'];
    assert.deepEqual(names.map(packageArtifactKind), [
      'rpm',
      'sbom',
      'provenance',
      'public-key',
      'sums',
      'sums-signature',
    ]);
    assert.throws(() => packageArtifactKind('notes.txt'), /bug: notes\.txt is not a file the packages phase makes/);
  });

  it('lists a package cache entry sorted, each file with its kind', async () => {
    const dir = await tempDir('nokmem-caches-');
    for (const f of ['SHA256SUMS', 'a.rpm']) await writeFile(path.join(dir, f), '');
    assert.deepEqual(await packageArtifacts(dir), [
      { name: 'SHA256SUMS', path: path.join(dir, 'SHA256SUMS'), kind: 'sums' },
      { name: 'a.rpm', path: path.join(dir, 'a.rpm'), kind: 'rpm' },
    ]);
  });
});

describe('binaryOf', () => {
  it('finds the binary, and a result without one is a bug', () => {
    const binary: Artifact = { name: 'runc', path: '/r/runc', kind: 'binary' };
    assert.equal(binaryOf([{ name: 'build-record.json', path: '/r/b', kind: 'build-record' }, binary]), binary);
    assert.throws(() => binaryOf([]), /bug: the verified result has no binary/);
  });
});
