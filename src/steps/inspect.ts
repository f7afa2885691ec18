// Step: read the tree's libcontainer to decide the method. For a fork this is the decision; for an upstream
// version it must agree with specs/versions.yaml (and with a fork's claimed version), or the build stops with
// both answers: either the table or the tree is wrong.

import type { BuildContext } from '../context.js';
import { InputError, PinMismatch } from '../errors.js';
import { inspectTree } from '../inspect-tree.js';
import type { Step } from '../step.js';
import {
  ToolchainRefused,
  describeSafeRange,
  loadToolchains,
  readTreeToolchainFacts,
  toolchainProblem,
} from '../toolchain.js';
import { forkRecipe } from './resolve.js';
import { unlessCached } from './reuse.js';

const asInspected = (method: string) => (method === 'none' ? 'not-affected' : method);

/**
 * The tree's own word on the Go it needs (its minimum, the reflect2 it vendors) against the chosen toolchain:
 * like the method, the data in specs/ is checked against the tree, and the tree wins.
 */
async function checkToolchain(ctx: BuildContext): Promise<void> {
  const plan = ctx.plan!;
  const facts = await readTreeToolchainFacts(ctx.tree!);
  ctx.treeToolchain = facts;
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
  const choice = plan.toolchain;
  if (!choice) return; // `nokmem prepare` compiles nothing: the facts are reported, no toolchain is chosen
  const problem = toolchainProblem(choice.go, needs, await loadToolchains(ctx.request.specsDir));
  if (!problem) return;
  if (!ctx.request.allowToolchainRisk) {
    throw new ToolchainRefused(
      `${choice.image} (Go ${choice.go}) is unsafe for this tree: ${problem}; use an image with ${describeSafeRange(needs, await loadToolchains(ctx.request.specsDir))}, or pass --allow-toolchain-risk to build anyway and record the risk`,
    );
  }
  if (!choice.risk) {
    choice.risk = problem;
    ctx.deps.log.warn(
      `building with Go ${choice.go} although ${problem} (--allow-toolchain-risk); recorded in the build record and the package`,
    );
  }
}

export const inspect: Step<BuildContext> = {
  name: 'inspect tree',
  writes: true,
  skip: unlessCached,
  async run(ctx) {
    const plan = ctx.plan!;
    const found = await inspectTree(ctx.tree!, plan.libcontainerRoot);
    ctx.inspection = found;
    ctx.deps.log.info(`  ${found.method}: ${found.evidence}`);
    await checkToolchain(ctx);
    const disagree = (what: string, said: string) =>
      new PinMismatch(
        `${what} says ${said}, but the tree says ${found.method} (${found.evidence}); ` +
          'either the table or the tree is wrong: check specs/versions.yaml and the source before building',
      );
    if (!plan.fork) {
      if (asInspected(plan.method) !== found.method)
        throw disagree(`specs/versions.yaml for ${plan.component} ${plan.version.tag}`, asInspected(plan.method));
      return;
    }
    if (plan.fork.claims && plan.era.method !== 'unknown' && plan.era.method !== found.method) {
      throw disagree(
        `fork ${plan.fork.name} claims runc ${plan.fork.claims}, for which specs/versions.yaml`,
        plan.era.method,
      );
    }
    if (plan.fork.method && plan.fork.method !== found.method) {
      throw disagree(`specs/forks.yaml for fork ${plan.fork.name}`, plan.fork.method);
    }
    if (found.method === 'not-affected' && !ctx.request.force) {
      throw new InputError(
        `fork ${plan.fork.name} at ${plan.source.commit} is not affected (${found.evidence}); nothing to build. Use --force to build it anyway.`,
      );
    }
    plan.method = found.method === 'not-affected' ? 'none' : found.method;
    plan.layout = found.layout;
    plan.marker = plan.method === 'source-patch' ? true : plan.method === 'build-tag' ? found.marker : false;
    if (plan.method !== 'source-patch') plan.patch = undefined;
    const recipe = forkRecipe(plan.method, found.layout, plan.source.commit);
    plan.make = recipe.make;
    plan.env = recipe.env;
  },
};
