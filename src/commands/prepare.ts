// nokmem prepare: only fetch, check out and patch the source, into a new directory. Its options: src/cli/prepare.ts.

import path from 'node:path';
import { describePlan, prepare } from '../pipeline.js';
import { pipelineDeps } from './build.js';
import type { CommandDeps } from './deps.js';
import { writeJson } from './output.js';
import { buildRequest, type SelectionOptions } from './selection.js';

export type PrepareOptions = SelectionOptions & { into: string };

export async function run(options: PrepareOptions, deps: CommandDeps): Promise<void> {
  const { env } = deps;
  const into = path.resolve(options.into);
  const result = await prepare(
    buildRequest({ ...options, out: options.into, functional: false }, env),
    options.into,
    pipelineDeps(deps, options),
  );
  if (options.json) writeJson(env, { ok: true, into, ...result });
  else env.out(`${describePlan(result.plan)}\nprepared source: ${into}\n`);
}
