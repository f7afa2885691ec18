// What a release's notes say about the proofs of the binaries it ships: each binary's functional proof (runc's
// strace run, the kubelet's runtime proof) and whether it passed or was skipped, with the reason. A build on a
// host without cgroup v1 (GitHub-hosted runners) skips it, and the notes say so — it is never shown as passed —
// with how a user completes it: `nokmem verify` on any cgroup-v1 host, an EL7 node for one.

import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { BuildRecord } from '../context.js';
import { functionalProofName } from '../verify/index.js';

export type ProvenRecord = Pick<BuildRecord, 'component' | 'version' | 'verification'>;

/** The build records among release inputs: build-record.json files, and the one in each output directory. */
export function buildRecordsIn(inputs: readonly string[]): ProvenRecord[] {
  const files = inputs.map((input) => (statSync(input).isDirectory() ? path.join(input, 'build-record.json') : input));
  return files
    .filter((f) => path.basename(f) === 'build-record.json' && existsSync(f))
    .map((f) => JSON.parse(readFileSync(f, 'utf8')) as ProvenRecord);
}

/** The notes' section on the proofs (undefined when no build record is released). */
export function proofNotes(records: readonly ProvenRecord[]): string | undefined {
  if (records.length === 0) return undefined;
  const lines = records.map((r) => {
    const name = functionalProofName(r.component);
    const check = r.verification.checks.find((c) => c.name === name);
    const what = `${r.component} ${r.version}`;
    if (!check) return `- ${what}: ${name}: not made`;
    return `- ${what}: ${name} ${check.status === 'pass' ? 'passed' : `${check.status.toUpperCase()}: ${check.detail}`}`;
  });
  const incomplete = records.some(
    (r) => r.verification.checks.find((c) => c.name === functionalProofName(r.component))?.status !== 'pass',
  );
  return [
    '## Functional proofs',
    '',
    'Each binary was also run in a sandbox on a cgroup-v1 host (runc under strace; the kubelet as a standalone node with a static pod) to show it never enables kernel-memory accounting. Where the build host could not run it, the proof was skipped, not passed:',
    '',
    ...lines,
    ...(incomplete
      ? [
          '',
          'Complete a skipped proof on any cgroup-v1 host, an EL7 node for one, as root: `nokmem verify <package>.rpm --key RPM-GPG-KEY-nokmem`.',
        ]
      : []),
    '',
  ].join('\n');
}
