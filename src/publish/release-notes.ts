// What a release's notes say about the builds it ships: every build with its verdict and its assets, how a user
// checks the assets (the release's signed SHA256SUMS, then `nokmem verify` on an unpacked archive), and each
// binary's functional proof (runc's strace run, the kubelet's runtime proof), passed or skipped with the reason. A
// build on a host without cgroup v1 (GitHub-hosted runners) skips it, and the notes say so — it is never shown as
// passed — with how a user completes it: `nokmem verify` on any cgroup-v1 host, an EL7 node for one.

import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { BuildRecord } from '../context.js';
import { functionalProofName } from '../verify/index.js';

export type ProvenRecord = Pick<BuildRecord, 'component' | 'version' | 'verification'>;

/** A released build: its record and the names of its assets (its RPMs and its archive). */
export interface BuildInRelease {
  record: Pick<BuildRecord, 'component' | 'version' | 'verification' | 'method' | 'source'>;
  assets: readonly string[];
}

/** A verdict in a few words: "verified, 7 checks passed, 1 skipped" (or NOT verified, with the failed checks). */
export function verdictWords(verification: ProvenRecord['verification']): string {
  const count = (status: string) => verification.checks.filter((c) => c.status === status).length;
  const [passed, skipped, failed] = [count('pass'), count('skipped'), count('fail')];
  const counts = [`${passed} check${passed === 1 ? '' : 's'} passed`, ...(skipped ? [`${skipped} skipped`] : [])];
  if (verification.ok && failed === 0) return `verified, ${counts.join(', ')}`;
  const names = verification.checks.filter((c) => c.status === 'fail').map((c) => c.name);
  return `NOT verified (${names.length ? `failed: ${names.join(', ')}` : 'no verdict'}), ${counts.join(', ')}`;
}

/**
 * The notes' sections on the builds and on checking the assets, with the fingerprint of the key that signed the
 * release's SHA256SUMS (undefined without builds).
 */
export function buildNotes(builds: readonly BuildInRelease[], fingerprint: string): string | undefined {
  if (builds.length === 0) return undefined;
  const lines = builds.map(({ record: r, assets }) => {
    const what = `${r.component} ${r.version} (${r.method}, commit ${r.source.commit.slice(0, 12)})`;
    return `- ${what}: ${verdictWords(r.verification)} — ${assets.map((a) => `\`${a}\``).join(', ')}`;
  });
  const archive = builds[0]!.assets.find((a) => a.endsWith('.tar.gz'));
  const dir = archive?.replace(/\.tar\.gz$/, '') ?? '<build>';
  return [
    '## Builds',
    '',
    "Each build was verified by `nokmem build` before it was released; its archive holds the whole build output (binary, build record, patch, RPM, the build's signed SHA256SUMS, SBOM, provenance):",
    '',
    ...lines,
    '',
    '## Checking the assets',
    '',
    `\`SHA256SUMS\` lists every asset of this release; \`SHA256SUMS.asc\` is its signature by the project key, fingerprint \`${fingerprint}\`. Take the key from a copy you trust (its fingerprint must be that one), then:`,
    '',
    '```sh',
    'gpg --import RPM-GPG-KEY-nokmem',
    'gpg --verify SHA256SUMS.asc SHA256SUMS',
    'sha256sum -c --ignore-missing SHA256SUMS',
    `tar -xzf ${dir}.tar.gz && nokmem verify ${dir} --key RPM-GPG-KEY-nokmem`,
    '```',
    '',
  ].join('\n');
}

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
