// The compile by hand that a pipeline build is compared with: the plan's own make line and environment, in the
// same image, as the same unprivileged user, on the same tree (exported from the pinned commit), with the Go build
// cache a given directory (empty for a cold compile, the pipeline's own for a warm one).

import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { $ } from 'zx';
import { BUILD_UID } from '../../src/docker.ts';

/** What the compile by hand needs of the plan the pipeline printed (`build --json`). */
export interface HandPlan {
  commit: string;
  image: string;
  mountPath: string;
  make: string[];
  env: Record<string, string>;
  goCacheInTree?: string;
}

/** Reads the compile's inputs from `build --json`; a shape it does not know is an error naming the field. */
export function handPlanOf(stdout: string): HandPlan {
  const json = JSON.parse(stdout) as { plan?: Record<string, unknown> };
  const plan = json.plan ?? {};
  const field = <T>(value: T | undefined, name: string): T => {
    if (value === undefined)
      throw new Error(`build --json has no plan.${name}: the benchmark must learn the new shape`);
    return value;
  };
  const source = plan.source as { commit?: string } | undefined;
  const recipe = plan.recipe as { make?: string[]; env?: Record<string, string> } | undefined;
  return {
    commit: field(source?.commit, 'source.commit'),
    image: field(plan.image as string | undefined, 'image'),
    mountPath: field(plan.mountPath as string | undefined, 'mountPath'),
    make: field(recipe?.make, 'recipe.make'),
    env: field(recipe?.env, 'recipe.env'),
    goCacheInTree: plan.goCacheInTree as string | undefined,
  };
}

/** Exports the commit's tree into `dir` (replacing what is there) and hands it to the build user. */
export async function exportTree(gitDir: string, commit: string, dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await $`git --git-dir ${gitDir} archive ${commit} | tar -x -C ${dir}`;
  await $`chown -R ${BUILD_UID}:${BUILD_UID} ${dir}`;
}

/** An empty Go build cache the build user can write. */
export async function emptyGoCache(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await $`chown ${BUILD_UID}:${BUILD_UID} ${dir}`;
}

/** The compile itself (what is timed): `docker run ... make <plan's make line>`. */
export async function compileByHand(plan: HandPlan, tree: string, goCache: string): Promise<void> {
  const env = Object.entries(plan.env).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
  const inTree = plan.goCacheInTree ? ['-v', `${goCache}:${path.posix.join(plan.mountPath, plan.goCacheInTree)}`] : [];
  // As the pipeline does: the in-tree mount point made by the build user, not by Docker as root (whose root-owned
  // parents, e.g. kubernetes' _output/local/go, the build could then not write).
  if (plan.goCacheInTree) {
    await mkdir(path.join(tree, plan.goCacheInTree), { recursive: true });
    await $`chown -R ${BUILD_UID}:${BUILD_UID} ${path.join(tree, plan.goCacheInTree.split('/')[0]!)}`;
  }
  await $`docker run --rm --network none --user ${BUILD_UID}:${BUILD_UID} -e HOME=/tmp ${env} -v ${tree}:${plan.mountPath} -v ${goCache}:/gocache ${inTree} -w ${plan.mountPath} ${plan.image} make ${plan.make}`;
}
