// Step: a fork's own patch set (e.g. NVIDIA's hook patch onto the runc commit it names), applied in order
// before anything nokmem does, so that the tree inspection and the nokmem method see the fork as it ships.
// A patch that is the fork owner's code is fetched at build time from the owner's repository at a pinned commit,
// kept in the cache by its digest, and applied only if its sha256 is the one in specs/forks.yaml.

import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { writeFileAtomically } from '../atomic-dir.js';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ForkPatch, SourceContext } from '../context.js';
import { InputError, PinMismatch, StepSkipped } from '../errors.js';
import type { Step } from '../step.js';
import { unlessCached } from './caches.js';

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** The patch as a local file whose digest is the declared one: fetched once into <cache>/fork-patches/. */
export async function localPatch(patch: ForkPatch, forkName: string, cacheDir: string): Promise<string> {
  const cached = patch.fetched ? path.join(cacheDir, 'fork-patches', `${patch.sha256}.patch`) : patch.source;
  if (existsSync(cached) && sha256(await readFile(cached)) === patch.sha256) return cached;
  if (!patch.fetched)
    throw new PinMismatch(`fork ${forkName}: ${patch.source} changed since the build was planned; run again`);
  let bytes: Buffer;
  try {
    if (patch.source.startsWith('file://')) bytes = await readFile(fileURLToPath(patch.source));
    else {
      const response = await fetch(patch.source, { redirect: 'follow', signal: AbortSignal.timeout(60_000) });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      bytes = Buffer.from(await response.arrayBuffer());
    }
  } catch (error) {
    throw new InputError(
      `fork ${forkName}: cannot fetch ${patch.source} (${error instanceof Error ? error.message : String(error)}); check the URL in specs/forks.yaml and the network`,
      1,
      { cause: error },
    );
  }
  const digest = sha256(bytes);
  if (digest !== patch.sha256) {
    throw new PinMismatch(
      `fork ${forkName}: ${patch.source} has sha256 ${digest}, but specs/forks.yaml says ${patch.sha256}; the file changed or the URL is wrong: ` +
        'review the patch before changing the digest',
    );
  }
  await mkdir(path.dirname(cached), { recursive: true });
  await writeFileAtomically(cached, bytes);
  return cached;
}

export const applyForkPatches: Step<SourceContext> = {
  name: 'apply fork patches',
  writes: true,
  skip: (ctx) => unlessCached(ctx) ?? (ctx.plan.kind === 'fork' ? undefined : 'not a fork'),
  async run(ctx) {
    const { plan } = ctx;
    if (plan.kind !== 'fork') throw new StepSkipped('not a fork');
    const { fork } = plan;
    if (fork.patches.length === 0) throw new StepSkipped(`fork ${fork.name} has no patches of its own`);
    for (const patch of fork.patches) {
      const file = await localPatch(patch, fork.name, ctx.request.cacheDir);
      const r = await ctx.deps.runner.run('git', ['apply', '--whitespace=nowarn', '--', file], {
        cwd: ctx.results.source.get('tree'),
        allowFailure: true,
      });
      if (r.exitCode !== 0) {
        throw new PinMismatch(
          `fork ${fork.name}: ${patch.name} does not apply to ${ctx.plan.source.commit} (${r.stderr.trim().split('\n')[0] ?? ''}); check the patch and the commit in specs/forks.yaml`,
        );
      }
      ctx.deps.log.info(
        `  applied ${patch.fetched ? `${patch.source} (sha256 ${patch.sha256.slice(0, 12)}…, checked)` : patch.source}`,
      );
    }
  },
};
