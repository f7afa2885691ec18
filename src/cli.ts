// The command line: parses arguments and the environment (the only place either is read), builds the
// request, runs the pipeline and prints the result. Errors a user can act on are one line and a non-zero exit.

import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { appendFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Command, CommanderError } from 'commander';
import {
  buildFromOfficial,
  buildOfflineImage,
  defaultBuilderImage,
  OFFLINE_IMAGE,
  offlineImageIsCurrent,
} from './builder-image.js';
import { goMinor, loadToolchains } from './toolchain.js';
import type { BuildRequest, Deps } from './context.js';
import { Docker } from './docker.js';
import { assess, formatReport } from './doctor/assess.js';
import { placer } from './doctor/place.js';
import { probeHost } from './doctor/probe.js';
import { publish } from './publish/index.js';
import type { CrashPoint } from './publish/yum.js';
import { InputError, UsageError, UserError, VerificationFailed, bugReport } from './errors.js';
import { installInterruptCleanup } from './interrupt.js';
import { consoleLogger } from './log.js';
import { NOKMEM_VERSION } from './meta.js';
import { build, describePlan, jobSummary, prepare } from './pipeline.js';
import { redact } from './redact.js';
import { realRunner, runSyncQuietly } from './runner.js';
import type { SigningConfig } from './signing.js';
import { SourceCache, normalizeRemote } from './source.js';
import { claimedMethod, forDocker, formatDockerAnswer, formatForkList } from './forks.js';
import { releaseMatrix } from './matrix.js';
import {
  DEFAULT_PATCHES_DIR,
  DEFAULT_SPECS_DIR,
  eraFor,
  loadForkSpecs,
  loadForks,
  loadPins,
  loadVersionTable,
  writePin,
} from './specs.js';
import { describeFailures, verifyBinary } from './verify/index.js';
import { verifyPackages } from './verify/packages.js';
import { type Component, parseVersion } from './version.js';

interface CommonOptions {
  kubelet?: string;
  runc?: string;
  fork?: string;
  forks?: string;
  remote?: string;
  image?: string;
  out: string;
  cacheDir: string;
  specs: string;
  patches: string;
  force?: boolean;
  writePin?: boolean;
  dryRun?: boolean;
  json?: boolean;
  verbose?: boolean;
  functional: boolean;
  package?: boolean;
  packagerImage?: string;
  release?: string;
  allowToolchainRisk?: boolean;
}

const env = process.env;

/** The signing key, from the environment only: never a file in the repository or an argument. */
function signingFromEnv(): SigningConfig {
  return {
    armoredKey: env.NOKMEM_SIGNING_KEY || undefined,
    keyFile: env.NOKMEM_SIGNING_KEY_FILE || undefined,
    passphrase: env.NOKMEM_SIGNING_PASSPHRASE || undefined,
  };
}
const defaultCacheDir =
  env.NOKMEM_CACHE_DIR ?? path.join(env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'nokmem');

function selectComponent(options: { kubelet?: string; runc?: string; fork?: string }): {
  component: Component;
  version: string;
} {
  if ([options.kubelet, options.runc, options.fork].filter(Boolean).length > 1)
    throw new UsageError('give one of --kubelet VERSION, --runc VERSION or --fork NAME, not several');
  if (options.fork) return { component: 'runc', version: '' };
  if (options.kubelet) return { component: 'kubelet', version: options.kubelet };
  if (options.runc) return { component: 'runc', version: options.runc };
  throw new UsageError(
    'nothing to build: give --kubelet VERSION (e.g. v1.12.4), --runc VERSION (e.g. v1.0.0-rc5) or --fork NAME',
  );
}

function deps(options: { verbose?: boolean }): Deps {
  return {
    runner: realRunner,
    docker: new Docker(realRunner),
    log: consoleLogger({ verbose: options.verbose }),
    logGroups: env.GITHUB_ACTIONS === 'true',
  };
}

