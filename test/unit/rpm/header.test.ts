// An RPM's identity from its header (src/rpm/header.ts), on packages laid out byte by byte here: the lead, a
// signature header whose end is padded to 8 bytes, then the main header's index and store. Never the file name.
// test/integration/packages.test.ts reads packages made by the real rpmbuild.

import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { InputError } from '../../../src/errors.ts';
import { canonicalFileName, nevr, readNevra } from '../../../src/rpm/header.ts';
import { removeTempDirs, tempDir } from '../../helpers/steps.ts';

after(removeTempDirs);

type Entry = [tag: number, value: string | number];

/** A header structure: magic, reserved, count, size, the index (tag, type, offset, count), the store. */
function header(entries: Entry[]): Buffer {
  const store: Buffer[] = [];
  let size = 0;
  const index = Buffer.alloc(entries.length * 16);
  entries.forEach(([tag, value], i) => {
    const data =
      typeof value === 'number'
        ? Buffer.from([(value >>> 24) & 255, (value >>> 16) & 255, (value >>> 8) & 255, value & 255])
        : Buffer.from(`${value}\0`);
    index.writeUInt32BE(tag, i * 16);
    index.writeUInt32BE(typeof value === 'number' ? 4 : 6, i * 16 + 4);
    index.writeUInt32BE(size, i * 16 + 8);
    index.writeUInt32BE(1, i * 16 + 12);
    store.push(data);
    size += data.length;
  });
  const intro = Buffer.alloc(16);
  intro.writeUInt32BE(0x8eade801, 0);
  intro.writeUInt32BE(entries.length, 8);
  intro.writeUInt32BE(size, 12);
  return Buffer.concat([intro, index, ...store]);
}

/** lead + signature header (padded to 8 bytes) + main header. */
function rpm(main: Entry[], signature: Entry[] = [[1000, 'sig']]): Buffer {
  const sig = header(signature);
  const pad = Buffer.alloc((8 - ((96 + sig.length) % 8)) % 8);
  return Buffer.concat([Buffer.alloc(96), sig, pad, header(main)]);
}

const RUNC: Entry[] = [
  [1000, 'runc-nokmem'],
  [1001, '1.0.0~rc5'],
  [1002, '1'],
  [1022, 'x86_64'],
];

async function file(bytes: Buffer, name = 'renamed-by-someone.rpm'): Promise<string> {
  const f = path.join(await tempDir('nokmem-header-'), name);
  await writeFile(f, bytes);
  return f;
}

describe('readNevra', () => {
  it('reads name, version, release and arch from the header, whatever the file is called', async () => {
    const nevra = await readNevra(await file(rpm(RUNC)));
    assert.deepEqual(nevra, {
      name: 'runc-nokmem',
      epoch: undefined,
      version: '1.0.0~rc5',
      release: '1',
      arch: 'x86_64',
    });
    assert.equal(canonicalFileName(nevra), 'runc-nokmem-1.0.0~rc5-1.x86_64.rpm');
    assert.equal(nevr(nevra), 'runc-nokmem-1.0.0~rc5-1');
  });

  it('reads the epoch, and finds the main header after a signature header that needs padding', async () => {
    const kubelet: Entry[] = [
      [1000, 'kubelet'],
      [1003, 1],
      [1001, '1.12.4'],
      [1002, '0.nokmem.1'],
      [1022, 'x86_64'],
    ];
    const nevra = await readNevra(await file(rpm(kubelet, [[1000, 'abcde']])));
    assert.equal(nevra.epoch, 1);
    assert.equal(nevr(nevra), 'kubelet-1:1.12.4-0.nokmem.1');
  });

  it('refuses a file that is not an RPM, a truncated one, and one without a name, naming the file', async () => {
    const cases: [Buffer, string][] = [
      [Buffer.alloc(200, 'not an rpm '), 'no header magic'],
      [rpm(RUNC).subarray(0, 150), 'truncated'],
      [Buffer.alloc(10), 'truncated'],
      [rpm(RUNC.slice(1)), 'no tag 1000'],
    ];
    for (const [bytes, why] of cases) {
      const f = await file(bytes, 'x.rpm');
      await assert.rejects(
        readNevra(f),
        (e: Error) =>
          e instanceof InputError &&
          e.message === `x.rpm is not a readable RPM (${why}); give packages made by nokmem build`,
        why,
      );
    }
  });
});
