// The tree's own Go check as data (kubernetes 1.8.0-1.8.8 and 1.9.0-1.9.3 compare Go versions as strings), and where
// the chosen Go behaves unlike upstream's (specs/toolchains.yaml `behaviour`).

import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { lexicalCeiling, lexicallyOlder } from '../../src/go-version.ts';
import { DEFAULT_SPECS_DIR, loadVersionTable, toolchainFor } from '../../src/specs.ts';
import { behaviourDifferences } from '../../src/toolchain-behaviour.ts';
import {
  ToolchainRefused,
  chooseToolchain,
  describeSafeRange,
  loadToolchains,
  readTreeToolchainFacts,
  toolchainProblem,
} from '../../src/toolchain.ts';
import { parseVersion } from '../../src/version.ts';
import { tempDir } from '../helpers/tmp.ts';

const specs = await loadToolchains(DEFAULT_SPECS_DIR);
const offline = [
  { image: 'nokmem-builder:debian-go1.19', go: '1.19.8' },
  { image: 'nokmem-builder:debian-go1.15', go: '1.15.15' },
];
const kube190 = { upstream: '1.9.2', minimumGo: '1.9.1', goCheck: 'lexical' as const };

describe("the tree's Go check compared as strings", () => {
  it('reads every Go from 1.10 on as older than go1.9.1, and Go 1.9.x as not', () => {
    assert.equal(lexicallyOlder('1.15.15', '1.9.1'), true);
    assert.equal(lexicallyOlder('1.10.8', '1.9.1'), true);
    assert.equal(lexicallyOlder('1.9.7', '1.9.1'), false);
    assert.equal(lexicalCeiling('1.9.1'), '1.10');
    assert.equal(lexicalCeiling('1.8.3'), '1.10');
  });

  it('the data knows it: kubelet 1.8.0-1.8.8 and 1.9.0-1.9.3 compare as strings, 1.8.9 and 1.9.4 numerically', async () => {
    const kubelet = (await loadVersionTable()).kubelet;
    const check = (v: string) => toolchainFor(kubelet, parseVersion('kubelet', v))?.goCheck ?? 'numeric';
    assert.deepEqual(['v1.8.0', 'v1.8.8', 'v1.8.9', 'v1.9.0', 'v1.9.3', 'v1.9.4', 'v1.12.3'].map(check), [
      'lexical',
      'lexical',
      'numeric',
      'lexical',
      'lexical',
      'numeric',
      'numeric',
    ]);
    assert.equal(toolchainFor(kubelet, parseVersion('kubelet', 'v1.8.0'))?.minimum, '1.8.3');
  });

  it('no offline image passes: refused before anything is fetched, naming the Go and how to get it', () => {
    assert.match(
      toolchainProblem('1.15.15', kube190, specs) ?? '',
      /compares Go versions as strings, so go1\.15\.15 reads as older than its minimum go1\.9\.1/,
    );
    assert.equal(toolchainProblem('1.9.7', kube190, specs), undefined);
    assert.equal(
      describeSafeRange(kube190, specs),
      'Go >= 1.9.1 and < 1.10 (its hack/lib/golang.sh compares Go versions as strings)',
    );
    assert.throws(
      () => chooseToolchain('kubelet v1.9.0', kube190, offline, specs, { allowRisk: true }),
      (e: unknown) =>
        e instanceof ToolchainRefused &&
        e.needsImage &&
        e.fix === 'nokmem builder-image --go 1.9.2' &&
        /needs Go >= 1\.9\.1 and < 1\.10/.test(e.message),
    );
    assert.equal(
      chooseToolchain('kubelet v1.9.0', kube190, [...offline, { image: 'golang-1.9.2', go: '1.9.2' }], specs, {
        allowRisk: false,
      }).image,
      'golang-1.9.2',
    );
  });

  it('an --image the tree refuses is refused even with --allow-toolchain-risk: the build could not pass the check', () => {
    assert.throws(
      () =>
        chooseToolchain('kubelet v1.9.0', kube190, [], specs, {
          allowRisk: true,
          override: { image: 'nokmem-builder:debian-go1.15', go: '1.15.15' },
        }),
      /--image nokmem-builder:debian-go1\.15 has Go 1\.15\.15, which kubelet v1\.9\.0 refuses: .*make one with `nokmem builder-image --go 1\.9\.2`/,
    );
  });

  it('reads whether a tree compares as strings (1.8.0-1.8.8, 1.9.0-1.9.3) or numerically (sort, later)', async () => {
    const tree = await tempDir('go-check-');
    await mkdir(path.join(tree, 'hack/lib'), { recursive: true });
    const golang = path.join(tree, 'hack/lib/golang.sh');
    await writeFile(
      golang,
      'minimum_go_version=go1.9.1\nif [[ "${go_version[2]}" < "${minimum_go_version}" ]]; then\n',
    );
    assert.equal((await readTreeToolchainFacts(tree)).goCheck?.compare, 'lexical');
    await writeFile(golang, 'local minimum_go_version=go1.10.2\noldest=$(sort -s -t. -k 1,1 -k 2,2n -k 3,3n)\n');
    assert.equal((await readTreeToolchainFacts(tree)).goCheck, undefined, 'numeric is the rule, not recorded');
  });
});

describe("where the chosen Go behaves unlike upstream's", () => {
  it('kubelet 1.12 (upstream Go 1.10) with Go 1.15: the CommonName change, restored with GODEBUG', () => {
    const t = behaviourDifferences('kubelet', '1.10.4', '1.15.15', specs.behaviour);
    assert.deepEqual(t.restoreEnv, { GODEBUG: 'x509ignoreCN=0' });
    assert.match(t.behaviour[0]?.change ?? '', /CommonName/);
  });

  it('none where upstream used that Go already, or for runc (no TLS)', () => {
    assert.deepEqual(behaviourDifferences('kubelet', '1.15.5', '1.15.15', specs.behaviour), { behaviour: [] });
    assert.deepEqual(behaviourDifferences('runc', '1.8', '1.15.15', specs.behaviour), { behaviour: [] });
  });

  it('Go 1.19: SHA-1 restored with x509sha1=1; the CommonName setting is gone since Go 1.17 and is said so', () => {
    const t = behaviourDifferences('kubelet', '1.10.4', '1.19.8', specs.behaviour);
    assert.deepEqual(t.restoreEnv, { GODEBUG: 'x509sha1=1' });
    assert.equal(t.behaviour.length, 2);
    assert.equal(t.behaviour.find((b) => /CommonName/.test(b.change))?.restoredBy, undefined);
  });
});
