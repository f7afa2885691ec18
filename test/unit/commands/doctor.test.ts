// nokmem doctor (src/commands/doctor.ts), run as a user would: a child process.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nokmem } from '../../helpers/cli.ts';
import { node } from '../../helpers/doctor-host.ts';

describe('nokmem doctor', () => {
  it('the command: --root, --json, and the exit code scripts read', async () => {
    // under --root binaries are not run, so one with kmem code cannot be placed: unknown, exit 3
    const r = await nokmem([
      'doctor',
      '--root',
      await node({ kubelet: 'kmem', runc: 'kmem', kubepodsKmem: true }),
      '--json',
    ]);
    assert.equal(r.exitCode, 3, r.stderr);
    assert.equal((JSON.parse(r.stdout) as { verdict: string }).verdict, 'unknown');
    const human = await nokmem([
      'doctor',
      '--root',
      await node({ kubelet: 'nokmem', runc: 'nokmem', kubepodsKmem: true }),
    ]);
    assert.equal(human.exitCode, 2);
    assert.match(human.stdout, /^verdict: reboot$/m);
    const bad = await nokmem(['doctor', '--root', '/nonexistent-root']);
    assert.equal(bad.exitCode, 1);
    assert.match(bad.stderr, /^nokmem: error: \/nonexistent-root has no proc\/; give the root of a node/m);
  });
});
