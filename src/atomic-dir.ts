// Directories that appear whole or not at all: files are written into a hidden sibling, which is then renamed
// into place. A failure removes the sibling (and the parent, if this call created it and it is empty). A disk that
// is full, read-only or not ours is the user's to fix (an InputError with the fs error as cause), not a bug.

import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, mkdtemp, readdir, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { InputError } from './errors.js';
import { removeOnInterrupt } from './interrupt.js';

export type DirContent = Record<string, { copyFrom: string; mode?: number } | { text: string }>;

const UNWRITABLE: Record<string, string> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
};

export async function writeDirAtomically(finalDir: string, content: DirContent): Promise<void> {
  try {
    await write(finalDir, content);
  } catch (error) {
    const reason = UNWRITABLE[(error as NodeJS.ErrnoException).code ?? ''];
    if (!reason) throw error;
    throw new InputError(
      `cannot write ${finalDir} (${reason}); free space or choose a writable directory, then run again`,
      1,
      { cause: error },
    );
  }
}

async function write(finalDir: string, content: DirContent): Promise<void> {
  const parent = path.dirname(finalDir);
  const createdParent = !existsSync(parent);
  await mkdir(parent, { recursive: true });
  const staging = await mkdtemp(path.join(parent, `.${path.basename(finalDir)}.partial-`));
  const done = removeOnInterrupt(staging);
  try {
    for (const [name, item] of Object.entries(content)) {
      const target = path.join(staging, name);
      if ('text' in item) await writeFile(target, item.text);
      else await copyFile(item.copyFrom, target);
    }
    // mkdtemp makes 0700; results are meant to be read (and served) by others.
    await chmod(staging, 0o755);
    // Replace an older result: move it aside, move the new one in, then delete the old one.
    let previous: string | undefined;
    if (existsSync(finalDir)) {
      previous = `${staging}.old`;
      await rename(finalDir, previous);
    }
    await rename(staging, finalDir);
    if (previous) await rm(previous, { recursive: true, force: true });
    done();
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    if (createdParent && existsSync(parent) && (await readdir(parent)).length === 0) await rmdir(parent);
    done();
    throw error;
  }
}

/**
 * One file that appears whole or not at all: written beside its place under a name of this write's own (the pid
 * and a random part: two writes of one process may race, e.g. two probes of one image), then renamed.
 */
export async function writeFileAtomically(file: string, data: string | Buffer, mode?: number): Promise<void> {
  const partial = `${file}.${process.pid}-${randomBytes(4).toString('hex')}.partial`;
  try {
    await writeFile(partial, data, mode === undefined ? undefined : { mode });
    await rename(partial, file);
  } catch (error) {
    await rm(partial, { force: true }).catch(() => undefined); // the write's own error is the one to report
    throw error;
  }
}
