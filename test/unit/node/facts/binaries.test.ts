// The kubelet and runc files of a node (src/node/facts/binaries.ts), read and never run, on hand-made roots: what
// a file says it is (its Go build info, else its function table), its kmem strings, who may have replaced it, and
// where each binary is looked for, in order, with every path resolved inside the root.

import assert from 'node:assert/strict';
import { chmod, chown, mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { binaryFacts, findKubelet, findRuntimes, ownership } from '../../../../src/node/facts/binaries.ts';
import { RC5, scratchDir, standIn } from '../../../helpers/doctor-host.ts';

const INFO_START = Buffer.from('3077af0c9274080241e1c107e6d618e6', 'hex');
const INFO_END = Buffer.from('f932433186182072008242104116d8f2', 'hex');

/** A Go binary's build info naming `main` with these -ldflags, after `body`. */
const withBuildInfo = (body: string, main: string, ldflags: string) =>
  Buffer.concat([
    Buffer.from(body),
    INFO_START,
    Buffer.from(`path\t${main}\nbuild\t-ldflags="${ldflags}"\n`),
    INFO_END,
  ]);

/** A host root with these files (paths under the root), each root-owned 0755 unless given a mode. */
async function host(files: Record<string, string | Buffer>): Promise<string> {
  const root = await scratchDir('doctor-binaries-');
  for (const [p, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, p)), { recursive: true });
    await writeFile(path.join(root, p), content);
    await chmod(path.join(root, p), 0o755);
  }
  return root;
}

const KUBELET_NOKMEM = standIn('kubelet', 'nokmem', 'Kubernetes v1.12.4');
const RUNC_KMEM = standIn('runc', 'kmem', RC5);

describe('ownership', () => {
  it('trusted only when owned by root and writable by nobody else; setuid and read bits do not matter', () => {
    assert.deepEqual(ownership({ uid: 0, mode: 0o100755 }), { trusted: true });
    assert.deepEqual(ownership({ uid: 0, mode: 0o104711 }), { trusted: true });
    assert.deepEqual(ownership({ uid: 1000, mode: 0o100755 }), {
      trusted: false,
      why: 'owned by uid 1000, not root',
    });
    assert.deepEqual(ownership({ uid: 0, mode: 0o100775 }), {
      trusted: false,
      why: 'writable by its group (mode 775)',
    });
    assert.deepEqual(ownership({ uid: 0, mode: 0o100757 }), {
      trusted: false,
      why: 'writable by others (mode 757)',
    });
    assert.deepEqual(ownership({ uid: 65534, mode: 0o104777 }), {
      trusted: false,
      why: 'owned by uid 65534, not root, writable by others (mode 4777)',
    });
  });
});

