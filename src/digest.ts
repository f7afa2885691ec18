// SHA-256 digests, hex: of bytes in memory, and of a file read as a stream (a kubelet is 100 MB, a root file
// system archive more). Imports nothing of the project, so that any layer can use it.

import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';

export const sha256 = (bytes: Buffer | string): string => createHash('sha256').update(bytes).digest('hex');

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}
