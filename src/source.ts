// Upstream source: a bare git repository per component in the cache, filled by shallow fetches of single tags
// from a configurable remote, and trees exported from it without git metadata (so nothing is "dirty" and no
// export-subst rewriting happens: the build is told the version explicitly).

import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import { InputError } from './errors.js';
import type { Runner } from './runner.js';

/**
 * The transports git may use for a remote, whatever the user's or the system's git configuration says
 * (GIT_ALLOW_PROTOCOL overrides protocol.*.allow): never ext::, fd:: or a remote helper that runs a command.
 */
const GIT_ALLOW_PROTOCOL = 'file:git:http:https:ssh';
/** The environment of every git command that talks to a remote. */
const REMOTE_ENV = { GIT_TERMINAL_PROMPT: '0', GIT_ALLOW_PROTOCOL };

/** A remote must never be read by git as one of its options (`-oProxyCommand=…`, `--upload-pack=…`). */
function refuseOptionLike(remote: string): void {
  if (remote.startsWith('-'))
    throw new InputError(
      `--remote ${JSON.stringify(remote)} starts with "-", so git would read it as an option; give a URL or a path (write a path that starts with "-" as ./-name)`,
    );
}

/** A plain path becomes a file:// URL: git only does shallow fetches over a transport. */
export function normalizeRemote(remote: string): string {
  refuseOptionLike(remote);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(remote) || /^[\w.-]+@[\w.-]+:/.test(remote)) return remote;
  return `file://${path.resolve(remote)}`;
}

/**
 * The line of git's stderr that says what went wrong. git ends with generic advice ("Please make sure you have
 * the correct access rights / and the repository exists."); the reason is the first fatal/error line.
 */
export function gitReason(stderr: string, fallback: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const reason =
    lines.find((l) => /^(fatal|error):/.test(l)) ??
    lines.find((l) => !/^(Please make sure|and the repository exists)/i.test(l));
  return reason?.replace(/^(fatal|error):\s*/, '') || fallback;
}

export class SourceCache {
  constructor(
    private readonly runner: Runner,
    readonly gitDir: string,
  ) {}

  private git(args: string[], purpose: string, allowFailure = false) {
    return this.runner.run('git', ['--git-dir', this.gitDir, ...args], {
      purpose,
      allowFailure,
      env: { ...REMOTE_ENV, GIT_CONFIG_NOSYSTEM: '1' },
    });
  }

  async init(): Promise<void> {
    if (existsSync(path.join(this.gitDir, 'HEAD'))) return;
    await mkdir(this.gitDir, { recursive: true });
    await this.git(['init', '--bare', '--quiet'], 'create the source cache');
  }

  /** The commit a tag points to in the cache, if the cache has the tag. */
  async cachedCommit(tag: string): Promise<string | undefined> {
    if (!existsSync(path.join(this.gitDir, 'HEAD'))) return undefined;
    const r = await this.git(
      ['rev-parse', '--verify', '--quiet', `refs/tags/${tag}^{commit}`],
      'look up a cached tag',
      true,
    );
    return r.exitCode === 0 ? r.stdout.trim() : undefined;
  }

