// Reading a host (src/node/facts/host.ts): for real, on this machine.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assess } from '../../../../src/node/verdict.ts';
import { readHostFacts } from '../../../../src/node/facts/host.ts';

describe('doctor on this machine', () => {
  it('runs for real on this machine', async () => {
    const r = assess(await readHostFacts('/'));
    assert.ok((r.facts.kernel ?? '').length > 0);
    if (r.facts.memoryMount) {
      assert.ok((r.facts.kernelMemoryCgroups ?? 0) >= 1);
      assert.ok((r.facts.liveMemoryCgroups ?? 0) >= 1);
    }
    assert.ok(['ok', 'install', 'reboot', 'unknown'].includes(r.verdict));
  });
});
