// nokmem doctor (src/commands/doctor.ts), run as a user would (a child process) and in-process with fakes.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { execa } from 'execa';
import { run } from '../../../src/commands/doctor.ts';
import { InputError, UsageError } from '../../../src/errors.ts';
import { nokmem } from '../../helpers/cli.ts';
import { NOW, fakeDeps } from '../../helpers/command-deps.ts';
import { node } from '../../helpers/doctor-host.ts';

describe('nokmem doctor', () => {
  it('the command: --root, --json, and the exit code scripts read', async () => {
    // binaries are never run, so one with kmem code whose file records no version cannot be placed: unknown, exit 3
    const r = await nokmem([
      'doctor',
      '--root',
      await node({ kubelet: 'kmem', runc: 'kmem', kubepodsKmem: false, kubeletVersion: null, runcVersion: null }),
      '--json',
    ]);
    assert.equal(r.exitCode, 3, r.stderr);
    assert.equal((JSON.parse(r.stdout) as { verdict: string }).verdict, 'unknown');
    const human = await nokmem([
      'doctor',
      '--root',
      await node({ kubelet: 'nokmem', runc: 'nokmem', kubepodsKmem: true }),
    ]);
    assert.equal(human.exitCode, 2);
    assert.match(human.stdout, /^verdict: reboot$/m);
    const bad = await nokmem(['doctor', '--root', '/nonexistent-root']);
    assert.equal(bad.exitCode, 1);
    assert.match(bad.stderr, /^nokmem: error: \/nonexistent-root has no proc\/; give the root of a node/m);
  });
});

describe('nokmem doctor never runs what it inspects', () => {
  it('a process named kubelet run by nobody from /tmp/x/kubelet: reported, never executed', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'doctor-planted-'));
    const x = path.join(dir, 'x');
    await mkdir(x);
    const marker = path.join(dir, 'ran-as-root');
    // A program that leaves a marker when it is run with --version, as the old doctor ran it (as root).
    await writeFile(
      path.join(x, 'kubelet.c'),
      `#include <stdio.h>\n#include <string.h>\n#include <unistd.h>\nint main(int c, char **v) {\n  if (c > 1 && !strcmp(v[1], "--version")) { FILE *f = fopen("${marker}", "w"); if (f) fclose(f); puts("Kubernetes v1.22.3"); return 0; }\n  sleep(120); return 0;\n}\n`,
    );
    await execa('gcc', ['-o', path.join(x, 'kubelet'), path.join(x, 'kubelet.c')]);
    await chown(x, 65534, 65534);
    await chown(path.join(x, 'kubelet'), 65534, 65534);
    await chmod(dir, 0o755);
    const child = execa(path.join(x, 'kubelet'), [], { uid: 65534, gid: 65534, stdio: 'ignore', reject: false });
    try {
      await new Promise((resolve) => setTimeout(resolve, 300));
      const r = await nokmem(['doctor', '--json']);
      assert.ok([0, 1, 2, 3].includes(r.exitCode), r.stderr);
      assert.equal(existsSync(marker), false, 'the doctor ran the planted kubelet');
      const report = JSON.parse(r.stdout) as { findings: { message: string; level: string }[] };
      const line = report.findings.find((f) => f.message.includes(path.join(x, 'kubelet')));
      assert.equal(line?.level, 'bad', r.stdout);
      assert.match(line?.message ?? '', /owned by uid 65534, not root; its kmem state cannot be trusted/);
    } finally {
      child.kill();
      await child;
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('nokmem doctor --npd and --prometheus', () => {
  it('exit codes of the custom-plugin contract, and metrics promtool accepts', async () => {
    const ok = await nokmem([
      'doctor',
      '--npd',
      '--root',
      await node({ kubelet: 'nokmem', runc: 'nokmem', kubepodsKmem: false }),
    ]);
    assert.equal(ok.exitCode, 0, ok.stderr);
    assert.match(ok.stdout, /^nokmem ok: /);
    const reboot = await nokmem([
      'doctor',
      '--npd',
      '--root',
      await node({ kubelet: 'nokmem', runc: 'nokmem', kubepodsKmem: true }),
    ]);
    assert.equal(reboot.exitCode, 1);
    const unknown = await nokmem([
      'doctor',
      '--npd',
      '--root',
      await node({ kubelet: 'kmem', kubeletVersion: null, kubepodsKmem: false }),
    ]);
    assert.equal(unknown.exitCode, 3);
    const metrics = await nokmem([
      'doctor',
      '--prometheus',
      '--node',
      'n1',
      '--root',
      await node({ kernel: '5.14.0-362.el9.x86_64' }),
    ]);
    assert.match(metrics.stdout, /^nokmem_memory_cgroup_ids_used\{node="n1"\} 12$/m);
    const check = await execa('promtool', ['check', 'metrics'], { input: `${metrics.stdout}\n`, reject: false });
    assert.equal(check.exitCode, 0, check.stdout + check.stderr);
    const both = await nokmem(['doctor', '--npd', '--json']);
    assert.equal(both.exitCode, 2);
    assert.match(both.stderr, /choose one of --json, --npd/);
  });
});

describe('nokmem doctor in-process (run with fakes)', () => {
  it('--json: the report, and the exit status is set, not thrown; the doctor runs nothing', async () => {
    const f = fakeDeps();
    await run({ root: await node({ kubelet: 'nokmem', runc: 'nokmem', kubepodsKmem: true }), json: true }, f.deps);
    assert.equal((JSON.parse(f.stdout()) as { verdict: string }).verdict, 'reboot');
    assert.equal(f.deps.env.exitCode, 2);
    assert.equal(f.runner.calls.length, 0);
  });

  it('--prometheus: the metrics carry the node name given and the time of the clock given', async () => {
    const f = fakeDeps();
    await run(
      { root: await node({ kubelet: 'nokmem', runc: 'nokmem', kubepodsKmem: false }), prometheus: true, node: 'n1' },
      f.deps,
    );
    assert.match(f.stdout(), /node="n1"/);
    assert.ok(f.stdout().includes(` ${NOW.getTime() / 1000}\n`), f.stdout());
    assert.equal(f.deps.env.exitCode, 0);
  });

  it('two output forms: a usage error naming them', async () => {
    const f = fakeDeps();
    await assert.rejects(
      run({ root: '/', json: true, npd: true }, f.deps),
      (e: Error) => e instanceof UsageError && e.exitCode === 2 && e.message === 'choose one of --json, --npd',
    );
  });

  it('a root without proc/: an input error that says what to give', async () => {
    const f = fakeDeps();
    await assert.rejects(
      run({ root: '/nonexistent-root' }, f.deps),
      (e: Error) =>
        e instanceof InputError && e.message === '/nonexistent-root has no proc/; give the root of a node (default /)',
    );
  });
});
