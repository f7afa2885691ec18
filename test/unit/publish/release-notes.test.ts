import assert from 'node:assert/strict';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { type ProvenRecord, buildRecordsIn, proofNotes } from '../../../src/publish/release-notes.ts';

const record = (component: 'runc' | 'kubelet', version: string, name: string, status: string, detail: string) =>
  ({
    component,
    version,
    verification: {
      ok: true,
      checks: [
        { name: 'kmem symbols', status: 'pass', detail: 'x' },
        { name, status, detail },
      ],
    },
  }) as ProvenRecord;

const CGROUP_V2 =
  'this host has no cgroup-v1 memory controller (cgroup v2 only, like GitHub-hosted runners); the leak and this proof need cgroup v1';

describe('release notes: the functional proofs', () => {
  it('says which proof was skipped and why, never as passed, and how to complete it', () => {
    const notes = proofNotes([
      record('kubelet', 'v1.20.2', 'runtime (kubelet)', 'skipped', CGROUP_V2),
      record('runc', 'v1.0.0-rc5', 'functional (strace)', 'pass', 'created the memory cgroup'),
    ])!;
    assert.match(notes, /^## Functional proofs$/m);
    assert.match(
      notes,
      new RegExp(`^- kubelet v1\\.20\\.2: runtime \\(kubelet\\) SKIPPED: ${CGROUP_V2.replace(/[()]/g, '\\$&')}$`, 'm'),
    );
    assert.match(notes, /^- runc v1\.0\.0-rc5: functional \(strace\) passed$/m);
    assert.match(notes, /Complete a skipped proof on any cgroup-v1 host, an EL7 node for one, as root: `nokmem verify/);
  });

  it('every proof made: no call to complete one; a record without the proof says so; no records: no section', () => {
    const made = proofNotes([record('kubelet', 'v1.20.2', 'runtime (kubelet)', 'pass', 'x')])!;
    assert.doesNotMatch(made, /Complete a skipped proof/);
    const old = proofNotes([{ component: 'kubelet', version: 'v1.12.4', verification: { ok: true, checks: [] } }])!;
    assert.match(old, /^- kubelet v1\.12\.4: runtime \(kubelet\): not made$/m);
    assert.match(old, /Complete a skipped proof/);
    assert.equal(proofNotes([]), undefined);
  });

  it('finds the build records among the inputs: in output directories, or given as files', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'nokmem-notes-'));
    await mkdir(path.join(root, 'kubelet-v1.20.2'));
    const text = JSON.stringify(record('kubelet', 'v1.20.2', 'runtime (kubelet)', 'pass', 'x'));
    await writeFile(path.join(root, 'kubelet-v1.20.2', 'build-record.json'), text);
    await writeFile(path.join(root, 'build-record.json'), text);
    await writeFile(path.join(root, 'other.rpm'), '');
    const found = buildRecordsIn([
      path.join(root, 'kubelet-v1.20.2'),
      path.join(root, 'build-record.json'),
      path.join(root, 'other.rpm'),
      root,
    ]);
    assert.deepEqual(
      found.map((r) => r.version),
      ['v1.20.2', 'v1.20.2', 'v1.20.2'],
    );
  });
});
