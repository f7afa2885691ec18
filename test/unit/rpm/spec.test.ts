import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import {
  type BuildFacts,
  PACKAGES,
  RPM_SPECS_DIR,
  renderSpec,
  rpmVersion,
  specValues,
  tagFromRpmVersion,
} from '../../../src/rpm/spec.ts';

// Golden files: NOKMEM_UPDATE_GOLDEN=1 npm run test:unit rewrites them; review the diff before committing.
const GOLDEN = path.resolve(import.meta.dirname, '../../golden');

const KUBELET_CGO = {
  mode: 'cgo' as const,
  reason: 'hack/lib/golang.sh leaves the kubelet out of KUBE_STATIC_LIBRARIES, so upstream links it with cgo',
};
const RUNC_STATIC = { mode: 'static' as const, reason: 'upstream releases runc as a static binary' };
/** kubelet 1.12 (upstream Go 1.10.4) built with Go 1.15: the CommonName change, restored by GODEBUG. */
const KUBELET_112_BUILD = {
  link: KUBELET_CGO,
  go: '1.15.15',
  upstreamGo: '1.10.4',
  behaviour: [
    {
      from: '1.15',
      change: 'ignores the CommonName of server certificates without Subject Alternative Names',
      restoredBy: 'x509ignoreCN=0',
    },
  ],
  restoreEnv: { GODEBUG: 'x509ignoreCN=0' },
};

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
      build: KUBELET_112_BUILD,
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
      // built with upstream's own Go: nothing to restore
      build: { link: KUBELET_CGO, go: '1.13.15', upstreamGo: '1.13.15', behaviour: [] },
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
      build: { link: RUNC_STATIC, go: '1.15.15', upstreamGo: '1.8' },
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
      build: { link: RUNC_STATIC, go: '1.15.15', upstreamGo: '1.8' },
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

  const services: [string, BuildFacts][] = [
    ['kubelet-v1.12.4.service', KUBELET_112_BUILD],
    ['kubelet-v1.16.15.service', { link: KUBELET_CGO, go: '1.13.15', upstreamGo: '1.13.15', behaviour: [] }],
  ];
  for (const [file, build] of services) {
    it(`renders the kubelet.service of ${file.replace('.service', '')} as the golden file`, async () => {
      const template = await readFile(path.join(RPM_SPECS_DIR, 'files', 'kubelet.service'), 'utf8');
      const rendered = renderSpec(template, specValues({ ...cases[0]!.inputs, build }));
      const golden = path.join(GOLDEN, file);
      if (process.env.NOKMEM_UPDATE_GOLDEN) await writeFile(golden, rendered);
      assert.equal(rendered, await readFile(golden, 'utf8'));
    });
  }

  it('a kubelet built with a Go that changed its TLS behaviour restores it in its unit and says so', () => {
    const values = specValues(cases[0]!.inputs);
    assert.match(values.serviceEnvironment!, /^Environment="GODEBUG=x509ignoreCN=0"$/m);
    assert.match(
      values.build!,
      /^Linked with cgo: hack\/lib\/golang\.sh leaves the kubelet out of KUBE_STATIC_LIBRARIES/m,
    );
    assert.match(
      values.build!,
      /Go 1\.15\.15 \(upstream: Go 1\.10\.4\) ignores the CommonName .* restored with GODEBUG=x509ignoreCN=0/,
    );
  });

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
