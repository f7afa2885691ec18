// The verdict's judgement of each binary (src/node/verdict-binaries.ts), pure, on hand-made facts and placers:
// nokmem (no kmem code), kmem (placed in an era that switches kmem on, or a kubelet with kmem code where kubepods
// has kmem on), unknown (not placed, or a file someone other than root could have replaced, which is never placed);
// a runtime the engine does not use is a line for people, not a state.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BinaryFacts } from '../../../src/node/facts/binaries.ts';
import type { HostFacts } from '../../../src/node/facts/host.ts';
import type { Placement, Placer } from '../../../src/node/place.ts';
import { judgeBinaries } from '../../../src/node/verdict-binaries.ts';
import { place } from '../../helpers/doctor-host.ts';

const KUBELET: BinaryFacts = {
  role: 'kubelet',
  path: '/usr/bin/kubelet',
  foundBy: 'running process 4242',
  kmemCode: true,
  marker: false,
  version: 'Kubernetes v1.12.4',
  owner: { uid: 0, mode: 0o100755 },
};
const RUNC: BinaryFacts = {
  role: 'runc',
  path: '/usr/bin/runc',
  foundBy: 'PATH',
  kmemCode: true,
  marker: false,
  version: 'runc version 1.0.0-rc5; commit: 4fc53a81fb7c994640722ac585fa9ca548971871',
  owner: { uid: 0, mode: 0o100755 },
};

const facts = (binaries: BinaryFacts[], engineRuntimes: HostFacts['engineRuntimes'] = []): HostFacts => ({
  root: '/host',
  cgroupVersion: 'v1',
  processesRead: true,
  binaries,
  engineRuntimes,
  unread: [],
});

/** A placer that answers `placement` for every binary and records whom it was asked about. */
function placing(placement: Placement): Placer & { asked: string[] } {
  const asked: string[] = [];
  return Object.assign(
    (b: BinaryFacts) => {
      asked.push(b.path);
      return placement;
    },
    { asked },
  );
}

