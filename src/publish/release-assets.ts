// What a GitHub release ships, from what `nokmem release` is given. A build output directory (one with a
// build-record.json, as `nokmem build` writes it; in the release workflow, one per downloaded artifact) gives its
// RPMs under their own names, its whole directory as `<dir>.tar.gz` (src/publish/archive.ts) and its
// RPM-GPG-KEY-nokmem, once for all builds: the files every build has (build-record.json, SHA256SUMS, the binary)
// live in the archives, so several builds never collide. Other inputs ship as they are: a file, or every file
// of a plain directory. Two inputs that would become the same asset are one asset when their bytes are equal and
// an error naming both when not: GitHub keeps one asset per name.

import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as z from 'zod';
import { sha256 } from '../attest.js';
import type { BuildRecord } from '../context.js';
import { InputError } from '../errors.js';
import { PUBLIC_KEY_FILE } from '../signing.js';
import { archiveBuildOutput, archiveName } from './archive.js';

export const BUILD_RECORD = 'build-record.json';

/** GitHub renames assets: characters outside its set become ".", so runc-nokmem-1.0.0~rc5 is stored as 1.0.0.rc5. */
export function githubAssetName(file: string): string {
  return path.basename(file).replace(/[^A-Za-z0-9._+-]/g, '.');
}
/** The release-wide sums over every asset and their signature, made by the release itself. */
export const RELEASE_SUMS = 'SHA256SUMS';
export const RELEASE_SUMS_SIGNATURE = 'SHA256SUMS.asc';

/** The parts of a build record the release reads (the notes, the archive's mtime). */
const releasedRecord = z.looseObject({
  schema: z.literal('nokmem/build-record@1'),
  component: z.enum(['runc', 'kubelet']),
  version: z.string(),
  method: z.string(),
  source: z.looseObject({ commit: z.string(), commitTime: z.number() }),
  verification: z.looseObject({
    ok: z.boolean(),
    checks: z.array(z.looseObject({ name: z.string(), status: z.string(), detail: z.string() })),
  }),
});

export interface BuildOutput {
  /** The output directory as given. */
  dir: string;
  record: BuildRecord;
}

export interface ReleaseInputs {
  /** Files that ship as they are (given, or found in a directory without a build record). */
  files: string[];
  builds: BuildOutput[];
}

export interface ReleaseAsset {
  /** The name GitHub stores it under. */
  name: string;
  file: string;
  /** Where it came from, for messages: the input file, or the build output directory. */
  from: string;
}

export interface ReleasedBuild extends BuildOutput {
  /** The names of its assets: its RPMs and its archive. */
  assets: string[];
}

export interface ReleaseContents {
  assets: ReleaseAsset[];
  builds: ReleasedBuild[];
}

const describe = (b: BuildOutput) => `${b.record.component} ${b.record.version} (${b.dir})`;

function readRecord(dir: string): BuildRecord {
  const file = path.join(dir, BUILD_RECORD);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new InputError(
      `${file} is not JSON (${(error as Error).message}); give build output directories as nokmem build wrote them`,
      1,
      { cause: error },
    );
  }
  const r = releasedRecord.safeParse(parsed);
  if (!r.success)
    throw new InputError(
      `${file} is not a nokmem build record (${r.error.issues.map((i) => `${i.path.join('.') || 'record'}: ${i.message}`).join('; ')}); give build output directories as nokmem build wrote them`,
    );
  const record = parsed as BuildRecord;
  if (!record.verification.ok)
    throw new InputError(
      `${file} says ${record.component} ${record.version} failed its verification; only verified builds are released: build it again`,
    );
  return record;
}

/** Sorts the inputs into build output directories and files that ship as they are. */
export function readReleaseInputs(inputs: readonly string[]): ReleaseInputs {
  const result: ReleaseInputs = { files: [], builds: [] };
  for (const input of inputs) {
    if (!existsSync(input))
      throw new InputError(`${input} does not exist; give asset files or build output directories`);
    if (!statSync(input).isDirectory()) result.files.push(path.resolve(input));
    else if (existsSync(path.join(input, BUILD_RECORD))) result.builds.push({ dir: input, record: readRecord(input) });
    else
      for (const f of readdirSync(input).sort())
        if (statSync(path.join(input, f)).isFile()) result.files.push(path.resolve(input, f));
  }
  return result;
}

class AssetList {
  private readonly byName = new Map<string, ReleaseAsset & { sha256: string }>();
  /** Names the release makes itself, with what they are. */
  private readonly reserved = new Map<string, string>();

  /** Adds an asset; false when the same bytes are already there under its name. */
  async add(file: string, from: string, name = githubAssetName(file)): Promise<boolean> {
    const what = this.reserved.get(name);
    if (what)
      throw new InputError(
        `${from} would be the release asset ${name}, which is ${what}; leave it out (the release makes its own)`,
      );
    const digest = sha256(await readFile(file));
    const other = this.byName.get(name);
    if (other) {
      if (other.sha256 === digest) return false;
      throw new InputError(
        `${from} and ${other.from} would both be the release asset ${name}, with different contents; give each asset once, or rename one`,
      );
    }
    this.byName.set(name, { name, file, from, sha256: digest });
    return true;
  }

  reserve(name: string, what: string): void {
    this.reserved.set(name, what);
  }

  assets(): ReleaseAsset[] {
    return [...this.byName.values()].map(({ name, file, from }) => ({ name, file, from }));
  }
}

/**
 * The assets of a release: the builds' RPMs, archives (made in `workDir`) and key, then the files as they are;
 * with builds, the names of the release's own sums are taken (the caller adds them, made over these assets).
 */
export async function releaseContents(inputs: ReleaseInputs, workDir: string): Promise<ReleaseContents> {
  const list = new AssetList();
  const builds: ReleasedBuild[] = [];
  let publicKey: { file: string; build: BuildOutput } | undefined;
  if (inputs.builds.length > 0) {
    list.reserve(RELEASE_SUMS, "the release's own SHA256SUMS of every asset");
    list.reserve(RELEASE_SUMS_SIGNATURE, "the release's own signature of its SHA256SUMS");
  }
  for (const build of inputs.builds) {
    const archive = await archiveBuildOutput(build.dir, workDir, new Date(build.record.source.commitTime * 1000));
    // the same output given twice is one build (its archive has the same bytes); another one of that name, an error
    if (!(await list.add(archive, build.dir))) continue;
    const names = [archiveName(build.dir)];
    for (const f of readdirSync(build.dir).sort()) {
      const file = path.resolve(build.dir, f);
      if (f.endsWith('.rpm')) {
        await list.add(file, file);
        names.push(githubAssetName(file));
      } else if (f === PUBLIC_KEY_FILE) {
        if (!publicKey) {
          publicKey = { file, build };
          await list.add(file, file);
        } else if (!readFileSync(file).equals(readFileSync(publicKey.file)))
          throw new InputError(
            `${describe(build)} and ${describe(publicKey.build)} ship different ${PUBLIC_KEY_FILE}; a release has one project key: build every version with the same NOKMEM_SIGNING_KEY`,
          );
      }
    }
    builds.push({ ...build, assets: names.sort() });
  }
  for (const file of inputs.files) await list.add(file, file);
  return { assets: list.assets(), builds };
}

/** SHA256SUMS of the assets under the names GitHub stores them by, for `sha256sum -c` after a download. */
export async function releaseSums(assets: readonly ReleaseAsset[]): Promise<string> {
  const lines: string[] = [];
  for (const a of [...assets].sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0)))
    lines.push(`${sha256(await readFile(a.file))}  ${a.name}`);
  return `${lines.join('\n')}\n`;
}
