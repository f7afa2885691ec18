// The verdict's judgement of each binary, pure: nokmem (no kmem code in the file), kmem (placed by the version
// or commit its file records in an era or fork that switches kmem on, or a kubelet with kmem code on a node whose
// kubepods has kmem on: only the kubelet makes kubepods), or unknown (not placed, or not trustworthy: a file
// someone other than root could have replaced). A runtime the engine is configured not to use is listed, not judged.

import type { BinaryFacts } from './facts/binaries.js';
import { ownership } from './facts/binaries.js';
import type { HostFacts } from './facts/host.js';
import type { Placer } from './place.js';
import type { BinaryState } from './report.js';
import type { Finding } from './findings.js';

export interface JudgedBinaries {
  states: BinaryState[];
  findings: Finding[];
  leaking: BinaryFacts[];
  unjudged: BinaryFacts[];
}

const versionOf = (text: string | undefined) =>
  text ? (/Kubernetes (v\S+)|runc version ([^\s;]+)/.exec(text)?.slice(1).find(Boolean) ?? text) : undefined;

/** `risky`: the kernel leaks and no honoured boot flag turns kmem off, so a binary that switches it on matters. */
export function judgeBinaries(
  facts: HostFacts,
  place: Placer,
  kmemOnKubepods: boolean,
  risky: boolean,
): JudgedBinaries {
  const out: JudgedBinaries = { states: [], findings: [], leaking: [], unjudged: [] };
  for (const b of facts.binaries) {
    const trust = b.owner ? ownership(b.owner) : { trusted: true };
    const version = versionOf(b.version);
    const state = (s: BinaryState['state'], why: string, level: Finding['level'], text: string) => {
      out.states.push({ role: b.role, path: b.path, state: s, ...(version ? { version } : {}), why });
      out.findings.push({
        area: 'binaries',
        level,
        message: `${b.role} ${b.path} (${b.foundBy}): ${text}${b.version ? `, ${b.version}` : ''}`,
      });
    };
    if (!trust.trusted) {
      out.unjudged.push(b);
      state(
        'unknown',
        `${trust.why}: its contents cannot be trusted`,
        'bad',
        `${trust.why}; its kmem state cannot be trusted`,
      );
      continue;
    }
    if (b.inUse === false) {
      // Not in the report's list, which holds what runs: only a line for people.
      out.findings.push({
        area: 'binaries',
        level: 'info',
        message: `${b.role} ${b.path} (${b.foundBy}): not in use; the engines run ${facts.engineRuntimes.map((r) => `${r.path} (${r.by})`).join(', ')}`,
      });
      continue;
    }
    if (!b.kmemCode || b.role === 'runc-nokmem') {
      const text = `nokmem${b.marker ? ' (nokmem build)' : ' (no kmem code)'}`;
      state('nokmem', text, 'ok', text);
      continue;
    }
    const p = place(b);
    if (p.method === 'not-affected') {
      state('nokmem', p.by, 'ok', `not affected: kmem only for an explicit kernel-memory limit (${p.by})`);
    } else if (p.method === 'source-patch' || p.method === 'build-tag') {
      out.leaking.push(b);
      state('kmem', p.by, risky ? 'bad' : 'info', `can switch kmem accounting on (${p.by})`);
    } else if (b.role === 'kubelet' && kmemOnKubepods) {
      out.leaking.push(b);
      const why = `it has kmem code and kubepods, which only the kubelet makes, has kmem accounting on (${p.by})`;
      state('kmem', why, 'bad', `switched kmem accounting on: ${why}`);
    } else {
      out.unjudged.push(b);
      state(
        'unknown',
        p.by,
        'warn',
        `has kmem code and cannot be placed (${p.by}); check it with \`nokmem verify ${b.path}\``,
      );
    }
  }
  return out;
}
