// Identifying a bare binary from its bytes, on synthetic binaries: the build info between its sentinels, the
// source file names of the function table, `--version` output, and what a claim must agree with.

import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import type { Docker } from '../../../src/docker.ts';
import { InputError, PinMismatch } from '../../../src/errors.ts';
import {
  checkClaim,
  identifyBinary,
  identifyFile,
  linkerVariables,
  place,
  readVersionOutput,
  releaseOf,
} from '../../../src/verify/identify.ts';
import {
  DEFAULT_SPECS_DIR,
  type ForkSpecs,
  type VersionTable,
  loadForkSpecs,
  loadVersionTable,
} from '../../../src/specs.ts';
import { parseVersion } from '../../../src/version.ts';
import { tempDir } from '../../helpers/tmp.ts';

const START = Buffer.from('3077af0c9274080241e1c107e6d618e6', 'hex');
const END = Buffer.from('f932433186182072008242104116d8f2', 'hex');
const RC5_COMMIT = '4fc53a81fb7c994640722ac585fa9ca548971871';

/** An ELF-looking blob with a Go build info text between the sentinels, as Go 1.18+ writes it. */
function withBuildInfo(info: string, extra = ''): Buffer {
  return Buffer.concat([
    Buffer.from('\x7fELF\0\0 some code \xff Go buildinf:\0'),
    START,
    Buffer.from(info),
    END,
    Buffer.from(`\0${extra}\0`),
  ]);
}

/** A blob whose function table names these source files (NUL-terminated, as in .gopclntab). */
function withFiles(...files: string[]): Buffer {
  return Buffer.from(`\x7fELF\0runtime.main\0${files.join('\0')}\0main.main\0`, 'latin1');
}

const runcInfo = (ldflags: string) =>
  `path\tgithub.com/opencontainers/runc\nbuild\t-compiler=gc\nbuild\t-ldflags="${ldflags}"\nbuild\tGOOS=linux\n`;

let specs: { table: VersionTable; forks: ForkSpecs };
before(async () => {
  specs = {
    table: await loadVersionTable(),
    forks: await loadForkSpecs(path.join(DEFAULT_SPECS_DIR, 'forks.yaml')),
  };
});

describe('identifyFile', () => {
  it('reads runc, its version and commit from the build info and its -ldflags', () => {
    const facts = identifyFile(
      withBuildInfo(runcInfo(`-w -extldflags -static -X main.gitCommit=${RC5_COMMIT} -X main.version=1.0.0-rc5 `)),
    );
    assert.equal(facts?.component, 'runc');
    assert.equal(facts?.version, '1.0.0-rc5');
    assert.equal(facts?.commit, RC5_COMMIT);
  });

  it("reads kubelet and Kubernetes' quoted -X assignments", () => {
    const info =
      "path\tk8s.io/kubernetes/cmd/kubelet\nbuild\t-ldflags=\" -s -w -X 'k8s.io/kubernetes/pkg/version.buildDate=2020-01-01T00:00:00Z' -X 'k8s.io/kubernetes/pkg/version.gitCommit=abc' -X 'k8s.io/kubernetes/pkg/version.gitVersion=v1.14.10'\"\n";
    const facts = identifyFile(withBuildInfo(info));
    assert.equal(facts?.component, 'kubelet');
    assert.equal(facts?.version, 'v1.14.10');
    assert.equal(facts?.commit, 'abc');
  });

  it('an empty -X value is no version (runc built without a VERSION file)', () => {
    const facts = identifyFile(withBuildInfo(runcInfo('-X main.gitCommit= -X main.version=')));
    assert.equal(facts?.component, 'runc');
    assert.equal(facts?.version, undefined);
    assert.equal(facts?.commit, undefined);
  });

  it('without build info (Go before 1.18, GOPATH): a source file of the main package', () => {
    assert.equal(
      identifyFile(
        withFiles(
          '/go/src/github.com/opencontainers/runc/libcontainer/cgroups/fs/memory.go',
          '/go/src/github.com/opencontainers/runc/main.go',
        ),
      )?.component,
      'runc',
    );
    assert.equal(
      identifyFile(withFiles('_output/local/go/src/k8s.io/kubernetes/cmd/kubelet/kubelet.go'))?.component,
      'kubelet',
    );
    // -trimpath in module mode: the file name starts with the import path
    assert.equal(identifyFile(withFiles('github.com/opencontainers/runc/main.go'))?.component, 'runc');
  });

  it("a binary that only links runc's packages (kubelet vendoring libcontainer, containerd) is not runc", () => {
    assert.equal(
      identifyFile(
        withFiles(
          '/go/src/k8s.io/kubernetes/vendor/github.com/opencontainers/runc/libcontainer/cgroups/fs/memory.go',
          'github.com/opencontainers/runc/libcontainer/cgroups/fs/kmem.go',
          '/go/src/github.com/containerd/containerd/cmd/containerd/main.go',
        ),
      ),
      undefined,
    );
    // a look-alike path is not runc's: the import path must start at a path boundary
    assert.equal(identifyFile(withFiles('/src/notgithub.com/opencontainers/runc/main.go')), undefined);
  });

  it('build info of another program, or none and no Go files: undefined', () => {
    assert.equal(identifyFile(withBuildInfo('path\tgithub.com/containerd/containerd/cmd/containerd\n')), undefined);
    assert.equal(identifyFile(Buffer.from('\x7fELF\0runc version 1.0.0-rc5\0')), undefined);
  });

  it('linkerVariables: only -X assignments of the -ldflags line', () => {
    const vars = linkerVariables('build\t-ldflags="-X main.a=1 -X=main.b=2 -s"\nbuild\t-tags=x\n');
    assert.deepEqual(
      [...vars],
      [
        ['main.a', '1'],
        ['main.b', '2'],
      ],
    );
  });
});

