import assert from 'node:assert/strict';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { InputError, UserError } from '../../src/errors.ts';
import {
  DEFAULT_SPECS_DIR,
  eraFor,
  fsPackageFor,
  goVersionFor,
  loadForkSpecs,
  loadPatchRecipe,
  loadPins,
  loadVersionTable,
  toolchainFor,
  writePin,
} from '../../src/specs.ts';
import { type Component, parseVersion } from '../../src/version.ts';
import { tempDir } from '../helpers/tmp.ts';

// The table of FACTS.md ("Which versions need what"), boundary by boundary.
const expected: [Component, string, string][] = [
  ['runc', 'v1.0.0-rc1', 'not-affected'],
  ['runc', 'v1.0.0-rc2', 'source-patch'],
  ['runc', 'v1.0.0-rc3', 'source-patch'],
  ['runc', 'v1.0.0-rc5', 'source-patch'],
  ['runc', 'v1.0.0-rc6', 'build-tag'],
  ['runc', 'v1.0.0-rc10', 'build-tag'],
  ['runc', 'v1.0.0-rc90', 'build-tag'],
  ['runc', 'v1.0.0-rc93', 'build-tag'],
  ['runc', 'v1.0.0-rc94', 'not-affected'],
  ['runc', 'v1.1.0', 'not-affected'],
  ['kubelet', 'v1.7.16', 'unknown'],
  ['kubelet', 'v1.8.0', 'source-patch'],
  ['kubelet', 'v1.12.4', 'source-patch'],
  ['kubelet', 'v1.13.12', 'source-patch'],
  ['kubelet', 'v1.14.0', 'build-tag'],
  ['kubelet', 'v1.21.1', 'build-tag'],
  ['kubelet', 'v1.21.2', 'not-affected'],
  ['kubelet', 'v1.22.3', 'not-affected'],
];

describe('specs/versions.yaml', () => {
  for (const [component, version, method] of expected) {
    it(`${component} ${version} -> ${method}`, async () => {
      const table = await loadVersionTable();
      assert.equal(eraFor(table[component], parseVersion(component, version))?.method, method);
    });
  }

  it('builds kubelet 1.14+ with GOFLAGS=-tags=nokmem (BUILDTAGS is ignored by kubernetes)', async () => {
    const era = eraFor((await loadVersionTable()).kubelet, parseVersion('kubelet', 'v1.16.15'));
    assert.ok(era?.make?.includes('GOFLAGS=-tags=nokmem'));
    // linked as upstream links the kubelet (with cgo): no KUBE_STATIC_OVERRIDES, the tree's own rule decides
    assert.equal(era?.env?.KUBE_STATIC_OVERRIDES, undefined);
    assert.equal(era?.link?.mode, 'cgo');
  });

  it('knows the upstream Go of every affected version', async () => {
    const table = await loadVersionTable();
    assert.equal(goVersionFor(table.kubelet, parseVersion('kubelet', 'v1.12.4')), '1.10.4');
    assert.equal(goVersionFor(table.runc, parseVersion('runc', 'v1.0.0-rc93')), '1.15');
  });

  it('rejects an unknown key with its name', async () => {
    const dir = await tempDir('specs-');
    const text = (await readFile(path.join(DEFAULT_SPECS_DIR, 'versions.yaml'), 'utf8')).replace(
      '  importPath: github.com/opencontainers/runc\n',
      '  importPath: github.com/opencontainers/runc\n  imprtPath: typo\n',
    );
    await writeFile(path.join(dir, 'versions.yaml'), text);
    await assert.rejects(
      loadVersionTable(dir),
      (e: unknown) => e instanceof UserError && /runc: .*"imprtPath"/.test(e.message),
    );
  });

  it('has the upstream Go per patch release where upstream changed it (kubelet 1.16.7+ on Go 1.13)', async () => {
    const kubelet = (await loadVersionTable()).kubelet;
    const go = (v: string) => toolchainFor(kubelet, parseVersion('kubelet', v))?.go;
    assert.deepEqual(
      [go('v1.16.0'), go('v1.16.6'), go('v1.16.7'), go('v1.16.8'), go('v1.16.15')],
      ['1.12.9', '1.12.9', '1.13.6', '1.13.8', '1.13.15'],
    );
  });
});

