import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import {
  PACKAGES,
  RPM_SPECS_DIR,
  renderSpec,
  rpmVersion,
  specValues,
  tagFromRpmVersion,
} from '../../../src/rpm/spec.ts';

// Golden files: NOKMEM_UPDATE_GOLDEN=1 npm run test:unit rewrites them; review the diff before committing.
const GOLDEN = path.resolve(import.meta.dirname, '../../golden');

const cases = [
  {
    file: 'kubelet-v1.12.4.spec',
    inputs: {
      component: 'kubelet' as const,
      tag: 'v1.12.4',
      commit: 'f49fa022dbe63faafd0da106ef7e05a29721d3f1',
      methodSummary: 'source patch patches/libcontainer-nokmem.yaml (diff sha256:0000)',
      epoch: 1544140800,
      iteration: 1,
    },
  },
  {
    file: 'kubelet-v1.16.15.spec',
    inputs: {
      component: 'kubelet' as const,
      tag: 'v1.16.15',
      commit: '2adc8d7091e89b6e3ca8d048140618ec89b39369',
      methodSummary: 'build tag: make WHAT=cmd/kubelet GOFLAGS=-tags=nokmem',
      epoch: 1600000000,
      iteration: 2,
    },
  },
  {
    file: 'docker-runc-nokmem-v1.0.0-rc5+dev.spec',
    inputs: {
      component: 'runc' as const,
      tag: 'v1.0.0-rc5+dev',
      commit: '69663f0bd4b60df09991c08812a60108003fa340',
      methodSummary: 'source patch patches/libcontainer-nokmem.yaml (diff sha256:0000)',
      epoch: 1540000000,
      iteration: 1,
      packageName: 'docker-runc-nokmem',
      binaryName: 'docker-runc',
      upstream: 'docker-runc-18.09 (a fork of runc)',
    },
  },
  {
    file: 'runc-nokmem-v1.0.0-rc5.spec',
    inputs: {
      component: 'runc' as const,
      tag: 'v1.0.0-rc5',
      commit: '4fc53a81fb7c994640722ac585fa9ca548971871',
      methodSummary: 'source patch patches/libcontainer-nokmem.yaml (diff sha256:0000)',
      epoch: 1519776000,
      iteration: 1,
    },
  },
];

describe('RPM spec templates', () => {
  for (const c of cases) {
    it(`renders ${c.file} as the golden file`, async () => {
      const template = await readFile(path.join(RPM_SPECS_DIR, PACKAGES[c.inputs.component].template), 'utf8');
      const rendered = renderSpec(template, specValues(c.inputs));
      const golden = path.join(GOLDEN, c.file);
      if (process.env.NOKMEM_UPDATE_GOLDEN) await writeFile(golden, rendered);
      assert.equal(rendered, await readFile(golden, 'utf8'));
    });
  }

  it('refuses a placeholder without a value', () => {
    assert.throws(() => renderSpec('Name: {{nmae}}', {}), /\{\{nmae\}\} has no value/);
  });

  it('versions sort as rpm expects: ~ for pre-releases, and back', () => {
    assert.equal(rpmVersion('v1.0.0-rc5'), '1.0.0~rc5');
    assert.equal(rpmVersion('v1.12.4'), '1.12.4');
    assert.equal(tagFromRpmVersion('1.0.0~rc93'), 'v1.0.0-rc93');
  });

  it('kubelet release sorts above the official 0 and below 1', () => {
    assert.equal(PACKAGES.kubelet.release(1), '0.nokmem.1');
  });
});