describe('readVersionOutput and releaseOf', () => {
  it('runc: version and commit, on lines or joined by "; "', () => {
    assert.deepEqual(readVersionOutput('runc', `runc version 1.0.0-rc5\ncommit: ${RC5_COMMIT}\nspec: 1.0.0\n`), {
      version: '1.0.0-rc5',
      commit: RC5_COMMIT,
    });
    assert.deepEqual(readVersionOutput('runc', 'runc version 1.0.0-rc5+dev; commit: 69663f0b-dirty; spec: 1.0.0'), {
      version: '1.0.0-rc5+dev',
      commit: '69663f0b-dirty',
    });
  });

  it('kubelet: the Kubernetes version', () => {
    assert.equal(readVersionOutput('kubelet', 'Kubernetes v1.12.4\n').version, 'v1.12.4');
  });

  it('only an exact release is a release', () => {
    assert.equal(releaseOf('runc', '1.0.0-rc5')?.tag, 'v1.0.0-rc5');
    assert.equal(releaseOf('runc', '1.0.0-rc5+dev'), undefined);
    assert.equal(releaseOf('kubelet', 'v1.14.10')?.tag, 'v1.14.10');
    assert.equal(releaseOf('kubelet', 'v1.14.10-dirty'), undefined);
    assert.equal(releaseOf('kubelet', undefined), undefined);
  });
});

describe('place', () => {
  it("a release: its era's expectations", () => {
    const rc5 = place('runc', { version: '1.0.0-rc5', commit: RC5_COMMIT }, specs, 'test');
    assert.equal(rc5?.tag, 'v1.0.0-rc5');
    assert.equal(rc5?.fork, undefined);
    assert.deepEqual(rc5?.expect, {
      fsPackage: 'github.com/opencontainers/runc/libcontainer/cgroups/fs',
      marker: true,
    });
    const k = place('kubelet', { version: 'v1.12.4' }, specs, 'test');
    assert.equal(
      k?.expect.fsPackage,
      'k8s.io/kubernetes/vendor/github.com/opencontainers/runc/libcontainer/cgroups/fs',
    );
  });

  it("a fork's commit makes it that fork, whatever version it prints", () => {
    const [name, fork] = Object.entries(specs.forks.forks).find(([, f]) => f.version.includes('+dev'))!;
    const id = place('runc', { version: fork.version, commit: fork.commit.slice(0, 8) }, specs, 'test');
    assert.equal(id?.fork, name);
    assert.equal(id?.tag, `v${fork.version}`);
    assert.equal(id?.expect.marker, false);
  });

  it('a development version of no fork: not placed', () => {
    assert.equal(place('runc', { version: '1.0.0-rc5+dev', commit: 'deadbeef' }, specs, 'test'), undefined);
    assert.equal(place('runc', {}, specs, 'test'), undefined);
  });
});