  /** Asks the remote which commit a tag points to, without fetching anything. */
  async remoteCommit(remote: string, tag: string): Promise<string | undefined> {
    refuseOptionLike(remote);
    const r = await this.runner.run(
      'git',
      ['ls-remote', '--tags', '--', remote, `refs/tags/${tag}`, `refs/tags/${tag}^{}`],
      { purpose: `ask ${remote} for tag ${tag}`, env: REMOTE_ENV, allowFailure: true },
    );
    if (r.exitCode !== 0)
      throw new InputError(
        `cannot read tags from ${remote}: ${gitReason(r.stderr, 'git ls-remote failed')}; check --remote and the network`,
      );
    const refs = new Map(
      r.stdout
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => {
          const [sha, ref] = l.split('\t');
          return [ref ?? '', sha ?? ''];
        }),
    );
    return refs.get(`refs/tags/${tag}^{}`) ?? refs.get(`refs/tags/${tag}`);
  }

  /** Fails with git's reason when the remote cannot be read (a dry run proves it is reachable, changing nothing). */
  async checkReachable(remote: string): Promise<void> {
    refuseOptionLike(remote);
    const r = await this.runner.run(
      'git',
      ['ls-remote', '--heads', '--', remote, 'refs/heads/nokmem-reachability-probe'],
      { purpose: `check that ${remote} is reachable`, env: REMOTE_ENV, allowFailure: true },
    );
    if (r.exitCode !== 0)
      throw new InputError(
        `cannot read ${remote}: ${gitReason(r.stderr, 'git ls-remote failed')}; check --remote and the network`,
      );
  }

  /** Fetches one tag, shallow, and returns the commit it points to. */
  async fetchTag(remote: string, tag: string): Promise<string> {
    refuseOptionLike(remote);
    await this.init();
    const r = await this.git(
      ['fetch', '--quiet', '--depth', '1', '--no-tags', '--', remote, `+refs/tags/${tag}:refs/tags/${tag}`],
      `fetch ${tag} from ${remote}`,
      true,
    );
    if (r.exitCode !== 0) {
      const why = gitReason(r.stderr, 'git fetch failed');
      if (/couldn't find remote ref|not our ref|no such ref/i.test(r.stderr)) {
        throw new InputError(
          `tag ${tag} is not on ${remote}; check the version, or point --remote at a mirror that has it`,
        );
      }
      throw new InputError(`cannot fetch ${tag} from ${remote}: ${why}; check --remote and the network`);
    }
    const commit = await this.cachedCommit(tag);
    if (!commit) throw new InputError(`tag ${tag} from ${remote} does not point to a commit`);
    return commit;
  }

  /** Committer time of a commit in the cache, in seconds since the epoch. */
  async commitTime(commit: string): Promise<number> {
    const r = await this.git(['log', '-1', '--format=%ct', commit], 'read the commit time');
    return Number(r.stdout.trim());
  }

  async hasCommit(commit: string): Promise<boolean> {
    if (!existsSync(path.join(this.gitDir, 'HEAD'))) return false;
    const r = await this.git(['cat-file', '-e', `${commit}^{commit}`], 'look up a cached commit', true);
    return r.exitCode === 0;
  }

  /** Fetches one commit (a fork has no upstream tag), shallow. */
  async fetchCommit(remote: string, commit: string): Promise<void> {
    refuseOptionLike(remote);
    await this.init();
    const r = await this.git(
      ['fetch', '--quiet', '--depth', '1', '--no-tags', '--', remote, commit],
      `fetch ${commit} from ${remote}`,
      true,
    );
    if (r.exitCode !== 0 || !(await this.hasCommit(commit))) {
      throw new InputError(
        `commit ${commit} cannot be fetched from ${remote} (${gitReason(r.stderr, 'not found')}); check the fork's repository and commit in specs/forks.yaml`,
      );
    }
  }

  /** Writes the tree of `commit` into `dir` (which must not exist), with no .git. */
  async exportTree(commit: string, dir: string): Promise<void> {
    const scratch = await mkdtemp(path.join(path.dirname(dir), '.index-'));
    try {
      const env = { GIT_INDEX_FILE: path.join(scratch, 'index') };
      await this.runner.run('git', ['--git-dir', this.gitDir, 'read-tree', commit], {
        env,
        purpose: 'read the source tree',
      });
      await mkdir(dir, { recursive: true });
      // one worker per core (git's parallel checkout): a kubernetes tree is ~25,000 files, written in 1.15 s instead
      // of 1.6 s on two cores (measured on tmpfs; on this project's test machine's disk the noise is larger than that)
      await this.runner.run(
        'git',
        [
          '-c',
          'checkout.workers=0',
          '--git-dir',
          this.gitDir,
          '--work-tree',
          dir,
          'checkout-index',
          '--all',
          '--force',
        ],
        {
          env,
          purpose: 'write the source tree',
        },
      );
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  }
}