describe('judgeBinaries', () => {
  it('placed in an era that switches kmem on: kmem and leaking; a bad finding only where the node is at risk', async () => {
    const real = await place();
    const risky = judgeBinaries(facts([KUBELET, RUNC]), real, false, true);
    assert.deepEqual(
      risky.states.map((s) => [s.role, s.state, s.version]),
      [
        ['kubelet', 'kmem', 'v1.12.4'],
        ['runc', 'kmem', '1.0.0-rc5'],
      ],
    );
    assert.match(risky.states[0]!.why ?? '', /^kubelet v1\.12\.4: kubelet 1\.8 to 1\.13 vendor a libcontainer/);
    assert.deepEqual(risky.leaking, [KUBELET, RUNC]);
    assert.deepEqual(risky.unjudged, []);
    assert.deepEqual(
      risky.findings.map((f) => [f.area, f.level]),
      [
        ['binaries', 'bad'],
        ['binaries', 'bad'],
      ],
    );
    assert.match(
      risky.findings[1]!.message,
      /^runc \/usr\/bin\/runc \(PATH\): can switch kmem accounting on \(runc v1\.0\.0-rc5: .*\), runc version 1\.0\.0-rc5; commit: 4fc53a8/,
    );
    const safe = judgeBinaries(facts([KUBELET, RUNC]), real, false, false);
    assert.deepEqual(safe.leaking, [KUBELET, RUNC]);
    assert.deepEqual(
      safe.findings.map((f) => f.level),
      ['info', 'info'],
    );
  });

  it("a file without kmem code, or the runc-nokmem package's, is nokmem without being placed", () => {
    const placer = placing({ method: 'source-patch', by: 'never asked' });
    const built = { ...RUNC, kmemCode: false, marker: true };
    const noCode = { ...KUBELET, kmemCode: false, version: undefined };
    const nokmemPackage: BinaryFacts = { ...RUNC, role: 'runc-nokmem', path: '/usr/libexec/runc-nokmem/runc' };
    const r = judgeBinaries(facts([built, noCode, nokmemPackage]), placer, true, true);
    assert.deepEqual(placer.asked, []);
    assert.deepEqual(r.states, [
      { role: 'runc', path: '/usr/bin/runc', state: 'nokmem', version: '1.0.0-rc5', why: 'nokmem (nokmem build)' },
      { role: 'kubelet', path: '/usr/bin/kubelet', state: 'nokmem', why: 'nokmem (no kmem code)' },
      {
        role: 'runc-nokmem',
        path: '/usr/libexec/runc-nokmem/runc',
        state: 'nokmem',
        version: '1.0.0-rc5',
        why: 'nokmem (no kmem code)',
      },
    ]);
    assert.ok(r.findings.every((f) => f.level === 'ok'));
    assert.deepEqual([r.leaking, r.unjudged], [[], []]);
  });

  it('kmem code in a version that switches kmem on only for an explicit limit: nokmem, with the reason', () => {
    const r = judgeBinaries(
      facts([RUNC]),
      placing({ method: 'not-affected', by: 'runc v1.0.0-rc1: explicit' }),
      true,
      true,
    );
    assert.deepEqual(r.states, [
      { role: 'runc', path: '/usr/bin/runc', state: 'nokmem', version: '1.0.0-rc5', why: 'runc v1.0.0-rc1: explicit' },
    ]);
    assert.equal(r.findings[0]!.level, 'ok');
    assert.match(
      r.findings[0]!.message,
      /: not affected: kmem only for an explicit kernel-memory limit \(runc v1\.0\.0-rc1: explicit\)/,
    );
  });

  it('not placed: unknown, naming `nokmem verify`; a kubelet is kmem instead where kubepods has kmem on', () => {
    const unplaced = placing({ method: 'unknown', by: 'the file records neither its component nor its version' });
    const blind = { ...KUBELET, version: undefined };
    const quiet = judgeBinaries(facts([blind, RUNC]), unplaced, false, true);
    assert.deepEqual(
      quiet.states.map((s) => [s.role, s.state]),
      [
        ['kubelet', 'unknown'],
        ['runc', 'unknown'],
      ],
    );
    assert.deepEqual(quiet.unjudged, [blind, RUNC]);
    assert.equal(quiet.findings[0]!.level, 'warn');
    assert.match(quiet.findings[0]!.message, /cannot be placed .*; check it with `nokmem verify \/usr\/bin\/kubelet`$/);

    const seen = judgeBinaries(facts([blind, RUNC]), unplaced, true, false);
    assert.deepEqual(
      seen.states.map((s) => [s.role, s.state]),
      [
        ['kubelet', 'kmem'],
        ['runc', 'unknown'],
      ],
      'only the kubelet makes kubepods: a runc is not blamed for it',
    );
    assert.deepEqual(seen.leaking, [blind]);
    assert.deepEqual(seen.unjudged, [RUNC]);
    assert.equal(seen.findings[0]!.level, 'bad');
    assert.match(seen.states[0]!.why ?? '', /^it has kmem code and kubepods, which only the kubelet makes, has kmem/);
  });

  it('a file someone other than root could have replaced is unknown, a bad finding, and never placed', () => {
    const placer = placing({ method: 'not-affected', by: 'never asked' });
    const notRoot = { ...KUBELET, owner: { uid: 1000, mode: 0o100755 } };
    const groupWritable = { ...RUNC, kmemCode: false, owner: { uid: 0, mode: 0o100775 } };
    const r = judgeBinaries(facts([notRoot, groupWritable]), placer, false, true);
    assert.deepEqual(placer.asked, []);
    assert.deepEqual(r.states, [
      {
        role: 'kubelet',
        path: '/usr/bin/kubelet',
        state: 'unknown',
        version: 'v1.12.4',
        why: 'owned by uid 1000, not root: its contents cannot be trusted',
      },
      {
        role: 'runc',
        path: '/usr/bin/runc',
        state: 'unknown',
        version: '1.0.0-rc5',
        why: 'writable by its group (mode 775): its contents cannot be trusted',
      },
    ]);
    assert.deepEqual(r.unjudged, [notRoot, groupWritable]);
    assert.deepEqual(
      r.findings.map((f) => f.level),
      ['bad', 'bad'],
    );
    assert.match(
      r.findings[0]!.message,
      /owned by uid 1000, not root; its kmem state cannot be trusted, Kubernetes v1\.12\.4$/,
    );
  });

  it('a runtime the engines do not use: an info line naming what they run, no state, not leaking', () => {
    const placer = placing({ method: 'source-patch', by: 'never asked' });
    const engines = [
      { path: '/usr/libexec/runc-nokmem/runc', by: '/etc/docker/daemon.json (default runtime "nokmem")' },
    ];
    const r = judgeBinaries(facts([{ ...RUNC, inUse: false }], engines), placer, true, true);
    assert.deepEqual(placer.asked, []);
    assert.deepEqual([r.states, r.leaking, r.unjudged], [[], [], []]);
    assert.deepEqual(r.findings, [
      {
        area: 'binaries',
        level: 'info',
        message:
          'runc /usr/bin/runc (PATH): not in use; the engines run /usr/libexec/runc-nokmem/runc (/etc/docker/daemon.json (default runtime "nokmem"))',
      },
    ]);
  });
});
