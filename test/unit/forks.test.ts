// specs/forks.yaml is data about real forks: every entry must be well-formed, its recorded method must be the
// one specs/versions.yaml gives the upstream version it claims, and every docker release must have one answer.

import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { dockerMatches, forCommit, forDocker } from '../../src/forks.ts';
import { DEFAULT_SPECS_DIR, eraFor, loadForkSpecs, loadVersionTable } from '../../src/specs.ts';
import { parseVersion } from '../../src/version.ts';

const FORKS = path.join(DEFAULT_SPECS_DIR, 'forks.yaml');

describe('specs/forks.yaml', () => {
  it('every entry is well-formed: claims, method, docker releases, a unique package, a known repository', async () => {
    const { forks } = await loadForkSpecs(FORKS);
    const table = await loadVersionTable();
    assert.ok(Object.keys(forks).length >= 12, 'the forks of FACTS.md are there');
    const packages = new Set<string>();
    for (const [name, fork] of Object.entries(forks)) {
      const nvidia = /^nvidia-runtime-\d+\.\d+\.\d+-docker\d+\.\d+\.\d+$/.test(name);
      if (!nvidia)
        assert.match(
          name,
          /^(centos-)?docker(-ce)?-\d+\.\d+(\.\d+)?$/,
          `${name}: named after the docker release users know`,
        );
      assert.ok(fork.claims, `${name}: claims the upstream version its VERSION file names`);
      assert.ok(fork.method, `${name}: records the method its tree gives`);
      assert.equal(
        fork.version.replace(/^v?/, 'v').replace(/\+dev$/, ''),
        fork.claims,
        `${name}: claims what its version says`,
      );
      const era = eraFor(table.runc, parseVersion('runc', fork.claims));
      assert.equal(
        era?.method,
        fork.method,
        `${name}: specs/versions.yaml has ${era?.method} for ${fork.claims}, the entry ${fork.method}`,
      );
      if (nvidia) {
        // NVIDIA's hook patch is NVIDIA's code: fetched at build time from a pinned commit, checked by digest
        assert.ok(fork.patches.length > 0, `${name}: carries NVIDIA's patch`);
        for (const p of fork.patches) {
          assert.ok(typeof p !== 'string', `${name}: the patch is fetched, never a file committed here`);
          assert.match(
            p.url,
            /^https:\/\/raw\.githubusercontent\.com\/NVIDIA\/nvidia-container-runtime\/[0-9a-f]{40}\/runtime\/runc\/[0-9a-f]{40}\/[^/]+\.patch$/,
          );
        }
        assert.match(fork.repository, /^https:\/\/github\.com\/(docker|opencontainers)\/runc\.git$/);
      } else {
        assert.ok(fork.docker.length > 0, `${name}: lists the docker releases it covers`);
        assert.match(fork.repository, /^https:\/\/github\.com\/(docker|projectatomic)\/runc\.git$/);
      }
      assert.ok(!packages.has(fork.package), `${name}: package ${fork.package} is unique`);
      packages.add(fork.package);
    }
  });

  it('a docker release has at most one answer, and the releases FACTS.md names have the right one', async () => {
    const specs = await loadForkSpecs(FORKS);
    const expected: [string, 'docker' | 'centos', string][] = [
      ['1.12.6', 'docker', 'docker-1.12.6'],
      ['1.12.6', 'centos', 'centos-docker-1.12.6'],
      ['1.13.0', 'docker', 'not-affected'],
      ['1.13.1', 'docker', 'not-affected'],
      ['1.13.1', 'centos', 'not-affected'],
      ['17.03.2', 'docker', 'not-affected'],
      ['17.06.0', 'docker', 'docker-ce-17.06.0'],
      ['17.06.2', 'docker', 'docker-ce-17.06.1'],
      ['17.09.1', 'docker', 'docker-ce-17.09'],
      ['17.12.0', 'docker', 'docker-ce-17.12.0'],
      ['17.12.1', 'docker', 'docker-ce-17.12.1'],
      ['18.06.1', 'docker', 'docker-ce-18.06.0'],
      ['18.06.3', 'docker', 'docker-ce-18.06.2'],
      ['18.09.0', 'docker', 'docker-ce-18.09.0'],
      ['18.09.1', 'docker', 'docker-ce-18.09.1'],
      ['18.09.2', 'docker', 'docker-ce-18.09.2'],
      ['18.09.7', 'docker', 'docker-ce-18.09.2'],
      ['19.03.5', 'docker', 'unknown'],
    ];
    for (const [version, distribution, want] of expected) {
      const a = forDocker(specs, version, distribution);
      assert.equal(a.kind === 'fork' ? a.name : a.kind, want, `${distribution} ${version}`);
    }
    for (const [name, fork] of Object.entries(specs.forks)) {
      for (const d of fork.docker) {
        const others = Object.entries(specs.forks).filter(
          ([n, f]) =>
            n !== name &&
            f.distribution === fork.distribution &&
            f.docker.some((o) => dockerMatches(o, d.replace('+', ''))),
        );
        assert.deepEqual(
          others.map(([n]) => n),
          [],
          `${fork.distribution} ${d} is in ${name} only`,
        );
      }
    }
  });

  it('finds an entry by the commit a binary reports, full or abbreviated', async () => {
    const specs = await loadForkSpecs(FORKS);
    assert.equal(forCommit(specs, '54296cf40ad8143b62dbcaa1d90e520a2136ddfe')?.kind, 'not-affected');
    assert.equal(forCommit(specs, '66aedde759f3')?.kind, 'not-affected');
    const f = forCommit(specs, 'a592beb5bc4c4092b1b1bac971afed27687340c5');
    assert.equal(f?.kind === 'fork' ? f.name : undefined, 'docker-ce-18.06.2');
    assert.equal(forCommit(specs, 'not-a-commit'), undefined);
    assert.equal(forCommit(specs, '0123456789ab'), undefined);
  });

  it('dockerMatches reads "18.09.2+" as that release and its later patch releases', () => {
    assert.ok(dockerMatches('18.09.2+', '18.09.9'));
    assert.ok(dockerMatches('18.09.2+', '18.09.2-ce'));
    assert.ok(!dockerMatches('18.09.2+', '18.09.1'));
    assert.ok(!dockerMatches('18.09.2+', '19.03.0'));
    assert.ok(dockerMatches('17.03.2', 'v17.03.2'));
    assert.ok(!dockerMatches('17.03.2', '17.03.20'));
  });
});