function request(options: CommonOptions): BuildRequest {
  const { component, version } = selectComponent(options);
  if (!options.fork) parseVersion(component, version); // bad input stops here, before any step runs
  return {
    component,
    version,
    fork: options.fork,
    forksFile: path.resolve(options.forks ?? path.join(options.specs, 'forks.yaml')),
    remote: options.remote,
    image: options.image ?? env.NOKMEM_BUILDER_IMAGE,
    outDir: path.resolve(options.out),
    cacheDir: path.resolve(options.cacheDir),
    specsDir: path.resolve(options.specs),
    patchesDir: path.resolve(options.patches),
    force: Boolean(options.force),
    writePin: Boolean(options.writePin),
    dryRun: Boolean(options.dryRun),
    functional: options.functional,
    package: options.package !== false,
    packagerImage: options.packagerImage ?? env.NOKMEM_PACKAGER_IMAGE ?? OFFLINE_IMAGE,
    signing: signingFromEnv(),
    releaseIteration: releaseIteration(options.release),
    allowToolchainRisk: Boolean(options.allowToolchainRisk),
    goBuildCacheDir: env.NOKMEM_GO_BUILD_CACHE ? path.resolve(env.NOKMEM_GO_BUILD_CACHE) : undefined,
  };
}

function releaseIteration(value: string | undefined): number {
  if (value === undefined) return 1;
  if (!/^[1-9]\d{0,3}$/.test(value))
    throw new UsageError(
      `--release ${JSON.stringify(value)} is not a package release number; give a whole number from 1, e.g. --release 2`,
    );
  return Number(value);
}

function selection(cmd: Command): Command {
  return cmd
    .option('--kubelet <version>', 'kubelet release to build, e.g. v1.12.4')
    .option('--runc <version>', 'runc release to build, e.g. v1.0.0-rc5')
    .option('--fork <name>', 'a fork of runc from forks.yaml, built by commit (method decided by the tree)')
    .option('--forks <file>', 'the forks file (default: forks.yaml in the --specs directory)')
    .option('--remote <url>', 'git URL or path of the upstream repository or a mirror (default: upstream on GitHub)')
    .option('--cache-dir <dir>', 'source, Go build and result cache (env NOKMEM_CACHE_DIR)', defaultCacheDir)
    .option('--specs <dir>', 'directory with versions.yaml and pins.yaml', DEFAULT_SPECS_DIR)
    .option('--patches <dir>', 'directory with the patch recipes', DEFAULT_PATCHES_DIR)
    .option('--force', 'build a version that is not affected anyway')
    .option('--write-pin', 'record the commit of an unpinned tag in pins.yaml')
    .option('--dry-run', 'print the plan and change nothing')
    .option('--json', 'print the result as JSON on stdout')
    .option('--verbose', 'show the output of the compile as it runs');
}

const program = new Command()
  .name('nokmem')
  .description(
    'Build kubelet and runc that never switch on kernel-memory accounting (the EL7 memory-cgroup leak), and prove it.',
  )
  .version(NOKMEM_VERSION)
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride();

selection(program.command('build'))
  .description('resolve, fetch, patch or tag, compile in Docker, verify, and write the binary with its build record')
  .option(
    '--image <image>',
    'builder image (env NOKMEM_BUILDER_IMAGE); default: chosen by the toolchain rule of specs/toolchains.yaml',
  )
  .option(
    '--allow-toolchain-risk',
    'build with an --image whose Go breaks the toolchain rule; the risk is recorded in the build record and the package',
  )
  .option('--out <dir>', 'output directory', 'out')
  .option('--no-functional', 'skip the functional strace proof of runc')
  .option('--no-package', 'stop after the verified binary (no RPM, signatures or attestations)')
  .option(
    '--packager-image <image>',
    `image with rpmbuild, rpmsign and gpg (env NOKMEM_PACKAGER_IMAGE, default ${OFFLINE_IMAGE})`,
  )
  .option('--release <n>', 'package release iteration: kubelet 0.nokmem.N, runc-nokmem N', '1')
  .addHelpText(
    'after',
    '\nSigning key (environment only): NOKMEM_SIGNING_KEY (armored private RSA key) or NOKMEM_SIGNING_KEY_FILE,\nand NOKMEM_SIGNING_PASSPHRASE if it has one. Without a key, a development key is used: NOT FOR PRODUCTION.\nNOKMEM_GO_BUILD_CACHE: where the Go build cache lives (default <cache-dir>/go-build).',
  )
  .action(async (options: CommonOptions) => {
    const result = await build(request(options), deps(options));
    if (env.GITHUB_STEP_SUMMARY) {
      await appendFile(env.GITHUB_STEP_SUMMARY, jobSummary(result));
    }
    if (options.json) {
      process.stdout.write(`${JSON.stringify({ ok: true, ...result }, null, 2)}\n`);
    } else if (result.dryRun) {
      process.stdout.write(`${describePlan(result.plan)}\n`);
    } else {
      process.stdout.write(
        `${result.plan.component} ${result.plan.version.tag}: nokmem, verified${result.cacheHit ? ' (cache hit)' : ''} -> ${result.plan.outputDir}\n`,
      );
    }
  });

