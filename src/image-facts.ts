// What nokmem learns of an image by running it (which tools it lacks, its `go version`), remembered per image id:
// an image id names the image's contents, so the answer cannot change, and a later run starts no container to ask.
// An offline builder image says which tools it carries in a label written when it was made (checked in its root
// file system), valid only for the one layer it was made of: a fresh cache starts no container to ask either.

import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { sha256File } from './digest.js';
import { writeFileAtomically } from './atomic-dir.js';
import type { ContainerResult, ContainerRun } from './containers.js';
import type { Runner } from './runner.js';

type Run = (spec: ContainerRun) => Promise<ContainerResult>;

/** Tools a real build runs inside the builder image (kubernetes' hack/lib/golang.sh places binaries with rsync). */
export const BUILD_TOOLS = { runc: ['make', 'gcc', 'go'], kubelet: ['make', 'gcc', 'go', 'rsync'] } as const;

/** What the functional proofs run in their sandbox (the packager image): strace, and the kubelet's containerd. */
export const SANDBOX_TOOLS = { runc: ['strace'], kubelet: ['strace', 'containerd'] } as const;

/** The label of an offline image: the tools found in its root file system, and the digest of that one layer. */
export const TOOLS_LABEL = 'dev.nokmem.tools';

/**
 * The label's value for a root file system about to be imported from `archive` (an uncompressed tar, whose digest
 * is the layer's): which of the build and sandbox tools are on `searchPath` in it, asked in a chroot.
 */
export async function toolsLabel(runner: Runner, rootfs: string, searchPath: string, archive: string): Promise<string> {
  const tools = [...new Set([...BUILD_TOOLS.kubelet, ...SANDBOX_TOOLS.kubelet])];
  const script = 'for t in "$@"; do command -v "$t" >/dev/null 2>&1 && echo "$t"; done; true';
  const found = await runner.run(
    'chroot',
    [rootfs, '/usr/bin/env', `PATH=${searchPath}`, '/bin/sh', '-c', script, 'check-tools', ...tools],
    { purpose: 'list the tools in the root file system' },
  );
  const present = found.stdout
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .sort();
  return `${present.join(',')}@sha256:${await sha256File(archive)}`;
}

/**
 * The tools an image's label vouches for: none unless the image is still exactly the one layer the label was
 * written for (an image made FROM it, a tool removed, inherits the label but not the layer list).
 */
export function vouchedTools(image: { labels: Record<string, string>; layers: string[] } | undefined): string[] {
  const [tools = '', layer] = (image?.labels[TOOLS_LABEL] ?? '').split('@');
  if (!image || !layer || image.layers.length !== 1 || image.layers[0] !== layer) return [];
  return tools.split(',').filter(Boolean);
}

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
  vouched: readonly string[] = [],
): Promise<{ exitCode: number; missing: string[] }> {
  const file = memo && path.join(memo.dir, `${imageId.replace(/^sha256:/, '')}.tools.json`);
  const known = [...vouched, ...(file ? await knownTools(file) : [])];
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
