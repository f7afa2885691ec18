// Placing a binary by what it reports (src/node/place.ts): a commit of specs/forks.yaml, or a release.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type BinaryFacts } from '../../../src/node/facts/binaries.ts';
import { place, run } from '../../helpers/doctor-host.ts';

describe('doctor places binaries by commit', () => {
  it('a runc with kmem code reachable only for an explicit limit (docker 17.03, by commit) is not affected', async () => {
    const r = await run({
      kubelet: 'nokmem',
      runc: 'kmem',
      kubepodsKmem: false,
      runcVersion: 'runc version 1.0.0-rc2; commit: 54296cf40ad8143b62dbcaa1d90e520a2136ddfe; spec: 1.0.0-rc2-dev',
    });
    assert.equal(r.verdict, 'ok', r.nextStep);
    assert.match(
      r.findings.find((f) => f.message.includes('usr/bin/runc'))?.message ?? '',
      /not affected: kmem only for an explicit kernel-memory limit/,
    );
    const rc1 = await run({
      kubelet: 'nokmem',
      runc: 'kmem',
      kubepodsKmem: false,
      runcVersion: 'runc version 1.0.0-rc1; commit: 04f275d4601ca7e5ff9460cec7f65e8dd15443ec',
    });
    assert.equal(rc1.verdict, 'ok', rc1.nextStep);
  });

  it('a fork placed by its commit needs the install; one it cannot place is unknown, never install', async () => {
    const fork = await run({
      kubelet: 'nokmem',
      runc: 'kmem',
      kubepodsKmem: false,
      runcVersion: 'runc version 1.0.0-rc5+dev; commit: a592beb5bc4c4092b1b1bac971afed27687340c5; spec: 1.0.0',
    });
    assert.equal(fork.verdict, 'install');
    assert.match(fork.findings.find((f) => f.message.includes('usr/bin/runc'))?.message ?? '', /docker-ce-18\.06\.2/);
    const odd = await run({
      kubelet: 'nokmem',
      runc: 'kmem',
      kubepodsKmem: false,
      runcVersion: 'runc version 1.0.0-rc5+dev; commit: 0123456789abcdef0123456789abcdef01234567',
    });
    assert.equal(odd.verdict, 'unknown');
    assert.equal(odd.exitCode, 3);
    assert.match(odd.nextStep, /nokmem verify/);
  });

  it("NVIDIA's runtime before v3 (a runc fork) is found and placed by its commit", async () => {
    const r = await run({
      kubelet: 'nokmem',
      runc: 'nokmem',
      kubepodsKmem: false,
      nvidia: 'kmem',
      nvidiaVersion: 'runc version 1.0.0-rc6+dev; commit: 6635b4f0c6af3810594d2770f662f34ddc15b40d; spec: 1.0.1-dev',
    });
    assert.equal(r.verdict, 'install', r.nextStep);
    assert.match(
      r.findings.find((f) => f.message.includes('usr/bin/nvidia-container-runtime'))?.message ?? '',
      /nvidia-runtime-2\.0\.0-docker18\.09\.2/,
    );
    assert.match(r.nextStep, /nvidia-runtime-\* build that matches it/);
  });
});

describe('placer', () => {
  const binary = (role: BinaryFacts['role'], version?: string): BinaryFacts => ({
    role,
    path: `/usr/bin/${role}`,
    foundBy: 'test',
    kmemCode: true,
    marker: false,
    version,
  });

  it('places a release by its version, with or without the v, through specs/versions.yaml', async () => {
    const p = await place();
    assert.equal(p(binary('kubelet', 'Kubernetes v1.12.4')).method, 'source-patch');
    assert.equal(p(binary('kubelet', 'Kubernetes v1.16.15')).method, 'build-tag');
    assert.equal(p(binary('kubelet', 'Kubernetes v1.22.3')).method, 'not-affected');
    assert.equal(p(binary('runc', 'runc version 1.0.0-rc5\nspec: 1.0.0')).method, 'source-patch');
    assert.equal(p(binary('docker-runc', 'runc version v1.0.0-rc10')).method, 'build-tag');
    assert.equal(p(binary('runc', 'runc version 1.1.4\ncommit: v1.1.4-0-g5fd4c4d1')).method, 'not-affected');
  });

  it('a commit in specs/forks.yaml wins over the version the binary claims', async () => {
    const p = await place();
    const fork = 'runc version 1.0.0-rc5+dev; commit: a592beb5bc4c4092b1b1bac971afed27687340c5';
    assert.match(p(binary('docker-runc', fork)).by, /docker-ce-18\.06\.2/);
    assert.equal(
      p(binary('runc', 'runc version 1.0.0-rc2; commit: 54296cf40ad8143b62dbcaa1d90e520a2136ddfe')).method,
      'not-affected',
    );
  });

  it('cannot place a binary without a version, a development build, or a release older than the table', async () => {
    const p = await place();
    assert.equal(p(binary('runc')).method, 'unknown');
    assert.equal(p(binary('runc', 'runc version 1.0.0-rc5+dev; commit: 0123456789abcdef')).method, 'unknown');
    assert.equal(p(binary('kubelet', 'Kubernetes v1.7.16')).method, 'unknown');
    assert.equal(p(binary('kubelet', 'kubelet: garbage')).method, 'unknown');
  });
});
