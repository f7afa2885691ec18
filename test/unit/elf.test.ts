import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { glibcAtMost } from '../../src/elf.ts';

describe('glibcAtMost', () => {
  it('compares versions numerically', () => {
    assert.ok(glibcAtMost('2.17', '2.17'));
    assert.ok(glibcAtMost('2.3.4', '2.17'));
    assert.ok(!glibcAtMost('2.34', '2.17'));
  });
});
