import assert from 'node:assert/strict';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { inspectTree } from '../../src/inspect-tree.ts';

async function tree(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'inspect-'));
  for (const [name, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), text);
  }
  return dir;
}

const FS = 'libcontainer/cgroups/fs';
const apply = (body: string) => `package fs\n\nfunc (s *MemoryGroup) Apply(d *cgroupData) (err error) {\n${body}\n\treturn nil\n}\n`;

describe('inspectTree', () => {
  it('the nokmem file split means build-tag, with or without the marker', async () => {
    const dir = await tree({
      [`${FS}/memory.go`]: apply('\tif err := EnableKernelMemoryAccounting(path); err != nil {\n\t\treturn err\n\t}'),
      [`${FS}/kmem.go`]: '// +build linux,!nokmem\n\npackage fs\n\nfunc EnableKernelMemoryAccounting(path string) error { return write(path, "memory.kmem.limit_in_bytes") }\n',
      [`${FS}/kmem_disabled.go`]: '//go:build linux && nokmem\n// +build linux,nokmem\n\npackage fs\n\nfunc EnableKernelMemoryAccounting(path string) error { return nil }\n\nfunc setKernelMemory(path string, l int64) error { return errors.New("kernel memory accounting disabled in this runc build") }\n',
      'go.mod': 'module github.com/opencontainers/runc\n',
    });
    const r = await inspectTree(dir);
    assert.equal(r.method, 'build-tag');
    assert.equal(r.marker, true);
    assert.equal(r.layout, 'modules');
  });

  it('Apply enabling kmem for every new cgroup, no split: source-patch (also under vendor/)', async () => {
    const root = 'vendor/github.com/opencontainers/runc';
    const dir = await tree({ [`${root}/${FS}/memory.go`]: apply('\tif memoryAssigned(d.config) {\n\t\t// kernel memory: see KernelMemory docs\n\t\tif err := EnableKernelMemoryAccounting(path); err != nil {\n\t\t\treturn err\n\t\t}\n\t}') });
    const r = await inspectTree(dir, root);
    assert.equal(r.method, 'source-patch');
    assert.equal(r.layout, 'gopath');
    assert.match(r.evidence, /vendor\/github\.com\/opencontainers\/runc\/libcontainer\/cgroups\/fs\/memory\.go/);
  });

  it('kmem only for an explicit kernel-memory limit, or no kmem code: not-affected', async () => {
    const guarded = await tree({ [`${FS}/memory.go`]: apply('\tif d.config.KernelMemory != 0 {\n\t\tif err := EnableKernelMemoryAccounting(path); err != nil {\n\t\t\treturn err\n\t\t}\n\t}') });
    assert.equal((await inspectTree(guarded)).method, 'not-affected');
    const none = await tree({ [`${FS}/memory.go`]: apply('\t_ = d') });
    assert.equal((await inspectTree(none)).method, 'not-affected');
  });
});