describe('binaryFacts', () => {
  it("reads the version a runc's file records, as `runc --version` prints it, and its kmem string", async () => {
    const root = await host({ 'usr/bin/runc': RUNC_KMEM });
    const facts = await binaryFacts(root, '/usr/bin/runc', 'runc', 'PATH');
    assert.deepEqual(facts, {
      role: 'runc',
      path: '/usr/bin/runc',
      foundBy: 'PATH',
      kmemCode: true,
      marker: false,
      version: 'runc version 1.0.0-rc5; commit: 4fc53a81fb7c994640722ac585fa9ca548971871',
      identifiedBy:
        'its Go build info names the main package github.com/opencontainers/runc and its -ldflags set the version',
      owner: facts?.owner,
      trusted: true,
    });
    assert.equal(facts?.owner?.uid, process.getuid?.());
    assert.equal((facts?.owner?.mode ?? 0) & 0o7777, 0o755);
  });

  it("a nokmem build's marker; a kubelet's version as `kubelet --version` prints it, with its v", async () => {
    const root = await host({
      'usr/bin/kubelet': KUBELET_NOKMEM,
      'opt/kubelet': withBuildInfo(
        'ELF',
        'k8s.io/kubernetes/cmd/kubelet',
        '-X k8s.io/kubernetes/pkg/version.gitVersion=1.16.2',
      ),
      'opt/runc': withBuildInfo('ELF', 'github.com/opencontainers/runc', '-X main.version=v1.0.0-rc93'),
    });
    const kubelet = await binaryFacts(root, '/usr/bin/kubelet', 'kubelet', 'PATH');
    assert.deepEqual([kubelet?.kmemCode, kubelet?.marker, kubelet?.version], [false, true, 'Kubernetes v1.12.4']);
    assert.equal((await binaryFacts(root, '/opt/kubelet', 'kubelet', 'PATH'))?.version, 'Kubernetes v1.16.2');
    assert.equal((await binaryFacts(root, '/opt/runc', 'runc', 'PATH'))?.version, 'runc version 1.0.0-rc93');
  });

  it('a file that records no version says why; it is still read for its kmem strings', async () => {
    const root = await host({
      'usr/bin/runc': 'ELF...\0github.com/opencontainers/runc/main.go\0 memory.kmem.limit_in_bytes',
      'usr/bin/other': 'ELF... memory.kmem.limit_in_bytes',
    });
    const named = await binaryFacts(root, '/usr/bin/runc', 'runc', 'PATH');
    assert.equal(named?.version, undefined);
    assert.equal(named?.kmemCode, true);
    assert.equal(
      named?.identifiedBy,
      'it is compiled from github.com/opencontainers/runc/main.go; the file does not record its version',
    );
    const blank = await binaryFacts(root, '/usr/bin/other', 'runc', 'PATH');
    assert.equal(blank?.identifiedBy, 'the file records neither its component nor its version');
  });

  it('records who may have replaced it: a file not owned by root is read, and marked untrusted', async () => {
    const root = await host({ 'usr/bin/kubelet': KUBELET_NOKMEM });
    await chown(path.join(root, 'usr/bin/kubelet'), 1000, 1000);
    await chmod(path.join(root, 'usr/bin/kubelet'), 0o775);
    const facts = await binaryFacts(root, '/usr/bin/kubelet', 'kubelet', 'PATH');
    assert.equal(facts?.owner?.uid, 1000);
    assert.equal(facts?.trusted, false);
    assert.equal(facts?.version, 'Kubernetes v1.12.4');
  });

  it("follows a link inside the root (the host's path, not the reader's) and keeps the path it was given", async () => {
    const root = await host({ 'usr/libexec/runc-nokmem/runc': standIn('runc', 'nokmem', RC5) });
    await symlink('/usr/libexec/runc-nokmem/runc', path.join(root, 'usr/bin-runc'));
    const facts = await binaryFacts(root, '/usr/bin-runc', 'runc', 'PATH');
    assert.equal(facts?.path, '/usr/bin-runc');
    assert.equal(facts?.marker, true);
  });

  it('nothing for a missing path, a directory, or a link that leaves nothing to read', async () => {
    const root = await host({});
    await mkdir(path.join(root, 'usr/bin/runc'), { recursive: true });
    await symlink('/nowhere/runc', path.join(root, 'usr/bin/dangling'));
    assert.equal(await binaryFacts(root, '/usr/bin/kubelet', 'kubelet', 'PATH'), undefined);
    assert.equal(await binaryFacts(root, '/usr/bin/runc', 'runc', 'PATH'), undefined);
    assert.equal(await binaryFacts(root, '/usr/bin/dangling', 'runc', 'PATH'), undefined);
  });
});

const argv = (...args: string[]) => `${args.join('\0')}\0`;

