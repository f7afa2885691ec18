// The environment the commands read (here, in the commands layer, and nowhere else) and the defaults it gives:
// images, cache and data directories, signing key, provenance ids, and which component the options name. Imports nothing
// heavy: the command definitions (src/cli/) use these defaults in --help.

import os from 'node:os';
import path from 'node:path';
import { UsageError } from '../errors.js';
import { OFFLINE_IMAGE } from '../meta.js';
import type { SigningConfig } from '../signing.js';
import type { Component } from '../version.js';

/** Where a command reads its environment and writes its results. */
export interface CliEnv {
  /** The process environment. */
  readonly vars: Readonly<Record<string, string | undefined>>;
  /** Results (stdout; --json output goes here and nothing else). */
  out(text: string): void;
  /** Messages for people (stderr). */
  err(text: string): void;
  /** The status a command ends with when it did not fail (doctor: 1 install, 2 reboot, 3 unknown). */
  exitCode?: number;
}

export function processEnv(): CliEnv {
  return {
    vars: process.env,
    out: (text) => void process.stdout.write(text),
    err: (text) => void process.stderr.write(text),
  };
}

/** The builder and the run named in the provenance statement: the release workflow in GitHub Actions, else local. */
export function provenanceIds(env: CliEnv): { builderId: string; invocationId?: string } {
  const { GITHUB_ACTIONS, GITHUB_SERVER_URL, GITHUB_REPOSITORY, GITHUB_RUN_ID } = env.vars;
  return {
    builderId: GITHUB_ACTIONS
      ? `${GITHUB_SERVER_URL}/${GITHUB_REPOSITORY}/.github/workflows/release.yml`
      : 'urn:nokmem:builder:local',
    invocationId: GITHUB_RUN_ID ? `${GITHUB_SERVER_URL}/${GITHUB_REPOSITORY}/actions/runs/${GITHUB_RUN_ID}` : undefined,
  };
}

/** The builder image asked for (--image, env NOKMEM_BUILDER_IMAGE); undefined lets the toolchain rule choose. */
export function builderImage(env: CliEnv, image?: string): string | undefined {
  return image ?? env.vars.NOKMEM_BUILDER_IMAGE;
}

/** An image with a Go toolchain to inspect a binary in: the builder image asked for, or nokmem's offline one. */
export function toolImage(env: CliEnv, image?: string): string {
  return builderImage(env, image) ?? OFFLINE_IMAGE;
}

/** The image with rpm, gpg, createrepo_c and strace (--image/--packager-image, env NOKMEM_PACKAGER_IMAGE). */
export function packagerImage(env: CliEnv, image?: string): string {
  return image ?? env.vars.NOKMEM_PACKAGER_IMAGE ?? OFFLINE_IMAGE;
}

/** The signing key, from the environment only: never a file in the repository or an argument. */
export function signingFromEnv(env: CliEnv): SigningConfig {
  return {
    armoredKey: env.vars.NOKMEM_SIGNING_KEY || undefined,
    keyFile: env.vars.NOKMEM_SIGNING_KEY_FILE || undefined,
    passphrase: env.vars.NOKMEM_SIGNING_PASSPHRASE || undefined,
    devKeyDir: path.join(defaultDataDir(env), 'dev-signing-key'),
  };
}

/**
 * What nokmem keeps that is not cache (the development signing key): NOKMEM_DATA_DIR, else XDG_DATA_HOME/nokmem,
 * else ~/.local/share/nokmem.
 */
export function defaultDataDir(env: CliEnv): string {
  return (
    env.vars.NOKMEM_DATA_DIR ??
    path.join(env.vars.XDG_DATA_HOME ?? path.join(os.homedir(), '.local', 'share'), 'nokmem')
  );
}

export function defaultCacheDir(env: CliEnv): string {
  return env.vars.NOKMEM_CACHE_DIR ?? path.join(env.vars.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'nokmem');
}

/** The component and version the options name: at most one of --kubelet, --runc and --fork. */
export function selectComponent(
  options: { kubelet?: string; runc?: string; fork?: string },
  missing = 'nothing to build: give --kubelet VERSION (e.g. v1.12.4), --runc VERSION (e.g. v1.0.0-rc5) or --fork NAME',
): { component: Component; version: string } {
  if ([options.kubelet, options.runc, options.fork].filter(Boolean).length > 1)
    throw new UsageError('give one of --kubelet VERSION, --runc VERSION or --fork NAME, not several');
  if (options.fork) return { component: 'runc', version: '' };
  if (options.kubelet) return { component: 'kubelet', version: options.kubelet };
  if (options.runc) return { component: 'runc', version: options.runc };
  throw new UsageError(missing);
}
