import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { realRunner } from '../../../src/runner.ts';
import { el7Check } from '../../../src/verify/index.ts';
import { tempDir } from '../../helpers/tmp.ts';

// Real binaries from the host's gcc: a static one, and a dynamic one that needs GLIBC_2.34 (Debian 12 links
// pthread_create at that version), which EL7's glibc 2.17 cannot load.
describe('EL7 glibc check', () => {
  let dir = '';
  before(async () => {
    dir = await tempDir('elf-');
    await writeFile(
      path.join(dir, 'p.c'),
      '#include <pthread.h>\nstatic void *f(void *a) { return a; }\nint main(void) { pthread_t t; pthread_create(&t, 0, f, 0); return pthread_join(t, 0); }\n',
    );
    await realRunner.run('gcc', ['-static', '-o', path.join(dir, 'static'), path.join(dir, 'p.c'), '-pthread']);
    await realRunner.run('gcc', ['-o', path.join(dir, 'dynamic'), path.join(dir, 'p.c'), '-pthread']);
  });

  it('passes a static binary', async () => {
    assert.equal((await el7Check(path.join(dir, 'static'))).status, 'pass');
  });

  it('fails a dynamic binary that needs GLIBC_2.34, naming the version', async () => {
    const check = await el7Check(path.join(dir, 'dynamic'));
    assert.equal(check.status, 'fail');
    assert.match(check.detail, /GLIBC_2\.3\d/);
  });

  it('fails a file that is not ELF', async () => {
    await writeFile(path.join(dir, 'script'), '#!/bin/sh\n');
    assert.equal((await el7Check(path.join(dir, 'script'))).status, 'fail');
  });
});
