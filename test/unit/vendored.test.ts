// What a tree vendors (src/vendored.ts), for the SBOM: the module list of whichever vendoring its era used.

import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { vendoredModules } from '../../src/vendored.ts';

let root = '';
before(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'nokmem-vendored-'));
});
after(() => rm(root, { recursive: true, force: true }));
const tempDir = () => mkdtemp(path.join(root, 'd-'));

describe('vendoredModules', () => {
  async function tree(files: Record<string, string>): Promise<string> {
    const dir = await tempDir();
    for (const [name, text] of Object.entries(files)) {
      await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
      await writeFile(path.join(dir, name), text);
    }
    return dir;
  }

  it('reads vendor/modules.txt, vendor.conf (runc rc3-rc10) and Godeps (kubernetes < 1.15)', async () => {
    assert.deepEqual(
      await vendoredModules(
        await tree({
          'vendor/modules.txt':
            '# github.com/sirupsen/logrus v1.4.2\n## explicit\ngithub.com/sirupsen/logrus\n# golang.org/x/sys v0.0.0-2020\n',
        }),
      ),
      [
        { path: 'github.com/sirupsen/logrus', version: 'v1.4.2' },
        { path: 'golang.org/x/sys', version: 'v0.0.0-2020' },
      ],
    );
    assert.deepEqual(
      await vendoredModules(
        await tree({
          'vendor.conf': '# runc deps\ngithub.com/urfave/cli d53eb991652b1d438abdd34ce4bfa3ef1539108e\n\nlonely\n',
        }),
      ),
      [{ path: 'github.com/urfave/cli', version: 'd53eb991652b1d438abdd34ce4bfa3ef1539108e' }],
    );
    assert.deepEqual(
      await vendoredModules(
        await tree({ 'Godeps/Godeps.json': JSON.stringify({ Deps: [{ ImportPath: 'github.com/a/b', Rev: 'abc' }] }) }),
      ),
      [{ path: 'github.com/a/b', version: 'abc' }],
    );
  });

  it('finds none in a tree that vendors nothing', async () => {
    assert.deepEqual(await vendoredModules(await tree({ 'main.go': 'package main\n' })), []);
  });
});
