// What an ELF binary needs from the system that runs it (src/elf.ts): static or not, and the GLIBC_ versions
// a dynamic one requires. Hand-made headers for both word sizes and byte orders, and a real binary of this host.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { glibcAtMost, inspectElf, readElfLinkage } from '../../src/elf.ts';

const PT_LOAD = 1;
const PT_INTERP = 3;

/** An ELF file with the given program headers; an interpreter's path is placed after them. */
function elf(o: { bits: 32 | 64; littleEndian: boolean; interpreter?: string; extra?: string }): Buffer {
  const is64 = o.bits === 64;
  const ehsize = is64 ? 64 : 52;
  const phentsize = is64 ? 56 : 32;
  const phnum = o.interpreter === undefined ? 1 : 2;
  const interp = Buffer.from(`${o.interpreter ?? ''}\0`, 'latin1');
  const dataAt = ehsize + phnum * phentsize;
  const buf = Buffer.alloc(dataAt + interp.length + Buffer.byteLength(o.extra ?? '', 'latin1') + 16);
  const le = o.littleEndian;
  const u16 = (v: number, at: number) => (le ? buf.writeUInt16LE(v, at) : buf.writeUInt16BE(v, at));
  const u32 = (v: number, at: number) => (le ? buf.writeUInt32LE(v, at) : buf.writeUInt32BE(v, at));
  const uN = (v: number, at: number) =>
    is64 ? (le ? buf.writeBigUInt64LE(BigInt(v), at) : buf.writeBigUInt64BE(BigInt(v), at)) : u32(v, at);
  buf.writeUInt32BE(0x7f454c46, 0);
  buf[4] = is64 ? 2 : 1;
  buf[5] = le ? 1 : 2;
  buf[6] = 1;
  uN(ehsize, is64 ? 0x20 : 0x1c);
  u16(phentsize, is64 ? 0x36 : 0x2a);
  u16(phnum, is64 ? 0x38 : 0x2c);
  u32(PT_LOAD, ehsize);
  if (o.interpreter !== undefined) {
    const ph = ehsize + phentsize;
    u32(PT_INTERP, ph);
    uN(dataAt, is64 ? ph + 0x08 : ph + 0x04);
    uN(interp.length, is64 ? ph + 0x20 : ph + 0x10);
    interp.copy(buf, dataAt);
  }
  buf.write(o.extra ?? '', dataAt + interp.length, 'latin1');
  return buf;
}

describe('glibcAtMost', () => {
  it('compares versions numerically', () => {
    assert.ok(glibcAtMost('2.17', '2.17'));
    assert.ok(glibcAtMost('2.3.4', '2.17'));
    assert.ok(!glibcAtMost('2.34', '2.17'));
  });

  it('a binary that needs no GLIBC_ version fits any glibc', () => {
    assert.ok(glibcAtMost(undefined, '2.17'));
  });
});

describe('inspectElf', () => {
  it('is not ELF: a short file, or another magic number', () => {
    assert.equal(inspectElf(Buffer.from('#!/bin/sh\necho hi\n')).isElf, false);
    assert.equal(inspectElf(Buffer.alloc(128)).isElf, false);
  });

  it('no program interpreter: static, needing no glibc', () => {
    for (const bits of [32, 64] as const)
      for (const littleEndian of [true, false])
        assert.deepEqual(inspectElf(elf({ bits, littleEndian, extra: 'GLIBC_2.99\0' })), {
          isElf: true,
          static: true,
          glibcVersions: [],
        });
  });

  it('dynamic: the interpreter, and the GLIBC_ versions sorted numerically, highest last', () => {
    for (const bits of [32, 64] as const)
      for (const littleEndian of [true, false]) {
        const linkage = inspectElf(
          elf({
            bits,
            littleEndian,
            interpreter: '/lib64/ld-linux-x86-64.so.2',
            extra: 'GLIBC_2.3.4\0GLIBC_2.17\0GLIBC_2.2.5\0GLIBC_2.17\0GLIBC_PRIVATE\0GLIBC_2.34x\0',
          }),
        );
        assert.equal(linkage.static, false, `${bits}-bit ${littleEndian ? 'LE' : 'BE'}`);
        assert.equal(linkage.interpreter, '/lib64/ld-linux-x86-64.so.2');
        assert.deepEqual(linkage.glibcVersions, ['2.2.5', '2.3.4', '2.17']);
        assert.equal(linkage.highestGlibc, '2.17');
      }
  });
});

describe('readElfLinkage', () => {
  it("reads this host's /bin/sh: dynamic, with the GLIBC_ versions it needs", async () => {
    const sh = await readElfLinkage('/bin/sh');
    assert.ok(sh.isElf && !sh.static);
    assert.match(sh.interpreter ?? '', /^\/lib.*ld-linux/);
    assert.ok(sh.glibcVersions.length > 0);
    assert.equal(sh.highestGlibc, sh.glibcVersions.at(-1));
  });

  it('fails for a file that is not there', async () => {
    await assert.rejects(readElfLinkage('/nonexistent/binary'));
  });
});
