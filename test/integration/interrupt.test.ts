// Stopping nokmem (SIGTERM or SIGINT to the nokmem process alone, not its process group) during a compile leaves
// nothing behind: no container still compiling, no orphaned docker client, no workspace.

import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { ROOT, type Workbench, compiledCli, exists, workbench } from '../helpers/cli.ts';

let wb: Workbench;

before(async () => {
  wb = await workbench((runc) => ({ runc: { 'v1.0.0-rc5': runc.tags['v1.0.0-rc5']! } }));
});

after(async () => wb?.cleanup());

async function containers(prefix: string, all = false): Promise<string[]> {
  const r = await execa('docker', [
    'ps',
    ...(all ? ['--all'] : []),
    '--filter',
    `name=${prefix}`,
    '--format',
    '{{.Names}} {{.Command}}',
  ]);
  return r.stdout.split('\n').filter(Boolean);
}

async function processesMentioning(text: string): Promise<string[]> {
  const r = await execa('ps', ['-eo', 'pid=,args='], { reject: false });
  return r.stdout.split('\n').filter((l) => l.includes(text) && !l.includes('ps -eo'));
}

describe('interrupted build', () => {
  it('SIGTERM during the compile removes the compile container, the docker client and the workspace', async () => {
    const child = execa(
      'node',
      [
        compiledCli(),
        'build',
        '--runc',
        'v1.0.0-rc5',
        '--remote',
        wb.runc.url,
        '--out',
        wb.out('interrupt'),
        '--no-package',
        ...wb.common,
      ],
      {
        cwd: ROOT,
        reject: false,
        env: { NOKMEM_BUILDER_IMAGE: '' },
      },
    );
    const prefix = `nokmem-${child.pid}-`;
    const deadline = Date.now() + 300_000;
    while (!(await containers(prefix)).some((c) => /make/.test(c))) {
      assert.ok(Date.now() < deadline, 'the compile container never appeared');
      assert.equal(child.exitCode, null, 'nokmem ended before the compile started');
      await sleep(200);
    }
    const killedAt = Date.now();
    child.kill('SIGTERM');
    const r = await child;
    assert.equal(r.exitCode, 143, String(r.stderr));
    assert.ok(Date.now() - killedAt < 15_000, `stopping took ${Date.now() - killedAt} ms`);
    assert.deepEqual(await containers(prefix, true), []);
    assert.deepEqual(await processesMentioning(prefix), []);
    const work = path.join(wb.cache, 'work');
    assert.deepEqual(exists(work) ? await readdir(work) : [], []);
  });
});
