// The DaemonSet's pod spec (deploy/base/daemonset.yaml), read as Kubernetes would and translated into the `docker run`
// options that give its container the same settings: user, capabilities, no privilege escalation, read-only root
// file system, the default seccomp profile (the pod annotation, or the field from 1.19), and each hostPath volume
// mounted where the spec says, read-only where it says. A DirectoryOrCreate path this host lacks becomes an empty directory, as the kubelet would make it.

import { existsSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { ROOT } from './cli.ts';

interface Container {
  name: string;
  image: string;
  args: string[];
  env?: { name: string; value?: string }[];
  securityContext: {
    runAsUser?: number;
    runAsGroup?: number;
    allowPrivilegeEscalation?: boolean;
    readOnlyRootFilesystem?: boolean;
    capabilities?: { drop?: string[]; add?: string[] };
    seccompProfile?: { type: string };
  };
  volumeMounts: { name: string; mountPath: string; readOnly?: boolean }[];
}

export interface PodSpec {
  securityContext?: { seccompProfile?: { type: string } };
  hostPID?: boolean;
  hostNetwork?: boolean;
  containers: Container[];
  volumes: { name: string; hostPath?: { path: string; type?: string } }[];
}

export interface PodTemplate {
  metadata: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: PodSpec;
}

export const SECCOMP_POD_ANNOTATION = 'seccomp.security.alpha.kubernetes.io/pod';

export async function daemonSetPodTemplate(file = path.join(ROOT, 'deploy/base/daemonset.yaml')): Promise<PodTemplate> {
  const doc = YAML.parse(await readFile(file, 'utf8')) as { spec: { template: PodTemplate } };
  return doc.spec.template;
}

export async function daemonSetPodSpec(file?: string): Promise<PodSpec> {
  return (await daemonSetPodTemplate(file)).spec;
}

/** docker run options for the pod's first container, host paths under `hostRoot` (/ for this host). */
export async function dockerRunOptions(template: PodTemplate, hostRoot = '/'): Promise<string[]> {
  const spec = template.spec;
  const c = spec.containers[0]!;
  const sc = c.securityContext;
  const options = ['--network', 'none'];
  if (spec.hostPID) options.push('--pid=host');
  if (sc.runAsUser !== undefined) options.push('--user', `${sc.runAsUser}:${sc.runAsGroup ?? 0}`);
  for (const cap of sc.capabilities?.drop ?? []) options.push('--cap-drop', cap);
  for (const cap of sc.capabilities?.add ?? []) options.push('--cap-add', cap);
  if (sc.allowPrivilegeEscalation === false) options.push('--security-opt', 'no-new-privileges');
  if (sc.readOnlyRootFilesystem) options.push('--read-only');
  // the runtime's default profile is docker run's own default: no option; anything else is not translated here
  const seccomp = [
    sc.seccompProfile?.type,
    spec.securityContext?.seccompProfile?.type,
    template.metadata.annotations?.[SECCOMP_POD_ANNOTATION],
  ].filter((p) => p !== undefined);
  if (seccomp.length === 0) throw new Error('the pod names no seccomp profile: it would run unconfined');
  for (const profile of seccomp)
    if (!['RuntimeDefault', 'runtime/default'].includes(profile))
      throw new Error(`seccomp profile ${profile} has no docker run translation here`);
  for (const m of c.volumeMounts) {
    const volume = spec.volumes.find((v) => v.name === m.name);
    if (!volume?.hostPath) throw new Error(`volume ${m.name} is not a hostPath`);
    let source = path.join(hostRoot, volume.hostPath.path);
    if (!existsSync(source)) {
      if (volume.hostPath.type !== 'DirectoryOrCreate') throw new Error(`${source} does not exist`);
      source = await mkdtemp(path.join(os.tmpdir(), 'pod-spec-empty-'));
    }
    options.push('--mount', `type=bind,source=${source},target=${m.mountPath}${m.readOnly ? ',readonly' : ''}`);
  }
  for (const e of c.env ?? []) if (e.value !== undefined) options.push('--env', `${e.name}=${e.value}`);
  return options;
}
