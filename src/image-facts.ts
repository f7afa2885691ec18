// What nokmem learns of an image by running it (which tools it lacks, its `go version`), remembered per image id:
// an image id names the image's contents, so the answer cannot change, and a later run starts no container to ask.

import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomically } from './atomic-dir.js';
import type { ContainerResult, ContainerRun } from './containers.js';

type Run = (spec: ContainerRun) => Promise<ContainerResult>;

/**
 * Which of `tools` the image lacks (`command -v` in a throwaway container; exitCode is not 0 when the image has
 * no shell to ask). An image id names the image's contents, so the answer that none is missing is kept in
 * `memo.dir` (when `memo.write`) and a later run with the same image id starts no container to ask again.
 */
export async function missingTools(
  run: Run,
  image: string,
  imageId: string,
  tools: readonly string[],
  memo?: { dir: string; write: boolean },
): Promise<{ exitCode: number; missing: string[] }> {
  const file = memo && path.join(memo.dir, `${imageId.replace(/^sha256:/, '')}.tools.json`);
  const known = file ? await knownTools(file) : [];
  if (tools.every((t) => known.includes(t))) return { exitCode: 0, missing: [] };
  // A named, tracked container like every other (removed on interrupt).
  const probe = await run({
    image,
    command: [
      'sh',
      '-c',
      'for t in "$@"; do command -v "$t" >/dev/null 2>&1 || echo "$t"; done',
      'check-tools',
      ...tools,
    ],
    mounts: [],
    purpose: `check ${image} for ${tools.join(', ')}`,
    allowFailure: true,
    timeoutMs: 60_000,
  });
  const missing = probe.stdout
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  if (file && memo?.write && probe.exitCode === 0 && missing.length === 0) await remember(file, tools);
  return { exitCode: probe.exitCode, missing };
}

const knownTools = async (file: string): Promise<string[]> => {
  const known = await readFile(file, 'utf8').then(
    (text) => JSON.parse(text) as unknown,
    () => [],
  );
  return Array.isArray(known) ? (known as string[]) : [];
};

/** The memo writes of each file in this process, in turn. */
const remembering = new Map<string, Promise<void>>();

/**
 * Adds `tools` to what the memo holds, read again at the time of writing and one write per file at a time: two
 * probes of one image (the builder and packager checks, side by side) each keep their answer.
 */
function remember(file: string, tools: readonly string[]): Promise<void> {
  const write = (remembering.get(file) ?? Promise.resolve()).then(async () => {
    await mkdir(path.dirname(file), { recursive: true });
    const merged = [...new Set([...(await knownTools(file)), ...tools])].sort();
    await writeFileAtomically(file, `${JSON.stringify(merged)}\n`);
  });
  remembering.set(
    file,
    write.catch(() => undefined),
  );
  return write;
}

/**
 * `go version` in the image (as the purpose says, for the build record). Kept per image id in `memo.dir`, like
 * the tool probe: the Go of an image id cannot change.
 */
export async function goVersion(run: Run, image: string, memo?: { dir: string; imageId: string }): Promise<string> {
  const file = memo && path.join(memo.dir, `${memo.imageId.replace(/^sha256:/, '')}.go-version`);
  const known = file ? (await readFile(file, 'utf8').catch(() => '')).trim() : '';
  if (known) return known;
  const r = await run({
    image,
    command: ['go', 'version'],
    mounts: [],
    purpose: 'ask the builder image for its Go version',
  });
  const version = r.stdout.trim();
  if (file && version) {
    await mkdir(path.dirname(file), { recursive: true });
    await writeFileAtomically(file, `${version}\n`);
  }
  return version;
}
