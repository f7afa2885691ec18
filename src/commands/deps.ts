// What every command is given rather than makes: the environment and output (CliEnv), the runner of external
// programs, the Docker engine, the clock, its logger, and the two remote APIs (Kubernetes, GitHub). realDeps()
// makes the real ones, loading their modules only when a command runs and the API clients only when a command
// asks for one (--help loads none of them); a unit test passes fakes (test/helpers/command-deps.ts).

import type { Octokit } from '@octokit/rest';
import type { DockerEngine } from '../docker.js';
import type { Logger } from '../log.js';
import type { NodeClient } from '../node/agent/node-writer.js';
import type { FleetRead } from '../node/cluster.js';
import type { KubeconfigSource } from '../node/kubeconfig.js';
import type { Runner } from '../runner.js';
import type { CliEnv } from './environment.js';

export interface Clock {
  now(): Date;
}

/** The Kubernetes API, through a kubeconfig (or the pod's service account). */
export interface KubeAccess {
  /** nokmem fleet: every Node of the kubeconfig's cluster, paged; a failure a user can fix is a ClusterAccessError. */
  readFleet(source: KubeconfigSource, options: { pageSize: number; timeoutMs: number }): Promise<FleetRead>;
  /** nokmem agent: its own Node, through the kubeconfig file, else in-cluster (the library's default order). */
  nodeClient(kubeconfig?: string): Promise<NodeClient>;
}

/** The GitHub API (nokmem release): a client for a token and an API base URL (GitHub Enterprise). */
export type GitHubAccess = (token: string, apiUrl?: string) => Promise<Octokit>;

export interface CommandDeps {
  /** Environment variables, stdout (results), stderr (messages), and the status a command ends with. */
  readonly env: CliEnv;
  readonly runner: Runner;
  readonly docker: DockerEngine;
  readonly clock: Clock;
  /** The logger for people (stderr); verbose shows the output of what runs. */
  logger(options?: { verbose?: boolean }): Logger;
  readonly kube: KubeAccess;
  readonly github: GitHubAccess;
}

/** The real Kubernetes API: @kubernetes/client-node takes a second to load, so only a command that asks pays for it. */
export const realKube: KubeAccess = {
  async readFleet(source, options) {
    return (await import('../node/cluster.js')).readFleet(source, options);
  },
  async nodeClient(kubeconfig) {
    const { kubeConfig, kubeNodeClient } = await import('../node/agent/kube-client.js');
    return kubeNodeClient(kubeConfig(kubeconfig));
  },
};

/** The real GitHub API (@octokit/rest, loaded when asked for). */
export const realGitHub: GitHubAccess = async (token, apiUrl) =>
  (await import('../publish/github.js')).octokitFor(token, apiUrl);

/** The real dependencies: the process's runner, the Docker engine through it (and its local API socket), the system clock, stderr. */
export async function realDeps(env: CliEnv): Promise<CommandDeps> {
  const [{ realRunner }, { Docker }, { EngineApi, localEngineSocket }, { consoleLogger }] = await Promise.all([
    import('../runner.js'),
    import('../docker.js'),
    import('../docker-api.js'),
    import('../log.js'),
  ]);
  const socket = localEngineSocket(env.vars);
  return {
    env,
    runner: realRunner,
    docker: new Docker(realRunner, false, socket ? new EngineApi(socket) : undefined),
    clock: { now: () => new Date() },
    logger: (options) => consoleLogger(options),
    kube: realKube,
    github: realGitHub,
  };
}
