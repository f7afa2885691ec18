// nokmem's own identity (src/meta.ts): the version in package.json, which every build record and cache key holds.

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { NOKMEM_VERSION } from '../../src/meta.ts';
import { PROJECT_ROOT } from '../../src/specs.ts';

describe('NOKMEM_VERSION', () => {
  it("is package.json's version, a semantic version", async () => {
    const pkg = JSON.parse(await readFile(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string };
    assert.equal(NOKMEM_VERSION, pkg.version);
    assert.match(NOKMEM_VERSION, /^\d+\.\d+\.\d+(-[\w.]+)?$/);
  });
});
