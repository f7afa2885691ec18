// Step: look for a finished build with identical inputs (same commit, method, recipe, image, flags) in the
// result cache. On a hit, the source, compile and verify steps are skipped and the cached result is written out.

import { existsSync } from 'node:fs';
import path from 'node:path';
import { readFile } from 'node:fs/promises';
import type { BuildContext, BuildRecord } from '../context.js';
import { StepSkipped } from '../errors.js';
import type { Step } from '../step.js';
import { functionalProofName } from '../verify/index.js';
import type { VendoredModule } from '../vendored.js';
import { factsOf } from './build-facts.js';
import { MODULES_FILE, binaryOf, resultArtifacts, resultDir } from './caches.js';

/**
 * What this run asks to prove that the cached result did not (undefined: nothing). A result proven with
 * --no-functional, or verified before its component had a functional proof (kubelets before the runtime proof),
 * is never reused as if the functional proof had run; a stronger one serves a weaker request.
 * A proof skipped because the host cannot run it (no cgroup v1, not root) would be skipped again: that is reuse.
 */
export function weakerProof(record: BuildRecord, functional: boolean): string | undefined {
  if (!functional) return undefined;
  const name = functionalProofName(record.component);
  const check = record.verification.checks.find((c) => c.name === name);
  if (!check) return `it was verified without the ${name} proof`;
  if (check.status === 'skipped' && /--no-functional/.test(check.detail))
    return `its functional proof was ${check.detail}`;
  return undefined;
}

export const reuseCachedBuild: Step<BuildContext> = {
  name: 'reuse cached build',
  writes: false,
  async run(ctx) {
    const dir = resultDir(ctx);
    if (!existsSync(path.join(dir, 'build-record.json')))
      throw new StepSkipped('no earlier build with identical inputs');
    const record = JSON.parse(await readFile(path.join(dir, 'build-record.json'), 'utf8')) as BuildRecord;
    const weaker = weakerProof(record, ctx.request.functional);
    if (weaker)
      throw new StepSkipped(
        `the cached build is weaker than this run asks for (${weaker}); building and proving again`,
      );
    const { results } = ctx;
    results.binary.set('cachedResult', dir);
    results.binary.set('record', record);
    results.binary.set(
      'modules',
      JSON.parse(await readFile(path.join(dir, MODULES_FILE), 'utf8').catch(() => '[]')) as VendoredModule[],
    );
    const result = results.binary.set('result', resultArtifacts(ctx, record));
    results.binary.set('binary', binaryOf(result).path);
    results.binary.set('facts', factsOf(record));
    ctx.deps.log.info(`  cache hit: ${dir}`);
  },
};
