// src/commands/selection.ts: the build request build and prepare make from their shared options and the
// environment. Bad input (two components, a version that is not one, a release that is not a number) stops here
// as a UsageError, before any step runs; paths are made absolute once; the key comes from the environment only.

import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { CliEnv } from '../../../src/commands/environment.ts';
import { type SelectionOptions, buildRequest } from '../../../src/commands/selection.ts';
import { UsageError } from '../../../src/errors.ts';
import { OFFLINE_IMAGE } from '../../../src/meta.ts';

const env = (vars: Record<string, string> = {}): CliEnv => ({ vars, out: () => undefined, err: () => undefined });

const options = (more: Partial<SelectionOptions> = {}): SelectionOptions => ({
  out: 'out',
  cacheDir: '/cache',
  specs: '/specs',
  patches: 'patches',
  functional: true,
  ...more,
});

const usageError = (message: string) => (e: Error) =>
  e instanceof UsageError && e.exitCode === 2 && e.message === message;

describe('the build request of build and prepare', () => {
  it('an upstream runc: the version parsed once, paths absolute, the defaults of a plain run', () => {
    const request = buildRequest(options({ runc: '1.0.0-rc5' }), env());
    assert.equal(request.component, 'runc');
    assert.deepEqual(request.version, { tag: 'v1.0.0-rc5', comparable: '1.0.0-rc.5' });
    assert.equal(request.fork, undefined);
    assert.equal(request.outDir, path.resolve('out'));
    assert.equal(request.patchesDir, path.resolve('patches'));
    assert.equal(request.cacheDir, '/cache');
    assert.equal(request.specsDir, '/specs');
    assert.equal(request.forksFile, '/specs/forks.yaml');
    assert.equal(request.remote, undefined);
    assert.equal(request.image, undefined, 'no image asked for: the toolchain rule chooses');
    assert.equal(request.packagerImage, OFFLINE_IMAGE);
    assert.deepEqual(
      {
        force: request.force,
        writePin: request.writePin,
        dryRun: request.dryRun,
        functional: request.functional,
        package: request.package,
        allowToolchainRisk: request.allowToolchainRisk,
        releaseIteration: request.releaseIteration,
      },
      {
        force: false,
        writePin: false,
        dryRun: false,
        functional: true,
        package: true,
        allowToolchainRisk: false,
        releaseIteration: 1,
      },
    );
    assert.equal(request.goBuildCacheDir, undefined);
    assert.deepEqual(request.signing, {
      armoredKey: undefined,
      keyFile: undefined,
      passphrase: undefined,
      devKeyDir: path.join(os.homedir(), '.local', 'share', 'nokmem', 'dev-signing-key'),
    });
    assert.deepEqual(request.provenance, { builderId: 'urn:nokmem:builder:local', invocationId: undefined });
  });

  it('a kubelet version without its "v" becomes the tag', () => {
    const request = buildRequest(options({ kubelet: '1.12.4' }), env());
    assert.equal(request.component, 'kubelet');
    assert.equal(request.version?.tag, 'v1.12.4');
  });

  it('a fork is runc by commit: no version, its name, and the forks file the option names', () => {
    const request = buildRequest(options({ fork: 'acme', forks: 'my-forks.yaml' }), env());
    assert.equal(request.component, 'runc');
    assert.equal(request.fork, 'acme');
    assert.equal(request.version, undefined);
    assert.ok(!('version' in request), 'a fork request has no version field at all');
    assert.equal(request.forksFile, path.resolve('my-forks.yaml'));
  });

  it('every option the user gave reaches the request', () => {
    const request = buildRequest(
      options({
        runc: 'v1.0.0-rc5',
        remote: '/mirror/runc.git',
        image: 'builder:opt',
        packagerImage: 'packager:opt',
        force: true,
        writePin: true,
        dryRun: true,
        functional: false,
        package: false,
        release: '12',
        allowToolchainRisk: true,
      }),
      env({ NOKMEM_BUILDER_IMAGE: 'builder:env', NOKMEM_PACKAGER_IMAGE: 'packager:env' }),
    );
    assert.equal(request.remote, '/mirror/runc.git');
    assert.equal(request.image, 'builder:opt', 'the option beats the environment');
    assert.equal(request.packagerImage, 'packager:opt');
    assert.equal(request.force, true);
    assert.equal(request.writePin, true);
    assert.equal(request.dryRun, true);
    assert.equal(request.functional, false);
    assert.equal(request.package, false);
    assert.equal(request.releaseIteration, 12);
    assert.equal(request.allowToolchainRisk, true);
  });

  it('the environment gives the images, the Go build cache, the signing key and the provenance ids', () => {
    const request = buildRequest(
      options({ runc: 'v1.0.0-rc5' }),
      env({
        NOKMEM_BUILDER_IMAGE: 'builder:env',
        NOKMEM_PACKAGER_IMAGE: 'packager:env',
        NOKMEM_GO_BUILD_CACHE: 'go-cache',
        NOKMEM_SIGNING_KEY: 'armored',
        NOKMEM_SIGNING_PASSPHRASE: 'secret',
        NOKMEM_DATA_DIR: '/data',
        GITHUB_ACTIONS: 'true',
        GITHUB_SERVER_URL: 'https://github.com',
        GITHUB_REPOSITORY: 'o/n',
        GITHUB_RUN_ID: '7',
      }),
    );
    assert.equal(request.image, 'builder:env');
    assert.equal(request.packagerImage, 'packager:env');
    assert.equal(request.goBuildCacheDir, path.resolve('go-cache'));
    assert.deepEqual(request.signing, {
      armoredKey: 'armored',
      keyFile: undefined,
      passphrase: 'secret',
      devKeyDir: '/data/dev-signing-key',
    });
    assert.deepEqual(request.provenance, {
      builderId: 'https://github.com/o/n/.github/workflows/release.yml',
      invocationId: 'https://github.com/o/n/actions/runs/7',
    });
  });

  it('the package release is a whole number from 1 to 9999; anything else is a usage error naming it', () => {
    for (const [given, want] of [
      ['1', 1],
      ['2', 2],
      ['9999', 9999],
    ] as const)
      assert.equal(buildRequest(options({ runc: 'v1.0.0-rc5', release: given }), env()).releaseIteration, want);
    for (const bad of ['0', '02', '10000', '1.5', '-1', 'two', '', ' 2'])
      assert.throws(
        () => buildRequest(options({ runc: 'v1.0.0-rc5', release: bad }), env()),
        usageError(
          `--release ${JSON.stringify(bad)} is not a package release number; give a whole number from 1, e.g. --release 2`,
        ),
      );
  });

  it('no component, two components, or a version that is not one: a usage error', () => {
    assert.throws(
      () => buildRequest(options(), env()),
      usageError(
        'nothing to build: give --kubelet VERSION (e.g. v1.12.4), --runc VERSION (e.g. v1.0.0-rc5) or --fork NAME',
      ),
    );
    assert.throws(
      () => buildRequest(options({ runc: 'v1.0.0-rc5', fork: 'acme' }), env()),
      usageError('give one of --kubelet VERSION, --runc VERSION or --fork NAME, not several'),
    );
    assert.throws(
      () => buildRequest(options({ kubelet: 'latest' }), env()),
      usageError('kubelet version "latest" is not a release version; expected a full tag like v1.12.4 (or 1.12.4)'),
    );
  });
});
