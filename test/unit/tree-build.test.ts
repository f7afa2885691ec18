// What the tree's own build scripts say (src/tree-build.ts), and what the tree inspection does with it: the Go
// check has the last word, the linkage and the version must be what specs/ say.

import assert from 'node:assert/strict';
import { cp, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { PinMismatch } from '../../src/errors.ts';
import { inspectTree } from '../../src/steps/inspect-tree.ts';
import { askTree } from '../../src/tree-build.ts';
import { ToolchainRefused } from '../../src/toolchain.ts';
import { parseVersion } from '../../src/version.ts';
import { FakeDocker } from '../helpers/fakes.ts';
import {
  buildRequest,
  newResults,
  plan,
  removeTempDirs,
  runcTree,
  tempDir,
  testDeps,
  testWorkspace,
} from '../helpers/steps.ts';

after(removeTempDirs);

const said = (check: 'pass' | 'fail', link: 'cgo' | 'static') =>
  [
    'go=go version go1.15.15 linux/amd64',
    `go-check=${check}`,
    `go-check-said=${check === 'fail' ? 'Detected go version: go version go1.15.15 linux/amd64. Kubernetes requires go1.9.1 or greater.' : ''}`,
    `link=${link}`,
    'package=k8s.io/kubernetes/cmd/kubelet',
    'static-libraries=kube-apiserver kube-proxy kubeadm kubectl',
    '',
  ].join('\n');

const kubeTree = async (root: string) => {
  const tree = path.join(root, 'src');
  await runcTree('v1.0.0-rc5', path.join(tree, 'vendor/github.com/opencontainers/runc'));
  return tree;
};

describe("the tree's own build scripts", () => {
  it("kubernetes: hack/lib/golang.sh is asked in the builder image, read-only, with the build's environment", async () => {
    const fake = new FakeDocker({
      engine: '27.0.0',
      containers: [{ command: ['bash'], result: { stdout: said('pass', 'cgo') } }],
    });
    const answers = await askTree(
      {
        component: 'kubelet',
        tree: '/t',
        mountPath: '/go/src/k8s.io/kubernetes',
        image: 'img',
        env: { KUBE_BUILD_PLATFORMS: 'linux/amd64' },
        make: ['WHAT=cmd/kubelet'],
      },
      fake,
    );
    assert.deepEqual(answers.goCheck, {
      ok: true,
      go: '1.15.15',
      said: '',
      from: 'hack/lib/golang.sh kube::golang::verify_go_version',
    });
    assert.equal(answers.link.mode, 'cgo');
    assert.match(
      answers.link.evidence,
      /is_statically_linked_library k8s\.io\/kubernetes\/cmd\/kubelet: not static \(KUBE_STATIC_LIBRARIES: kube-apiserver/,
    );
    const [run] = fake.runs;
    assert.deepEqual(run?.mounts, [{ host: '/t', container: '/go/src/k8s.io/kubernetes', readOnly: true }]);
    assert.equal(run?.command.at(-1), 'cmd/kubelet');
    assert.match(run?.command[2] ?? '', /source hack\/lib\/init\.sh/);
    assert.deepEqual(run?.env, { KUBE_BUILD_PLATFORMS: 'linux/amd64' });
  });

  it("runc: the Makefile's static target and the VERSION file", async () => {
    const tree = await runcTree('v1.0.0-rc6', path.join(await tempDir(), 'src'));
    await writeFile(path.join(tree, 'VERSION'), '1.0.0-rc10\n');
    const answers = await askTree(
      { component: 'runc', tree, mountPath: '/m', image: 'img', env: {}, make: [] },
      new FakeDocker(),
    );
    assert.deepEqual(answers.link, {
      mode: 'static',
      evidence: 'Makefile: `make static` links with -extldflags -static',
    });
    assert.equal(answers.version, '1.0.0-rc10');
  });
});

describe('inspect tree asks the tree', () => {
  async function inspectingKubelet(answer: string) {
    const root = await tempDir();
    const request = buildRequest(root, { component: 'kubelet', version: parseVersion('kubelet', 'v1.12.4') });
    const results = newResults();
    results.source.set('tree', await kubeTree(root));
    const fake = new FakeDocker({ engine: '27.0.0', containers: [{ command: ['bash'], result: { stdout: answer } }] });
    const p = await plan(request, {
      image: 'nokmem-builder:debian-go1.15',
      toolchain: { image: 'nokmem-builder:debian-go1.15', go: '1.15.15', why: 'test' },
    });
    return {
      ctx: { request, deps: testDeps(undefined, fake), plan: p, results, workspace: testWorkspace(request) },
      results,
    };
  }

  it('a Go the tree refuses stops the build before the compile, naming the Go it needs and how to get it', async () => {
    const { ctx } = await inspectingKubelet(said('fail', 'cgo'));
    await assert.rejects(inspectTree.run(ctx), (e: unknown) => {
      assert.ok(e instanceof ToolchainRefused);
      assert.match(
        e.message,
        /^kubelet v1\.12\.4: the tree's own Go check \(hack\/lib\/golang\.sh kube::golang::verify_go_version\) refuses Go 1\.15\.15 of nokmem-builder:debian-go1\.15 \("Detected go version: .*"\); it needs .*: make an image with `nokmem builder-image --go 1\.10\.4` and pass it with --image$/,
      );
      return true;
    });
  });

  it('a tree that links otherwise than specs/ say stops the build with both answers', async () => {
    const { ctx } = await inspectingKubelet(said('pass', 'static'));
    await assert.rejects(
      inspectTree.run(ctx),
      (e: unknown) =>
        e instanceof PinMismatch && /says kubelet v1\.12\.4 is linked cgo .* but the tree says static/.test(e.message),
    );
  });

  it('agreement: the answers are kept for the record', async () => {
    const { ctx, results } = await inspectingKubelet(said('pass', 'cgo'));
    await inspectTree.run(ctx);
    assert.equal(results.source.get('decision').treeBuild?.link.mode, 'cgo');
  });

  it("runc: a VERSION the data does not expect stops the build with both answers (rc90's says rc10)", async () => {
    const root = await tempDir();
    const request = buildRequest(root, { version: parseVersion('runc', 'v1.0.0-rc6') });
    const results = newResults();
    const tree = await runcTree('v1.0.0-rc6', path.join(root, 'src'));
    await writeFile(path.join(tree, 'VERSION'), '1.0.0-rc10\n');
    results.source.set('tree', tree);
    const ctx = { request, deps: testDeps(), plan: await plan(request), results, workspace: testWorkspace(request) };
    await assert.rejects(
      inspectTree.run(ctx),
      /the tree's VERSION says 1\.0\.0-rc10, but specs\/versions\.yaml expects runc v1\.0\.0-rc6 to report 1\.0\.0-rc6/,
    );
    const rc90 = buildRequest(root, { version: parseVersion('runc', 'v1.0.0-rc90') });
    const again = newResults();
    const tree90 = await runcTree('v1.0.0-rc6', path.join(root, 'src90'));
    await cp(path.join(tree, 'VERSION'), path.join(tree90, 'VERSION'));
    await mkdir(tree90, { recursive: true });
    again.source.set('tree', tree90);
    await inspectTree.run({
      request: rc90,
      deps: testDeps(),
      plan: await plan(rc90),
      results: again,
      workspace: testWorkspace(rc90),
    });
    assert.equal(again.source.get('decision').treeBuild?.version, '1.0.0-rc10');
  });
});
