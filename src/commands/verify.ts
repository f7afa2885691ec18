// nokmem verify: packages (signature, EL7, the proofs on the binary inside) or a bare binary, which is identified
// from the file itself (src/verify/identify.ts); --runc/--kubelet only say what it must be. The checks are
// printed once, as a table; a failure ends with one short line (VerificationFailed, already reported), which
// names the file by its base name: the table above it has the rest. Its options: src/cli/verify.ts.

import { existsSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InputError, UsageError, VerificationFailed } from '../errors.js';
import { type ForkSpecs, loadForkSpecs, loadVersionTable } from '../specs.js';
import { type Claim, identifyBinary } from '../verify/identify.js';
import { verifyBinary } from '../verify/index.js';
import { verifyPackageDir } from '../verify/packages.js';
import { failureSummary } from '../verify/verdict.js';
import { parseVersion } from '../version.js';
import type { CommandDeps } from './deps.js';
import { packagerImage, selectComponent, toolImage } from './environment.js';
import { checkTable, nameWidth, writeJson } from './output.js';

export interface VerifyOptions {
  key?: string;
  kubelet?: string;
  runc?: string;
  commit?: string;
  image?: string;
  specs: string;
  forks?: string;
  functional: boolean;
  json?: boolean;
}

export type VerifyArgs = VerifyOptions & { target: string };

export async function run(args: VerifyArgs, deps: CommandDeps): Promise<void> {
  const { target } = args;
  const file = path.resolve(target);
  if (!existsSync(file))
    throw new InputError(`${target} does not exist; give an RPM, a directory of RPMs, or a binary`);
  const packaged = statSync(file).isDirectory() || file.endsWith('.rpm');
  if (packaged) await verifyPackaged(deps, target, file, args);
  else await verifyBare(deps, target, file, args);
}

async function verifyPackaged(deps: CommandDeps, target: string, file: string, options: VerifyOptions): Promise<void> {
  const { env, docker } = deps;
  if (!options.key)
    throw new UsageError(
      `verifying ${target} needs the project's public key: pass --key RPM-GPG-KEY-nokmem (a key shipped next to the packages proves nothing)`,
    );
  const table = await loadVersionTable(path.resolve(options.specs));
  await docker.ping();
  await docker.sweepDeadContainers();
  const report = await verifyPackageDir(file, path.resolve(options.key), {
    docker,
    image: packagerImage(env, options.image),
    scratchRoot: os.tmpdir(),
    functional: options.functional,
    expect: { table },
  });
  const all = [...report.packages.flatMap((p) => p.checks), ...report.sums];
  if (options.json) writeJson(env, report);
  else {
    const width = nameWidth(all);
    for (const pkg of report.packages) {
      env.out(`${path.basename(pkg.file)}: ${pkg.ok ? 'OK' : 'FAILED'}\n`);
      env.out(checkTable(pkg.checks, '  ', width));
    }
    env.out(checkTable(report.sums, '  ', width));
  }
  if (!report.ok) {
    const failed = [
      ...report.packages.flatMap((p) => p.checks.map((c) => ({ ...c, where: path.basename(p.file) }))),
      ...report.sums.map((c) => ({ ...c, where: 'SHA256SUMS' })),
    ].filter((c) => c.status === 'fail');
    throw new VerificationFailed(failureSummary(`${path.basename(file)} failed verification`, all), failed, true);
  }
}

/** The forks a bare runc is looked up in: --forks, or forks.yaml next to the version table when there is one. */
async function forksFor(options: VerifyOptions): Promise<ForkSpecs> {
  if (options.forks) return loadForkSpecs(path.resolve(options.forks));
  const beside = path.join(path.resolve(options.specs), 'forks.yaml');
  return existsSync(beside) ? loadForkSpecs(beside) : { forks: {}, notAffected: [] };
}

async function verifyBare(deps: CommandDeps, target: string, file: string, options: VerifyOptions): Promise<void> {
  const { env, docker } = deps;
  let claim: Claim | undefined;
  if (options.kubelet || options.runc) {
    const { component, version } = selectComponent(options);
    claim = { component, version: parseVersion(component, version) };
  }
  const specs = { table: await loadVersionTable(path.resolve(options.specs)), forks: await forksFor(options) };
  await docker.ping();
  await docker.sweepDeadContainers();
  const tools = {
    docker,
    toolImage: toolImage(env, options.image),
    sandboxImage: packagerImage(env),
    scratchRoot: os.tmpdir(),
    functional: options.functional,
  };
  const { identity, versionRun } = await identifyBinary(file, target, specs, tools, claim);
  const what = `${identity.component} ${identity.tag}`;
  const identified = {
    component: identity.component,
    version: identity.tag,
    commit: identity.commit,
    fork: identity.fork,
    by: identity.by,
  };
  if (!options.json)
    env.out(
      `identified: ${what}${identity.fork ? ` (fork ${identity.fork})` : ''}${identity.commit ? ` at commit ${identity.commit}` : ''}: ${identity.by}\n`,
    );
  const verdict = await verifyBinary(
    {
      binary: file,
      component: identity.component,
      tag: identity.tag,
      version: identity.version,
      commit: options.commit,
      expect: identity.expect,
      versionRun,
    },
    tools,
  );
  if (options.json)
    writeJson(env, { binary: file, component: identity.component, version: identity.tag, identified, ...verdict });
  else env.out(checkTable(verdict.checks));
  if (!verdict.ok)
    throw new VerificationFailed(
      failureSummary(`${path.basename(file)} is not a verified nokmem ${what}`, verdict.checks),
      verdict.checks.filter((c) => c.status === 'fail'),
      true,
    );
}
