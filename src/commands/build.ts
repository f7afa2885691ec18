// nokmem build: resolve, fetch, patch or tag, compile in Docker, verify, package; the result on stdout. Its
// options: src/cli/build.ts.

import { appendFile } from 'node:fs/promises';
import type { Deps } from '../context.js';
import { build, describePlan, jobSummary } from '../pipeline.js';
import type { CommandDeps } from './deps.js';
import { writeJson } from './output.js';
import { buildRequest, type SelectionOptions } from './selection.js';

/** What the pipeline is given: the command's runner, engine and logger; log groups in GitHub Actions. */
export function pipelineDeps(deps: CommandDeps, options: { verbose?: boolean }): Deps {
  return {
    runner: deps.runner,
    docker: deps.docker,
    log: deps.logger({ verbose: options.verbose }),
    logGroups: deps.env.vars.GITHUB_ACTIONS === 'true',
  };
}

export async function run(options: SelectionOptions, deps: CommandDeps): Promise<void> {
  const { env } = deps;
  const result = await build(buildRequest(options, env), pipelineDeps(deps, options));
  if (env.vars.GITHUB_STEP_SUMMARY) await appendFile(env.vars.GITHUB_STEP_SUMMARY, jobSummary(result));
  if (options.json) writeJson(env, { ok: true, ...result });
  else if (result.dryRun) env.out(`${describePlan(result.plan)}\n`);
  else
    env.out(
      `${result.plan.component} ${result.plan.version.tag}: nokmem, verified${result.cacheHit ? ' (cache hit)' : ''} -> ${result.plan.outputDir}\n`,
    );
}
