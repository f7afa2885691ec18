// node-problem-detector's custom-plugin contract (src/node/outputs/npd.ts): exit 0 ok, 1 problem, other unknown;
// one line of at most 80 bytes.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { npdOutput } from '../../../../src/node/outputs/npd.ts';
import { run } from '../../../helpers/doctor-host.ts';

describe('--npd', () => {
  it('exit codes by verdict, and a message NPD does not cut', async () => {
    const cases = [
      [{ kubelet: 'nokmem', runc: 'nokmem', kubepodsKmem: false }, 0],
      [{ kubelet: 'kmem', runc: 'kmem', kubepodsKmem: true }, 1],
      [{ kubelet: 'nokmem', runc: 'nokmem', kubepodsKmem: true }, 1],
      [{ kubelet: 'kmem', kubepodsKmem: false, kubeletVersion: null }, 3],
    ] as const;
    for (const [scenario, code] of cases) {
      const out = npdOutput(await run(scenario));
      assert.equal(out.exitCode, code, out.text);
      assert.ok(Buffer.byteLength(out.text.trimEnd()) <= 80, out.text);
      assert.equal(out.text.split('\n').length, 2);
    }
    const install = npdOutput(await run({ kubelet: 'kmem', runc: 'kmem', kubepodsKmem: true }));
    assert.match(install.text, /^nokmem install: install the nokmem packages .*\.\.\.\n$/);
  });
});
