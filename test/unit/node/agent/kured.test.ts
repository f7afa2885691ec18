// kured's sentinel (src/node/agent/kured.ts): asked once per boot, no reboot loops, never removing a file the agent
// did not write.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { SENTINEL_FILE, applySentinel, decide } from '../../../../src/node/agent/kured.ts';
import { tempDir } from '../../../helpers/tmp.ts';

const t0 = new Date('2026-12-06T10:00:00Z');

describe('kured sentinel', () => {
  it('raises once per boot; after one reboot that did not help it stops asking and flags it', () => {
    const first = decide('reboot', null, 'boot-a', t0);
    assert.deepEqual(first, { request: { at: t0.toISOString(), bootId: 'boot-a', gaveUp: false }, sentinel: 'raise' });
    assert.deepEqual(decide('reboot', first.request, 'boot-a', t0), first);
    const after = decide('reboot', first.request, 'boot-b', t0);
    assert.deepEqual(after, { request: { ...first.request!, gaveUp: true }, sentinel: 'lower' });
    assert.equal(decide('reboot', after.request, 'boot-c', t0).sentinel, 'lower');
    assert.equal(decide('unknown', after.request, 'boot-c', t0).request?.gaveUp, true);
    assert.deepEqual(decide('ok', after.request, 'boot-c', t0), { request: null, sentinel: 'lower' });
  });

  it('writes and removes only its own file', async () => {
    const dir = await tempDir('kured-');
    const file = path.join(dir, SENTINEL_FILE);
    const raise = decide('reboot', null, 'boot-a', t0);
    assert.deepEqual(await applySentinel(dir, raise, 'n1'), { present: true, foreign: false });
    assert.match(await readFile(file, 'utf8'), /"writer":"nokmem agent"/);
    assert.deepEqual(await applySentinel(dir, decide('ok', raise.request, 'boot-a', t0), 'n1'), {
      present: false,
      foreign: false,
    });
    assert.equal(existsSync(file), false);
    await writeFile(file, ''); // OS patching's sentinel, say
    assert.deepEqual(await applySentinel(dir, decide('ok', null, 'boot-a', t0), 'n1'), {
      present: true,
      foreign: true,
    });
    assert.equal(existsSync(file), true);
    assert.deepEqual(await applySentinel(dir, raise, 'n1'), { present: true, foreign: true });
    assert.equal(await readFile(file, 'utf8'), '');
  });
});
