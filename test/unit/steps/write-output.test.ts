import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import type { Artifact } from '../../../src/context.ts';
import { writeOutput } from '../../../src/steps/write-output.ts';
import {
  buildRequest,
  newResults,
  plan,
  tempDir,
  testDeps,
  removeTempDirs,
  testWorkspace,
} from '../../helpers/steps.ts';

after(removeTempDirs);

async function files(dir: string, names: [string, Artifact['kind']][]): Promise<Artifact[]> {
  await mkdir(dir, { recursive: true });
  const made: Artifact[] = [];
  for (const [name, kind] of names) {
    await writeFile(path.join(dir, name), name);
    made.push({ name, path: path.join(dir, name), kind });
  }
  return made;
}

describe('write output', () => {
  it('writes the artifacts it is given (not what a directory happens to hold), without the module list', async () => {
    const root = await tempDir();
    const request = buildRequest(root);
    const p = await plan(request);
    const results = newResults();
    const result = await files(path.join(root, 'result'), [
      ['runc', 'binary'],
      ['nokmem.patch', 'patch'],
      ['build-record.json', 'build-record'],
      ['modules.json', 'modules'],
    ]);
    await writeFile(path.join(root, 'result', 'stray-file'), 'not an artifact');
    results.binary.set('result', result);
    results.packages.set(
      'packages',
      await files(path.join(root, 'packages'), [
        ['runc-nokmem-1.0.0~rc5-1.x86_64.rpm', 'rpm'],
        ['SHA256SUMS', 'sums'],
      ]),
    );
    await writeOutput.run({ request, deps: testDeps(), plan: p, results, workspace: testWorkspace(request) });
    assert.deepEqual((await readdir(p.outputDir)).sort(), [
      'SHA256SUMS',
      'build-record.json',
      'nokmem.patch',
      'runc',
      'runc-nokmem-1.0.0~rc5-1.x86_64.rpm',
    ]);
  });

  it('--no-package: the result alone', async () => {
    const root = await tempDir();
    const request = buildRequest(root, { package: false });
    const p = await plan(request);
    const results = newResults();
    results.binary.set('result', await files(path.join(root, 'result'), [['runc', 'binary']]));
    await writeOutput.run({ request, deps: testDeps(), plan: p, results, workspace: testWorkspace(request) });
    assert.deepEqual(await readdir(p.outputDir), ['runc']);
    assert.ok(!existsSync(path.join(root, 'packages')));
  });
});
