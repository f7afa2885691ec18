// What a kernel release says (src/node/kernel.ts): which kernels leak, which honour cgroup.memory=nokmem, and
// which count dying cgroups in /proc/cgroups.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { countsDyingCgroups, el7Release, flagHonoured, kernelAffected } from '../../../src/node/kernel.ts';

describe('kernel releases', () => {
  it('EL7 honours cgroup.memory=nokmem only from 3.10.0-1062.4.1.el7, compared as rpm compares', () => {
    assert.equal(flagHonoured('3.10.0-1062.4.1.el7.x86_64', true), 'yes');
    assert.equal(flagHonoured('3.10.0-1062.12.1.el7.x86_64', true), 'yes');
    assert.equal(flagHonoured('3.10.0-1160.el7.x86_64', true), 'yes');
    assert.equal(flagHonoured('3.10.0-1062.1.2.el7.x86_64', true), 'unverified');
    assert.equal(flagHonoured('3.10.0-1062.el7.x86_64', true), 'unverified');
    assert.equal(flagHonoured('3.10.0-957.27.2.el7.x86_64', true), 'unverified');
    assert.equal(flagHonoured('3.10.0-514.el7.x86_64', true), 'unverified');
    assert.equal(flagHonoured('3.10.0-1160.el7.x86_64', false), 'no');
  });

  it('upstream kernels: 4.6 added the option; an unknown 3.x is unverified', () => {
    assert.equal(flagHonoured('4.6.0', true), 'yes');
    assert.equal(flagHonoured('5.14.0-362.el9.x86_64', true), 'yes');
    assert.equal(flagHonoured('4.4.0-210-generic', true), 'unverified');
    assert.equal(flagHonoured('3.16.0-11-amd64', true), 'unverified');
  });

  it('reads the EL7 release part and knows which kernels leak and which count dying cgroups', () => {
    assert.equal(el7Release('3.10.0-1062.4.1.el7.x86_64'), '1062.4.1');
    assert.equal(el7Release('4.18.0-513.el8.x86_64'), undefined);
    assert.ok(kernelAffected('3.10.0-1160.el7.x86_64'));
    assert.ok(!kernelAffected('4.18.0-513.el8.x86_64'));
    assert.ok(!kernelAffected('unknown'));
    assert.ok(!countsDyingCgroups('3.10.0-1160.el7.x86_64'));
    assert.ok(countsDyingCgroups('6.1.0-18-amd64'));
  });
});
