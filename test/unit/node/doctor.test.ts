// One look at a node (src/node/doctor.ts): loadPlacer reads versions.yaml and forks.yaml from the specs directory
// it is given (the real one by default), and examine is the host's facts judged with the placer it is given.

import assert from 'node:assert/strict';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { examine, loadPlacer } from '../../../src/node/doctor.ts';
import type { BinaryFacts } from '../../../src/node/facts/binaries.ts';
import { readHostFacts } from '../../../src/node/facts/host.ts';
import type { Placer } from '../../../src/node/place.ts';
import { assess } from '../../../src/node/verdict.ts';
import { InputError } from '../../../src/errors.ts';
import { DEFAULT_SPECS_DIR } from '../../../src/specs.ts';
import { node, place, scratchDir } from '../../helpers/doctor-host.ts';

/** docker-engine 1.12.6's runc, a commit specs/forks.yaml lists, whose version is upstream's v1.0.0-rc2. */
const DOCKER_RUNC: BinaryFacts = {
  role: 'docker-runc',
  path: '/usr/bin/docker-runc',
  foundBy: 'docker',
  kmemCode: true,
  marker: false,
  version: 'runc version 1.0.0-rc2; commit: 50a19c6ff828c58e5dab13830bd3dacde268afe5',
};

const kubelet = (version: string): BinaryFacts => ({
  role: 'kubelet',
  path: '/usr/bin/kubelet',
  foundBy: 'PATH',
  kmemCode: true,
  marker: false,
  version,
});

describe('loadPlacer', () => {
  it("places by the repository's specs by default: versions.yaml's eras and forks.yaml's commits", async () => {
    const p = await loadPlacer();
    assert.equal(p(kubelet('Kubernetes v1.12.4')).method, 'source-patch');
    assert.equal(p(kubelet('Kubernetes v1.16.2')).method, 'build-tag');
    assert.equal(p(kubelet('Kubernetes v1.22.3')).method, 'not-affected');
    assert.deepEqual(p(DOCKER_RUNC), {
      method: 'source-patch',
      by: "commit 50a19c6ff828c58e5dab13830bd3dacde268afe5 is specs/forks.yaml's docker-1.12.6",
    });
  });

  it('reads both files from the directory it is given', async () => {
    const specs = await scratchDir('doctor-specs-');
    await copyFile(path.join(DEFAULT_SPECS_DIR, 'versions.yaml'), path.join(specs, 'versions.yaml'));
    await writeFile(path.join(specs, 'forks.yaml'), 'forks: {}\nnotAffected: []\n');
    const p = await loadPlacer(specs);
    // Without the fork list, the same binary is placed by the upstream version its file records.
    const placed = p(DOCKER_RUNC);
    assert.equal(placed.method, 'source-patch');
    assert.match(placed.by, /^runc v1\.0\.0-rc2: /);
  });

  it('a specs directory without forks.yaml is an InputError naming the file', async () => {
    const specs = await scratchDir('doctor-specs-');
    await copyFile(path.join(DEFAULT_SPECS_DIR, 'versions.yaml'), path.join(specs, 'versions.yaml'));
    await assert.rejects(loadPlacer(specs), (e: unknown) => {
      assert.ok(e instanceof InputError);
      assert.match(e.message, new RegExp(`${path.join(specs, 'forks.yaml')} cannot be read`));
      assert.equal(e.message.split('\n').length, 1);
      return true;
    });
  });
});

describe('examine', () => {
  it("is the verdict on the facts read under the root: the same report assess gives on readHostFacts'", async () => {
    const root = await node({ kubelet: 'kmem', runc: 'kmem', kubepodsKmem: true });
    const placer = await place();
    const report = await examine(root, placer);
    assert.equal(report.verdict, 'install');
    assert.equal(report.exitCode, 1);
    assert.equal(report.facts.root, root);
    assert.deepEqual(report, assess(await readHostFacts(root), placer));
  });

  it('judges the binaries with the placer it is given', async () => {
    const root = await node({ kubelet: 'kmem', runc: 'kmem', kubepodsKmem: false });
    const asked: string[] = [];
    const notAffected: Placer = (b) => {
      asked.push(`${b.role} ${b.path}`);
      return { method: 'not-affected', by: 'the test says so' };
    };
    const report = await examine(root, notAffected);
    assert.deepEqual(asked.sort(), ['kubelet /usr/bin/kubelet', 'runc /usr/bin/runc']);
    assert.equal(report.verdict, 'ok', report.nextStep);
    assert.deepEqual(
      report.binaries.map((b) => [b.role, b.state, b.why]),
      [
        ['kubelet', 'nokmem', 'the test says so'],
        ['runc', 'nokmem', 'the test says so'],
      ],
    );
  });

  it('a root with nothing readable: unknown (exit 3), never an error', async () => {
    const root = await scratchDir('doctor-bare-');
    await mkdir(path.join(root, 'proc'));
    const report = await examine(root, await place());
    assert.equal(report.verdict, 'unknown');
    assert.equal(report.exitCode, 3);
    assert.deepEqual(report.missing, ['the kernel release (proc/sys/kernel/osrelease)']);
  });
});
