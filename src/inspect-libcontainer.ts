// Decides the nokmem method by reading a checked-out tree's libcontainer cgroupfs driver, not its version:
//   the kmem/nokmem file split (a file under the `nokmem` build tag)     -> build-tag
//   kmem switched on for new memory cgroups, without the split          -> source-patch
//   kmem only when a kernel-memory limit is asked for, or no kmem code  -> not-affected
// For upstream versions this must agree with specs/versions.yaml; for forks it is the only source.

import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { blankComments, findFunction } from './patch.js';

export type InspectedMethod = 'build-tag' | 'source-patch' | 'not-affected';

export interface TreeInspection {
  method: InspectedMethod;
  /** What in the tree led to the answer, for people. */
  evidence: string;
  /** Whether the tree's nokmem variant carries upstream's "kernel memory accounting disabled" error. */
  marker: boolean;
  layout: 'gopath' | 'modules';
}

const FS_DIR = 'libcontainer/cgroups/fs';
const MARKER = 'kernel memory accounting disabled in this runc build';

function buildConstraint(source: string): string {
  const lines = source.split('\n').slice(0, 20);
  return lines.filter((l) => /^\/\/(go:build| \+build) /.test(l)).join(' ');
}

/** The call of EnableKernelMemoryAccounting in Apply sits inside a block opened by a condition on the
 * kernel-memory limit (as in runc before rc3, in the shape FACTS.md describes). */
function onlyForKernelLimit(applyBody: string): boolean {
  const code = blankComments(applyBody);
  const at = code.indexOf('EnableKernelMemoryAccounting(');
  if (at < 0) return true;
  const open: number[] = [];
  for (let i = 0; i < at; i++) {
    if (code[i] === '{') open.push(i);
    else if (code[i] === '}') open.pop();
  }
  return open.some((brace) => /KernelMemory\b/.test(code.slice(code.lastIndexOf('\n', brace) + 1, brace)));
}

export async function inspectLibcontainer(tree: string, libcontainerRoot = '.'): Promise<TreeInspection> {
  const dir = path.join(tree, libcontainerRoot, FS_DIR);
  const layout = (await readFile(path.join(tree, 'go.mod'), 'utf8')
    .then(() => true)
    .catch(() => false))
    ? 'modules'
    : 'gopath';
  const names = (await readdir(dir).catch(() => [])).filter((n) => n.endsWith('.go') && !n.endsWith('_test.go')).sort();
  if (names.length === 0)
    return {
      method: 'not-affected',
      evidence: `no ${path.posix.join(libcontainerRoot, FS_DIR)} in the tree`,
      marker: false,
      layout,
    };
  const files = await Promise.all(
    names.map(async (n) => ({ name: n, source: await readFile(path.join(dir, n), 'utf8') })),
  );
  const rel = (n: string) => path.posix.join(libcontainerRoot, FS_DIR, n);

  const split = files.find(
    (f) =>
      /(^|[\s,!(])nokmem\b/.test(buildConstraint(f.source)) &&
      !/!nokmem/.test(buildConstraint(f.source)) &&
      findFunction(f.source, 'EnableKernelMemoryAccounting'),
  );
  if (split) {
    return {
      method: 'build-tag',
      evidence: `${rel(split.name)} implements EnableKernelMemoryAccounting under the nokmem build tag`,
      marker: split.source.includes(MARKER),
      layout,
    };
  }
  const writes = files.filter((f) => blankComments(f.source).includes('memory.kmem.limit_in_bytes'));
  const memory = files.find((f) => findFunction(f.source, 'Apply', 'MemoryGroup'));
  const span = memory && findFunction(memory.source, 'Apply', 'MemoryGroup');
  const applyBody = memory && span ? memory.source.slice(span.bodyOpen, span.end) : '';
  const callsEnable = /EnableKernelMemoryAccounting\(/.test(blankComments(applyBody));
  const inlineKmem = /memory\.kmem\.limit_in_bytes|cgroupKernelMemoryLimit/.test(blankComments(applyBody));
  if (callsEnable && !onlyForKernelLimit(applyBody)) {
    return {
      method: 'source-patch',
      evidence: `(*MemoryGroup).Apply in ${rel(memory!.name)} calls EnableKernelMemoryAccounting for cgroups with a memory setting, not only for an explicit kernel-memory limit, and there is no nokmem build tag`,
      marker: true,
      layout,
    };
  }
  if (inlineKmem) {
    return {
      method: 'source-patch',
      evidence: `(*MemoryGroup).Apply in ${rel(memory!.name)} writes memory.kmem.limit_in_bytes itself, and there is no nokmem build tag`,
      marker: true,
      layout,
    };
  }
  if (callsEnable) {
    return {
      method: 'not-affected',
      evidence: `(*MemoryGroup).Apply in ${rel(memory!.name)} enables kmem only when a kernel-memory limit is asked for`,
      marker: false,
      layout,
    };
  }
  return {
    method: 'not-affected',
    evidence: writes.length
      ? `memory.kmem.limit_in_bytes is written only outside Apply (${writes.map((w) => rel(w.name)).join(', ')})`
      : `nothing in ${path.posix.join(libcontainerRoot, FS_DIR)} switches kmem on`,
    marker: false,
    layout,
  };
}
