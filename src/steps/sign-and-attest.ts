// Step: sign the RPMs (v4 header + v3 header/payload signatures), then write the attestations — an SBOM of the
// binary, a provenance statement, the public key — and SHA256SUMS of everything with its detached signature.

import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { provenance, sha256File, sha256sums, spdxSbom } from '../attest.js';
import type { Artifact, BuildContext } from '../context.js';
import { hostMount } from '../docker.js';
import { signDetached, signRpms } from '../rpm/build.js';
import { PUBLIC_KEY_FILE } from '../signing.js';
import type { Step } from '../step.js';
import { allInOrder } from '../verify/index.js';
import { binaryOf, unlessPackagesCached } from './caches.js';

export const signAndAttest: Step<BuildContext> = {
  name: 'sign and attest',
  writes: true,
  skip: unlessPackagesCached,
  async run(ctx) {
    const started = new Date().toISOString();
    const { plan, results } = ctx;
    const key = await results.packages.get('signingKey');
    const docker = results.packages.get('packager');
    const image = ctx.request.packagerImage;
    const record = results.binary.get('record');
    const dir = results.packages.get('packageDir');
    const rpm = results.packages.get('rpm');
    const rpms = [rpm.path];
    const binary = binaryOf(results.binary.get('result')).path;
    const probe = hostMount(binary, true);
    // Each file is hashed once: the binary (while the packages are signed) for the SBOM, the provenance and
    // SHA256SUMS, each signed package, once signed, for the last two.
    const digests = new Map<string, Promise<string>>();
    const digestOf = (file: string): Promise<string> => {
      const known = digests.get(file) ?? sha256File(file);
      digests.set(file, known);
      return known;
    };
    digestOf(binary).catch(() => undefined);
    // The Go build information (for the SBOM) is read while the packages are signed: it reads only the binary.
    const [goVersion] = await allInOrder(
      docker.run({
        image,
        command: ['go', 'version', '-m', probe.container],
        mounts: [probe],
        purpose: 'read the Go build information',
        allowFailure: true,
      }),
      signRpms(rpms, key),
    );
    const made: Artifact[] = [rpm];
    const write = async (name: string, kind: Artifact['kind'], content: string) => {
      await writeFile(path.join(dir, name), content);
      made.push({ name, path: path.join(dir, name), kind });
    };

    const binarySha = await digestOf(binary);
    const base = `${plan.binaryName}-${plan.version.tag}`;
    await write(
      `${base}.spdx.json`,
      'sbom',
      `${JSON.stringify(spdxSbom({ record, binaryName: plan.binaryName, binarySha256: binarySha, goVersionOutput: goVersion.stdout, modules: results.binary.get('modules'), epoch: record.source.commitTime }), null, 2)}\n`,
    );
    await write(PUBLIC_KEY_FILE, 'public-key', key.publicKeyArmored);

    const subjects = [];
    for (const f of [...rpms, binary]) subjects.push({ name: path.basename(f), sha256: await digestOf(f) });
    const statement = provenance({
      record,
      subjects,
      builderId: ctx.request.provenance.builderId,
      invocationId: ctx.request.provenance.invocationId ?? `urn:nokmem:build:${plan.cacheKey}`,
      startedOn: started,
      finishedOn: new Date().toISOString(),
    });
    await write(`${base}.provenance.json`, 'provenance', `${JSON.stringify(statement, null, 2)}\n`);

    // SHA256SUMS covers every file of the output: the packages and attestations here, and the verified result.
    const result = results.binary
      .get('result')
      .filter((a) => a.kind !== 'modules')
      .map((a) => a.path);
    await write('SHA256SUMS', 'sums', await sha256sums([...made.map((a) => a.path), ...result], digestOf));
    await signDetached(path.join(dir, 'SHA256SUMS'), key);
    made.push({ name: 'SHA256SUMS.asc', path: path.join(dir, 'SHA256SUMS.asc'), kind: 'sums-signature' });
    results.packages.set('packages', made);
  },
};
