// Which runc the node's container engines are configured to run, read from their configuration and the running
// dockerd's arguments (never by asking the daemons): dockerd's --add-runtime/--default-runtime (CentOS docker
// 1.13's unit passes them, and so does nokmem's drop-in), /etc/docker/daemon.json's runtimes and default-runtime
// (docker-ce), and containerd's CRI BinaryName. After runc-nokmem is wired in, the engine's old runc stays on
// disk: it is no longer in use, and it must not keep the node at "install".

import path from 'node:path';
import { processArgs, readUnder } from './files.js';

export interface EngineRuntime {
  /** The runc binary's path on the host. */
  path: string;
  /** Where that was read, for people. */
  by: string;
}

/** The value of --flag VALUE or --flag=VALUE, every occurrence. */
function flagValues(args: readonly string[], flag: string): string[] {
  const values: string[] = [];
  args.forEach((a, i) => {
    if (a === flag && args[i + 1] !== undefined) values.push(args[i + 1]!);
    else if (a.startsWith(`${flag}=`)) values.push(a.slice(flag.length + 1));
  });
  return values;
}

/** The default runtime of a dockerd started with these arguments and this daemon.json, when they name one. */
export function dockerDefaultRuntime(
  args: readonly string[],
  daemonJson: string | undefined,
): EngineRuntime | undefined {
  let config: { runtimes?: Record<string, { path?: string }>; 'default-runtime'?: string } = {};
  try {
    // `null` is valid JSON too: a daemon.json that says nothing, not a bug in the doctor
    if (daemonJson) config = (JSON.parse(daemonJson) as typeof config | null) ?? {};
  } catch {
    config = {};
  }
  const runtimes = new Map<string, { path: string; by: string }>();
  for (const [name, r] of Object.entries(config.runtimes ?? {}))
    if (r?.path) runtimes.set(name, { path: r.path, by: '/etc/docker/daemon.json' });
  for (const value of flagValues(args, '--add-runtime')) {
    // name=path: the path is everything after the first '=' (a path may hold one).
    const at = value.indexOf('=');
    const [name, p] = at < 0 ? [value, ''] : [value.slice(0, at), value.slice(at + 1)];
    if (name && p) runtimes.set(name, { path: p, by: 'dockerd --add-runtime' });
  }
  const name = flagValues(args, '--default-runtime').pop() ?? config['default-runtime'];
  const chosen = name ? runtimes.get(name) : undefined;
  if (!chosen) return undefined;
  return { path: chosen.path, by: `${chosen.by} (default runtime "${name}")` };
}

/** The runc binaries the engines of this host are configured to use; empty when nothing says. */
export async function engineRuntimes(root: string, processes: readonly string[]): Promise<EngineRuntime[]> {
  const found: EngineRuntime[] = [];
  const daemonJson = await readUnder(root, 'etc/docker/daemon.json');
  let dockerd: string[] | undefined;
  for (const pid of processes) {
    const args = await processArgs(root, pid);
    if (args && ['dockerd', 'dockerd-current'].includes(path.basename(args[0] ?? ''))) {
      dockerd = args;
      break;
    }
  }
  const docker = dockerDefaultRuntime(dockerd ?? [], daemonJson);
  if (docker) found.push(docker);
  const containerd = (await readUnder(root, 'etc/containerd/config.toml')) ?? '';
  const binaryName = /BinaryName\s*=\s*"([^"]+)"/.exec(containerd)?.[1];
  if (binaryName?.startsWith('/')) found.push({ path: binaryName, by: '/etc/containerd/config.toml BinaryName' });
  return found;
}
