// The package RPM step (src/steps/package-rpm.ts) with a fake packager session: rpmbuild is given the verified
// binary byte for byte and a spec made of what the build record says (commit, method, commit time as
// SOURCE_DATE_EPOCH), a fork's package takes the fork's names, the unsigned package is set as the one `rpm`
// artifact, and a failed rpmbuild sets nothing. test/integration/packages.test.ts runs the real rpmbuild.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import type { BuildRecord } from '../../../src/context.ts';
import type { ContainerRun } from '../../../src/docker.ts';
import { CommandFailed, UserError } from '../../../src/errors.ts';
import { methodSummary, packageRpm } from '../../../src/steps/package-rpm.ts';
import type { ContainerScript } from '../../helpers/fakes.ts';
import { BINARY, COMMIT, COMMIT_TIME, buildRecord, packaging } from '../../helpers/package-steps.ts';
import { buildRequest, plan, removeTempDirs } from '../../helpers/steps.ts';

after(removeTempDirs);

/** An rpmbuild that leaves the named packages in RPMS/x86_64 of its _topdir (or fails). */
function rpmbuild(names: string[] | 'fails'): ContainerScript {
  return {
    command: ['rpmbuild', '-bb'],
    result: async (spec: ContainerRun) => {
      if (names === 'fails') return { exitCode: 1, stderr: 'error: Bad exit status from /var/tmp/rpm-tmp (%install)' };
      const top = spec.mounts[0]!.host;
      await mkdir(path.join(top, 'RPMS', 'x86_64'), { recursive: true });
      for (const name of names) await writeFile(path.join(top, 'RPMS', 'x86_64', name), 'rpm');
      return {};
    },
  };
}

const RUNC_RPM = 'runc-nokmem-1.0.0~rc5-1.x86_64.rpm';

