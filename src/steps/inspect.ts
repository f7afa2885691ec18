// Step: read the tree's libcontainer to decide the method. For a fork this is the decision; for an upstream
// version it must agree with specs/versions.yaml (and with a fork's claimed version), or the build stops with
// both answers: either the table or the tree is wrong.

import type { BuildContext } from '../context.js';
import { UserError } from '../errors.js';
import { inspectTree } from '../inspect-tree.js';
import type { Step } from '../step.js';
import { forkRecipe } from './resolve.js';
import { unlessCached } from './reuse.js';

const asInspected = (method: string) => (method === 'none' ? 'not-affected' : method);

export const inspect: Step<BuildContext> = {
  name: 'inspect tree',
  writes: true,
  skip: unlessCached,
  async run(ctx) {
    const plan = ctx.plan!;
    const found = await inspectTree(ctx.tree!, plan.libcontainerRoot);
    ctx.inspection = found;
    ctx.deps.log.info(`  ${found.method}: ${found.evidence}`);
    const disagree = (what: string, said: string) =>
      new UserError(
        `${what} says ${said}, but the tree says ${found.method} (${found.evidence}); ` +
          'either the table or the tree is wrong: check specs/versions.yaml and the source before building',
      );
    if (!plan.fork) {
      if (asInspected(plan.method) !== found.method) throw disagree(`specs/versions.yaml for ${plan.component} ${plan.version.tag}`, asInspected(plan.method));
      return;
    }
    if (plan.fork.claims && plan.era.method !== 'unknown' && plan.era.method !== found.method) {
      throw disagree(`fork ${plan.fork.name} claims runc ${plan.fork.claims}, for which specs/versions.yaml`, plan.era.method);
    }
    if (plan.fork.method && plan.fork.method !== found.method) {
      throw disagree(`specs/forks.yaml for fork ${plan.fork.name}`, plan.fork.method);
    }
    if (found.method === 'not-affected' && !ctx.request.force) {
      throw new UserError(`fork ${plan.fork.name} at ${plan.source.commit} is not affected (${found.evidence}); nothing to build. Use --force to build it anyway.`);
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
