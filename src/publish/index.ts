// `nokmem publish`: verify the packages, then add them to the yum repository (and mirror it to a remote
// target). Nothing unverified is ever published.

import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { DockerEngine } from '../docker.js';
import { InputError, VerificationFailed } from '../errors.js';
import { removeOnInterrupt } from '../interrupt.js';
import type { Logger } from '../log.js';
import type { Runner } from '../runner.js';
import { type SigningConfig, prepareSigningKey } from '../signing.js';
import { devKeyPlace } from '../dev-key.js';
import { sweepDeadWorkspaces } from '../workspace.js';
import type { VersionTable } from '../specs.js';
import { verifyRpm } from '../verify/packages.js';
import { type CrashPoint, type PublishResult, publishInput, publishToRepo, syncToRemote } from './yum.js';

export interface PublishRequest {
  inputs: string[];
  repo: string;
  baseUrl?: string;
  target?: string;
  keep: number;
  signing: SigningConfig;
  image: string;
  cacheDir: string;
  functional: boolean;
  crashAt?: CrashPoint;
  table: VersionTable;
}

async function collectRpms(inputs: string[]): Promise<string[]> {
  const rpms: string[] = [];
  for (const input of inputs) {
    if (!existsSync(input)) throw new InputError(`${input} does not exist; give RPM files or build output directories`);
    if ((await stat(input)).isDirectory())
      rpms.push(...(await readdir(input)).filter((f) => f.endsWith('.rpm')).map((f) => path.join(input, f)));
    else if (input.endsWith('.rpm')) rpms.push(input);
    else throw new InputError(`${input} is not an RPM or a directory; give RPM files or build output directories`);
  }
  if (rpms.length === 0) throw new InputError(`no .rpm files in ${inputs.join(', ')}; run nokmem build first`);
  return rpms;
}

export async function publish(
  request: PublishRequest,
  deps: { docker: DockerEngine; runner: Runner; log: Logger },
): Promise<PublishResult> {
  const rpms = await collectRpms(request.inputs);
  const workDir = path.join(request.cacheDir, 'work');
  await sweepDeadWorkspaces(request.cacheDir);
  await deps.docker.sweepDeadContainers();
  await mkdir(workDir, { recursive: true });
  // The signing container's scratch space (and the public key verify reads): this run's own, swept if it dies.
  const keyDir = await mkdtemp(path.join(workDir, `publish-${process.pid}-`));
  const forget = removeOnInterrupt(keyDir);
  // Everything that ends up in or signs the repository is made as the invoking user (see asInvokingUser).
  const publisher = deps.docker.asInvokingUser();
  const key = await prepareSigningKey(request.signing, {
    docker: publisher,
    log: deps.log,
    image: request.image,
    scratchRoot: keyDir,
    ...devKeyPlace(request.signing, request.cacheDir),
  }).catch(async (error: unknown) => {
    await rm(keyDir, { recursive: true, force: true });
    throw error;
  });
  try {
    const publicKey = path.join(keyDir, 'publish-key.asc');
    await writeFile(publicKey, key.publicKeyArmored);
    const tools = {
      docker: deps.docker,
      image: request.image,
      scratchRoot: workDir,
      functional: request.functional,
      expect: { table: request.table },
    };
    for (const rpm of rpms) {
      deps.log.info(`  verifying ${path.basename(rpm)}`);
      const verdict = await verifyRpm(rpm, publicKey, key.fingerprint, tools);
      if (!verdict.ok) {
        const failed = verdict.checks.filter((c) => c.status === 'fail');
        throw new VerificationFailed(
          `${path.basename(rpm)} failed verification (${failed.map((c) => `${c.name}: ${c.detail}`).join('; ')}); nothing was published`,
        );
      }
    }
    const repo = path.resolve(request.repo);
    const result = await publishToRepo({
      repo,
      packages: await Promise.all(rpms.map(publishInput)),
      key,
      keep: request.keep,
      baseUrl: request.baseUrl ?? `file://${repo}`,
      docker: publisher,
      image: request.image,
      log: deps.log,
      crashAt: request.crashAt,
    });
    if (request.target) await syncToRemote(repo, request.target, result.generation, deps.runner);
    return result;
  } finally {
    await key.dispose();
    await rm(keyDir, { recursive: true, force: true });
    forget();
  }
}
