// nokmem verify: packages (signature, EL7, the proofs on the binary inside) or a bare binary (--runc/--kubelet
// say which release it is). The checks are printed as a table.

import { existsSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { OFFLINE_IMAGE } from '../builder-image.js';
import { Docker } from '../docker.js';
import { InputError, UsageError, VerificationFailed } from '../errors.js';
import { realRunner } from '../runner.js';
import { DEFAULT_SPECS_DIR, eraFor, fsPackageFor, loadVersionTable } from '../specs.js';
import { describeFailures, verifyBinary } from '../verify/index.js';
import { verifyPackages } from '../verify/packages.js';
import { parseVersion } from '../version.js';
import { type CliEnv, checkTable, nameWidth, packagerImage, selectComponent, toolImage, writeJson } from './shared.js';

interface VerifyOptions {
  key?: string;
  kubelet?: string;
  runc?: string;
  commit?: string;
  image?: string;
  specs: string;
  functional: boolean;
  json?: boolean;
}

export function register(program: Command, env: CliEnv): void {
  program
    .command('verify')
    .description('verify an RPM, a directory of RPMs (with SHA256SUMS), or a bare binary: signature, EL7, nokmem proof')
    .argument('<target>', 'an RPM, a directory of RPMs, or a runc/kubelet binary')
    .option('--key <file>', 'the public key the packages must be signed with (RPM-GPG-KEY-nokmem); required for RPMs')
    .option('--kubelet <version>', 'for a bare binary: it is this kubelet release')
    .option('--runc <version>', 'for a bare binary: it is this runc release')
    .option('--commit <sha>', 'for a bare runc binary: the commit runc --version must show')
    .option(
      '--image <image>',
      `image with rpm, gpg and a Go toolchain (default ${OFFLINE_IMAGE}; env NOKMEM_PACKAGER_IMAGE for packages, NOKMEM_BUILDER_IMAGE for a binary)`,
    )
    .option('--specs <dir>', 'directory with versions.yaml', DEFAULT_SPECS_DIR)
    .option('--no-functional', 'skip the functional strace proof of runc')
    .option('--json', 'print the verdict as JSON on stdout')
    .action(async (target: string, options: VerifyOptions) => {
      const file = path.resolve(target);
      if (!existsSync(file))
        throw new InputError(`${target} does not exist; give an RPM, a directory of RPMs, or a binary`);
      const packaged = statSync(file).isDirectory() || file.endsWith('.rpm');
      if (packaged) await verifyPackaged(env, target, file, options);
      else await verifyBare(env, target, file, options);
    });
}

async function verifyPackaged(env: CliEnv, target: string, file: string, options: VerifyOptions): Promise<void> {
  if (!options.key)
    throw new UsageError(
      `verifying ${target} needs the project's public key: pass --key RPM-GPG-KEY-nokmem (a key shipped next to the packages proves nothing)`,
    );
  const table = await loadVersionTable(path.resolve(options.specs));
  const docker = new Docker(realRunner);
  await docker.ping();
  const report = await verifyPackages(file, path.resolve(options.key), {
    docker,
    runner: realRunner,
    image: packagerImage(env, options.image),
    scratchRoot: os.tmpdir(),
    functional: options.functional,
    table,
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
    throw new VerificationFailed(
      `${target} failed verification: ${failed.map((c) => `${c.where}: ${c.name}: ${c.detail}`).join('; ')}`,
      failed,
      true,
    );
  }
}

async function verifyBare(env: CliEnv, target: string, file: string, options: VerifyOptions): Promise<void> {
  const { component, version: input } = selectComponent(
    options,
    'nothing to build: give --kubelet VERSION (e.g. v1.12.4), --runc VERSION (e.g. v1.0.0-rc5) or --fork NAME',
  );
  const version = parseVersion(component, input);
  const table = await loadVersionTable(path.resolve(options.specs));
  const docker = new Docker(realRunner);
  await docker.ping();
  const spec = table[component];
  const era = eraFor(spec, version);
  const verdict = await verifyBinary(
    {
      binary: file,
      component,
      tag: version.tag,
      commit: options.commit,
      expect: { fsPackage: fsPackageFor(spec, era), marker: era?.marker ?? false },
    },
    {
      docker,
      runner: realRunner,
      toolImage: toolImage(env, options.image),
      sandboxImage: packagerImage(env),
      scratchRoot: os.tmpdir(),
      functional: options.functional,
    },
  );
  if (options.json) writeJson(env, { binary: file, component, version: version.tag, ...verdict });
  else env.out(checkTable(verdict.checks));
  if (!verdict.ok)
    throw new VerificationFailed(
      `${target} is not a verified nokmem ${component} ${version.tag}: ${describeFailures(verdict) || 'no check passed'}`,
      verdict.checks.filter((c) => c.status === 'fail'),
      true,
    );
}
