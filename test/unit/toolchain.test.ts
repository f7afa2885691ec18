// The toolchain rule (src/toolchain.ts): which Go builds a tree into a binary that behaves like upstream's, and
// what is refused.

import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { DEFAULT_SPECS_DIR } from '../../src/specs.ts';
import {
  ToolchainRefused,
  chooseToolchain,
  compareGo,
  loadToolchains,
  readTreeToolchainFacts,
  toolchainProblem,
} from '../../src/toolchain.ts';
import { tempDir } from '../helpers/tmp.ts';

const specs = await loadToolchains(DEFAULT_SPECS_DIR);
const offline = [
  { image: 'nokmem-builder:debian-go1.19', go: '1.19.8' },
  { image: 'nokmem-builder:debian-go1.15', go: '1.15.15' },
];
const kube1202 = { upstream: '1.15.5', minimumGo: '1.15.0', reflect2: 'v1.0.1' };

describe('toolchain rule', () => {
  it('compares Go versions numerically', () => {
    assert.equal(compareGo('1.15.15', '1.15.5'), 1);
    assert.equal(compareGo('go1.9', '1.10'), -1);
    assert.equal(compareGo('1.15', '1.15.0'), 0);
  });

  it('picks the upstream Go minor where an image has it', () => {
    const choice = chooseToolchain('kubelet v1.20.2', kube1202, offline, specs, { allowRisk: false });
    assert.equal(choice.image, 'nokmem-builder:debian-go1.15');
    assert.match(choice.why, /upstream Go minor/);
  });

  it('otherwise picks the oldest available Go at or above the minimum, and below 1.18 for reflect2 < v1.0.2', () => {
    const kube1124 = { upstream: '1.10.4', reflect2: 'v1.0.1' };
    assert.equal(
      chooseToolchain('kubelet v1.12.4', kube1124, offline, specs, { allowRisk: false }).image,
      'nokmem-builder:debian-go1.15',
    );
    // a runc tree vendors no reflect2: the oldest image that meets its minimum
    assert.equal(
      chooseToolchain('runc v1.0.0-rc5', { upstream: '1.8' }, offline, specs, { allowRisk: false }).image,
      'nokmem-builder:debian-go1.15',
    );
    // a tree that needs Go 1.16 and vendors no reflect2: the oldest image at or above it
    assert.equal(
      chooseToolchain('a tree', { upstream: '1.16.1', minimumGo: '1.16.0' }, offline, specs, { allowRisk: false })
        .image,
      'nokmem-builder:debian-go1.19',
    );
  });

  it('refuses when nothing safe exists, naming what is needed (kubelet 1.21.0: Go >= 1.16 and < 1.18) and the way out', () => {
    assert.throws(
      () =>
        chooseToolchain(
          'kubelet v1.21.0',
          { upstream: '1.16.1', minimumGo: '1.16.0', reflect2: 'v1.0.1' },
          offline,
          specs,
          { allowRisk: false, hint: 'kubelet 1.21.2 and later are not affected' },
        ),
      (e: unknown) =>
        e instanceof ToolchainRefused &&
        /Go >= 1\.16\.0 and < 1\.18/.test(e.message) &&
        /builder-image --go 1\.16\.1/.test(e.message) &&
        /1\.21\.2 and later are not affected/.test(e.message) &&
        !e.message.includes('\n'),
    );
  });

  it('refuses an unsafe --image unless the risk is allowed, and then records it', () => {
    const override = { image: 'nokmem-builder:debian-go1.19', go: '1.19.8' };
    assert.throws(
      () => chooseToolchain('kubelet v1.20.2', kube1202, [], specs, { override, allowRisk: false }),
      (e: unknown) =>
        e instanceof ToolchainRefused &&
        /reflect2 v1\.0\.1/.test(e.message) &&
        /--allow-toolchain-risk/.test(e.message),
    );
    const risky = chooseToolchain('kubelet v1.20.2', kube1202, [], specs, { override, allowRisk: true });
    assert.equal(risky.image, override.image);
    assert.match(risky.risk ?? '', /reflect2 v1\.0\.1.*1\.18/);
    assert.throws(
      () =>
        chooseToolchain('kubelet v1.20.2', kube1202, [], specs, {
          override: { image: 'old', go: '1.13.15' },
          allowRisk: false,
        }),
      /older than the tree's minimum Go 1\.15\.0/,
    );
  });

  it('lets the upstream Go stand below an advisory go.mod directive (runc rc92: go 1.14, released with Go 1.13)', () => {
    assert.equal(toolchainProblem('1.13.15', { upstream: '1.13', minimumGo: '1.14' }, specs), undefined);
    assert.match(
      toolchainProblem('1.12.17', { upstream: '1.13', minimumGo: '1.14' }, specs) ?? '',
      /older than the tree's minimum Go 1\.13/,
    );
  });

  it('treats a vendored reflect2 of unknown revision as old', () => {
    assert.match(toolchainProblem('1.19', { reflect2: 'unknown' }, specs) ?? '', /reflect2/);
    assert.equal(toolchainProblem('1.19', { reflect2: 'v1.0.2' }, specs), undefined);
  });
});

describe('tree toolchain facts', () => {
  async function tree(files: Record<string, string>): Promise<string> {
    const dir = await tempDir('nokmem-tree-');
    for (const [name, text] of Object.entries(files)) {
      await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
      await writeFile(path.join(dir, name), text);
    }
    return dir;
  }

  it('reads kubernetes minimum_go_version and the reflect2 of vendor/modules.txt', async () => {
    const dir = await tree({
      'hack/lib/golang.sh':
        'kube::golang::verify_go_version() {\n  local minimum_go_version\n  minimum_go_version=go1.15.0\n}\n',
      'vendor/modules.txt':
        '# github.com/json-iterator/go v1.1.10\n## explicit\n# github.com/modern-go/reflect2 v1.0.1\ngithub.com/modern-go/reflect2\n',
    });
    assert.deepEqual(await readTreeToolchainFacts(dir), {
      minimumGo: { version: '1.15.0', from: 'hack/lib/golang.sh minimum_go_version' },
      reflect2: { version: 'v1.0.1', from: 'vendor/modules.txt' },
    });
  });

  it('reads the reflect2 revision of Godeps (kubernetes before modules) and a runc go.mod minimum', async () => {
    const godeps = await tree({
      'Godeps/Godeps.json': JSON.stringify({
        Deps: [{ ImportPath: 'github.com/modern-go/reflect2', Rev: '94122c33edd36123c84d5368cfb2b69df93a0ec8' }],
      }),
    });
    assert.deepEqual((await readTreeToolchainFacts(godeps)).reflect2, {
      version: 'v1.0.1',
      from: 'Godeps/Godeps.json',
    });
    const runc = await tree({ 'go.mod': 'module github.com/opencontainers/runc\n\ngo 1.13\n' });
    assert.deepEqual(await readTreeToolchainFacts(runc), {
      minimumGo: { version: '1.13', from: 'go.mod go directive' },
    });
  });
});
