// `nokmem publish --image-registry`: push the doctor's image (made offline by `nokmem node-image`) to a registry
// the user names, as <registry>/nokmem-doctor:<version>, and hand back the digest it was stored under, so the
// DaemonSet can pin it. Checked first (the image, the registry, plain HTTP only when the user said so), pushed
// last. Credentials come from docker's own configuration (docker login) or, from the environment, through a
// throwaway docker configuration that is removed afterwards; the password goes to docker on stdin, never argv.
// The registry tag nokmem adds to the local image for the push is removed again.

import { REGISTRY_PASSWORD_VAR, REGISTRY_USERNAME_VAR } from './registry-vars.js';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { InputError, MissingPrerequisite } from '../errors.js';
import type { Logger } from '../log.js';
import { nodeImageRevisionOf } from '../node-image.js';
import { redact, registerSecret } from '../redact.js';
import { type Runner, commandFailed } from '../runner.js';
import { type ImageTarget, dockerAllowsPlainHttp, imageTarget, probeRegistry } from './registry.js';

export interface RegistryCredentials {
  username: string;
  password: string;
}

export interface ImagePushRequest {
  /** host[:port][/path], as the user gave it. */
  registry: string;
  /** The user said the registry speaks plain HTTP. */
  plainHttp: boolean;
  /** From the environment; without them docker's own configuration is used. */
  credentials?: RegistryCredentials;
  /** The local image (the doctor's). */
  image: string;
  tag: string;
}

/** What was checked before the push: the target, and the local image by its revision label. */
export interface ImagePushPlan {
  request: ImagePushRequest;
  target: ImageTarget;
  revision: string;
}

export interface PushedImage {
  /** The local image that was pushed. */
  image: string;
  /** registry/nokmem-doctor:version */
  reference: string;
  /** sha256:… of the manifest the registry stored. */
  digest: string;
  /** registry/nokmem-doctor@sha256:…, what a DaemonSet should name. */
  pullByDigest: string;
  /** What the image was made from (its io.nokmem.node-image label). */
  revision: string;
}

export { REGISTRY_PASSWORD_VAR, REGISTRY_USERNAME_VAR };

/** Credentials from the environment: both variables or neither. */
export function registryCredentialsFromEnv(
  vars: Readonly<Record<string, string | undefined>>,
): RegistryCredentials | undefined {
  const username = vars[REGISTRY_USERNAME_VAR] || undefined;
  const password = vars[REGISTRY_PASSWORD_VAR] || undefined;
  registerSecret(password);
  if (!username && !password) return undefined;
  if (!username || !password)
    throw new InputError(
      `${username ? REGISTRY_USERNAME_VAR : REGISTRY_PASSWORD_VAR} is set but ${username ? REGISTRY_PASSWORD_VAR : REGISTRY_USERNAME_VAR} is not; set both, or neither to use docker's own login (docker login <registry>)`,
    );
  return { username, password };
}

/** Everything that can fail before the push, in the first seconds: the name, the image, the registry. */
export async function planImagePush(request: ImagePushRequest, runner: Runner): Promise<ImagePushPlan> {
  const target = imageTarget(request.registry, request.tag);
  const revision = await nodeImageRevisionOf(runner, request.image);
  if (!revision)
    throw new MissingPrerequisite(
      `the doctor's image ${request.image} is not in the Docker engine; make it with nokmem node-image (or docker load -i nokmem-doctor.tar from the release), then run again`,
      'nokmem node-image',
    );
  await probeRegistry(target.host, request.plainHttp);
  if (request.plainHttp && !(await dockerAllowsPlainHttp(runner, target.host)))
    throw new InputError(
      `dockerd does not allow plain HTTP to registry ${target.host}; add "${target.host}" to insecure-registries in /etc/docker/daemon.json and restart dockerd, or serve the registry over HTTPS`,
    );
  return { request, target, revision };
}

const DIGEST = /: digest: (sha256:[0-9a-f]{64}) size: \d+/;
const UNAUTHORIZED = /no basic auth credentials|unauthorized|authentication required/i;

async function tagExists(runner: Runner, reference: string): Promise<boolean> {
  return (await runner.run('docker', ['image', 'inspect', reference], { allowFailure: true })).exitCode === 0;
}

function lastLine(text: string): string {
  return text.trim().split('\n').pop()?.trim() ?? '';
}

export async function pushImage(plan: ImagePushPlan, deps: { runner: Runner; log: Logger }): Promise<PushedImage> {
  const { request, target } = plan;
  const { runner, log } = deps;
  const config = request.credentials ? await mkdtemp(path.join(os.tmpdir(), 'nokmem-docker-config-')) : undefined;
  const docker = (args: string[]) => (config ? ['--config', config, ...args] : args);
  const hadTag = await tagExists(runner, target.reference);
  try {
    if (request.credentials) {
      const login = await runner.run(
        'docker',
        docker(['login', '--username', request.credentials.username, '--password-stdin', target.host]),
        { input: request.credentials.password, allowFailure: true },
      );
      if (login.exitCode !== 0)
        throw new InputError(
          `registry ${target.host} refused the login of ${REGISTRY_USERNAME_VAR}=${request.credentials.username} (${redact(lastLine(login.stderr))}); check ${REGISTRY_USERNAME_VAR} and ${REGISTRY_PASSWORD_VAR}`,
        );
    }
    await runner.run('docker', ['tag', request.image, target.reference], {
      purpose: `tag ${request.image} as ${target.reference}`,
    });
    log.info(`  pushing ${request.image} to ${target.reference}`);
    const push = await runner.run('docker', docker(['push', target.reference]), {
      allowFailure: true,
      onOutput: log.detail,
    });
    if (push.exitCode !== 0) {
      const why = lastLine(push.stderr) || lastLine(push.stdout);
      if (UNAUTHORIZED.test(push.stderr))
        throw new InputError(
          `registry ${target.host} refused the push of ${target.reference} (${why}); run docker login ${target.host}, or set ${REGISTRY_USERNAME_VAR} and ${REGISTRY_PASSWORD_VAR}`,
        );
      if (/denied/i.test(push.stderr))
        throw new InputError(
          `registry ${target.host} denied the push of ${target.reference} (${why}); check that the account may push to ${target.repository}`,
        );
      throw commandFailed(`docker push ${target.reference}`, push.exitCode, why, `push ${target.reference}`);
    }
    const digest = DIGEST.exec(push.stdout)?.[1];
    if (!digest) throw new Error(`docker push ${target.reference} printed no digest:\n${push.stdout}`);
    return {
      image: request.image,
      reference: target.reference,
      digest,
      pullByDigest: `${target.name}@${digest}`,
      revision: plan.revision,
    };
  } finally {
    // Only the tag goes: the image stays under its own name.
    if (!hadTag) await runner.run('docker', ['image', 'rm', target.reference], { allowFailure: true });
    if (config) await rm(config, { recursive: true, force: true });
  }
}
