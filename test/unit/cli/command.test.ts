// The command definitions (src/cli/): --help loads no command's implementation, and a command that runs gets
// its module and the dependencies the program was made with.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { main, makeProgram } from '../../../src/cli.ts';
import { OFFLINE_IMAGE } from '../../../src/meta.ts';
import { DEFAULT_SPECS_DIR } from '../../../src/project.ts';
import { loadToolchains } from '../../../src/toolchain.ts';
import { fakeDeps } from '../../helpers/command-deps.ts';
import { ROOT } from '../../helpers/cli.ts';

/** What a module imports at load time: its value imports and re-exports, not `import type` nor `await import()`. */
function staticImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/^(?:import|export)\s+(?!type\s)(?:[^;]*?\s+from\s+)?'([^']+)';/gm)].map((m) => m[1]!);
}

/** Every module --help loads, from src/cli.ts on: files of src/ (relative to it) and packages. */
function loadedAtStart(): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    const rel = path.relative(path.join(ROOT, 'src'), file);
    if (files.has(rel)) return;
    files.add(rel);
    for (const spec of staticImports(file)) {
      if (spec.startsWith('node:')) continue;
      if (!spec.startsWith('.')) packages.add(spec);
      else visit(path.resolve(path.dirname(file), spec.replace(/\.js$/, '.ts')));
    }
  };
  visit(path.join(ROOT, 'src/cli.ts'));
  return { files, packages };
}

describe('the command definitions', () => {
  it('--help loads commander and light modules only: no command implementation, runner, Docker or pipeline', () => {
    const { files, packages } = loadedAtStart();
    assert.deepEqual([...packages], ['commander']);
    const heavy = [...files].filter(
      (f) =>
        (f.startsWith('commands/') && !['commands/environment.ts', 'commands/deps.ts'].includes(f)) ||
        ['runner.ts', 'docker.ts', 'pipeline.ts', 'specs.ts', 'builder-image.ts', 'node-image.ts'].includes(f),
    );
    assert.deepEqual(heavy, [], `loaded by --help: ${[...files].join(', ')}`);
  });

  it('the offline image --help names is the first one specs/toolchains.yaml makes', async () => {
    assert.equal(OFFLINE_IMAGE, (await loadToolchains(DEFAULT_SPECS_DIR)).offline[0]?.image);
  });

  it('a command that runs is given the dependencies the program was made with, once', async () => {
    const f = fakeDeps();
    let made = 0;
    const program = makeProgram(f.deps.env, async () => {
      made++;
      return f.deps;
    });
    const code = await main(['node', 'nokmem', 'matrix', '--only', 'docker'], f.deps.env, program);
    assert.equal(code, 2);
    assert.equal(made, 1);
    assert.equal(f.stderr(), 'nokmem: error: --only "docker" is not runc, kubelet or fork\n');
    assert.equal(
      makeProgram(f.deps.env, async () => assert.fail('--help made dependencies')).helpInformation().length > 0,
      true,
    );
  });
});
