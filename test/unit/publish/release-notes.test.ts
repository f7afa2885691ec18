import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import {
  type BuildInRelease,
  type ProvenRecord,
  buildNotes,
  buildRecordsIn,
  proofNotes,
  verdictWords,
} from '../../../src/publish/release-notes.ts';
import { tempDir } from '../../helpers/tmp.ts';

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
    const root = await tempDir('nokmem-notes-');
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

describe('release notes: the builds', () => {
  const build = (
    component: 'runc' | 'kubelet',
    version: string,
    assets: string[],
    r: ProvenRecord,
  ): BuildInRelease => ({
    record: {
      ...r,
      method: 'build-tag',
      source: {
        repository: 'file:///x',
        tag: version,
        commit: 'abcdef0123456789'.repeat(2) + 'abcdef01',
        pinned: true,
        commitTime: 1,
      },
    },
    assets,
  });

  it('a verdict in a few words: verified with its counts, a skipped check said, a failed one named', () => {
    assert.equal(
      verdictWords(record('kubelet', 'v1.20.2', 'runtime (kubelet)', 'pass', 'x').verification),
      'verified, 2 checks passed',
    );
    assert.equal(
      verdictWords(record('kubelet', 'v1.20.2', 'runtime (kubelet)', 'skipped', CGROUP_V2).verification),
      'verified, 1 check passed, 1 skipped',
    );
    assert.equal(
      verdictWords({ ok: false, checks: [{ name: 'kmem symbols', status: 'fail', detail: 'x' }] }),
      'NOT verified (failed: kmem symbols), 0 checks passed',
    );
  });

  it('names every build with its verdict and assets, the signing key, and how to check the assets', () => {
    const notes = buildNotes(
      [
        build(
          'kubelet',
          'v1.20.2',
          ['kubelet-1.20.2-0.nokmem.1.x86_64.rpm', 'kubelet-v1.20.2.tar.gz'],
          record('kubelet', 'v1.20.2', 'runtime (kubelet)', 'skipped', CGROUP_V2),
        ),
        build(
          'runc',
          'v1.0.0-rc92',
          ['runc-nokmem-1.0.0.rc92-1.x86_64.rpm', 'runc-v1.0.0-rc92.tar.gz'],
          record('runc', 'v1.0.0-rc92', 'functional (strace)', 'pass', 'x'),
        ),
      ],
      'AA113AB304E4CF495FAC8A3B761F0ACB38F9E170',
    )!;
    assert.match(notes, /^## Builds$/m);
    assert.match(
      notes,
      /^- kubelet v1\.20\.2 \(build-tag, commit abcdef012345\): verified, 1 check passed, 1 skipped — `kubelet-1\.20\.2-0\.nokmem\.1\.x86_64\.rpm`, `kubelet-v1\.20\.2\.tar\.gz`$/m,
    );
    assert.match(notes, /^- runc v1\.0\.0-rc92 \(build-tag, commit abcdef012345\): verified, 2 checks passed — /m);
    assert.match(notes, /fingerprint `AA113AB304E4CF495FAC8A3B761F0ACB38F9E170`/);
    assert.match(notes, /^sha256sum -c --ignore-missing SHA256SUMS$/m);
    assert.match(
      notes,
      /^tar -xzf kubelet-v1\.20\.2\.tar\.gz && nokmem verify kubelet-v1\.20\.2 --key RPM-GPG-KEY-nokmem$/m,
    );
    assert.equal(buildNotes([], 'x'), undefined);
  });
});
