import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { realRunner } from '../../../src/runner.ts';
import { el7Check, verifyBinary } from '../../../src/verify/index.ts';
import { hostCannotSandbox } from '../../../src/verify/sandbox.ts';
import { DISASSEMBLY_FOLLOWS } from '../../../src/verify/static-proof.ts';
import { FakeDocker } from '../../helpers/fakes.ts';
import { tempDir } from '../../helpers/tmp.ts';

// Real binaries from the host's gcc: a static one, and a dynamic one that needs GLIBC_2.34 (Debian 12 links
// pthread_create at that version), which EL7's glibc 2.17 cannot load.
describe('EL7 glibc check', () => {
  let dir = '';
  before(async () => {
    dir = await tempDir('elf-');
    await writeFile(
      path.join(dir, 'p.c'),
      '#include <pthread.h>\nstatic void *f(void *a) { return a; }\nint main(void) { pthread_t t; pthread_create(&t, 0, f, 0); return pthread_join(t, 0); }\n',
    );
    await realRunner.run('gcc', ['-static', '-o', path.join(dir, 'static'), path.join(dir, 'p.c'), '-pthread']);
    await realRunner.run('gcc', ['-o', path.join(dir, 'dynamic'), path.join(dir, 'p.c'), '-pthread']);
  });

  it('passes a static binary', async () => {
    assert.equal((await el7Check(path.join(dir, 'static'))).status, 'pass');
  });

  it('fails a dynamic binary that needs GLIBC_2.34, naming the version', async () => {
    const check = await el7Check(path.join(dir, 'dynamic'));
    assert.equal(check.status, 'fail');
    assert.match(check.detail, /GLIBC_2\.3\d/);
  });

  it('fails a file that is not ELF', async () => {
    await writeFile(path.join(dir, 'script'), '#!/bin/sh\n');
    assert.equal((await el7Check(path.join(dir, 'script'))).status, 'fail');
  });
});

// runc's functional proof runs `/runc --version` as the process of the container it makes: the version check reads
// what it printed there, and starts no container of its own; where the run printed no runc version, it does.
describe('verifyBinary: the version from the functional proof', () => {
  const FS = 'github.com/opencontainers/runc/libcontainer/cgroups/fs';
  const COMMIT = '4fc53a81fb7c994640722ac585fa9ca548971871';
  const VERSION = `runc version 1.0.0-rc5\ncommit: ${COMMIT}\nspec: 1.0.0\n`;

  async function proving(printed: string) {
    const dir = await tempDir('verify-binary-');
    const binary = path.join(dir, 'runc');
    await writeFile(path.join(dir, 'r.c'), 'int main(void) { return 0; }\n');
    await realRunner.run('gcc', ['-static', '-o', binary, path.join(dir, 'r.c')]);
    const docker = new FakeDocker({
      engine: '27.0.0',
      containers: [
        {
          command: ['sh', '-c', /strace/],
          result: async (spec) => {
            // the traced run: the cgroup made, its limit set, no kmem file touched; the process printed `printed`
            const id = spec.command[4]!;
            const scratch = spec.mounts.find((m) => m.container === '/scratch')!.host;
            await writeFile(
              path.join(scratch, 'trace.txt'),
              `1 mkdir("/sys/fs/cgroup/memory/${id}", 0755) = 0\n1 openat(AT_FDCWD, "/sys/fs/cgroup/memory/${id}/memory.limit_in_bytes", O_WRONLY) = 3\n`,
            );
            return { stdout: printed };
          },
        },
        { command: ['sh', '-c', /go tool nm/], result: { stdout: `  401000 T main.main\n${DISASSEMBLY_FOLLOWS}\n` } },
        { command: ['/probe/binary', '--version'], result: { stdout: VERSION } },
      ],
    });
    const verdict = await verifyBinary(
      {
        binary,
        component: 'runc',
        tag: 'v1.0.0-rc5',
        commit: COMMIT,
        expect: { fsPackage: FS, marker: false },
      },
      { docker, toolImage: 'tool', scratchRoot: dir, functional: true },
    );
    return { verdict, docker };
  }

  it('a proof that ran the process: the version printed there, no --version container', async (t) => {
    const cannot = await hostCannotSandbox('memory cgroups');
    if (cannot) return t.skip(`the proof cannot run on this host: ${cannot}`);
    const { verdict, docker } = await proving(VERSION);
    const status = Object.fromEntries(verdict.checks.map((c) => [c.name, c.status]));
    assert.equal(status['version string'], 'pass');
    assert.equal(status['functional (strace)'], 'pass');
    assert.ok(!docker.runs.some((r) => r.command[0] === '/probe/binary'), 'no container of its own');
  });

  it('a proof whose run printed no runc version: --version runs in a container of its own', async (t) => {
    const cannot = await hostCannotSandbox('memory cgroups');
    if (cannot) return t.skip(`the proof cannot run on this host: ${cannot}`);
    const { verdict, docker } = await proving('exec format error\n');
    assert.equal(verdict.checks.find((c) => c.name === 'version string')?.status, 'pass');
    assert.ok(docker.runs.some((r) => r.command[0] === '/probe/binary'));
  });
});
