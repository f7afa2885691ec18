import assert from 'node:assert/strict';
import { chmod, mkdir, readFile, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { list } from 'tar';
import { InputError } from '../../../src/errors.ts';
import { archiveBuildOutput, archiveName } from '../../../src/publish/archive.ts';
import { tempDir } from '../../helpers/tmp.ts';

const ELF = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]), Buffer.alloc(100)]);
const MTIME = new Date(1_500_000_000_000);

/** A build output directory under a fresh root, its files written with the given mode and mtime. */
async function output(mode: number, mtime: Date): Promise<string> {
  const dir = path.join(await tempDir('nokmem-archive-'), 'runc-v1.0.0-rc5');
  await mkdir(dir);
  const files: Record<string, Buffer | string> = {
    runc: ELF,
    'build-record.json': '{}\n',
    SHA256SUMS: 'x  y\n',
    'runc-nokmem-1.0.0~rc5-1.x86_64.rpm': Buffer.alloc(300, 1),
  };
  for (const [name, content] of Object.entries(files)) {
    await writeFile(path.join(dir, name), content);
    await chmod(path.join(dir, name), mode);
    await utimes(path.join(dir, name), mtime, mtime);
  }
  return dir;
}

async function entries(archive: string) {
  const found: { path: string; mode?: number; mtime?: Date; uid?: number; uname?: string }[] = [];
  await list({
    file: archive,
    onReadEntry: (e) => void found.push({ path: e.path, mode: e.mode, mtime: e.mtime, uid: e.uid, uname: e.uname }),
  });
  return found;
}

describe('publish/archive: a build output as <dir>.tar.gz', () => {
  it('is named after the directory', () => {
    assert.equal(archiveName('/x/out/kubelet-v1.12.4/'), 'kubelet-v1.12.4.tar.gz');
  });

  it('the same files give the same bytes, whatever their modes and times on disk (upload-artifact keeps no modes)', async () => {
    const built = await output(0o755, new Date());
    const downloaded = await output(0o644, new Date(2_000_000_000_000));
    const a = await archiveBuildOutput(built, await tempDir('nokmem-a-'), MTIME);
    const b = await archiveBuildOutput(downloaded, await tempDir('nokmem-b-'), MTIME);
    assert.equal(path.basename(a), 'runc-v1.0.0-rc5.tar.gz');
    assert.ok((await readFile(a)).equals(await readFile(b)));
  });

  it('holds the directory, then its files by name; ELF files 0755, the rest 0644; one mtime, no owner', async () => {
    const archive = await archiveBuildOutput(await output(0o600, new Date()), await tempDir('nokmem-c-'), MTIME);
    const found = await entries(archive);
    assert.deepEqual(
      found.map((e) => [e.path, (e.mode ?? 0) & 0o777]),
      [
        ['runc-v1.0.0-rc5/', 0o755],
        ['runc-v1.0.0-rc5/SHA256SUMS', 0o644],
        ['runc-v1.0.0-rc5/build-record.json', 0o644],
        ['runc-v1.0.0-rc5/runc', 0o755],
        ['runc-v1.0.0-rc5/runc-nokmem-1.0.0~rc5-1.x86_64.rpm', 0o644],
      ],
    );
    for (const e of found) {
      assert.equal(e.mtime?.getTime(), MTIME.getTime(), e.path);
      assert.ok(!e.uid && !e.uname, e.path);
    }
  });

  it('refuses anything but files: nothing is left out silently', async () => {
    const dir = await output(0o644, new Date());
    await mkdir(path.join(dir, 'extra'));
    await assert.rejects(
      archiveBuildOutput(dir, await tempDir('nokmem-d-'), MTIME),
      (e: unknown) => e instanceof InputError && /extra is not a regular file/.test(e.message),
    );
  });
});
