// Directories that appear whole or not at all: files are written into a hidden sibling, which is then renamed
// into place. A failure removes the sibling (and the parent, if this call created it and it is empty).

import { existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, mkdtemp, readdir, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { removeOnInterrupt } from './interrupt.js';

export type DirContent = Record<string, { copyFrom: string; mode?: number } | { text: string }>;

export async function writeDirAtomically(finalDir: string, content: DirContent): Promise<void> {
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
