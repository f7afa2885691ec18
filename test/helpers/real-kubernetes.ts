// The real kubernetes v1.20.2 tree (Debian bullseye's orig tarball, fetched by scripts/fetch-kubernetes-source.sh
// during setup), turned into a git repository with the tag v1.20.2 that stands in for the upstream remote.
// Made once per machine and cached: the commit is deterministic (fixed author, committer and dates), so the
// pin a test writes is the same on every machine. Never committed.

import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';

export const REAL_KUBERNETES_TARBALL =
  process.env.NOKMEM_REAL_KUBERNETES_TARBALL ?? '/var/cache/nokmem/debian/kubernetes_1.20.5+really1.20.2.orig.tar.gz';
const CACHE = process.env.NOKMEM_REAL_KUBERNETES_CACHE ?? '/var/cache/nokmem/real-kubernetes';
export const REAL_TAG = 'v1.20.2';

export interface RealUpstream {
  /** A bare git repository with the tag. */
  dir: string;
  commit: string;
}

const GIT_ENV = {
  GIT_AUTHOR_NAME: 'nokmem test',
  GIT_AUTHOR_EMAIL: 'test@nokmem.invalid',
  GIT_COMMITTER_NAME: 'nokmem test',
  GIT_COMMITTER_EMAIL: 'test@nokmem.invalid',
  // the v1.20.2 release day
  GIT_AUTHOR_DATE: '2021-01-13T13:20:00Z',
  GIT_COMMITTER_DATE: '2021-01-13T13:20:00Z',
  GIT_CONFIG_NOSYSTEM: '1',
  HOME: '/nonexistent',
};

async function git(cwd: string, args: string[]): Promise<string> {
  const r = await execa(
    'git',
    ['-c', 'commit.gpgSign=false', '-c', 'tag.gpgSign=false', '-c', 'core.autocrlf=false', ...args],
    { cwd, env: GIT_ENV, extendEnv: true },
  );
  return String(r.stdout);
}

export async function realKubernetesUpstream(): Promise<RealUpstream> {
  const dir = path.join(CACHE, 'kubernetes-1.20.2.git');
  if (existsSync(path.join(dir, 'HEAD'))) {
    const commit = (await git(dir, ['rev-parse', `refs/tags/${REAL_TAG}^{commit}`]).catch(() => '')).trim();
    if (commit) return { dir, commit };
  }
  if (!existsSync(REAL_KUBERNETES_TARBALL)) {
    throw new Error(
      `the real kubernetes tree is missing (${REAL_KUBERNETES_TARBALL}): run \`sudo bash scripts/setup.sh\` (it runs scripts/fetch-kubernetes-source.sh)`,
    );
  }
  await mkdir(CACHE, { recursive: true });
  const scratch = await mkdtemp(path.join(CACHE, '.make-'));
  try {
    await execa('tar', ['-xzf', REAL_KUBERNETES_TARBALL, '-C', scratch]);
    const tree = path.join(scratch, 'kubernetes-1.20.2');
    await git(tree, ['init', '-q']);
    await git(tree, ['add', '-A', '-f', '.']);
    await git(tree, ['commit', '-q', '--no-verify', '-m', 'kubernetes v1.20.2 (Debian bullseye orig tarball)']);
    await git(tree, ['tag', '-a', '-m', 'Kubernetes v1.20.2', REAL_TAG]);
    const bare = path.join(scratch, 'bare.git');
    await execa('git', ['clone', '-q', '--bare', tree, bare]);
    await rm(dir, { recursive: true, force: true });
    await rename(bare, dir);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  return realKubernetesUpstream();
}
