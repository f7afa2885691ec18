import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UsageError } from '../../src/errors.ts';
import { inRange, parseVersion } from '../../src/version.ts';

describe('parseVersion', () => {
  it('accepts a tag with or without the leading v', () => {
    assert.equal(parseVersion('kubelet', 'v1.12.4').tag, 'v1.12.4');
    assert.equal(parseVersion('kubelet', '1.12.4').tag, 'v1.12.4');
    assert.equal(parseVersion('runc', 'v1.0.0-rc5').tag, 'v1.0.0-rc5');
  });

  for (const bad of ['1.12', 'latest', 'v1.12.4;id', '', 'v1.12.4 ', '../v1.12.4', 'v1.12.4\nx', '$(id)']) {
    it(`refuses ${JSON.stringify(bad)} with a message that says what is expected`, () => {
      assert.throws(
        () => parseVersion('kubelet', bad),
        (e: unknown) => e instanceof UsageError && /expected a full tag like v1\.12\.4/.test(e.message),
      );
    });
  }

  it('orders runc release candidates numerically (rc10 after rc9, rc93 after rc10)', () => {
    assert.ok(inRange(parseVersion('runc', 'v1.0.0-rc10'), '>1.0.0-rc.9'));
    assert.ok(inRange(parseVersion('runc', 'v1.0.0-rc93'), '>1.0.0-rc.10'));
    assert.ok(!inRange(parseVersion('runc', 'v1.0.0-rc10'), '<=1.0.0-rc.5'));
    assert.ok(inRange(parseVersion('runc', 'v1.0.0'), '>=1.0.0-rc.94'));
  });
});
