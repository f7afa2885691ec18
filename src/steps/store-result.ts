// Step: keep the verified result in the result cache under its input key, with its build record, so that the
// same inputs a second time are a cache hit.

import { readFile } from 'node:fs/promises';
import { type DirContent, writeDirAtomically } from '../atomic-dir.js';
import { sha256 } from '../attest.js';
import type { BuildContext, BuildRecord } from '../context.js';
import { NOKMEM_VERSION } from '../meta.js';
import { forkOf } from '../plan.js';
import type { Step } from '../step.js';
import { MODULES_FILE, resultArtifacts, resultDir, unlessCached } from './caches.js';

async function sha256File(file: string): Promise<{ sha256: string; size: number }> {
  const bytes = await readFile(file);
  return { sha256: sha256(bytes), size: bytes.length };
}

export const storeResult: Step<BuildContext> = {
  name: 'store result',
  writes: true,
  skip: unlessCached,
  async run(ctx) {
    const { plan, results } = ctx;
    const fork = forkOf(plan);
    const binary = results.binary.get('binary');
    const applied = results.source.maybe('applied');
    const { recipe, toolchain, inspection, treeToolchain, treeBuild } = results.source.get('decision');
    const files: DirContent = { [plan.binaryName]: { copyFrom: binary } };
    const digests: BuildRecord['files'] = { [plan.binaryName]: await sha256File(binary) };
    if (applied) {
      files['nokmem.patch'] = { text: applied.diff };
      digests['nokmem.patch'] = { sha256: sha256(applied.diff), size: Buffer.byteLength(applied.diff) };
    }
    const record: BuildRecord = {
      schema: 'nokmem/build-record@1',
      component: plan.component,
      version: plan.version.tag,
      source: {
        repository: plan.source.remote,
        tag: plan.source.tag,
        commit: plan.source.commit,
        pinned: plan.source.pinned,
        commitTime: results.source.get('commitTime'),
      },
      method: recipe.method,
      reason: plan.reason,
      inspection: { method: inspection.method, evidence: inspection.evidence },
      fork: fork
        ? {
            name: fork.name,
            patches: fork.patches.map((p) => ({
              file: p.name,
              sha256: p.sha256,
              ...(p.fetched ? { url: p.source } : {}),
            })),
            binary: plan.binaryName,
            package: fork.packageName,
          }
        : undefined,
      patch:
        recipe.patch && applied
          ? {
              recipe: `patches/${recipe.patch.name}.yaml`,
              recipeDigest: recipe.patch.digest,
              diffDigest: `sha256:${digests['nokmem.patch']?.sha256}`,
              file: 'nokmem.patch',
            }
          : null,
      go: { upstream: plan.goVersion, used: results.binary.get('goUsed') },
      toolchain: toolchain
        ? {
            image: toolchain.image,
            go: toolchain.go,
            why: toolchain.why,
            tree: treeToolchain,
            expected: plan.toolchainNeeds,
            ...(toolchain.risk ? { risk: toolchain.risk } : {}),
            ...(toolchain.behaviour?.length ? { behaviour: toolchain.behaviour } : {}),
            ...(toolchain.restoreEnv ? { restoreEnv: toolchain.restoreEnv } : {}),
          }
        : undefined,
      link: { ...plan.link, tree: treeBuild?.link.evidence ?? 'not asked' },
      image: { reference: plan.image, id: plan.imageId ?? '' },
      flags: { make: [...recipe.make], env: { ...recipe.env } },
      files: digests,
      verification: results.binary.get('verdict'),
      builtAt: new Date().toISOString(),
      nokmem: NOKMEM_VERSION,
    };
    files['build-record.json'] = { text: `${JSON.stringify(record, null, 2)}\n` };
    files[MODULES_FILE] = { text: `${JSON.stringify(results.binary.get('modules'), null, 2)}\n` };
    await writeDirAtomically(resultDir(ctx), files);
    results.binary.set('record', record);
    results.binary.set('result', resultArtifacts(ctx, record));
  },
};
