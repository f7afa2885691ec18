// Where the chosen Go behaves unlike upstream's (src/toolchain-behaviour.ts), on changes written here so that each
// rule shows alone: which changes reach a component, when a GODEBUG still restores one, how it reads for people,
// and what specs/toolchains.yaml may say. The real table's answers are held by test/unit/go-check.test.ts.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BehaviourChange, behaviourDifferences, describeBehaviour } from '../../src/toolchain-behaviour.ts';

const CHANGES: BehaviourChange[] = [
  { from: '1.15', components: ['kubelet'], change: 'ignores CN', godebug: 'x509ignoreCN=0', godebugUntil: '1.17' },
  { from: '1.18', components: ['kubelet', 'runc'], change: 'rejects SHA-1', godebug: 'x509sha1=1' },
  { from: '1.16', components: ['runc'], change: 'no setting', godebugUntil: '1.20' },
];

describe('behaviourDifferences', () => {
  it('takes a change that came after upstream’s Go and at or before the chosen one, for this component', () => {
    assert.deepEqual(behaviourDifferences('kubelet', '1.10.4', '1.15.0', CHANGES), {
      behaviour: [{ from: '1.15', change: 'ignores CN', restoredBy: 'x509ignoreCN=0' }],
      restoreEnv: { GODEBUG: 'x509ignoreCN=0' },
    });
    assert.deepEqual(behaviourDifferences('kubelet', '1.15.2', '1.16', CHANGES), { behaviour: [] });
    assert.deepEqual(behaviourDifferences('kubelet', '1.10', '1.14.15', CHANGES), { behaviour: [] });
  });

  it('joins every setting that still applies into one GODEBUG; a setting past its last Go restores nothing', () => {
    assert.deepEqual(behaviourDifferences('kubelet', '1.10', '1.16.1', CHANGES).restoreEnv, {
      GODEBUG: 'x509ignoreCN=0',
    });
    const later = behaviourDifferences('kubelet', '1.10', '1.19.8', CHANGES);
    assert.deepEqual(later.behaviour, [
      { from: '1.15', change: 'ignores CN' },
      { from: '1.18', change: 'rejects SHA-1', restoredBy: 'x509sha1=1' },
    ]);
    assert.deepEqual(later.restoreEnv, { GODEBUG: 'x509sha1=1' });
    const runc = behaviourDifferences('runc', '1.10', '1.18', CHANGES);
    assert.deepEqual(runc, {
      behaviour: [
        { from: '1.18', change: 'rejects SHA-1', restoredBy: 'x509sha1=1' },
        { from: '1.16', change: 'no setting' },
      ],
      restoreEnv: { GODEBUG: 'x509sha1=1' },
    });
  });
});

describe('describeBehaviour', () => {
  it('says what differs since which Go, and what restores it or that nothing does', () => {
    const t = { go: '1.19.8', ...behaviourDifferences('kubelet', '1.10.4', '1.19.8', CHANGES) };
    assert.deepEqual(describeBehaviour(t, '1.10.4'), [
      'Go 1.19.8 (upstream: Go 1.10.4) ignores CN since Go 1.15; no setting restores it in this Go',
      'Go 1.19.8 (upstream: Go 1.10.4) rejects SHA-1 since Go 1.18; restored with GODEBUG=x509sha1=1',
    ]);
    assert.deepEqual(describeBehaviour({ go: '1.10' }, '1.10'), []);
  });
});

describe('BehaviourChange', () => {
  it('refuses a misspelt key, a version that is no Go version, a GODEBUG that is no setting, no component', () => {
    const ok = { from: '1.15', components: ['kubelet'], change: 'x' };
    assert.ok(BehaviourChange.safeParse(ok).success);
    assert.ok(!BehaviourChange.safeParse({ ...ok, godebugUnitl: '1.17' }).success);
    assert.ok(!BehaviourChange.safeParse({ ...ok, from: 'go1.15' }).success);
    assert.ok(!BehaviourChange.safeParse({ ...ok, godebug: 'x509ignoreCN' }).success);
    assert.ok(!BehaviourChange.safeParse({ ...ok, components: [] }).success);
    assert.ok(!BehaviourChange.safeParse({ ...ok, components: ['containerd'] }).success);
  });
});
