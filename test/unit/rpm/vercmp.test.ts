// rpm's version comparison (src/rpm/vercmp.ts): the orderings nokmem relies on, as rpm itself orders them
// (`rpmdev-vercmp` on EL7 gives the same answers).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rpmvercmp } from '../../../src/rpm/vercmp.ts';

describe('rpmvercmp', () => {
  it("orders nokmem's kubelet release between the official releases 0 and 1", () => {
    const releases = ['150500.1.1', '1', '0.nokmem.2', '0', '0.nokmem.1', '0.nokmem.10'];
    assert.deepEqual([...releases].sort(rpmvercmp), [
      '0',
      '0.nokmem.1',
      '0.nokmem.2',
      '0.nokmem.10',
      '1',
      '150500.1.1',
    ]);
  });

  it('orders EL kernel releases numerically, segment by segment', () => {
    assert.equal(rpmvercmp('3.10.0-957', '3.10.0-1062.4.1'), -1);
    assert.equal(rpmvercmp('3.10.0-1160.el7', '3.10.0-1062.el7'), 1);
    assert.equal(rpmvercmp('3.10.0-1160.el7', '3.10.0-1160.el7'), 0);
  });

  it('sorts a pre-release (~) before its release, and a number above letters', () => {
    assert.equal(rpmvercmp('1.0.0~rc5', '1.0.0'), -1);
    assert.equal(rpmvercmp('1.0.0', '1.0.0~rc5'), 1);
    assert.equal(rpmvercmp('1.0.0~rc5', '1.0.0~rc10'), -1);
    assert.equal(rpmvercmp('1.1', '1.a'), 1);
    assert.equal(rpmvercmp('1.a', '1.b'), -1);
  });

  it('is a longer version above its prefix, and ignores separators', () => {
    assert.equal(rpmvercmp('1.2', '1.2.1'), -1);
    assert.equal(rpmvercmp('1.2.1', '1.2'), 1);
    assert.equal(rpmvercmp('1_2', '1.2'), 0);
    assert.equal(rpmvercmp('010', '10'), 0);
  });
});