describe('specs/pins.yaml', () => {
  it('pins every runc tag of the affected range to a full commit', async () => {
    const pins = await loadPins();
    for (const rc of [3, 4, 5, 6, 7, 8, 9, 10, 90, 91, 92, 93])
      assert.match(pins.runc[`v1.0.0-rc${rc}`] ?? '', /^[0-9a-f]{40}$/, `rc${rc}`);
    assert.equal(pins.runc['v1.0.0-rc10'], pins.runc['v1.0.0-rc90'], 'rc10 and rc90 are the same commit');
    assert.equal(pins.kubelet['v1.12.4'], 'f49fa022dbe63faafd0da106ef7e05a29721d3f1');
  });

  it('writes a pin and keeps the comments', async () => {
    const dir = await tempDir('pins-');
    await writeFile(
      path.join(dir, 'pins.yaml'),
      '# keep me\nrunc:\n  v1.0.0-rc5: 4fc53a81fb7c994640722ac585fa9ca548971871\nkubelet:\n',
    );
    await writePin(dir, 'kubelet', 'v1.12.4', 'f49fa022dbe63faafd0da106ef7e05a29721d3f1');
    const text = await readFile(path.join(dir, 'pins.yaml'), 'utf8');
    assert.match(text, /# keep me/);
    assert.equal((await loadPins(dir)).kubelet['v1.12.4'], 'f49fa022dbe63faafd0da106ef7e05a29721d3f1');
  });
});

describe('loading specs', () => {
  const COMMIT = '4fc53a81fb7c994640722ac585fa9ca548971871';
  const made: string[] = [];
  after(() => Promise.all(made.map((d) => rm(d, { recursive: true, force: true }))));
  async function specsDir(files: Record<string, string>): Promise<string> {
    const dir = await tempDir('specs-');
    made.push(dir);
    for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);
    return dir;
  }

  it('a file that is missing, not YAML, or of the wrong shape is bad input', async () => {
    await assert.rejects(loadPins(await specsDir({})), InputError);
    await assert.rejects(loadPins(await specsDir({ 'pins.yaml': 'runc: [unclosed\n' })), InputError);
    await assert.rejects(loadPins(await specsDir({ 'pins.yaml': 'runc:\n  v1.0.0-rc5: 4fc53a8\n' })), InputError);
    await assert.rejects(loadPins(await specsDir({ 'pins.yaml': `rnuc:\n  v1.0.0-rc5: ${COMMIT}\n` })), InputError);
    await assert.rejects(loadVersionTable(await specsDir({ 'versions.yaml': 'runc: {}\n' })), InputError);
    await assert.rejects(
      loadForkSpecs(path.join(await specsDir({ 'forks.yaml': 'forks: [1, 2]\n' }), 'forks.yaml')),
      InputError,
    );
    await assert.rejects(loadPatchRecipe('no-such-recipe'), InputError);
  });

  it('a tag YAML cannot resolve (!!js/function) is bad input, with no YAMLWarning printed after the error', async () => {
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    try {
      const dir = await specsDir({ 'pins.yaml': `runc:\n  v1.0.0-rc5: !!js/function "function () {}"\n` });
      await assert.rejects(loadPins(dir), {
        name: 'InputError',
        message: /pins\.yaml: line 2, column 15: unresolved tag !!js\/function; fix the file/,
      });
      await new Promise((r) => setImmediate(r));
    } finally {
      process.off('warning', onWarning);
    }
    assert.deepEqual(
      warnings.map((w) => w.name),
      [],
    );
  });

  it('reads a component without pins as none', async () => {
    const pins = await loadPins(await specsDir({ 'pins.yaml': `runc:\n  v1.0.0-rc5: ${COMMIT}\nkubelet:\n` }));
    assert.deepEqual(pins, { runc: { 'v1.0.0-rc5': COMMIT }, kubelet: {} });
  });

  it('reads the real patch recipe and the forks file', async () => {
    const recipe = await loadPatchRecipe('libcontainer-nokmem');
    assert.ok(recipe.rewrite.length >= 1);
    const forks = await loadForkSpecs(path.join(DEFAULT_SPECS_DIR, 'forks.yaml'));
    assert.ok(Object.keys(forks.forks).length > 0);
  });

  it('names the cgroupfs package as the linker does: under the vendor/ of kubernetes where the era says so', async () => {
    const table = await loadVersionTable();
    assert.equal(
      fsPackageFor(table.kubelet, eraFor(table.kubelet, parseVersion('kubelet', 'v1.12.4'))),
      'k8s.io/kubernetes/vendor/github.com/opencontainers/runc/libcontainer/cgroups/fs',
    );
    assert.equal(
      fsPackageFor(table.runc, eraFor(table.runc, parseVersion('runc', 'v1.0.0-rc5'))),
      'github.com/opencontainers/runc/libcontainer/cgroups/fs',
    );
    assert.equal(fsPackageFor(table.runc, undefined), 'github.com/opencontainers/runc/libcontainer/cgroups/fs');
  });
});
