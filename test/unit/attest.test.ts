// What a build hands out for trust without a rebuild (src/attest.ts): SHA256SUMS, the SPDX SBOM and the SLSA
// provenance statement. They are pure functions of their inputs: the same inputs give the same bytes.

import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { parseSha256sums, provenance, sha256, sha256sums, spdxSbom } from '../../src/attest.ts';
import type { BuildRecord } from '../../src/context.ts';
import { NOKMEM_VERSION } from '../../src/meta.ts';

const COMMIT = '4fc53a81fb7c994640722ac585fa9ca548971871';
const IMAGE_ID = `sha256:${'ab'.repeat(32)}`;
const RECIPE_DIGEST = `sha256:${'cd'.repeat(32)}`;

const record: BuildRecord = {
  schema: 'nokmem/build-record@1',
  component: 'runc',
  version: 'v1.0.0-rc5',
  source: {
    repository: 'https://github.com/opencontainers/runc',
    tag: 'v1.0.0-rc5',
    commit: COMMIT,
    pinned: true,
    commitTime: 1519252845,
  },
  method: 'source-patch',
  reason: 'rc2-rc5 enable kmem for every new memory cgroup',
  patch: {
    recipe: 'patches/libcontainer-nokmem.yaml',
    recipeDigest: RECIPE_DIGEST,
    diffDigest: 'sha256:0000',
    file: 'nokmem.diff',
  },
  go: { upstream: '1.9', used: '1.15.15' },
  image: { reference: 'nokmem-builder:debian-go1.15', id: IMAGE_ID },
  flags: { make: ['static', 'BUILDTAGS=seccomp'], env: { CGO_ENABLED: '1' } },
  files: { runc: { sha256: 'ef'.repeat(32), size: 10 } },
  verification: { ok: true, checks: [{ name: 'static proof', status: 'pass', detail: 'no kmem symbols' }] },
  builtAt: '2024-01-01T00:00:00Z',
  nokmem: NOKMEM_VERSION,
};

let root = '';
before(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'nokmem-attest-'));
});
after(() => rm(root, { recursive: true, force: true }));
const tempDir = () => mkdtemp(path.join(root, 'd-'));

describe('sha256sums', () => {
  it('lists each file by name, sorted, in the format sha256sum -c reads', async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, 'b.rpm'), 'bee');
    await writeFile(path.join(dir, 'a.rpm'), 'ay');
    const text = await sha256sums([path.join(dir, 'b.rpm'), path.join(dir, 'a.rpm')]);
    assert.equal(text, `${sha256('ay')}  a.rpm\n${sha256('bee')}  b.rpm\n`);
    await writeFile(path.join(dir, 'SHA256SUMS'), text);
    const check = await execa('sha256sum', ['-c', 'SHA256SUMS'], { cwd: dir, reject: false });
    assert.equal(check.exitCode, 0, check.stderr);
  });

  it('is read back by parseSha256sums, which also takes binary-mode lines and skips others', async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, 'x'), 'x');
    const parsed = parseSha256sums(`${await sha256sums([path.join(dir, 'x')])}# a comment\n${'0'.repeat(64)} *y.bin\n`);
    assert.deepEqual(
      [...parsed],
      [
        ['x', sha256('x')],
        ['y.bin', '0'.repeat(64)],
      ],
    );
  });

  it('sha256 is the hex digest of the bytes', () => {
    assert.equal(sha256(''), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    assert.equal(sha256(Buffer.from('abc')), sha256('abc'));
  });
});

describe('spdxSbom', () => {
  const input = {
    record,
    binaryName: 'runc',
    binarySha256: 'ef'.repeat(32),
    goVersionOutput:
      'runc: go1.15.15\n\tpath\tgithub.com/opencontainers/runc\n\tdep\tgolang.org/x/sys\tv0.1.0\th1:abc=\n',
    modules: [
      { path: 'golang.org/x/sys', version: 'v0.0.0-vendored' },
      { path: 'github.com/urfave/cli', version: 'v1.20.0' },
    ],
    epoch: 1519252845,
  };
  type Sbom = {
    spdxVersion: string;
    documentNamespace: string;
    creationInfo: { created: string; creators: string[] };
    packages: { SPDXID: string; name: string; versionInfo: string; checksums?: unknown[]; downloadLocation: string }[];
    relationships: { spdxElementId: string; relationshipType: string; relatedSpdxElement: string }[];
  };

  it('describes the binary, then every dependency once, build info before the vendored list', () => {
    const sbom = spdxSbom(input) as Sbom;
    assert.equal(sbom.spdxVersion, 'SPDX-2.3');
    assert.equal(sbom.creationInfo.created, '2018-02-21T22:40:45Z');
    assert.deepEqual(sbom.creationInfo.creators, [`Tool: nokmem-${NOKMEM_VERSION}`]);
    const [main, ...deps] = sbom.packages;
    assert.equal(main?.name, 'runc');
    assert.equal(main?.versionInfo, 'v1.0.0-rc5');
    assert.equal(main?.downloadLocation, `git+https://github.com/opencontainers/runc@${COMMIT}`);
    assert.deepEqual(main?.checksums, [{ algorithm: 'SHA256', checksumValue: 'ef'.repeat(32) }]);
    assert.deepEqual(
      deps.map((d) => [d.name, d.versionInfo]),
      [
        ['github.com/urfave/cli', 'v1.20.0'],
        ['golang.org/x/sys', 'v0.1.0'],
      ],
    );
    for (const p of sbom.packages) assert.match(p.SPDXID, /^SPDXRef-[A-Za-z0-9.-]+$/);
  });

  it('relates the document to the binary and the binary to each dependency', () => {
    const sbom = spdxSbom(input) as Sbom;
    const main = sbom.packages[0]!.SPDXID;
    assert.deepEqual(sbom.relationships[0], {
      spdxElementId: 'SPDXRef-DOCUMENT',
      relationshipType: 'DESCRIBES',
      relatedSpdxElement: main,
    });
    assert.deepEqual(
      sbom.relationships.slice(1).map((r) => [r.spdxElementId, r.relationshipType, r.relatedSpdxElement]),
      sbom.packages.slice(1).map((p) => [main, 'CONTAINS', p.SPDXID]),
    );
  });

  it('writes the same bytes for the same inputs, whatever the order of the vendored list', () => {
    const again = spdxSbom({ ...input, modules: [...input.modules].reverse() });
    assert.equal(JSON.stringify(again), JSON.stringify(spdxSbom(input)));
  });
});

