// Step: keep the verified result in the result cache under its input key, with its build record (the build's facts
// and the proofs), so that the same inputs a second time are a cache hit.

import { readFile } from 'node:fs/promises';
import { type DirContent, writeDirAtomically } from '../atomic-dir.js';
import { sha256 } from '../attest.js';
import type { BuildContext, BuildRecord } from '../context.js';
import { NOKMEM_VERSION } from '../meta.js';
import type { Step } from '../step.js';
import { MODULES_FILE, resultArtifacts, resultDir, unlessCached } from './caches.js';

async function sha256File(file: string): Promise<{ sha256: string; size: number }> {
  const bytes = await readFile(file);
  return { sha256: sha256(bytes), size: bytes.length };
}

export const storeResult: Step<BuildContext> = {
  name: 'store result',
  writes: true,
  skip: unlessCached,
  async run(ctx) {
    const { plan, results } = ctx;
    const binary = results.binary.get('binary');
    const applied = results.source.maybe('applied');
    const files: DirContent = { [plan.binaryName]: { copyFrom: binary } };
    const digests: BuildRecord['files'] = { [plan.binaryName]: await sha256File(binary) };
    if (applied) {
      files['nokmem.patch'] = { text: applied.diff };
      digests['nokmem.patch'] = { sha256: sha256(applied.diff), size: Buffer.byteLength(applied.diff) };
    }
    // in the order the record has always had: what was built, then its files, proofs and time
    const record: BuildRecord = {
      ...results.binary.get('facts'),
      files: digests,
      verification: results.binary.get('verdict'),
      builtAt: new Date().toISOString(),
      nokmem: NOKMEM_VERSION,
    };
    files['build-record.json'] = { text: `${JSON.stringify(record, null, 2)}\n` };
    files[MODULES_FILE] = { text: `${JSON.stringify(results.binary.get('modules'), null, 2)}\n` };
    await writeDirAtomically(resultDir(ctx), files);
    results.binary.set('record', record);
    results.binary.set('result', resultArtifacts(ctx, record));
  },
};