describe('findKubelet', () => {
  it('the running process first: its exe link, with " (deleted)" of a replaced file dropped', async () => {
    const root = await host({
      'opt/k8s/kubelet': KUBELET_NOKMEM,
      'usr/bin/kubelet': standIn('kubelet', 'kmem', 'Kubernetes v1.12.4'),
      'proc/77/cmdline': argv('/usr/bin/dockerd'),
      'proc/4242/cmdline': argv('kubelet', '--cgroup-driver=cgroupfs'),
    });
    await symlink('/opt/k8s/kubelet (deleted)', path.join(root, 'proc/4242/exe'));
    const found = await findKubelet(root, ['77', '4242']);
    assert.deepEqual([found?.path, found?.foundBy, found?.marker], ['/opt/k8s/kubelet', 'running process 4242', true]);
  });

  it("without an exe link (no ptrace rights), the process's argv[0] when it is a path", async () => {
    const root = await host({
      'opt/k8s/kubelet': KUBELET_NOKMEM,
      'proc/4242/cmdline': argv('/opt/k8s/kubelet', '--v=2'),
    });
    const found = await findKubelet(root, ['4242']);
    assert.deepEqual([found?.path, found?.foundBy], ['/opt/k8s/kubelet', 'running process 4242']);
  });

  it('then the systemd unit, /etc before /usr/lib before /lib; then /usr/bin and /usr/local/bin', async () => {
    const units = {
      'etc/systemd/system/kubelet.service': '[Service]\nExecStart=/opt/etc/kubelet --v=2\n',
      'usr/lib/systemd/system/kubelet.service': '[Service]\nExecStart=/opt/lib/kubelet\n',
      'opt/etc/kubelet': KUBELET_NOKMEM,
      'opt/lib/kubelet': KUBELET_NOKMEM,
      'usr/bin/kubelet': KUBELET_NOKMEM,
      'usr/local/bin/kubelet': KUBELET_NOKMEM,
      // a kubelet process whose file is not there: the next place is looked at
      'proc/4242/cmdline': argv('/gone/kubelet'),
    };
    const where = async (files: Record<string, string | Buffer>) => {
      const found = await findKubelet(await host(files), ['4242']);
      return found && `${found.path} (${found.foundBy})`;
    };
    assert.equal(await where(units), '/opt/etc/kubelet (/etc/systemd/system/kubelet.service)');
    const noEtcFile: Record<string, string | Buffer> = { ...units };
    delete noEtcFile['opt/etc/kubelet'];
    assert.equal(await where(noEtcFile), '/opt/lib/kubelet (/usr/lib/systemd/system/kubelet.service)');
    assert.equal(
      await where({ 'usr/bin/kubelet': KUBELET_NOKMEM, 'usr/local/bin/kubelet': KUBELET_NOKMEM }),
      '/usr/bin/kubelet (PATH)',
    );
    assert.equal(await where({ 'usr/local/bin/kubelet': KUBELET_NOKMEM }), '/usr/local/bin/kubelet (PATH)');
    assert.equal(await where({ 'proc/4242/cmdline': argv('/gone/kubelet') }), undefined);
  });
});

describe('findRuntimes', () => {
  it("the engines' usual runc paths, runc-nokmem and NVIDIA's runtime, each once, then what the engines name", async () => {
    const root = await host({
      'usr/sbin/runc': RUNC_KMEM,
      'usr/libexec/docker/docker-runc-current': RUNC_KMEM,
      'usr/libexec/runc-nokmem/runc': standIn('runc', 'nokmem', RC5),
      'usr/bin/nvidia-container-runtime': RUNC_KMEM,
      'opt/runc-nokmem/runc': standIn('runc', 'nokmem', RC5),
      'opt/custom/runc': RUNC_KMEM,
    });
    const found = await findRuntimes(root, [
      '/usr/sbin/runc',
      '/opt/runc-nokmem/runc',
      '/opt/custom/runc',
      '/opt/missing/runc',
    ]);
    assert.deepEqual(
      found.map((b) => `${b.role} ${b.path} (${b.foundBy})`),
      [
        'runc /usr/sbin/runc (PATH)',
        'docker-runc /usr/libexec/docker/docker-runc-current (docker)',
        'runc-nokmem /usr/libexec/runc-nokmem/runc (runc-nokmem package)',
        'nvidia-container-runtime /usr/bin/nvidia-container-runtime (NVIDIA container runtime)',
        'runc-nokmem /opt/runc-nokmem/runc (the engine configuration)',
        'runc /opt/custom/runc (the engine configuration)',
      ],
    );
    assert.ok(
      found.every((b) => b.inUse === undefined),
      'which is in use is for readHostFacts to say',
    );
  });

  it('nothing on a node without any', async () => {
    assert.deepEqual(await findRuntimes(await host({}), []), []);
  });
});
