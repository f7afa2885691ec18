// Which fork entry a docker release needs, from specs/forks.yaml: the entries (forks) list the docker releases
// that ship their runc, and notAffected the releases whose runc switches kmem on only for an explicit
// kernel-memory limit. Pure functions over the loaded data; `nokmem forks` and `nokmem doctor` use them.

import type { Distribution, Fork, ForkSpecs, NotAffectedDocker, VersionTable } from './specs.js';
import { eraFor } from './specs.js';
import { parseVersion } from './version.js';

export type DockerAnswer =
  { kind: 'fork'; name: string; fork: Fork } | { kind: 'not-affected'; entry: NotAffectedDocker } | { kind: 'unknown' };

function parts(version: string): [number, number, number] | undefined {
  const m = /^v?(\d+)\.(\d+)\.(\d+)/.exec(version.trim());
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

/** Whether a docker release ("17.03.2", "18.09.3-ce") is one an entry's `docker` item names. */
export function dockerMatches(item: string, version: string): boolean {
  const want = parts(item);
  const got = parts(version);
  if (!want || !got) return false;
  if (want[0] !== got[0] || want[1] !== got[1]) return false;
  return item.endsWith('+') ? got[2] >= want[2] : got[2] === want[2];
}

export function forDocker(specs: ForkSpecs, version: string, distribution: Distribution = 'docker'): DockerAnswer {
  for (const [name, fork] of Object.entries(specs.forks)) {
    if (fork.distribution === distribution && fork.docker.some((d) => dockerMatches(d, version)))
      return { kind: 'fork', name, fork };
  }
  const entry = specs.notAffected.find(
    (e) => e.distribution === distribution && e.docker.some((d) => dockerMatches(d, version)),
  );
  return entry ? { kind: 'not-affected', entry } : { kind: 'unknown' };
}

export type CommitAnswer =
  { kind: 'fork'; name: string; fork: Fork } | { kind: 'not-affected'; entry: NotAffectedDocker };

/** The entry whose commit a binary reports (`runc --version` prints it, sometimes abbreviated or with -dirty). */
export function forCommit(specs: ForkSpecs, commit: string): CommitAnswer | undefined {
  const c = commit.toLowerCase().replace(/-dirty$/, '');
  if (!/^[0-9a-f]{7,40}$/.test(c)) return undefined;
  for (const [name, fork] of Object.entries(specs.forks))
    if (fork.commit.startsWith(c)) return { kind: 'fork', name, fork };
  const entry = specs.notAffected.find((e) => e.commit.startsWith(c));
  return entry ? { kind: 'not-affected', entry } : undefined;
}

/** One line per entry for `nokmem forks`: name, docker releases, version, commit, and the method it claims. */
export function formatForkList(specs: ForkSpecs, methodOf: (fork: Fork) => string): string {
  const rows: string[][] = [['entry', 'docker', 'runc version', 'commit', 'method']];
  for (const [name, fork] of Object.entries(specs.forks)) {
    const who = fork.distribution === 'centos' ? 'CentOS ' : '';
    rows.push([
      name,
      fork.docker.length ? who + fork.docker.join(', ') : '-',
      fork.version,
      fork.commit.slice(0, 12),
      methodOf(fork),
    ]);
  }
  for (const e of specs.notAffected) {
    rows.push([
      '-',
      (e.distribution === 'centos' ? 'CentOS ' : '') + e.docker.join(', '),
      e.version,
      e.commit.slice(0, 12),
      'not affected',
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return (
    rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')).join('\n') +
    '\n'
  );
}

/** The method a fork entry's claimed upstream version has in specs/versions.yaml; the build's tree inspection
 * must agree with it (and decides alone for an entry without `claims`). */
export function claimedMethod(table: VersionTable, fork: Fork): string {
  if (!fork.claims) return fork.method ?? 'decided by the tree';
  return eraFor(table.runc, parseVersion('runc', fork.claims))?.method ?? 'unknown';
}

/** The answer of `nokmem forks --docker VERSION`, for people. */
export function formatDockerAnswer(
  answer: DockerAnswer,
  version: string,
  distribution: Distribution,
  table: VersionTable,
): string {
  const who = `${distribution === 'centos' ? 'CentOS ' : ''}docker ${version}`;
  switch (answer.kind) {
    case 'fork':
      return `${who}: build ${answer.name} (${claimedMethod(table, answer.fork)}; runc ${answer.fork.version} at ${answer.fork.commit}):\n  nokmem build --fork ${answer.name}\n`;
    case 'not-affected':
      return `${who}: not affected: ${answer.entry.reason}\n`;
    case 'unknown':
      return `${who}: not in specs/forks.yaml; run \`nokmem doctor\` on a node with it (it reads the runc's commit), or \`nokmem verify\` on its runc binary\n`;
  }
}
