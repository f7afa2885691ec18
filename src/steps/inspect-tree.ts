// Step: read the tree's libcontainer to decide the method. For a fork this is the decision; for an upstream
// version it must agree with specs/versions.yaml (and with a fork's claimed version), or the build stops with
// both answers: either the table or the tree is wrong. Then ask the tree's own build scripts (src/tree-build.ts)
// what they will do with the chosen toolchain, before any compile: their Go check has the last word on the Go,
// and their linkage and version must be what specs/ say. All it decides is one value, the TreeDecision, set once:
// every later step reads the recipe, the toolchain and the tree's answers from there.

import type { ForkResolved, Recipe, SourceContext, TreeDecision } from '../context.js';
import { InputError, PinMismatch } from '../errors.js';
import { type TreeInspection, inspectLibcontainer } from '../inspect-libcontainer.js';
import { planTitle } from '../plan.js';
import type { Step } from '../step.js';
import { askTree } from '../tree-build.js';
import {
  type ToolchainChoice,
  ToolchainRefused,
  type TreeToolchainFacts,
  describeSafeRange,
  loadToolchains,
  readTreeToolchainFacts,
  toolchainProblem,
} from '../toolchain.js';
import { forkRecipe, unlessCached } from './caches.js';

const asInspected = (method: string) => (method === 'none' ? 'not-affected' : method);

/**
 * The tree's own word on the Go it needs (its minimum, the reflect2 it vendors) against the chosen toolchain:
 * like the method, the data in specs/ is checked against the tree, and the tree wins. Returns the toolchain with
 * the risk the tree shows, when --allow-toolchain-risk accepted it.
 */
async function checkToolchain(ctx: SourceContext, facts: TreeToolchainFacts): Promise<ToolchainChoice | undefined> {
  const { plan } = ctx;
  // how the tree compares Go versions is not judged from its text here: its own check is run (askTheTree)
  const needs = {
    upstream: plan.toolchainNeeds.upstream,
    minimumGo: facts.minimumGo?.version,
    reflect2: facts.reflect2?.version,
  };
  const said = [
    facts.minimumGo && `minimum Go ${facts.minimumGo.version} (${facts.minimumGo.from})`,
    facts.goCheck?.compare === 'lexical' && `a Go check that compares versions as strings (${facts.goCheck.from})`,
    facts.reflect2 && `reflect2 ${facts.reflect2.version} (${facts.reflect2.from})`,
  ].filter(Boolean);
  ctx.deps.log.info(
    `  toolchain: the tree states ${said.length ? said.join(', ') : 'no minimum Go and vendors no reflect2'}`,
  );
  const expected = plan.toolchainNeeds;
  const compares = (c?: string) => `compares Go versions ${c === 'lexical' ? 'as strings' : 'numerically'}`;
  if (plan.component === 'kubelet' && (expected.goCheck ?? 'numeric') !== (facts.goCheck?.compare ?? 'numeric'))
    ctx.deps.log.warn(
      `specs/versions.yaml says the Go check of ${plan.component} ${plan.version.tag} ${compares(expected.goCheck)}, but its hack/lib/golang.sh ${compares(facts.goCheck?.compare)}: the tree's own check decides (fix the table)`,
    );
  if (expected.minimumGo !== needs.minimumGo || expected.reflect2 !== needs.reflect2) {
    ctx.deps.log.warn(
      `specs/versions.yaml expects minimum Go ${expected.minimumGo ?? '-'} and reflect2 ${expected.reflect2 ?? '-'} for ${plan.component} ${plan.version.tag}; the tree says ${needs.minimumGo ?? '-'} and ${needs.reflect2 ?? '-'}: the tree is used (fix the table)`,
    );
  }
  // `nokmem prepare` compiles nothing: the facts are reported, no toolchain is chosen
  const choice = 'toolchain' in plan ? plan.toolchain : undefined;
  if (!choice) return undefined;
  const specs = await loadToolchains(ctx.request.specsDir);
  const problem = toolchainProblem(choice.go, needs, specs);
  if (!problem) return choice;
  if (!ctx.request.allowToolchainRisk) {
    throw new ToolchainRefused(
      `${choice.image} (Go ${choice.go}) is unsafe for this tree: ${problem}; use an image with ${describeSafeRange(needs, specs)}, or pass --allow-toolchain-risk to build anyway and record the risk`,
    );
  }
  if (choice.risk) return choice;
  ctx.deps.log.warn(
    `building with Go ${choice.go} although ${problem} (--allow-toolchain-risk); recorded in the build record and the package`,
  );
  return { ...choice, risk: problem };
}

