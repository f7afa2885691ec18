import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UsageError } from '../../src/errors.ts';
import { COMPONENTS, inRange, isComponent, parseVersion } from '../../src/version.ts';

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

describe('comparable versions', () => {
  it('rewrites runc rcN as rc.N and leaves other versions as they are', () => {
    assert.equal(parseVersion('runc', 'v1.0.0-rc93').comparable, '1.0.0-rc.93');
    assert.equal(parseVersion('kubelet', 'v1.12.4').comparable, '1.12.4');
    assert.equal(parseVersion('kubelet', 'v1.21.0-beta.1').comparable, '1.21.0-beta.1');
  });

  it('a refused version is a usage error: exit code 2', () => {
    assert.throws(
      () => parseVersion('runc', 'v1.0'),
      (e: unknown) => e instanceof UsageError && e.exitCode === 2,
    );
  });

  it('inRange takes pre-releases into account, as the version table needs', () => {
    assert.ok(inRange(parseVersion('runc', 'v1.0.0-rc5'), '>=1.0.0-rc.2 <1.0.0-rc.6'));
    assert.ok(inRange(parseVersion('kubelet', 'v1.21.1'), '>=1.15.0 <1.21.2'));
    assert.ok(!inRange(parseVersion('kubelet', 'v1.21.2'), '>=1.15.0 <1.21.2'));
  });
});

describe('isComponent', () => {
  it('knows runc and kubelet only', () => {
    assert.deepEqual([...COMPONENTS], ['runc', 'kubelet']);
    assert.ok(isComponent('runc') && isComponent('kubelet'));
    assert.ok(!isComponent('docker') && !isComponent('Runc') && !isComponent(''));
  });
});
