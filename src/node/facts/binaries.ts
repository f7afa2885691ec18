// The kubelet and runc binaries of a node, read as files and never run: a checker that runs what it inspects runs,
// as root, whatever a local user named "kubelet" (issue 18). What a binary is comes from the file itself, as
// `nokmem verify` reads it (src/verify/identify.ts): the Go build info's main package and -ldflags version, or
// the function table's source files. Who owns it and who may write it is recorded: a binary that someone other
// than root could have replaced says nothing trustworthy about the node.

import { readFile, readlink, stat } from 'node:fs/promises';
import path from 'node:path';
import { identifyFile } from '../../verify/identify.js';
import { KMEM_FILE, NOKMEM_MARKER } from '../../verify/static-proof.js';
import { processArgs, readUnder, resolveUnder } from './files.js';

export type BinaryRole =
  'kubelet' | 'runc' | 'docker-runc' | 'containerd runc' | 'runc-nokmem' | 'nvidia-container-runtime';

export interface BinaryFacts {
  role: BinaryRole;
  /** The path on the host. */
  path: string;
  foundBy: string;
  /** The binary can write memory.kmem.limit_in_bytes (the string is in it). */
  kmemCode: boolean;
  marker: boolean;
  /** What the file says it is, as `--version` would print it ("runc version 1.0.0-rc5; commit: ..."); never run. */
  version?: string;
  /** How the version was read from the file, or why it could not be. */
  identifiedBy?: string;
  owner?: { uid: number; mode: number };
  /** Owned by root and writable by nobody else: only then do its contents say anything about the node. */
  trusted?: boolean;
  /** The container engine is configured to use it (true), to use another runtime (false), or nothing says. */
  inUse?: boolean;
}

/** Whether a file with this owner and mode could have been replaced by someone other than root. */
export function ownership(owner: { uid: number; mode: number }): { trusted: boolean; why?: string } {
  const problems: string[] = [];
  if (owner.uid !== 0) problems.push(`owned by uid ${owner.uid}, not root`);
  if (owner.mode & 0o022)
    problems.push(
      `writable by ${owner.mode & 0o002 ? 'others' : 'its group'} (mode ${(owner.mode & 0o7777).toString(8)})`,
    );
  return problems.length ? { trusted: false, why: problems.join(', ') } : { trusted: true };
}

function versionText(file: ReturnType<typeof identifyFile>): string | undefined {
  if (!file?.version) return undefined;
  return file.component === 'kubelet'
    ? `Kubernetes ${file.version.startsWith('v') ? file.version : `v${file.version}`}`
    : `runc version ${file.version.replace(/^v/, '')}${file.commit ? `; commit: ${file.commit}` : ''}`;
}

/** What the file at a host path is; undefined when there is no regular file there. */
export async function binaryFacts(
  root: string,
  hostPath: string,
  role: BinaryRole,
  foundBy: string,
): Promise<BinaryFacts | undefined> {
  const file = await resolveUnder(root, hostPath);
  const info = file ? await stat(file).catch(() => undefined) : undefined;
  if (!file || !info?.isFile()) return undefined;
  const bytes = await readFile(file).catch(() => Buffer.alloc(0));
  const identity = identifyFile(bytes);
  const version = versionText(identity);
  const owner = { uid: info.uid, mode: info.mode };
  return {
    role,
    path: hostPath,
    foundBy,
    kmemCode: bytes.includes(KMEM_FILE),
    marker: bytes.includes(NOKMEM_MARKER),
    version,
    identifiedBy: version
      ? `${identity!.evidence} and its -ldflags set the version`
      : identity
        ? `${identity.evidence}; the file does not record its version`
        : 'the file records neither its component nor its version',
    owner,
    trusted: ownership(owner).trusted,
  };
}

/** kubelet: the running process first, then its systemd unit, then the usual paths. */
export async function findKubelet(root: string, processes: string[]): Promise<BinaryFacts | undefined> {
  for (const pid of processes) {
    const argv0 = (await processArgs(root, pid))?.[0] ?? '';
    if (path.basename(argv0) !== 'kubelet') continue;
    // proc/<pid>/exe is readable only with ptrace rights over the process; argv[0] is what started it.
    const target = await readlink(path.join(root, `proc/${pid}/exe`)).catch(() =>
      argv0.startsWith('/') ? argv0 : undefined,
    );
    if (!target) continue;
    const found = await binaryFacts(root, target.replace(/ \(deleted\)$/, ''), 'kubelet', `running process ${pid}`);
    if (found) return found;
  }
  for (const unit of [
    'etc/systemd/system/kubelet.service',
    'usr/lib/systemd/system/kubelet.service',
    'lib/systemd/system/kubelet.service',
  ]) {
    const exec = /^ExecStart=(\S+)/m.exec((await readUnder(root, unit)) ?? '')?.[1];
    if (exec) {
      const found = await binaryFacts(root, exec, 'kubelet', `/${unit}`);
      if (found) return found;
    }
  }
  for (const p of ['/usr/bin/kubelet', '/usr/local/bin/kubelet']) {
    const found = await binaryFacts(root, p, 'kubelet', 'PATH');
    if (found) return found;
  }
  return undefined;
}

/** The runc binaries of the node's container engines, and NVIDIA's runtime before v3 (a runc fork). */
export async function findRuntimes(root: string, configured: readonly string[]): Promise<BinaryFacts[]> {
  const found: BinaryFacts[] = [];
  const add = async (p: string, role: BinaryRole, by: string) => {
    const facts = await binaryFacts(root, p, role, by);
    if (facts && !found.some((f) => f.path === facts.path)) found.push(facts);
  };
  for (const p of ['/usr/bin/runc', '/usr/sbin/runc', '/usr/local/bin/runc', '/usr/local/sbin/runc'])
    await add(p, 'runc', 'PATH');
  for (const p of ['/usr/libexec/docker/docker-runc-current', '/usr/bin/docker-runc'])
    await add(p, 'docker-runc', 'docker');
  await add('/usr/libexec/runc-nokmem/runc', 'runc-nokmem', 'runc-nokmem package');
  // From v3, NVIDIA's runtime is a shim without kmem code, which this reads as such.
  await add('/usr/bin/nvidia-container-runtime', 'nvidia-container-runtime', 'NVIDIA container runtime');
  for (const p of configured)
    await add(p, p.includes('runc-nokmem') ? 'runc-nokmem' : 'runc', 'the engine configuration');
  return found;
}
