import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Results, newBuildResults } from '../../src/results.ts';

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

  it('a build has one container per phase: a phase sets and reads only its own values', () => {
    const results = newBuildResults();
    results.source.set('tree', '/w/src');
    results.binary.set('goUsed', 'go version go1.15.15 linux/amd64');
    assert.equal(results.source.get('tree'), '/w/src');
    assert.equal(results.binary.has('goUsed'), true);
    assert.equal(results.packages.has('packages'), false);
    // the compiler holds each value to its phase (npm run typecheck fails if these compile)
    // @ts-expect-error a binary value is not a source result
    assert.throws(() => results.source.get('goUsed'), /read before/);
    // @ts-expect-error the packages phase cannot set the source tree
    results.packages.set('tree', '/elsewhere');
    assert.notEqual(results.source, results.binary as unknown);
  });
});