describe('provenance', () => {
  const input = {
    record,
    subjects: [{ name: 'runc-nokmem-1.0.0~rc5-0.nokmem.1.x86_64.rpm', sha256: '12'.repeat(32) }],
    builderId: 'https://github.com/example/nokmem/.github/workflows/release.yml',
    invocationId: 'run-1',
    startedOn: '2024-01-01T00:00:00Z',
    finishedOn: '2024-01-01T00:10:00Z',
  };
  type Statement = {
    _type: string;
    predicateType: string;
    subject: { name: string; digest: { sha256: string } }[];
    predicate: {
      buildDefinition: {
        externalParameters: Record<string, unknown>;
        internalParameters: Record<string, unknown>;
        resolvedDependencies: { uri: string; digest: Record<string, string> }[];
      };
      runDetails: {
        builder: { id: string; version: Record<string, string> };
        metadata: Record<string, string>;
        byproducts: { name: string; content: string; mediaType: string }[];
      };
    };
  };

  it('is an in-toto v1 statement with a SLSA v1 predicate naming each subject by digest', () => {
    const s = provenance(input) as Statement;
    assert.equal(s._type, 'https://in-toto.io/Statement/v1');
    assert.equal(s.predicateType, 'https://slsa.dev/provenance/v1');
    assert.deepEqual(s.subject, [
      { name: 'runc-nokmem-1.0.0~rc5-0.nokmem.1.x86_64.rpm', digest: { sha256: '12'.repeat(32) } },
    ]);
    assert.deepEqual(s.predicate.buildDefinition.externalParameters, {
      component: 'runc',
      version: 'v1.0.0-rc5',
      repository: 'https://github.com/opencontainers/runc',
    });
    assert.equal(s.predicate.buildDefinition.internalParameters.method, 'source-patch');
    assert.deepEqual(s.predicate.runDetails.builder, { id: input.builderId, version: { nokmem: NOKMEM_VERSION } });
    assert.deepEqual(s.predicate.runDetails.metadata, {
      invocationId: 'run-1',
      startedOn: '2024-01-01T00:00:00Z',
      finishedOn: '2024-01-01T00:10:00Z',
    });
  });

  it('resolves the source by commit, the image by id and the patch recipe by digest, without "sha256:"', () => {
    const deps = (provenance(input) as Statement).predicate.buildDefinition.resolvedDependencies;
    assert.deepEqual(deps, [
      { uri: 'git+https://github.com/opencontainers/runc@refs/tags/v1.0.0-rc5', digest: { gitCommit: COMMIT } },
      { uri: 'docker-image:nokmem-builder:debian-go1.15', digest: { sha256: 'ab'.repeat(32) } },
      { uri: 'patches/libcontainer-nokmem.yaml', digest: { sha256: 'cd'.repeat(32) } },
    ]);
    const buildTag = provenance({ ...input, record: { ...record, method: 'build-tag', patch: null } }) as Statement;
    assert.equal(buildTag.predicate.buildDefinition.resolvedDependencies.length, 2);
  });

  it('carries the verification verdict as a base64 JSON byproduct', () => {
    const [byproduct] = (provenance(input) as Statement).predicate.runDetails.byproducts;
    assert.equal(byproduct?.mediaType, 'application/json');
    assert.deepEqual(JSON.parse(Buffer.from(byproduct?.content ?? '', 'base64').toString()), record.verification);
  });

  it('writes the same bytes for the same inputs', () => {
    assert.equal(JSON.stringify(provenance(input)), JSON.stringify(provenance({ ...input })));
  });
});
