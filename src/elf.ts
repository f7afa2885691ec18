// What an ELF binary needs from the system that runs it: is it static, and if not, which GLIBC_ symbol
// versions does it require? EL7 has glibc 2.17, so a binary needing a newer one does not start there.

import { open } from 'node:fs/promises';

export interface ElfLinkage {
  isElf: boolean;
  /** No program interpreter: the kernel runs it directly, no libc needed. */
  static: boolean;
  interpreter?: string;
  /** GLIBC_x.y versions the dynamic binary requires, highest last. */
  glibcVersions: string[];
  highestGlibc?: string;
}

const PT_INTERP = 3;

function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d) return d;
  }
  return 0;
}

export function glibcAtMost(version: string | undefined, limit: string): boolean {
  return version === undefined || compareVersions(version, limit) <= 0;
}

export function inspectElf(bytes: Buffer): ElfLinkage {
  if (bytes.length < 64 || bytes.readUInt32BE(0) !== 0x7f454c46)
    return { isElf: false, static: false, glibcVersions: [] };
  const is64 = bytes[4] === 2;
  const le = bytes[5] === 1;
  const u16 = (o: number) => (le ? bytes.readUInt16LE(o) : bytes.readUInt16BE(o));
  const u32 = (o: number) => (le ? bytes.readUInt32LE(o) : bytes.readUInt32BE(o));
  const uN = (o: number) => (is64 ? Number(le ? bytes.readBigUInt64LE(o) : bytes.readBigUInt64BE(o)) : u32(o));
  const phoff = uN(is64 ? 0x20 : 0x1c);
  const phentsize = u16(is64 ? 0x36 : 0x2a);
  const phnum = u16(is64 ? 0x38 : 0x2c);
  let interpreter: string | undefined;
  for (let i = 0; i < phnum; i++) {
    const ph = phoff + i * phentsize;
    if (u32(ph) !== PT_INTERP) continue;
    const offset = uN(is64 ? ph + 0x08 : ph + 0x04);
    const size = uN(is64 ? ph + 0x20 : ph + 0x10);
    interpreter = bytes
      .subarray(offset, offset + size)
      .toString('latin1')
      .replace(/\0+$/, '');
  }
  if (!interpreter) return { isElf: true, static: true, glibcVersions: [] };
  // Version-need names live in .dynstr as plain strings; the set of GLIBC_x.y strings is what the loader checks.
  const found = new Set<string>();
  const text = bytes.toString('latin1');
  for (const m of text.matchAll(/GLIBC_(\d+\.\d+(?:\.\d+)?)\0/g)) if (m[1]) found.add(m[1]);
  const glibcVersions = [...found].sort(compareVersions);
  return {
    isElf: true,
    static: false,
    interpreter,
    glibcVersions,
    highestGlibc: glibcVersions[glibcVersions.length - 1],
  };
}

export async function readElfLinkage(file: string): Promise<ElfLinkage> {
  const handle = await open(file, 'r');
  try {
    return inspectElf(await handle.readFile());
  } finally {
    await handle.close();
  }
}