selection(program.command('prepare'))
  .description('only fetch, check out and patch the source (no build)')
  .requiredOption('--into <dir>', 'where to write the prepared tree (must not exist)')
  .action(async (options: CommonOptions & { into: string }) => {
    const result = await prepare(
      request({ ...options, out: options.into, functional: false }),
      options.into,
      deps(options),
    );
    if (options.json)
      process.stdout.write(`${JSON.stringify({ ok: true, into: path.resolve(options.into), ...result }, null, 2)}\n`);
    else process.stdout.write(`${describePlan(result.plan)}\nprepared source: ${path.resolve(options.into)}\n`);
  });

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
    `image with rpm, gpg and a Go toolchain (default ${OFFLINE_IMAGE}, env NOKMEM_PACKAGER_IMAGE)`,
  )
  .option('--specs <dir>', 'directory with versions.yaml', DEFAULT_SPECS_DIR)
  .option('--no-functional', 'skip the functional strace proof of runc')
  .option('--json', 'print the verdict as JSON on stdout')
  .action(
    async (
      target: string,
      options: {
        key?: string;
        kubelet?: string;
        runc?: string;
        commit?: string;
        image?: string;
        specs: string;
        functional: boolean;
        json?: boolean;
      },
    ) => {
      const file = path.resolve(target);
      if (!existsSync(file))
        throw new InputError(`${target} does not exist; give an RPM, a directory of RPMs, or a binary`);
      const image = options.image ?? env.NOKMEM_PACKAGER_IMAGE ?? OFFLINE_IMAGE;
      const table = await loadVersionTable(path.resolve(options.specs));
      const docker = new Docker(realRunner);
      const packaged = statSync(file).isDirectory() || file.endsWith('.rpm');
      if (packaged && !options.key)
        throw new UsageError(
          `verifying ${target} needs the project's public key: pass --key RPM-GPG-KEY-nokmem (a key shipped next to the packages proves nothing)`,
        );
      await docker.ping();
      if (packaged) {
        const report = await verifyPackages(file, path.resolve(options.key!), {
          docker,
          runner: realRunner,
          image,
          scratchRoot: os.tmpdir(),
          functional: options.functional,
          expect: { table },
        });
        if (options.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
        else {
          for (const pkg of report.packages) {
            process.stdout.write(`${path.basename(pkg.file)}: ${pkg.ok ? 'OK' : 'FAILED'}\n`);
            for (const c of pkg.checks)
              process.stdout.write(`  ${c.status.toUpperCase().padEnd(8)}${c.name.padEnd(34)}${c.detail}\n`);
          }
          for (const c of report.sums)
            process.stdout.write(`  ${c.status.toUpperCase().padEnd(8)}${c.name.padEnd(34)}${c.detail}\n`);
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
        return;
      }
      const { component, version: input } = selectComponent(options);
      const version = parseVersion(component, input);
      const spec = table[component];
      const era = eraFor(spec, version);
      const verdict = await verifyBinary(
        {
          binary: file,
          component,
          tag: version.tag,
          commit: options.commit,
          expect: {
            fsPackage: `${era?.vendorPrefix ? `${spec.importPath}/vendor/` : ''}${spec.libcontainerPackage}`,
            marker: era?.marker ?? false,
          },
        },
        {
          docker,
          runner: realRunner,
          toolImage: options.image ?? env.NOKMEM_BUILDER_IMAGE ?? OFFLINE_IMAGE,
          sandboxImage: env.NOKMEM_PACKAGER_IMAGE ?? OFFLINE_IMAGE,
          scratchRoot: os.tmpdir(),
          functional: options.functional,
        },
      );
      if (options.json)
        process.stdout.write(
          `${JSON.stringify({ binary: file, component, version: version.tag, ...verdict }, null, 2)}\n`,
        );
      else
        for (const c of verdict.checks)
          process.stdout.write(`${c.status.toUpperCase().padEnd(8)}${c.name.padEnd(22)}${c.detail}\n`);
      if (!verdict.ok)
        throw new VerificationFailed(
          `${target} is not a verified nokmem ${component} ${version.tag}: ${describeFailures(verdict) || 'no check passed'}`,
          verdict.checks.filter((c) => c.status === 'fail'),
          true,
        );
    },
  );

program
  .command('publish')
  .description('verify RPMs and add them to a signed yum repository (a directory any web server can serve), atomically')
  .argument('<inputs...>', 'RPM files or build output directories')
  .requiredOption('--repo <dir>', 'the repository directory (created on first publish)')
  .option('--base-url <url>', 'where clients will reach the repository, for nokmem.repo (default file://<repo>)')
  .option('--target <dest>', 'also mirror the repository with rsync to user@host:/path (ssh) or a path')
  .option('--keep <n>', 'releases kept per package version', '3')
  .option(
    '--image <image>',
    `image with createrepo_c, gpg and rpm (default ${OFFLINE_IMAGE}, env NOKMEM_PACKAGER_IMAGE)`,
  )
  .option('--cache-dir <dir>', 'cache (development key, scratch space)', defaultCacheDir)
  .option('--specs <dir>', 'directory with versions.yaml', DEFAULT_SPECS_DIR)
  .option('--no-functional', 'skip the functional strace proof when verifying runc packages')
  .option('--json', 'print the result as JSON on stdout')
  .addHelpText(
    'after',
    '\nThe repository key comes from the environment, as for build: NOKMEM_SIGNING_KEY or NOKMEM_SIGNING_KEY_FILE\n(+ NOKMEM_SIGNING_PASSPHRASE). Packages must be signed by that key.',
  )
  .action(
    async (
      inputs: string[],
      options: {
        repo: string;
        baseUrl?: string;
        target?: string;
        keep: string;
        image?: string;
        cacheDir: string;
        specs: string;
        functional: boolean;
        json?: boolean;
      },
    ) => {
      if (!/^[1-9]\d{0,2}$/.test(options.keep))
        throw new UsageError(
          `--keep ${JSON.stringify(options.keep)} is not a count; give a whole number from 1, e.g. --keep 3`,
        );
      const crashAt = env.NOKMEM_TEST_CRASH_AT as CrashPoint | undefined;
      const docker = new Docker(realRunner);
      await docker.ping();
      const log = consoleLogger();
      const result = await publish(
        {
          inputs: inputs.map((i) => path.resolve(i)),
          repo: options.repo,
          baseUrl: options.baseUrl,
          target: options.target,
          keep: Number(options.keep),
          signing: signingFromEnv(),
          image: options.image ?? env.NOKMEM_PACKAGER_IMAGE ?? OFFLINE_IMAGE,
          cacheDir: path.resolve(options.cacheDir),
          functional: options.functional,
          crashAt,
          table: await loadVersionTable(path.resolve(options.specs)),
        },
        { docker, runner: realRunner, log },
      );
      if (options.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      else
        process.stdout.write(
          `published to ${path.resolve(options.repo)}: added ${result.added.length} (${result.added.join(', ') || '-'}), unchanged ${result.unchanged.length}, retired ${result.removed.length}\n`,
        );
    },
  );

program
  .command('release')
  .description('make or complete a GitHub release: draft, upload every asset (re-runs skip or replace), then publish')
  .argument('<assets...>', 'files, or build output directories (every file in them is an asset)')
  .requiredOption('--repository <owner/name>', 'the GitHub repository (env GITHUB_REPOSITORY)', env.GITHUB_REPOSITORY)
  .requiredOption('--tag <tag>', 'the release tag')
  .option('--title <text>', 'the release title (default: the tag)')
  .option('--notes-file <file>', 'release notes (markdown)')
  .option('--draft', 'leave the release as a draft')
  .option('--api-url <url>', 'GitHub API base URL, for GitHub Enterprise (env GITHUB_API_URL)', env.GITHUB_API_URL)
  .option('--json', 'print the result as JSON on stdout')
  .addHelpText(
    'after',
    '\nThe token comes from the environment only: GITHUB_TOKEN (or GH_TOKEN), with contents: write.',
  )
  .action(
    async (
      inputs: string[],
      options: {
        repository: string;
        tag: string;
        title?: string;
        notesFile?: string;
        draft?: boolean;
        apiUrl?: string;
        json?: boolean;
      },
    ) => {
      // @octokit/rest is loaded only here: the other commands do not pay for it at start-up.
      const { githubAssetName, githubRelease } = await import('./publish/github.js');
      const token = env.GITHUB_TOKEN || env.GH_TOKEN;
      if (!token)
        throw new InputError(
          'no GitHub token: set GITHUB_TOKEN (contents: write on the repository); tokens are never taken from the command line',
        );
      const assets: string[] = [];
      for (const input of inputs) {
        if (!existsSync(input))
          throw new InputError(`${input} does not exist; give asset files or build output directories`);
        if (statSync(input).isDirectory())
          for (const f of readdirSync(input).sort()) {
            if (statSync(path.join(input, f)).isFile()) assets.push(path.resolve(input, f));
          }
        else assets.push(path.resolve(input));
      }
      const names = new Map<string, string>();
      for (const a of assets) {
        const name = githubAssetName(a);
        if (names.has(name) && names.get(name) !== a)
          throw new InputError(
            `${a} and ${names.get(name)} would both be the release asset ${name}; give each asset once`,
          );
        names.set(name, a);
      }
      const result = await githubRelease(
        {
          repository: options.repository,
          tag: options.tag,
          name: options.title,
          body: options.notesFile ? readFileSync(options.notesFile, 'utf8') : undefined,
          assets: [...names.values()],
          draft: Boolean(options.draft),
          token,
          apiUrl: options.apiUrl,
        },
        consoleLogger(),
      );
      if (options.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      else
        process.stdout.write(
          `release ${options.tag}: ${result.url} — uploaded ${result.uploaded.length}, replaced ${result.replaced.length}, unchanged ${result.unchanged.length}${result.published ? ', published' : ''}\n`,
        );
    },
  );

program
  .command('matrix')
  .description('print the release matrix (JSON for a GitHub Actions strategy) computed from specs/')
  .option('--specs <dir>', 'directory with versions.yaml, pins.yaml and forks.yaml', DEFAULT_SPECS_DIR)
  .option('--only <what>', 'only runc, kubelet or fork')
  .action(async (options: { specs: string; only?: string }) => {
    if (options.only && !['runc', 'kubelet', 'fork'].includes(options.only))
      throw new UsageError(`--only ${JSON.stringify(options.only)} is not runc, kubelet or fork`);
    const specs = path.resolve(options.specs);
    const matrix = releaseMatrix(
      await loadVersionTable(specs),
      await loadPins(specs),
      await loadForks(path.join(specs, 'forks.yaml')),
      options.only,
    );
    process.stdout.write(`${JSON.stringify(matrix)}\n`);
  });

program
  .command('forks')
  .description(
    'list the forks of runc in specs/forks.yaml with the docker releases they ship in, or (--docker) say which to build',
  )
  .option('--specs <dir>', 'directory with versions.yaml and forks.yaml', DEFAULT_SPECS_DIR)
  .option(
    '--docker <version>',
    'a docker release (docker --version), e.g. 17.03.2 or 18.09.2: which entry to build, or why not',
  )
  .option('--centos', "the docker is CentOS/RHEL's own docker package, not docker-engine or docker-ce")
  .option('--json', 'print JSON on stdout')
  .action(async (options: { specs: string; docker?: string; centos?: boolean; json?: boolean }) => {
    const specs = path.resolve(options.specs);
    const table = await loadVersionTable(specs);
    const forks = await loadForkSpecs(path.join(specs, 'forks.yaml'));
    const distribution = options.centos ? 'centos' : 'docker';
    if (options.docker !== undefined) {
      if (!/^v?\d+\.\d+\.\d+/.test(options.docker))
        throw new UsageError(
          `--docker ${JSON.stringify(options.docker)} is not a docker release; give one like 18.09.2`,
        );
      const answer = forDocker(forks, options.docker, distribution);
      if (options.json)
        process.stdout.write(`${JSON.stringify({ docker: options.docker, distribution, ...answer }, null, 2)}\n`);
      else process.stdout.write(formatDockerAnswer(answer, options.docker, distribution, table));
      return;
    }
    if (options.json) {
      const entries = Object.entries(forks.forks).map(([name, f]) => ({
        name,
        docker: f.docker,
        distribution: f.distribution,
        version: f.version,
        commit: f.commit,
        method: claimedMethod(table, f),
      }));
      process.stdout.write(`${JSON.stringify({ forks: entries, notAffected: forks.notAffected }, null, 2)}\n`);
    } else process.stdout.write(formatForkList(forks, (f) => claimedMethod(table, f)));
  });

program
  .command('doctor')
  .description(
    'is this node affected, and are its kubelet and runc fixed? read-only; exit 0 ok, 1 install, 2 reboot, 3 unknown',
  )
  .option('--root <dir>', 'inspect another root (a mounted node image, or test trees of /proc and /sys)', '/')
  .option('--json', 'print the report as JSON on stdout')
  .action(async (options: { root: string; json?: boolean }) => {
    const root = path.resolve(options.root);
    if (!existsSync(path.join(root, 'proc')))
      throw new InputError(`${root} has no proc/; give the root of a node (default /)`);
    // Binaries are asked for their version only on the real root: under --root they may not be runnable here.
    const versionOf =
      root === '/'
        ? async (binary: string) => {
            const r = await realRunner.run(binary, ['--version'], { allowFailure: true, timeoutMs: 5000 });
            // all lines: runc prints its commit on the second
            return r.exitCode === 0
              ? r.stdout
                  .trim()
                  .split('\n')
                  .map((l) => l.trim())
                  .filter(Boolean)
                  .join('; ')
              : undefined;
          }
        : undefined;
    const specs = DEFAULT_SPECS_DIR;
    const place = placer(await loadVersionTable(specs), await loadForkSpecs(path.join(specs, 'forks.yaml')));
    const report = assess(await probeHost(root, versionOf), place);
    process.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
    process.exitCode = report.exitCode;
  });

program
  .command('pin')
  .description('resolve a release tag on the remote and print (or --write) its pin')
  .option('--kubelet <version>', 'kubelet release')
  .option('--runc <version>', 'runc release')
  .option('--remote <url>', 'git URL or path of the upstream repository or a mirror')
  .option('--specs <dir>', 'directory with versions.yaml and pins.yaml', DEFAULT_SPECS_DIR)
  .option('--write', 'record the pin in pins.yaml')
  .action(async (options: { kubelet?: string; runc?: string; remote?: string; specs: string; write?: boolean }) => {
    const { component, version: input } = selectComponent(options);
    const version = parseVersion(component, input);
    const specsDir = path.resolve(options.specs);
    const table = await loadVersionTable(specsDir);
    const remote = options.remote ? normalizeRemote(options.remote) : table[component].repository;
    const commit = await new SourceCache(realRunner, os.tmpdir()).remoteCommit(remote, version.tag);
    if (!commit) throw new InputError(`tag ${version.tag} is not on ${remote}; check the version or --remote`);
    const existing = (await loadPins(specsDir))[component][version.tag];
    if (existing && existing !== commit)
      throw new InputError(
        `${component} ${version.tag} is pinned to ${existing} but ${remote} says ${commit}; the tag moved or the remote is wrong`,
      );
    if (options.write && !existing) await writePin(specsDir, component, version.tag, commit);
    process.stdout.write(
      `${component} ${version.tag} ${commit}${existing ? ' (already pinned)' : options.write ? ' (written)' : ''}\n`,
    );
  });

program
  .command('builder-image')
  .description('make builder images: --offline from Debian packages (no registry), or --go VERSION from golang:VERSION')
  .option(
    '--offline',
    'debootstrap the Debian images of specs/toolchains.yaml (all of them, or the one with --go) and docker-import them',
  )
  .option(
    '--go <version>',
    'with --offline: only the offline image with this Go; alone: derive from the official golang:<version> image',
  )
  .option('--tag <image>', 'image name to create (--go without --offline)')
  .option('--mirror <url>', 'Debian mirror for --offline', 'http://deb.debian.org/debian')
  .option('--specs <dir>', 'directory with toolchains.yaml', DEFAULT_SPECS_DIR)
  .option('--verbose', 'show the output as it runs')
  .option('--if-outdated', 'with --offline: skip an image that exists and has the current package list')
  .action(
    async (options: {
      offline?: boolean;
      go?: string;
      tag?: string;
      mirror: string;
      specs: string;
      verbose?: boolean;
      ifOutdated?: boolean;
    }) => {
      const log = consoleLogger({ verbose: options.verbose });
      const specs = await loadToolchains(path.resolve(options.specs));
      const docker = new Docker(realRunner);
      await docker.ping();
      if (!options.offline) {
        if (!options.go)
          throw new UsageError(
            'say how to make the image: --offline (Debian packages) or --go VERSION (official golang image)',
          );
        const started = performance.now();
        const tag = options.tag ?? defaultBuilderImage(options.go);
        log.info(`building ${tag} from golang:${options.go} ...`);
        const id = await buildFromOfficial(realRunner, log, options.go, tag, specs);
        process.stdout.write(`${tag} ${id} (${((performance.now() - started) / 1000).toFixed(1)}s)\n`);
        return;
      }
      const images = options.go
        ? specs.offline.filter((o) => o.go === options.go || goMinor(o.go) === goMinor(options.go!))
        : specs.offline;
      if (images.length === 0)
        throw new UsageError(
          `no offline image with Go ${options.go} in specs/toolchains.yaml; offline images: ${specs.offline.map((o) => `Go ${o.go} (${o.image})`).join(', ')}`,
        );
      for (const image of images) {
        if (options.ifOutdated && (await offlineImageIsCurrent(realRunner, image, specs))) {
          process.stdout.write(`${image.image} is current\n`);
          continue;
        }
        const started = performance.now();
        log.info(`building ${image.image} from Debian ${image.suite} packages ...`);
        const id = await buildOfflineImage(realRunner, log, image, specs, { mirror: options.mirror });
        process.stdout.write(`${image.image} ${id} (${((performance.now() - started) / 1000).toFixed(1)}s)\n`);
      }
    },
  );

export async function main(argv: string[]): Promise<number> {
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    const json = argv.includes('--json');
    if (error instanceof UserError) {
      process.stderr.write(`nokmem: error: ${redact(error.message)}\n`);
      if (json && !(error instanceof VerificationFailed && error.reported))
        process.stdout.write(`${JSON.stringify({ ok: false, error: redact(error.message) })}\n`);
      return error.exitCode;
    }
    // A bug: the stack (and the step it happened in, and every cause), exit 70 (EX_SOFTWARE).
    process.stderr.write(`nokmem: internal error (a bug in nokmem, please report it): ${redact(bugReport(error))}\n`);
    return 70;
  }
}

installInterruptCleanup((names) => runSyncQuietly('docker', ['rm', '--force', ...names], 30_000));
process.exitCode = await main(process.argv);
