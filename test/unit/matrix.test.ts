import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { releaseMatrix } from '../../src/matrix.ts';
import { loadPins, loadVersionTable } from '../../src/specs.ts';

describe('nokmem matrix', () => {
  it('holds every pinned version that needs a build, and nothing that does not', async () => {
    const { include } = releaseMatrix(await loadVersionTable(), await loadPins(), {
      'docker-runc': {
        description: 'd',
        repository: 'r',
        commit: 'a'.repeat(40),
        version: 'v1',
        docker: [],
        distribution: 'docker',
        binary: 'docker-runc',
        package: 'docker-runc-nokmem',
        patches: [],
      },
    });
    const args = include.map((e) => e.args);
    assert.ok(args.includes('--runc v1.0.0-rc5'));
    assert.ok(args.includes('--runc v1.0.0-rc93'));
    assert.ok(args.includes('--kubelet v1.12.4'));
    assert.ok(args.includes('--kubelet v1.21.1'));
    assert.ok(args.includes('--fork docker-runc'));
    assert.ok(!args.some((a) => /rc94|v1\.21\.[2-9]|v1\.2[2-9]\./.test(a)), 'unaffected versions are not built');
    assert.ok(include.length <= 256, 'GitHub allows 256 jobs per matrix');
    assert.deepEqual(
      releaseMatrix(await loadVersionTable(), await loadPins(), {}, 'runc').include.every(
        (e) => e.component === 'runc',
      ),
      true,
    );
  });

  it("carries the upstream Go and its builder image for every entry (the release builds with upstream Go, not Debian's 1.19)", async () => {
    const { include } = releaseMatrix(await loadVersionTable(), await loadPins(), {});
    const kubelet1124 = include.find((e) => e.args === '--kubelet v1.12.4');
    assert.deepEqual([kubelet1124?.go, kubelet1124?.image], ['1.10.4', 'nokmem-builder:go1.10.4']);
    assert.equal(include.find((e) => e.args === '--runc v1.0.0-rc5')?.go, '1.8');
    assert.ok(include.every((e) => e.image === `nokmem-builder:go${e.go}` && !/1\.19/.test(e.go)));
  });
});
