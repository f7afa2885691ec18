// Step: read the tree's libcontainer to decide the method. For a fork this is the decision; for an upstream
// version it must agree with specs/versions.yaml (and with a fork's claimed version), or the build stops with
// both answers: either the table or the tree is wrong.

import type { Recipe, SourceContext } from '../context.js';
import { InputError, PinMismatch } from '../errors.js';
import { type TreeInspection, inspectTree as inspectLibcontainer } from '../inspect-tree.js';
import type { Step } from '../step.js';
import {
  type ToolchainChoice,
  ToolchainRefused,
  describeSafeRange,
  loadToolchains,
  readTreeToolchainFacts,
  toolchainProblem,
} from '../toolchain.js';
import { forkRecipe, unlessCached } from './shared.js';

const asInspected = (method: string) => (method === 'none' ? 'not-affected' : method);

/**
 * The tree's own word on the Go it needs (its minimum, the reflect2 it vendors) against the chosen toolchain:
 * like the method, the data in specs/ is checked against the tree, and the tree wins. Returns the toolchain with
 * the risk the tree shows, when --allow-toolchain-risk accepted it.
 */
async function checkToolchain(ctx: SourceContext, tree: string): Promise<ToolchainChoice | undefined> {
  const { plan } = ctx;
  const facts = ctx.results.set('treeToolchain', await readTreeToolchainFacts(tree));
  const needs = {
    upstream: plan.toolchainNeeds.upstream,
    minimumGo: facts.minimumGo?.version,
    reflect2: facts.reflect2?.version,
  };
  const said = [
    facts.minimumGo && `minimum Go ${facts.minimumGo.version} (${facts.minimumGo.from})`,
    facts.reflect2 && `reflect2 ${facts.reflect2.version} (${facts.reflect2.from})`,
  ].filter(Boolean);
  ctx.deps.log.info(
    `  toolchain: the tree states ${said.length ? said.join(', ') : 'no minimum Go and vendors no reflect2'}`,
  );
  const expected = plan.toolchainNeeds;
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
function forkTreeRecipe(ctx: SourceContext, found: TreeInspection): Recipe {
  const { plan } = ctx;
  const fork = plan.fork!;
  if (plan.fork!.claims && plan.era.method !== 'unknown' && plan.era.method !== found.method) {
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

export const inspectTree: Step<SourceContext> = {
  name: 'inspect tree',
  writes: true,
  skip: unlessCached,
  async run(ctx) {
    const { plan, results } = ctx;
    const tree = results.get('tree');
    const found = results.set('inspection', await inspectLibcontainer(tree, plan.libcontainerRoot));
    ctx.deps.log.info(`  ${found.method}: ${found.evidence}`);
    const toolchain = await checkToolchain(ctx, tree);
    if (toolchain) results.set('toolchain', toolchain);
    if (!plan.fork) {
      if (asInspected(plan.method) !== found.method)
        throw disagree(
          found,
          `specs/versions.yaml for ${plan.component} ${plan.version.tag}`,
          asInspected(plan.method),
        );
      results.set('recipe', plan.recipe!);
      return;
    }
    results.set('recipe', forkTreeRecipe(ctx, found));
  },
};
