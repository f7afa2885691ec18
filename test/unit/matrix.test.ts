import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { releaseMatrix } from '../../src/matrix.ts';
import { loadPins, loadVersionTable } from '../../src/specs.ts';

describe('nokmem matrix', () => {
  it('holds every pinned version that needs a build, and nothing that does not', async () => {
    const { include } = releaseMatrix(await loadVersionTable(), await loadPins(), { 'docker-runc': { description: 'd', repository: 'r', commit: 'a'.repeat(40), version: 'v1', docker: [], distribution: 'docker', binary: 'docker-runc', package: 'docker-runc-nokmem', patches: [] } });
    const args = include.map((e) => e.args);
    assert.ok(args.includes('--runc v1.0.0-rc5'));
    assert.ok(args.includes('--runc v1.0.0-rc93'));
    assert.ok(args.includes('--kubelet v1.12.4'));
    assert.ok(args.includes('--kubelet v1.21.1'));
    assert.ok(args.includes('--fork docker-runc'));
    assert.ok(!args.some((a) => /rc94|v1\.21\.[2-9]|v1\.2[2-9]\./.test(a)), 'unaffected versions are not built');
    assert.ok(include.length <= 256, 'GitHub allows 256 jobs per matrix');
    assert.deepEqual(releaseMatrix(await loadVersionTable(), await loadPins(), {}, 'runc').include.every((e) => e.component === 'runc'), true);
  });
});
