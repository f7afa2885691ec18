import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Results } from '../../src/results.ts';

describe('Results', () => {
  it('holds each value once: a second set is a bug', () => {
    const r = new Results<{ tree: string }>();
    assert.equal(r.set('tree', '/w/src'), '/w/src');
    assert.equal(r.get('tree'), '/w/src');
    assert.throws(() => r.set('tree', '/elsewhere'), /set twice/);
    assert.equal(r.get('tree'), '/w/src');
  });

  it('a read before the step that makes the value is a bug; maybe() is for values a run may not have', () => {
    const r = new Results<{ applied: string }>();
    assert.throws(() => r.get('applied'), /read before the step that makes it ran/);
    assert.equal(r.maybe('applied'), undefined);
    assert.equal(r.has('applied'), false);
  });
});