describe('checkClaim', () => {
  const claim = { component: 'runc' as const, version: parseVersion('runc', 'v1.0.0-rc5') };
  it('the same component and version: no error; none claimed: no error', () => {
    checkClaim('x', { component: 'runc', tag: 'v1.0.0-rc5' }, claim);
    checkClaim('x', { component: 'kubelet', tag: 'v1.12.4' }, undefined);
  });
  it('another version or component: PinMismatch', () => {
    assert.throws(() => checkClaim('x', { component: 'runc', tag: 'v1.0.0-rc6' }, claim), PinMismatch);
    assert.throws(() => checkClaim('x', { component: 'kubelet' }, claim), PinMismatch);
  });
});

describe('identifyBinary', () => {
  let dir: string;
  before(async () => {
    dir = await tempDir('nokmem-identify-');
  });

  /** A Docker stand-in that records what it was asked to run and answers with `stdout`. */
  function fakeDocker(stdout: string) {
    const runs: string[][] = [];
    const docker = {
      run: async (spec: { command: string[] }) => {
        runs.push(spec.command);
        return { stdout, stderr: '', exitCode: 0 };
      },
    } as unknown as Docker;
    return { docker, runs };
  }

  async function file(name: string, bytes: Buffer): Promise<string> {
    const p = path.join(dir, name);
    await writeFile(p, bytes);
    return p;
  }

  it('from the build info alone: --version is not run', async () => {
    const f = await file(
      'runc-info',
      withBuildInfo(runcInfo(`-X main.gitCommit=${RC5_COMMIT} -X main.version=1.0.0-rc5`)),
    );
    const { docker, runs } = fakeDocker('');
    const { identity, versionRun } = await identifyBinary(f, 'runc', specs, { docker, toolImage: 'img' });
    assert.equal(identity.component, 'runc');
    assert.equal(identity.tag, 'v1.0.0-rc5');
    assert.equal(identity.commit, RC5_COMMIT);
    assert.equal(versionRun, undefined);
    assert.deepEqual(runs, []);
  });

  it('without a version in the file: --version in a container, and its output is handed on', async () => {
    const f = await file('runc-files', withFiles('/go/src/github.com/opencontainers/runc/main.go'));
    const { docker, runs } = fakeDocker(`runc version 1.0.0-rc5\ncommit: ${RC5_COMMIT}\nspec: 1.0.0\n`);
    const { identity, versionRun } = await identifyBinary(f, 'runc', specs, { docker, toolImage: 'img' });
    assert.equal(identity.tag, 'v1.0.0-rc5');
    assert.equal(runs.length, 1);
    assert.match(versionRun?.stdout ?? '', /runc version/);
  });

  it('a file it cannot identify is never run; without a claim, an InputError', async () => {
    const f = await file('unknown', Buffer.from('\x7fELF\0runc version 1.0.0-rc5\0'));
    const { docker, runs } = fakeDocker('runc version 1.0.0-rc5\n');
    await assert.rejects(identifyBinary(f, 'unknown', specs, { docker, toolImage: 'img' }), InputError);
    assert.deepEqual(runs, []);
  });

  it('with a claim, a file it cannot identify is what --version and the claim say', async () => {
    const f = await file('c-runc', Buffer.from('\x7fELF\0not go\0'));
    const { docker } = fakeDocker('runc version 1.0.0-rc5\n');
    const claim = { component: 'runc' as const, version: parseVersion('runc', 'v1.0.0-rc5') };
    const { identity } = await identifyBinary(f, 'c-runc', specs, { docker, toolImage: 'img' }, claim);
    assert.equal(identity.tag, 'v1.0.0-rc5');
    assert.equal(identity.expect.marker, true);
  });

  it('a claim that disagrees with the binary: PinMismatch', async () => {
    const f = await file('runc-rc5', withBuildInfo(runcInfo('-X main.version=1.0.0-rc5')));
    const { docker } = fakeDocker('');
    const tools = { docker, toolImage: 'img' };
    await assert.rejects(
      identifyBinary(f, 'runc', specs, tools, { component: 'runc', version: parseVersion('runc', 'v1.0.0-rc6') }),
      PinMismatch,
    );
    await assert.rejects(
      identifyBinary(f, 'runc', specs, tools, { component: 'kubelet', version: parseVersion('kubelet', 'v1.12.4') }),
      PinMismatch,
    );
  });

  it('a development version of no fork, without a claim: an InputError', async () => {
    const f = await file(
      'runc-dev',
      withBuildInfo(runcInfo('-X main.gitCommit=deadbeef -X main.version=1.0.0-rc5+dev')),
    );
    await assert.rejects(
      identifyBinary(f, 'runc', specs, { docker: fakeDocker('').docker, toolImage: 'img' }),
      InputError,
    );
  });
});
