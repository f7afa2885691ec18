// What a build hands to someone who must trust it without rebuilding: SHA256SUMS of every artifact, an SBOM
// per binary (SPDX 2.3 JSON, from the Go build information and the vendored module list), and a provenance
// statement (in-toto Statement v1 with a SLSA v1 provenance predicate). All are pure functions of their
// inputs, so a rebuild writes the same bytes.

import { sha256File } from './digest.js';
import path from 'node:path';
import type { BuildRecord } from './context.js';
import { NOKMEM_VERSION } from './meta.js';
import type { VendoredModule } from './vendored.js';

export { sha256, sha256File } from './digest.js';

/** SHA256SUMS of the files; `digest` may answer from digests already taken. */
export async function sha256sums(
  files: string[],
  digest: (file: string) => Promise<string> = sha256File,
): Promise<string> {
  const lines: string[] = [];
  for (const file of [...files].sort()) lines.push(`${await digest(file)}  ${path.basename(file)}`);
  return `${lines.join('\n')}\n`;
}

export function parseSha256sums(text: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^([0-9a-f]{64}) [ *](.+)$/.exec(line.trim());
    if (m) map.set(m[2]!, m[1]!);
  }
  return map;
}

const spdxId = (s: string) => `SPDXRef-${s.replace(/[^A-Za-z0-9.-]/g, '-')}`;

export function spdxSbom(input: {
  record: BuildRecord;
  binaryName: string;
  binarySha256: string;
  goVersionOutput: string;
  modules: VendoredModule[];
  epoch: number;
}): object {
  const { record } = input;
  const upstream = record.component === 'kubelet' ? 'k8s.io/kubernetes' : 'github.com/opencontainers/runc';
  const built = new Date(input.epoch * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const deps = new Map<string, string>();
  // `go version -m`: "dep <path> <version> [<sum>]" lines (module builds); GOPATH builds list none.
  for (const m of input.goVersionOutput.matchAll(/^\s*dep\s+(\S+)\s+(\S+)/gm)) deps.set(m[1]!, m[2]!);
  for (const m of input.modules) if (!deps.has(m.path)) deps.set(m.path, m.version);
  const main = spdxId(`Package-${input.binaryName}`);
  const packages = [
    {
      SPDXID: main,
      name: input.binaryName,
      versionInfo: record.version,
      supplier: 'Organization: nokmem',
      downloadLocation: `git+${record.source.repository}@${record.source.commit}`,
      filesAnalyzed: false,
      checksums: [{ algorithm: 'SHA256', checksumValue: input.binarySha256 }],
      externalRefs: [
        {
          referenceCategory: 'PACKAGE-MANAGER',
          referenceType: 'purl',
          referenceLocator: `pkg:golang/${upstream}@${record.version}`,
        },
      ],
      comment: `Built without kernel-memory accounting; method: ${record.method}${record.patch ? `, patch ${record.patch.diffDigest}` : ''}; Go ${record.go.used}`,
    },
    ...[...deps]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([p, v]) => ({
        SPDXID: spdxId(`Package-${p}`),
        name: p,
        versionInfo: v,
        downloadLocation: 'NOASSERTION',
        filesAnalyzed: false,
        externalRefs: [
          { referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: `pkg:golang/${p}@${v}` },
        ],
      })),
  ];
  return {
    spdxVersion: 'SPDX-2.3',
    dataLicense: 'CC0-1.0',
    SPDXID: 'SPDXRef-DOCUMENT',
    name: `${input.binaryName}-${record.version}`,
    documentNamespace: `urn:nokmem:spdx:${record.component}:${record.version}:${input.binarySha256}`,
    creationInfo: { created: built, creators: [`Tool: nokmem-${NOKMEM_VERSION}`] },
    packages,
    relationships: [
      { spdxElementId: 'SPDXRef-DOCUMENT', relationshipType: 'DESCRIBES', relatedSpdxElement: main },
      ...packages
        .slice(1)
        .map((p) => ({ spdxElementId: main, relationshipType: 'CONTAINS', relatedSpdxElement: p.SPDXID })),
    ],
  };
}

export function provenance(input: {
  record: BuildRecord;
  subjects: { name: string; sha256: string }[];
  builderId: string;
  invocationId: string;
  startedOn: string;
  finishedOn: string;
}): object {
  const { record } = input;
  return {
    _type: 'https://in-toto.io/Statement/v1',
    subject: input.subjects.map((s) => ({ name: s.name, digest: { sha256: s.sha256 } })),
    predicateType: 'https://slsa.dev/provenance/v1',
    predicate: {
      buildDefinition: {
        buildType: 'urn:nokmem:build:v1',
        externalParameters: {
          component: record.component,
          version: record.version,
          repository: record.source.repository,
        },
        internalParameters: {
          method: record.method,
          make: record.flags.make,
          env: record.flags.env,
          patch: record.patch,
          goUpstream: record.go.upstream,
          goUsed: record.go.used,
        },
        resolvedDependencies: [
          {
            uri: `git+${record.source.repository}@refs/tags/${record.source.tag}`,
            digest: { gitCommit: record.source.commit },
          },
          {
            uri: `docker-image:${record.image.reference}`,
            digest: { sha256: record.image.id.replace(/^sha256:/, '') },
          },
          ...(record.patch
            ? [{ uri: record.patch.recipe, digest: { sha256: record.patch.recipeDigest.replace(/^sha256:/, '') } }]
            : []),
        ],
      },
      runDetails: {
        builder: { id: input.builderId, version: { nokmem: NOKMEM_VERSION } },
        metadata: { invocationId: input.invocationId, startedOn: input.startedOn, finishedOn: input.finishedOn },
        byproducts: [
          {
            name: 'verification',
            content: Buffer.from(JSON.stringify(record.verification)).toString('base64'),
            mediaType: 'application/json',
          },
        ],
      },
    },
  };
}
