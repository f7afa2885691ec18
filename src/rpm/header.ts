// The identity of an RPM as rpm and yum see it: name, epoch, version, release and arch from the package's
// header, never from its file name (which anyone can change). Reads the header structure directly: lead
// (96 bytes), signature header (padded to 8 bytes), then the main header with its index and data store.

import { open } from 'node:fs/promises';
import path from 'node:path';
import { InputError } from '../errors.js';

export interface Nevra {
  name: string;
  epoch?: number;
  version: string;
  release: string;
  arch: string;
}

const TAG = { name: 1000, version: 1001, release: 1002, epoch: 1003, arch: 1022 } as const;
const MAGIC = 0x8eade801;

/** N-[E:]V-R, as rpm prints a package. */
export const nevr = (p: Nevra) => `${p.name}-${p.epoch !== undefined ? `${p.epoch}:` : ''}${p.version}-${p.release}`;
/** The file name rpmbuild gives a package: N-V-R.A.rpm. */
export const canonicalFileName = (p: Nevra) => `${p.name}-${p.version}-${p.release}.${p.arch}.rpm`;

export async function readNevra(file: string): Promise<Nevra> {
  const handle = await open(file, 'r');
  const bad = (why: string) =>
    new InputError(`${path.basename(file)} is not a readable RPM (${why}); give packages made by nokmem build`);
  try {
    const read = async (offset: number, length: number) => {
      const buffer = Buffer.alloc(length);
      const { bytesRead } = await handle.read(buffer, 0, length, offset);
      if (bytesRead !== length) throw bad('truncated');
      return buffer;
    };
    const headerAt = async (offset: number) => {
      const intro = await read(offset, 16);
      if (intro.readUInt32BE(0) !== MAGIC) throw bad('no header magic');
      return { count: intro.readUInt32BE(8), size: intro.readUInt32BE(12) };
    };
    const sig = await headerAt(96);
    const sigEnd = 96 + 16 + sig.count * 16 + sig.size;
    const mainAt = sigEnd + ((8 - (sigEnd % 8)) % 8);
    const main = await headerAt(mainAt);
    const index = await read(mainAt + 16, main.count * 16);
    const store = await read(mainAt + 16 + main.count * 16, main.size);
    const values = new Map<number, string | number>();
    for (let i = 0; i < main.count; i++) {
      const tag = index.readUInt32BE(i * 16);
      const type = index.readUInt32BE(i * 16 + 4);
      const offset = index.readUInt32BE(i * 16 + 8);
      if (type === 6) values.set(tag, store.toString('utf8', offset, store.indexOf(0, offset)));
      else if (type === 4) values.set(tag, store.readInt32BE(offset));
    }
    const text = (tag: number) => {
      const v = values.get(tag);
      if (typeof v !== 'string') throw bad(`no tag ${tag}`);
      return v;
    };
    const epoch = values.get(TAG.epoch);
    return {
      name: text(TAG.name),
      epoch: typeof epoch === 'number' ? epoch : undefined,
      version: text(TAG.version),
      release: text(TAG.release),
      arch: text(TAG.arch),
    };
  } finally {
    await handle.close();
  }
}