/** The recipe of a fork, from what its tree shows. */
function forkTreeRecipe(ctx: SourceContext, plan: ForkResolved, found: TreeInspection): Recipe {
  const { fork } = plan;
  if (fork.claims && plan.era.method !== 'unknown' && plan.era.method !== found.method) {
    throw disagree(
      found,
      `fork ${fork.name} claims runc ${fork.claims}, for which specs/versions.yaml`,
      plan.era.method,
    );
  }
  if (fork.method && fork.method !== found.method) {
    throw disagree(found, `specs/forks.yaml for fork ${fork.name}`, fork.method);
  }
  if (found.method === 'not-affected' && !ctx.request.force) {
    throw new InputError(
      `fork ${fork.name} at ${plan.source.commit} is not affected (${found.evidence}); nothing to build. Use --force to build it anyway.`,
    );
  }
  const method = found.method === 'not-affected' ? 'none' : found.method;
  return {
    method,
    ...forkRecipe(method, found.layout, plan.source.commit),
    marker: method === 'source-patch' ? true : method === 'build-tag' ? found.marker : false,
    patch: method === 'source-patch' ? plan.forkPatchRecipe : undefined,
    layout: found.layout,
  };
}

const disagree = (found: TreeInspection, what: string, said: string) =>
  new PinMismatch(
    `${what} says ${said}, but the tree says ${found.method} (${found.evidence}); ` +
      'either the table or the tree is wrong: check specs/versions.yaml and the source before building',
  );

/**
 * The tree's own build scripts, asked with the chosen toolchain (kubernetes) or read (runc). `nokmem prepare` chooses
 * no builder image: kubernetes' scripts are then not run.
 */
async function askTheTree(
  ctx: SourceContext,
  tree: string,
  recipe: Recipe,
  facts: TreeToolchainFacts,
  toolchain?: ToolchainChoice,
) {
  const { plan } = ctx;
  const { log } = ctx.deps;
  const what = planTitle(plan);
  if (!toolchain && plan.component === 'kubelet') {
    log.info("  the tree's own Go check and linkage: not asked (no builder image is chosen: nothing is compiled)");
    return undefined;
  }
  const answers = await askTree(
    {
      component: plan.component,
      tree,
      mountPath: plan.mountPath,
      image: toolchain?.image ?? '',
      env: recipe.env,
      make: recipe.make,
    },
    ctx.deps.docker,
  );
  const check = answers.goCheck;
  if (check) {
    log.info(`  ${check.from}: Go ${check.go} ${check.ok ? 'passes' : `is refused (${check.said})`}`);
    if (!check.ok) {
      const needs = {
        upstream: plan.toolchainNeeds.upstream,
        minimumGo: facts.minimumGo?.version ?? plan.toolchainNeeds.minimumGo,
        goCheck: facts.goCheck?.compare ?? plan.toolchainNeeds.goCheck,
      };
      const specs = await loadToolchains(ctx.request.specsDir);
      throw new ToolchainRefused(
        `${what}: the tree's own Go check (${check.from}) refuses Go ${check.go} of ${toolchain?.image ?? 'the builder image'} ` +
          `("${check.said}"); it needs ${describeSafeRange(needs, specs)}: make an image with ` +
          `\`nokmem builder-image --go ${plan.toolchainNeeds.upstream}\` and pass it with --image`,
      );
    }
  }
  log.info(`  link: ${answers.link.mode} (${answers.link.evidence})`);
  if (answers.link.mode !== plan.link.mode)
    throw new PinMismatch(
      `specs/versions.yaml says ${what} is linked ${plan.link.mode} (${plan.link.reason}), but the tree says ` +
        `${answers.link.mode} (${answers.link.evidence}); either the table or the tree is wrong: check specs/versions.yaml and the source before building`,
    );
  if (answers.version !== undefined && answers.version !== plan.reportsVersion)
    throw new PinMismatch(
      `the tree's VERSION says ${answers.version}, but ${plan.kind === 'fork' ? 'specs/forks.yaml' : 'specs/versions.yaml'} expects ${what} to report ` +
        `${plan.reportsVersion}; a release binary prints its VERSION file: record what it prints ` +
        `(${plan.kind === 'fork' ? "the fork's version" : `${plan.component}.reports`}) or check the source`,
    );
  return answers;
}

export const inspectTree: Step<SourceContext> = {
  name: 'inspect tree',
  writes: true,
  skip: unlessCached,
  async run(ctx) {
    const { plan, results } = ctx;
    const tree = results.source.get('tree');
    const inspection = await inspectLibcontainer(tree, plan.libcontainerRoot);
    ctx.deps.log.info(`  ${inspection.method}: ${inspection.evidence}`);
    const treeToolchain = await readTreeToolchainFacts(tree);
    const toolchain = await checkToolchain(ctx, treeToolchain);
    if (plan.kind === 'upstream' && asInspected(plan.method) !== inspection.method)
      throw disagree(inspection, `specs/versions.yaml for ${planTitle(plan)}`, asInspected(plan.method));
    const recipe = plan.kind === 'fork' ? forkTreeRecipe(ctx, plan, inspection) : plan.recipe;
    const treeBuild = await askTheTree(ctx, tree, recipe, treeToolchain, toolchain);
    const decision: TreeDecision = { inspection, recipe, toolchain, treeToolchain, treeBuild };
    results.source.set('decision', Object.freeze(decision));
  },
};
