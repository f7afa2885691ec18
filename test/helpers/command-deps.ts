// The dependencies of a command (src/commands/deps.ts) as fakes: a runner that answers from a script and records
// every call, a Docker engine without an engine, a fixed clock, captured stdout, stderr and log lines, and remote
// APIs that refuse to be used unless a test gives them (FakeKube, or the real clients against a stand-in server).

import type { CommandDeps, GitHubAccess, KubeAccess } from '../../src/commands/deps.ts';
import type { NodeClient } from '../../src/node/agent/node-writer.ts';
import type { FleetRead } from '../../src/node/cluster.ts';
import type { KubeconfigSource } from '../../src/node/kubeconfig.ts';
import type { SelectionOptions } from '../../src/commands/selection.ts';
import type { Logger } from '../../src/log.ts';
import { DEFAULT_PATCHES_DIR, DEFAULT_SPECS_DIR } from '../../src/project.ts';
import { FakeDocker, type FakeRunner, type ScriptEntry, fakeRunner } from './fakes.ts';

export interface FakeCommandDeps {
  deps: CommandDeps;
  runner: FakeRunner;
  docker: FakeDocker;
  stdout(): string;
  stderr(): string;
  /** Every line logged, as "info: …", "warn: …", "detail: …". */
  logs: string[];
  /** The loggers the command asked for, with their options. */
  loggers: { verbose?: boolean }[];
}

/** The fixed time of the fake clock. */
export const NOW = new Date('2026-01-02T03:04:05.000Z');

export function fakeDeps(
  options: {
    vars?: Record<string, string>;
    script?: readonly ScriptEntry[];
    docker?: FakeDocker;
    /** The clock's answers, in turn (the last one repeats); default NOW. */
    times?: readonly Date[];
    /** The Kubernetes API (default: none; a command that asks for it fails the test). */
    kube?: KubeAccess;
    /** The GitHub API (default: none). */
    github?: GitHubAccess;
  } = {},
): FakeCommandDeps {
  const out: string[] = [];
  const err: string[] = [];
  const logs: string[] = [];
  const loggers: { verbose?: boolean }[] = [];
  const runner = fakeRunner(options.script ?? []);
  const docker = options.docker ?? new FakeDocker();
  const times = [...(options.times ?? [NOW])];
  const logger = (given: { verbose?: boolean } = {}): Logger => {
    loggers.push(given);
    return {
      info: (m) => void logs.push(`info: ${m}`),
      warn: (m) => void logs.push(`warn: ${m}`),
      detail: (m) => void logs.push(`detail: ${m}`),
    };
  };
  const deps: CommandDeps = {
    env: { vars: options.vars ?? {}, out: (t) => void out.push(t), err: (t) => void err.push(t) },
    runner,
    docker,
    clock: { now: () => (times.length > 1 ? times.shift()! : times[0]!) },
    logger,
    kube: options.kube ?? noKube,
    github: options.github ?? (() => Promise.reject(new Error('fakeDeps: no GitHub API in this test'))),
  };
  return { deps, runner, docker, stdout: () => out.join(''), stderr: () => err.join(''), logs, loggers };
}

const noKube: KubeAccess = {
  readFleet: () => Promise.reject(new Error('fakeDeps: no Kubernetes API in this test')),
  nodeClient: () => Promise.reject(new Error('fakeDeps: no Kubernetes API in this test')),
};

/** A cluster of the given Nodes, and what the command asked of it (no API server, no client library). */
export class FakeKube implements KubeAccess {
  readonly asked: { source: KubeconfigSource; options?: { pageSize: number; timeoutMs: number } }[] = [];
  constructor(
    private readonly fleet: Omit<FleetRead, 'nodes'> & { nodes: FleetRead['nodes'] } = {
      context: 'fake',
      server: 'https://fake.invalid:6443',
      nodes: [],
    },
    private readonly client?: NodeClient,
  ) {}
  async readFleet(source: KubeconfigSource, options: { pageSize: number; timeoutMs: number }): Promise<FleetRead> {
    this.asked.push({ source, options });
    return this.fleet;
  }
  async nodeClient(kubeconfig?: string): Promise<NodeClient> {
    this.asked.push({ source: { files: kubeconfig ? [kubeconfig] : [], origin: 'agent' } });
    if (!this.client) throw new Error('FakeKube: no Node client given');
    return this.client;
  }
}

/** build's and prepare's options as commander gives them with no flags, plus `more`. */
export const selection = (more: Partial<SelectionOptions> = {}): SelectionOptions => ({
  out: '/nonexistent/out',
  cacheDir: '/nonexistent/cache',
  specs: DEFAULT_SPECS_DIR,
  patches: DEFAULT_PATCHES_DIR,
  functional: true,
  ...more,
});
