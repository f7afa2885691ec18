import assert from 'node:assert/strict';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { inspectLibcontainer } from '../../src/inspect-libcontainer.ts';
import { eraFor, loadVersionTable } from '../../src/specs.ts';
import { parseVersion } from '../../src/version.ts';
import { type FixtureUpstream, makeRuncUpstream } from '../fixtures/upstream.ts';
import { tempDir } from '../helpers/tmp.ts';

async function tree(files: Record<string, string>): Promise<string> {
  const dir = await tempDir('inspect-');
  for (const [name, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), text);
  }
  return dir;
}

const FS = 'libcontainer/cgroups/fs';
const apply = (body: string) =>
  `package fs\n\nfunc (s *MemoryGroup) Apply(d *cgroupData) (err error) {\n${body}\n\treturn nil\n}\n`;

describe('inspectLibcontainer', () => {
  it('the nokmem file split means build-tag, with or without the marker', async () => {
    const dir = await tree({
      [`${FS}/memory.go`]: apply('\tif err := EnableKernelMemoryAccounting(path); err != nil {\n\t\treturn err\n\t}'),
      [`${FS}/kmem.go`]:
        '// +build linux,!nokmem\n\npackage fs\n\nfunc EnableKernelMemoryAccounting(path string) error { return write(path, "memory.kmem.limit_in_bytes") }\n',
      [`${FS}/kmem_disabled.go`]:
        '//go:build linux && nokmem\n// +build linux,nokmem\n\npackage fs\n\nfunc EnableKernelMemoryAccounting(path string) error { return nil }\n\nfunc setKernelMemory(path string, l int64) error { return errors.New("kernel memory accounting disabled in this runc build") }\n',
      'go.mod': 'module github.com/opencontainers/runc\n',
    });
    const r = await inspectLibcontainer(dir);
    assert.equal(r.method, 'build-tag');
    assert.equal(r.marker, true);
    assert.equal(r.layout, 'modules');
  });

  it('Apply enabling kmem for every new cgroup, no split: source-patch (also under vendor/)', async () => {
    const root = 'vendor/github.com/opencontainers/runc';
    const dir = await tree({
      [`${root}/${FS}/memory.go`]: apply(
        '\tif memoryAssigned(d.config) {\n\t\t// kernel memory: see KernelMemory docs\n\t\tif err := EnableKernelMemoryAccounting(path); err != nil {\n\t\t\treturn err\n\t\t}\n\t}',
      ),
    });
    const r = await inspectLibcontainer(dir, root);
    assert.equal(r.method, 'source-patch');
    assert.equal(r.layout, 'gopath');
    assert.match(r.evidence, /vendor\/github\.com\/opencontainers\/runc\/libcontainer\/cgroups\/fs\/memory\.go/);
  });

  it('kmem only for an explicit kernel-memory limit, or no kmem code: not-affected', async () => {
    const guarded = await tree({
      [`${FS}/memory.go`]: apply(
        '\tif d.config.KernelMemory != 0 {\n\t\tif err := EnableKernelMemoryAccounting(path); err != nil {\n\t\t\treturn err\n\t\t}\n\t}',
      ),
    });
    assert.equal((await inspectLibcontainer(guarded)).method, 'not-affected');
    const none = await tree({ [`${FS}/memory.go`]: apply('\t_ = d') });
    assert.equal((await inspectLibcontainer(none)).method, 'not-affected');
  });
});

// Every runc era fixture is hand-written in the shape of that era's real memory.go; the inspection of each
// tagged fixture tree must give the method specs/versions.yaml has for the tag.
describe('inspectLibcontainer on the runc era fixtures', () => {
  const expected: Record<string, { method: string; evidence: RegExp }> = {
    'v1.0.0-rc1': { method: 'not-affected', evidence: /only outside Apply/ },
    'v1.0.0-rc2': { method: 'source-patch', evidence: /calls EnableKernelMemoryAccounting/ },
    'v1.0.0-rc3': { method: 'source-patch', evidence: /calls EnableKernelMemoryAccounting/ },
    'v1.0.0-rc4': { method: 'source-patch', evidence: /calls EnableKernelMemoryAccounting/ },
    'v1.0.0-rc5': { method: 'source-patch', evidence: /calls EnableKernelMemoryAccounting/ },
    'v1.0.0-rc6': { method: 'build-tag', evidence: /nokmem build tag/ },
    'v1.0.0-rc90': { method: 'build-tag', evidence: /nokmem build tag/ },
    'v1.0.0-rc92': { method: 'build-tag', evidence: /nokmem build tag/ },
    'v1.0.0-rc94': { method: 'not-affected', evidence: /nothing .* switches kmem on/ },
  };
  let upstream: FixtureUpstream;
  before(async () => {
    upstream = await makeRuncUpstream(await tempDir('inspect-upstream-'));
  });
  after(async () => rm(path.dirname(upstream.dir), { recursive: true, force: true }));

  it('has a fixture tag for every era it checks, and no other', () => {
    assert.deepEqual(Object.keys(upstream.tags).sort(), Object.keys(expected).sort());
  });

  for (const [tag, want] of Object.entries(expected)) {
    it(`${tag}: ${want.method}, as specs/versions.yaml says`, async () => {
      const dir = await tempDir(`inspect-${tag}-`);
      const archive = await execa('git', ['-C', upstream.dir, 'archive', '--format=tar', tag], { encoding: 'buffer' });
      await execa('tar', ['-x', '-C', dir], { input: archive.stdout });
      const r = await inspectLibcontainer(dir);
      assert.equal(r.method, want.method, r.evidence);
      assert.match(r.evidence, want.evidence);
      const era = eraFor((await loadVersionTable()).runc, parseVersion('runc', tag));
      assert.equal(era?.method, want.method);
      await rm(dir, { recursive: true, force: true });
    });
  }
});
