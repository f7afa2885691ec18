// Places a kubelet or runc binary in the method table by the version and commit its file records (written as
// `runc --version` / `kubelet --version` would print them, see facts/binaries.ts), never by the strings in it: a
// runc that enables kmem only for an explicit kernel-memory limit contains memory.kmem.limit_in_bytes too. Forks
// are matched by commit. The version text is read as `nokmem verify` reads it (src/verify/identify.ts).

import { forCommit } from '../forks.js';
import type { ForkSpecs, VersionTable } from '../specs.js';
import { eraFor } from '../specs.js';
import { readVersionOutput, releaseOf } from '../verify/identify.js';
import type { BinaryFacts } from './facts/binaries.js';

export interface Placement {
  method: 'not-affected' | 'source-patch' | 'build-tag' | 'unknown';
  /** Where the answer comes from, for people. */
  by: string;
}

export type Placer = (binary: BinaryFacts) => Placement;

export function placer(table: VersionTable, forks: ForkSpecs): Placer {
  return (b) => {
    const text = b.version ?? '';
    if (!text) return { method: 'unknown', by: b.identifiedBy ?? 'its version could not be read' };
    const component = b.role === 'kubelet' ? 'kubelet' : 'runc';
    const { version, commit } = readVersionOutput(component, text);
    if (commit) {
      const hit = forCommit(forks, commit);
      if (hit?.kind === 'fork')
        return { method: hit.fork.method ?? 'unknown', by: `commit ${commit} is specs/forks.yaml's ${hit.name}` };
      if (hit?.kind === 'not-affected') return { method: 'not-affected', by: `commit ${commit}: ${hit.entry.reason}` };
    }
    const v = releaseOf(component, version);
    const era = v && eraFor(table[component], v);
    if (v && era && era.method !== 'unknown') return { method: era.method, by: `${component} ${v.tag}: ${era.reason}` };
    return {
      method: 'unknown',
      by: `"${text}" is neither a release in specs/versions.yaml nor a commit in specs/forks.yaml`,
    };
  };
}
