// A build's whole output directory as one release asset: `<dir>.tar.gz`, which unpacks to `<dir>/` with the binary,
// the build record, the patch, the RPM, SHA256SUMS and its signature, the attestations and the key, so that
// `nokmem verify <dir> --key <a key from elsewhere>` works on it. The archive is a function of the files' names and
// bytes only (the tar package, entries in sorted order, no owners, one mtime, modes from the content: ELF files
// 0755, the rest 0644), so the same build output gives the same bytes on any machine and a re-run of the release
// finds the asset unchanged — even after actions/upload-artifact, which keeps no file modes, has carried the output
// between jobs.

import { open, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { create } from 'tar';
import { InputError } from '../errors.js';

const ELF_MAGIC = 0x7f454c46;

async function isElf(file: string): Promise<boolean> {
  const handle = await open(file, 'r');
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(4), 0, 4, 0);
    return bytesRead === 4 && buffer.readUInt32BE(0) === ELF_MAGIC;
  } finally {
    await handle.close();
  }
}

/** The archive's name: the output directory's (kubelet-v1.12.4 → kubelet-v1.12.4.tar.gz). */
export function archiveName(dir: string): string {
  return `${path.basename(path.resolve(dir))}.tar.gz`;
}

/**
 * Writes `<dir>.tar.gz` into `into`: the directory entry, then every file, by name; `mtime` for all of them (the
 * build's commit time, as the packages use it). Anything but regular files in the directory is refused: nothing
 * is left out silently.
 */
export async function archiveBuildOutput(dir: string, into: string, mtime: Date): Promise<string> {
  const base = path.basename(path.resolve(dir));
  const names = (await readdir(dir)).sort();
  const executable = new Set<string>();
  for (const name of names) {
    const file = path.join(dir, name);
    if (!(await stat(file)).isFile())
      throw new InputError(
        `${file} is not a regular file; a build output directory holds only files (give the directory as nokmem build wrote it)`,
      );
    if (await isElf(file)) executable.add(`${base}/${name}`);
  }
  const out = path.join(into, archiveName(dir));
  await create(
    {
      file: out,
      cwd: path.dirname(path.resolve(dir)),
      gzip: true,
      portable: true,
      mtime,
      noDirRecurse: true,
      onWriteEntry: (entry) => {
        // the mode from the content, not from the file system (portable mode keeps a file's x bits); the directory
        // gets the one mtime too (portable mode would leave it without one: 1970 when unpacked)
        const mode = entry.type === 'Directory' || executable.has(entry.path) ? 0o755 : 0o644;
        if (entry.stat) entry.stat.mode = (entry.stat.mode & ~0o7777) | mode;
        entry.noMtime = false;
      },
    },
    [`${base}/`, ...names.map((n) => `${base}/${n}`)],
  );
  return out;
}
