// The version a release binary prints comes from its tree's VERSION file, not from the tag's name: upstream's
// runc v1.0.0-rc90 tag is the rc10 commit, whose binary prints "runc version 1.0.0-rc10" (specs/versions.yaml
// `reports`).

import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { Docker } from '../../../src/docker.ts';
import { DEFAULT_SPECS_DIR, loadForkSpecs, loadVersionTable, reportedVersion } from '../../../src/specs.ts';
import { parseVersion } from '../../../src/version.ts';
import { identifyBinary } from '../../../src/verify/identify.ts';
import { versionCheck } from '../../../src/verify/index.ts';
import { tempDir } from '../../helpers/tmp.ts';

const RC10 = 'dc9208a3303feef5b3839f4323d9beb36df0a9dd';
const printed = `runc version 1.0.0-rc10\ncommit: ${RC10}\nspec: 1.0.1-dev\n`;

describe('the version a release binary prints', () => {
  it('runc v1.0.0-rc90 prints 1.0.0-rc10; every other tag its own', async () => {
    const runc = (await loadVersionTable()).runc;
    assert.equal(reportedVersion(runc, 'v1.0.0-rc90'), '1.0.0-rc10');
    assert.equal(reportedVersion(runc, 'v1.0.0-rc10'), '1.0.0-rc10');
    assert.equal(reportedVersion(runc, 'v1.0.0-rc92'), '1.0.0-rc92');
  });

  it('the version check expects what the tree reports, and still the commit', () => {
    assert.equal(versionCheck('runc', 'v1.0.0-rc90', printed, RC10, '1.0.0-rc10').status, 'pass');
    assert.equal(versionCheck('runc', 'v1.0.0-rc90', printed, RC10).status, 'fail');
    assert.equal(versionCheck('runc', 'v1.0.0-rc90', printed, 'f'.repeat(40), '1.0.0-rc10').status, 'fail');
  });

  it('nokmem verify --runc v1.0.0-rc90 accepts a binary that prints rc10, as the release does', async () => {
    const dir = await tempDir('nokmem-rc90-');
    const f = path.join(dir, 'runc');
    await writeFile(
      f,
      Buffer.from('\x7fELF\0runtime.main\0/go/src/github.com/opencontainers/runc/main.go\0', 'latin1'),
    );
    const docker = { run: async () => ({ stdout: printed, stderr: '', exitCode: 0 }) } as unknown as Docker;
    const specs = {
      table: await loadVersionTable(),
      forks: await loadForkSpecs(path.join(DEFAULT_SPECS_DIR, 'forks.yaml')),
    };
    const claim = { component: 'runc' as const, version: parseVersion('runc', 'v1.0.0-rc90') };
    const { identity } = await identifyBinary(f, 'runc', specs, { docker, toolImage: 'img' }, claim);
    assert.equal(identity.tag, 'v1.0.0-rc90');
    assert.equal(identity.version, '1.0.0-rc10');
    assert.equal(identity.commit, RC10);
    // without the claim it is what it prints: rc10, the same commit and era
    assert.equal((await identifyBinary(f, 'runc', specs, { docker, toolImage: 'img' })).identity.tag, 'v1.0.0-rc10');
  });
});
