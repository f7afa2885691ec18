// What the commands share: the environment (read here, in the commands layer, and nowhere else), the defaults
// it gives (images, cache directory, signing key), the dependencies of a run, and the printing of check lists
// and of the one short line a failed verification ends with.

import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { OFFLINE_IMAGE } from '../builder-image.js';
import type { Deps } from '../context.js';
import { Docker } from '../docker.js';
import { UsageError } from '../errors.js';
import { consoleLogger } from '../log.js';
import { realRunner } from '../runner.js';
import type { SigningConfig } from '../signing.js';
import type { Check } from '../verify/verdict.js';
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

/** A command module: registers its command, options and action on the program. */
export type Register = (program: Command, env: CliEnv) => void;

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
  };
}

export function defaultCacheDir(env: CliEnv): string {
  return env.vars.NOKMEM_CACHE_DIR ?? path.join(env.vars.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'nokmem');
}

export function deps(env: CliEnv, options: { verbose?: boolean }): Deps {
  return {
    runner: realRunner,
    docker: new Docker(realRunner),
    log: consoleLogger({ verbose: options.verbose }),
    logGroups: env.vars.GITHUB_ACTIONS === 'true',
  };
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

export function writeJson(env: CliEnv, value: unknown): void {
  env.out(`${JSON.stringify(value, null, 2)}\n`);
}

/**
 * A list of checks as a table, one line each: status, name, detail. The name column is as wide as the longest
 * name (at least 22), so a name and its detail are always two spaces apart or more.
 */
export function checkTable(checks: readonly Check[], indent = '', width = nameWidth(checks)): string {
  return checks.map((c) => `${indent}${c.status.toUpperCase().padEnd(8)}${c.name.padEnd(width)}${c.detail}\n`).join('');
}

/** The name column width for these checks (pass all the checks of one table, printed in parts). */
export function nameWidth(checks: readonly Check[]): number {
  return Math.max(22, ...checks.map((c) => c.name.length + 2));
}
