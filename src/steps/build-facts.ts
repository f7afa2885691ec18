// What the binary of this run is and how it was built (the build record without its files, proofs and time), made
// by the step that compiles it: packaging reads it while the binary is being proven, and store result completes it
// into the build record with the proofs. A cached build's facts are its record's.

import { sha256 } from '../attest.js';
import type { BuildContext, BuildFacts, BuildRecord } from '../context.js';
import { forkOf } from '../plan.js';

/** The facts of the binary just compiled with `goUsed`, from the plan and what the source steps decided. */
export function buildFacts(ctx: BuildContext, goUsed: string): BuildFacts {
  const { plan } = ctx;
  const source = ctx.results.source;
  const fork = forkOf(plan);
  const applied = source.maybe('applied');
  const { recipe, toolchain, inspection, treeToolchain, treeBuild } = source.get('decision');
  return {
    schema: 'nokmem/build-record@1',
    component: plan.component,
    version: plan.version.tag,
    source: {
      repository: plan.source.remote,
      tag: plan.source.tag,
      commit: plan.source.commit,
      pinned: plan.source.pinned,
      commitTime: source.get('commitTime'),
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
            diffDigest: `sha256:${sha256(applied.diff)}`,
            file: 'nokmem.patch',
          }
        : null,
    go: { upstream: plan.goVersion, used: goUsed },
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
  };
}

/** The facts of a cached build: its record without its files, proofs and time. */
export function factsOf(record: BuildRecord): BuildFacts {
  const facts: Partial<BuildRecord> = { ...record };
  delete facts.files;
  delete facts.verification;
  delete facts.builtAt;
  delete facts.nokmem;
  return facts as BuildFacts;
}
