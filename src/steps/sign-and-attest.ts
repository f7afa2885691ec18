// Step: sign the RPMs (v4 header + v3 header/payload signatures), then write the attestations — an SBOM of the
// binary, a provenance statement, the public key — and SHA256SUMS of everything with its detached signature.

import { readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { provenance, sha256, sha256sums, spdxSbom } from '../attest.js';
import type { BuildContext } from '../context.js';
import { hostMount } from '../docker.js';
import { signDetached, signRpms } from '../rpm/build.js';
import type { Step } from '../step.js';
import { MODULES_FILE, resultDir } from './reuse.js';
import { unlessPackagesCached } from './reuse-packages.js';

export const PUBLIC_KEY_FILE = 'RPM-GPG-KEY-nokmem';

export const signAndAttest: Step<BuildContext> = {
  name: 'sign and attest',
  writes: true,
  skip: unlessPackagesCached,
  async run(ctx) {
    const started = new Date().toISOString();
    const docker = ctx.signingKey!.packager;
    const image = ctx.request.packagerImage;
    const plan = ctx.plan!;
    const record = ctx.record!;
    const dir = ctx.packageDir!;
    const key = ctx.signingKey!;
    const rpms = (await readdir(dir)).filter((f) => f.endsWith('.rpm')).map((f) => path.join(dir, f));
    await signRpms(rpms, key, docker, image);

    const binary = path.join(resultDir(ctx), plan.binaryName);
    const binarySha = sha256(await readFile(binary));
    const probe = hostMount(binary, true);
    const goVersion = await docker.run({
      image,
      command: ['go', 'version', '-m', probe.container],
      mounts: [probe],
      purpose: 'read the Go build information',
      allowFailure: true,
    });
    const base = `${plan.binaryName}-${plan.version.tag}`;
    await writeFile(
      path.join(dir, `${base}.spdx.json`),
      `${JSON.stringify(spdxSbom({ record, binaryName: plan.binaryName, binarySha256: binarySha, goVersionOutput: goVersion.stdout, modules: ctx.modules ?? [], epoch: record.source.commitTime }), null, 2)}\n`,
    );
    await writeFile(path.join(dir, PUBLIC_KEY_FILE), key.publicKeyArmored);

    const subjects = [];
    for (const f of [...rpms, binary]) subjects.push({ name: path.basename(f), sha256: sha256(await readFile(f)) });
    const statement = provenance({
      record,
      subjects,
      builderId: process.env.GITHUB_ACTIONS
        ? `${process.env.GITHUB_SERVER_URL}/${process.env.GITHUB_REPOSITORY}/.github/workflows/release.yml`
        : `urn:nokmem:builder:local`,
      invocationId: process.env.GITHUB_RUN_ID
        ? `${process.env.GITHUB_SERVER_URL}/${process.env.GITHUB_REPOSITORY}/actions/runs/${process.env.GITHUB_RUN_ID}`
        : `urn:nokmem:build:${plan.cacheKey}`,
      startedOn: started,
      finishedOn: new Date().toISOString(),
    });
    await writeFile(path.join(dir, `${base}.provenance.json`), `${JSON.stringify(statement, null, 2)}\n`);

    // SHA256SUMS covers every file of the output: the packages and attestations here, and the verified result.
    const result = (await readdir(resultDir(ctx)))
      .filter((f) => f !== MODULES_FILE)
      .map((f) => path.join(resultDir(ctx), f));
    const here = (await readdir(dir)).map((f) => path.join(dir, f));
    await writeFile(path.join(dir, 'SHA256SUMS'), await sha256sums([...here, ...result]));
    await signDetached(path.join(dir, 'SHA256SUMS'), key, docker, image);
  },
};
