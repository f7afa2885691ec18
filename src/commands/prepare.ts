// nokmem prepare: only fetch, check out and patch the source, into a new directory.

import path from 'node:path';
import type { Command } from 'commander';
import { describePlan, prepare } from '../pipeline.js';
import { buildRequest, type SelectionOptions, selection } from './selection.js';
import { type CliEnv, deps, writeJson } from './shared.js';

export function register(program: Command, env: CliEnv): void {
  selection(program.command('prepare'), env)
    .description('only fetch, check out and patch the source (no build)')
    .requiredOption('--into <dir>', 'where to write the prepared tree (must not exist)')
    .action(async (options: SelectionOptions & { into: string }) => {
      const into = path.resolve(options.into);
      const result = await prepare(
        buildRequest({ ...options, out: options.into, functional: false }, env),
        options.into,
        deps(env, options),
      );
      if (options.json) writeJson(env, { ok: true, into, ...result });
      else env.out(`${describePlan(result.plan)}\nprepared source: ${into}\n`);
    });
}