describe('package RPM', () => {
  it("packages the verified binary in the packager session, with a spec of the record's facts", async () => {
    const s = await packaging({ containers: [rpmbuild([RUNC_RPM])] });
    await packageRpm.run(s.ctx);

    const packageDir = path.join(s.workspace, 'packages');
    assert.equal(s.results.packages.get('packageDir'), packageDir);
    assert.deepEqual(s.results.packages.get('rpm'), {
      name: RUNC_RPM,
      path: path.join(packageDir, RUNC_RPM),
      kind: 'rpm',
    });
    assert.deepEqual(await readdir(packageDir), [RUNC_RPM]);
    assert.deepEqual(s.logged, [`  runc-nokmem: ${RUNC_RPM}`]);

    // one rpmbuild, in the packager session (the deps' engine is never asked), reproducible by the commit time
    assert.equal(s.packager.runs.length, 1);
    assert.equal((s.ctx.deps.docker as unknown as { runs: unknown[] }).runs.length, 0);
    const [run] = s.packager.runs;
    assert.equal(run?.image, s.request.packagerImage);
    assert.deepEqual(run?.env, { SOURCE_DATE_EPOCH: String(COMMIT_TIME), TZ: 'UTC', LC_ALL: 'C' });
    const top = path.join(s.workspace, 'rpmbuild');
    assert.deepEqual(
      run?.mounts.map((m) => m.host),
      [top],
    );
    assert.deepEqual(await readFile(path.join(top, 'SOURCES', 'runc')), BINARY, 'the verified binary, byte for byte');
    const spec = await readFile(path.join(top, 'SPECS', 'runc-nokmem.spec'), 'utf8');
    assert.match(spec, new RegExp(COMMIT));
    assert.match(spec, /1\.0\.0~rc5/);
    assert.ok(spec.includes(methodSummary(s.results.binary.get('record'))), 'the method summary is in the changelog');
    // signing is the next step's: no key was used here
    assert.equal(s.key.readies, 0);
    assert.equal(s.results.packages.has('packages'), false);
  });

  it("a fork's package takes the fork's package and binary names and says whose fork it is", async () => {
    const request = { fork: 'docker-ce-18.06.2', version: undefined } as const;
    const name = 'docker-ce-18.06.2-runc-nokmem-1.0.0~rc5-1.x86_64.rpm';
    const s = await packaging({ containers: [rpmbuild([name])], request });
    await packageRpm.run(s.ctx);
    assert.equal(s.results.packages.get('rpm').name, name);
    assert.deepEqual(s.logged, [`  docker-ce-18.06.2-runc-nokmem: ${name}`]);
    const top = path.join(s.workspace, 'rpmbuild');
    assert.deepEqual(await readFile(path.join(top, 'SOURCES', 'docker-runc')), BINARY);
    const spec = await readFile(path.join(top, 'SPECS', 'docker-ce-18.06.2-runc-nokmem.spec'), 'utf8');
    assert.match(spec, /docker-ce-18\.06\.2 \(a fork of runc\)/);
    assert.match(spec, /\/usr\/libexec\/docker-ce-18\.06\.2-runc-nokmem\/docker-runc/);
  });

  it('a failed rpmbuild is a CommandFailed naming what it packaged; no package is set or left in the package directory', async () => {
    const s = await packaging({ containers: [rpmbuild('fails')] });
    await assert.rejects(packageRpm.run(s.ctx), (e: unknown) => {
      assert.ok(e instanceof CommandFailed);
      assert.match(e.message, /package runc-nokmem/);
      assert.match(e.message, /Bad exit status/);
      return true;
    });
    assert.equal(s.results.packages.has('rpm'), false);
    assert.deepEqual(await readdir(s.results.packages.get('packageDir')), []);
  });

  it('an rpmbuild that makes two packages is a user error naming the spec template; none is set', async () => {
    const s = await packaging({ containers: [rpmbuild([RUNC_RPM, 'runc-nokmem-debuginfo.rpm'])] });
    await assert.rejects(
      packageRpm.run(s.ctx),
      (e: unknown) => e instanceof UserError && /runc-nokmem\.spec/.test(e.message),
    );
    assert.equal(s.results.packages.has('rpm'), false);
    assert.ok(!existsSync(path.join(s.results.packages.get('packageDir'), RUNC_RPM)));
  });

  it('is skipped when the packages are cached or packaging is off', async () => {
    const s = await packaging();
    assert.equal(packageRpm.skip?.(s.ctx), undefined);
    s.results.packages.set('cachedPackages', '/cache/packages/k');
    assert.equal(packageRpm.skip?.(s.ctx), 'packages cached');
    const off = await packaging({ request: { package: false } });
    assert.equal(packageRpm.skip?.(off.ctx), 'packaging turned off (--no-package)');
  });
});

describe('methodSummary', () => {
  const record = async (overrides: Partial<BuildRecord>) =>
    buildRecord(await plan(buildRequest('/tmp/method-summary')), BINARY, overrides);

  it('names the source patch recipe and its applied diff', async () => {
    const r = await record({ toolchain: undefined });
    assert.equal(
      methodSummary(r),
      `Source patch patches/libcontainer-nokmem.yaml (applied diff sha256:${'0e'.repeat(32)}).`,
    );
  });

  it("names the build tag's make line, and a rebuild of an unaffected release", async () => {
    assert.equal(
      methodSummary(
        await record({
          method: 'build-tag',
          patch: null,
          flags: { make: ['static', 'BUILDTAGS=seccomp nokmem'], env: {} },
        }),
      ),
      'Built with the nokmem build tag: make static BUILDTAGS=seccomp nokmem.',
    );
    assert.equal(
      methodSummary(await record({ method: 'none', patch: null })),
      'Not affected upstream; rebuilt unchanged (--force).',
    );
  });

  it('carries an accepted toolchain risk into the package, where those who install it read it', async () => {
    const base = await record({});
    const r = { ...base, toolchain: { ...base.toolchain!, go: '1.16.15', risk: 'the tree wants Go ≥ 1.17;' } };
    assert.equal(
      methodSummary(r),
      `Source patch patches/libcontainer-nokmem.yaml (applied diff sha256:${'0e'.repeat(32)}). TOOLCHAIN RISK (built with --allow-toolchain-risk): the tree wants Go ≥ 1.17; Go 1.16.15.`,
    );
  });
});
