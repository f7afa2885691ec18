// Step: keep the verified result in the result cache under its input key, with its build record, so that the
// same inputs a second time are a cache hit.

import { readFile } from 'node:fs/promises';
import { type DirContent, writeDirAtomically } from '../atomic-dir.js';
import { sha256 } from '../attest.js';
import type { BuildContext, BuildRecord } from '../context.js';
import { NOKMEM_VERSION } from '../meta.js';
import type { Step } from '../step.js';
import { MODULES_FILE, resultDir, unlessCached } from './reuse.js';

async function sha256File(file: string): Promise<{ sha256: string; size: number }> {
  const bytes = await readFile(file);
  return { sha256: sha256(bytes), size: bytes.length };
}

export const store: Step<BuildContext> = {
  name: 'store result',
  writes: true,
  skip: unlessCached,
  async run(ctx) {
    const plan = ctx.plan!;
    const files: DirContent = { [plan.binaryName]: { copyFrom: ctx.binary! } };
    const digests: BuildRecord['files'] = { [plan.binaryName]: await sha256File(ctx.binary!) };
    if (ctx.applied) {
      files['nokmem.patch'] = { text: ctx.applied.diff };
      digests['nokmem.patch'] = { sha256: sha256(ctx.applied.diff), size: Buffer.byteLength(ctx.applied.diff) };
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
        commitTime: ctx.commitTime ?? 0,
      },
      method: plan.method === 'from-tree' ? 'none' : plan.method,
      reason: plan.reason,
      inspection: ctx.inspection ? { method: ctx.inspection.method, evidence: ctx.inspection.evidence } : undefined,
      fork: plan.fork
        ? {
            name: plan.fork.name,
            patches: plan.fork.patches.map((p) => ({
              file: p.name,
              sha256: p.sha256,
              ...(p.fetched ? { url: p.source } : {}),
            })),
            binary: plan.binaryName,
            package: plan.fork.packageName,
          }
        : undefined,
      patch:
        plan.patch && ctx.applied
          ? {
              recipe: `patches/${plan.patch.name}.yaml`,
              recipeDigest: plan.patch.digest,
              diffDigest: `sha256:${digests['nokmem.patch']?.sha256}`,
              file: 'nokmem.patch',
            }
          : null,
      go: { upstream: plan.goVersion, used: ctx.goUsed ?? 'unknown' },
      toolchain: plan.toolchain
        ? {
            image: plan.toolchain.image,
            go: plan.toolchain.go,
            why: plan.toolchain.why,
            tree: ctx.treeToolchain ?? {},
            expected: plan.toolchainNeeds,
            ...(plan.toolchain.risk ? { risk: plan.toolchain.risk } : {}),
          }
        : undefined,
      image: { reference: plan.image, id: plan.imageId ?? '' },
      flags: { make: plan.make, env: plan.env },
      files: digests,
      verification: ctx.verdict!,
      builtAt: new Date().toISOString(),
      nokmem: NOKMEM_VERSION,
    };
    files['build-record.json'] = { text: `${JSON.stringify(record, null, 2)}\n` };
    files[MODULES_FILE] = { text: `${JSON.stringify(ctx.modules ?? [], null, 2)}\n` };
    await writeDirAtomically(resultDir(ctx), files);
    ctx.record = record;
  },
};
