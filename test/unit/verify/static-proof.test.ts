import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  disassemblyOf,
  functionTableChecks,
  kmemCalls,
  kmemSymbols,
  stringChecks,
} from '../../../src/verify/static-proof.ts';

const FS = 'k8s.io/kubernetes/vendor/github.com/opencontainers/runc/libcontainer/cgroups/fs';

describe('static proof parsers', () => {
  it('finds the fs kmem functions in nm output and ignores systemd.setKernelMemory', () => {
    const nm = [
      `  4a1b20 T ${FS}.EnableKernelMemoryAccounting`,
      `  4a1c00 T ${FS}.(*MemoryGroup).Apply`,
      '  4b0000 T k8s.io/kubernetes/vendor/github.com/opencontainers/runc/libcontainer/cgroups/systemd.setKernelMemory',
      `  5a0000 R ${FS}.setKernelMemory.stkobj`,
    ].join('\n');
    assert.deepEqual(kmemSymbols(nm), [`${FS}.EnableKernelMemoryAccounting`]);
    // whatever the import path in front: a wrong guess about the build mode must not hide a kmem function
    assert.deepEqual(kmemSymbols('  4a1b20 T github.com/opencontainers/runc/libcontainer/cgroups/fs.setKernelMemory'), [
      'github.com/opencontainers/runc/libcontainer/cgroups/fs.setKernelMemory',
    ]);
  });

  it('finds a CALL to EnableKernelMemoryAccounting in objdump output', () => {
    const dis = `TEXT ${FS}.(*MemoryGroup).Apply(SB) memory.go\n  memory.go:50\t0x5d39c0\te89b010000\tCALL ${FS}.EnableKernelMemoryAccounting(SB)\n  memory.go:51\t0x5d39c5\t4885c0\tTESTQ AX, AX\n`;
    assert.equal(kmemCalls(dis).length, 1);
    assert.equal(kmemCalls(dis.replace('CALL', 'NOPL')).length, 0);
  });

  it('takes the one function asked for out of a disassembly of several (one objdump run for every Apply)', () => {
    const vendored = `${FS}.(*MemoryGroup).Apply`;
    const other = 'github.com/opencontainers/runc/libcontainer/cgroups/fs.(*MemoryGroup).Apply';
    const dis = [
      `TEXT ${other}(SB) memory.go`,
      `  memory.go:50\t0x5d39c0\te89b010000\tCALL ${FS}.EnableKernelMemoryAccounting(SB)`,
      `TEXT ${vendored}(SB) memory.go`,
      '  memory.go:51\t0x6d39c5\t4885c0\tTESTQ AX, AX',
      '',
    ].join('\n');
    assert.equal(kmemCalls(disassemblyOf(dis, vendored)).length, 0);
    assert.match(disassemblyOf(dis, vendored), /TESTQ/);
    assert.equal(kmemCalls(disassemblyOf(dis, other)).length, 1);
    assert.equal(disassemblyOf(dis, `${FS}.(*MemoryGroup).Set`), '');
    // a disassembly without function headers is one function's, whole
    const bare = dis
      .split('\n')
      .filter((l) => !l.startsWith('TEXT '))
      .join('\n');
    assert.equal(kmemCalls(disassemblyOf(bare, vendored)).length, 1);
  });

  it('fails on the kmem file name and requires the marker where the era has it', () => {
    const unpatched = Buffer.from('xx memory.kmem.limit_in_bytes yy');
    assert.deepEqual(
      stringChecks(unpatched, { fsPackage: FS, marker: true }).map((c) => c.status),
      ['fail', 'fail'],
    );
    const patched = Buffer.from('kernel memory accounting disabled in this runc build');
    assert.deepEqual(
      stringChecks(patched, { fsPackage: FS, marker: true }).map((c) => c.status),
      ['pass', 'pass'],
    );
  });
});

describe('function table proof (stripped binaries)', () => {
  it('fails when a kmem function is compiled in or Apply calls it, passes otherwise', () => {
    const apply = `${FS}.(*MemoryGroup).Apply`;
    const kmem = functionTableChecks({
      functions: 9000,
      kmem: [`${FS}.EnableKernelMemoryAccounting`],
      apply,
      applyCalls: [`${FS}.EnableKernelMemoryAccounting`],
    });
    assert.deepEqual(
      kmem.map((c) => c.status),
      ['fail', 'fail'],
    );
    const nokmem = functionTableChecks({ functions: 9000, kmem: [], apply, applyCalls: ['os.MkdirAll'] });
    assert.deepEqual(
      nokmem.map((c) => c.status),
      ['pass', 'pass'],
    );
    assert.match(nokmem[0]?.detail ?? '', /symbol table is stripped/);
  });
});
