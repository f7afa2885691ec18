// The toolchain probe (src/verify/toolchain-probe.ts) with a fake Docker engine: what it compiles and runs, in
// which tree and cache, how it reads a map that marshals, a wrong answer and a crash, and that it leaves the tree
// as it found it. test/integration/kubelet-real.test.ts runs it with the real Go on kubernetes' own tree.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { PROJECT_ROOT } from '../../../src/specs.ts';
import { PROBE_NAME, toolchainProbe, vendorsJsonIterator } from '../../../src/verify/toolchain-probe.ts';
import { FakeDocker, type ScriptedResult } from '../../helpers/fakes.ts';
import { removeTempDirs, tempDir } from '../../helpers/steps.ts';

after(removeTempDirs);

async function probe(answer: ScriptedResult) {
  const tree = await tempDir('nokmem-probe-');
  let copied = '';
  const docker = new FakeDocker({
    containers: [
      {
        command: ['sh', '-c'],
        result: async () => {
          copied = await readFile(path.join(tree, '_nokmem_probe', 'main.go'), 'utf8');
          return answer;
        },
      },
    ],
  });
  const target = { tree, mountPath: '/go/src/k8s.io/kubernetes', image: 'builder:go1.15', goCache: '/cache/go' };
  const check = await toolchainProbe(target, docker);
  return { check, docker, tree, copied };
}

describe('toolchainProbe', () => {
  it("builds our probe inside the tree with the image's Go (no network modules, no cgo) and passes on the map", async () => {
    const { check, docker, tree, copied } = await probe({ stdout: '{"kmem":"off","nokmem":"probe"}\n' });
    assert.equal(check.name, PROBE_NAME);
    assert.equal(check.status, 'pass');
    assert.match(check.detail, /marshals a map: \{"kmem":"off","nokmem":"probe"\}/);
    assert.equal(copied, await readFile(path.join(PROJECT_ROOT, 'src/verify/jsonprobe/main.go'), 'utf8'));
    const [run] = docker.runs;
    assert.equal(run?.image, 'builder:go1.15');
    assert.equal(run?.workdir, '/go/src/k8s.io/kubernetes');
    assert.deepEqual(run?.mounts, [
      { host: tree, container: '/go/src/k8s.io/kubernetes' },
      { host: '/cache/go', container: '/gocache' },
    ]);
    assert.deepEqual(run?.env, {
      GOPATH: '/go',
      GOCACHE: '/gocache',
      GO111MODULE: 'off',
      GOFLAGS: '',
      CGO_ENABLED: '0',
    });
    assert.equal(run?.allowFailure, true);
    assert.deepEqual(docker.writable, [path.join(tree, '_nokmem_probe')]);
    assert.deepEqual(await readdir(tree), [], 'the probe is removed from the tree');
  });

  it('fails on a crash, naming the signal line first', async () => {
    const stderr = [
      'panic: runtime error: invalid memory address or nil pointer dereference',
      '[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x4f3c2e]',
      'goroutine 1 [running]:',
    ].join('\n');
    const { check, tree } = await probe({ exitCode: 2, stderr });
    assert.equal(check.status, 'fail');
    assert.match(check.detail, /crashed \(exit 2: \[signal SIGSEGV: segmentation violation/);
    assert.match(check.detail, /use the toolchain specs\/toolchains.yaml picks$/);
    assert.ok(!existsSync(path.join(tree, '_nokmem_probe')));
  });

  it("fails on a crash without a signal by Go's own words, and on a wrong answer by what it printed", async () => {
    const panic = await probe({ exitCode: 1, stderr: 'go: building\nfatal error: unexpected signal\n' });
    assert.match(panic.check.detail, /crashed \(exit 1: fatal error: unexpected signal\)/);
    const wrong = await probe({ stdout: '{}\n' });
    assert.equal(wrong.check.status, 'fail');
    assert.match(wrong.check.detail, /printed "\{\}"/);
  });
});

describe('vendorsJsonIterator', () => {
  it('is whether the tree vendors json-iterator (else there is nothing to probe)', async () => {
    const tree = await tempDir('nokmem-probe-');
    assert.equal(vendorsJsonIterator(tree), false);
    await mkdir(path.join(tree, 'vendor/github.com/json-iterator/go'), { recursive: true });
    assert.equal(vendorsJsonIterator(tree), true);
  });
});
