// The doctor's table for people (src/node/outputs/text.ts): one aligned line per finding with its mark, what
// could not be read, then the verdict and the next step.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatText } from '../../../../src/node/outputs/text.ts';
import type { DoctorReport } from '../../../../src/node/verdict.ts';

const report = (over: Partial<DoctorReport>) =>
  ({
    verdict: 'install',
    nextStep: 'install runc-nokmem and the nokmem kubelet',
    findings: [],
    missing: [],
    ...over,
  }) as DoctorReport;

describe('formatText', () => {
  it('marks each finding by its level, the area padded to one column, then the verdict and next step', () => {
    const text = formatText(
      report({
        findings: [
          { area: 'kernel', level: 'bad', message: '3.10.0-957.el7.x86_64 leaks kmem cgroup IDs' },
          { area: 'binaries', level: 'warn', message: 'runc is upstream 1.0.0-rc5' },
          { area: 'kubepods', level: 'ok', message: 'no kmem accounting' },
          { area: 'cgroups', level: 'info', message: '1204 memory cgroups' },
        ],
      }),
    );
    assert.equal(
      text,
      [
        'BAD  kernel    3.10.0-957.el7.x86_64 leaks kmem cgroup IDs',
        'warn binaries  runc is upstream 1.0.0-rc5',
        'ok   kubepods  no kmem accounting',
        '     cgroups   1204 memory cgroups',
        '',
        'verdict: install',
        'next:    install runc-nokmem and the nokmem kubelet',
        '',
      ].join('\n'),
    );
  });

  it('says which facts could not be read, on one warning line', () => {
    const text = formatText(report({ missing: ['/proc/cgroups', '/var/log/messages'] }));
    assert.match(text, /^warn unread {5}\/proc\/cgroups; \/var\/log\/messages\n\nverdict: install\n/);
  });
});
