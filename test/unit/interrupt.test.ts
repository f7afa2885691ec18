// Cleanup on Ctrl-C and on exit (src/interrupt.ts). The signal handlers end the process, so they are tried in a
// child node process (a script written here): what it removes, what it reports, its exit code. The registry itself
// is tried in this process without handlers.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { removeTrackedContainers, trackContainer } from '../../src/interrupt.ts';
import { removeTempDirs, tempDir } from '../helpers/steps.ts';

after(removeTempDirs);

const INTERRUPT = fileURLToPath(new URL('../../src/interrupt.ts', import.meta.url));

/** A process that registers two directories (one forgotten), two containers (one forgotten) and a child, then gets `signal`. */
async function interrupted(signal: 'SIGINT' | 'SIGTERM') {
  const dir = await tempDir('nokmem-interrupt-');
  const [kept, forgotten] = [path.join(dir, 'unfinished'), path.join(dir, 'finished')];
  for (const d of [kept, forgotten]) await mkdir(d);
  const script = path.join(dir, 'child.ts');
  await writeFile(
    script,
    `import { appendFileSync } from 'node:fs';
import { installInterruptCleanup, removeOnInterrupt, trackChild, trackContainer } from ${JSON.stringify(INTERRUPT)};
const log = ${JSON.stringify(path.join(dir, 'log'))};
installInterruptCleanup((names) => appendFileSync(log, 'rm ' + names.join(' ') + '\\n'));
removeOnInterrupt(${JSON.stringify(kept)});
removeOnInterrupt(${JSON.stringify(forgotten)})();
trackContainer('nokmem-build-1');
trackContainer('nokmem-done-2')();
trackChild({ kill: (s) => (appendFileSync(log, 'kill ' + s + '\\n'), true) });
setTimeout(() => process.kill(process.pid, ${JSON.stringify(signal)}), 10);
setTimeout(() => {}, 60_000);
`,
  );
  const r = await execa(process.execPath, ['--import', 'tsx', script], { reject: false, timeout: 60_000 });
  return { r, kept, forgotten, log: await readFile(path.join(dir, 'log'), 'utf8').catch(() => '') };
}

describe('installInterruptCleanup', () => {
  it('on SIGTERM removes the registered directories and containers, kills the children, exits 143', async () => {
    const { r, kept, forgotten, log } = await interrupted('SIGTERM');
    assert.equal(r.exitCode, 143, String(r.stderr));
    assert.equal(r.stderr, 'nokmem: interrupted (SIGTERM); removed 1 unfinished directory and 1 container');
    assert.ok(!existsSync(kept));
    assert.ok(existsSync(forgotten), 'a forgotten directory is kept');
    assert.deepEqual(log.split('\n').filter(Boolean).sort(), ['kill SIGKILL', 'rm nokmem-build-1']);
  });

  it('on SIGINT exits 130', async () => {
    const { r } = await interrupted('SIGINT');
    assert.equal(r.exitCode, 130, String(r.stderr));
    assert.match(String(r.stderr), /^nokmem: interrupted \(SIGINT\)/);
  });
});

describe('removeTrackedContainers', () => {
  it('counts the containers still tracked, once', () => {
    const forget = trackContainer('nokmem-unit-a');
    trackContainer('nokmem-unit-b');
    forget();
    assert.equal(removeTrackedContainers(), 1);
    assert.equal(removeTrackedContainers(), 0);
  });
});
