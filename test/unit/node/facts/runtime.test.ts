// Which runc the engines are configured to run (src/node/facts/runtime.ts), read from configuration and dockerd's
// arguments, never by asking a daemon: dockerd's --add-runtime/--default-runtime (which win over daemon.json),
// /etc/docker/daemon.json, and containerd's CRI BinaryName. What says nothing gives nothing, and a broken file is
// not an error.

import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { dockerDefaultRuntime, engineRuntimes } from '../../../../src/node/facts/runtime.ts';
import { scratchDir } from '../../../helpers/doctor-host.ts';

const NOKMEM = '/usr/libexec/runc-nokmem/runc';
const daemonJson = (config: unknown) => JSON.stringify(config);

describe('dockerDefaultRuntime', () => {
  it("daemon.json's runtimes and default-runtime (docker-ce)", () => {
    assert.deepEqual(
      dockerDefaultRuntime([], daemonJson({ runtimes: { nokmem: { path: NOKMEM } }, 'default-runtime': 'nokmem' })),
      { path: NOKMEM, by: '/etc/docker/daemon.json (default runtime "nokmem")' },
    );
  });

  it("dockerd's --add-runtime and --default-runtime, in both spellings (CentOS docker 1.13's unit, the drop-in)", () => {
    const by = 'dockerd --add-runtime (default runtime "nokmem")';
    for (const args of [
      ['/usr/bin/dockerd-current', '--add-runtime', `nokmem=${NOKMEM}`, '--default-runtime', 'nokmem'],
      ['/usr/bin/dockerd', `--add-runtime=nokmem=${NOKMEM}`, '--default-runtime=nokmem'],
    ])
      assert.deepEqual(dockerDefaultRuntime(args, undefined), { path: NOKMEM, by }, args.join(' '));
    // the path is all after the first '='
    assert.deepEqual(
      dockerDefaultRuntime(['dockerd', '--add-runtime=nokmem=/opt/a=b/runc', '--default-runtime=nokmem'], undefined),
      {
        path: '/opt/a=b/runc',
        by,
      },
    );
  });

  it('the arguments win over daemon.json: the runtime of the same name, and the default; the last flag counts', () => {
    const config = daemonJson({
      runtimes: { nokmem: { path: '/opt/old/runc' }, other: { path: '/opt/other/runc' } },
      'default-runtime': 'other',
    });
    assert.deepEqual(
      dockerDefaultRuntime(
        ['dockerd', `--add-runtime=nokmem=${NOKMEM}`, '--default-runtime=other', '--default-runtime=nokmem'],
        config,
      ),
      { path: NOKMEM, by: 'dockerd --add-runtime (default runtime "nokmem")' },
    );
    // A default named on the command line, defined only in daemon.json.
    assert.deepEqual(dockerDefaultRuntime(['dockerd', '--default-runtime', 'other'], config), {
      path: '/opt/other/runc',
      by: '/etc/docker/daemon.json (default runtime "other")',
    });
  });

  it('nothing when nothing names a default, or the default is not a configured runtime (docker\'s own "runc")', () => {
    assert.equal(dockerDefaultRuntime([], undefined), undefined);
    assert.equal(dockerDefaultRuntime(['dockerd'], daemonJson({ runtimes: { nokmem: { path: NOKMEM } } })), undefined);
    assert.equal(dockerDefaultRuntime(['dockerd', '--default-runtime=runc'], undefined), undefined);
    assert.equal(
      dockerDefaultRuntime([], daemonJson({ runtimes: { nokmem: {} }, 'default-runtime': 'nokmem' })),
      undefined,
      'a runtime without a path',
    );
    assert.equal(
      dockerDefaultRuntime(['dockerd', '--add-runtime', 'nokmem', '--default-runtime=nokmem'], undefined),
      undefined,
      '--add-runtime without NAME=PATH',
    );
    assert.equal(dockerDefaultRuntime(['dockerd', '--default-runtime'], undefined), undefined, 'a flag without value');
  });

  it('a daemon.json that is not JSON, or not an object, is read as empty, and the arguments still count', () => {
    assert.equal(dockerDefaultRuntime([], '{ "default-runtime": '), undefined);
    // Regression: a daemon.json of `null` (valid JSON, not an object) made the doctor fail as a bug.
    for (const text of ['null', '[]', '"nokmem"', '42']) assert.equal(dockerDefaultRuntime([], text), undefined, text);
    assert.deepEqual(dockerDefaultRuntime(['dockerd', `--add-runtime=n=${NOKMEM}`, '--default-runtime=n'], 'null'), {
      path: NOKMEM,
      by: 'dockerd --add-runtime (default runtime "n")',
    });
    assert.deepEqual(dockerDefaultRuntime(['dockerd', `--add-runtime=n=${NOKMEM}`, '--default-runtime=n'], '{'), {
      path: NOKMEM,
      by: 'dockerd --add-runtime (default runtime "n")',
    });
  });
});

/** A host root with these files (paths under the root). */
async function host(files: Record<string, string>): Promise<string> {
  const root = await scratchDir('doctor-runtime-');
  for (const [p, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, p)), { recursive: true });
    await writeFile(path.join(root, p), content);
  }
  return root;
}

const argv = (...args: string[]) => `${args.join('\0')}\0`;

describe('engineRuntimes', () => {
  it("the running dockerd's arguments with daemon.json, then containerd's BinaryName", async () => {
    const root = await host({
      'proc/1/cmdline': argv('/usr/lib/systemd/systemd', '--system'),
      'proc/812/cmdline': argv('/usr/bin/dockerd-current', '--add-runtime', `nokmem=${NOKMEM}`),
      'etc/docker/daemon.json': daemonJson({ 'default-runtime': 'nokmem' }),
      'etc/containerd/config.toml': [
        '[plugins.cri.containerd.runtimes.runc.options]',
        '  BinaryName = "/usr/libexec/runc-nokmem/runc"',
        '',
      ].join('\n'),
    });
    assert.deepEqual(await engineRuntimes(root, ['1', '812']), [
      { path: NOKMEM, by: 'dockerd --add-runtime (default runtime "nokmem")' },
      { path: NOKMEM, by: '/etc/containerd/config.toml BinaryName' },
    ]);
  });

  it('daemon.json alone is enough when no dockerd runs', async () => {
    const root = await host({
      'etc/docker/daemon.json': daemonJson({ runtimes: { nokmem: { path: NOKMEM } }, 'default-runtime': 'nokmem' }),
    });
    assert.deepEqual(await engineRuntimes(root, []), [
      { path: NOKMEM, by: '/etc/docker/daemon.json (default runtime "nokmem")' },
    ]);
  });

  it('reads only the processes it is given, and only a dockerd among them', async () => {
    const root = await host({
      'proc/812/cmdline': argv('/usr/bin/dockerd', `--add-runtime=nokmem=${NOKMEM}`, '--default-runtime=nokmem'),
      'proc/900/cmdline': argv('/usr/bin/not-dockerd', `--add-runtime=nokmem=${NOKMEM}`, '--default-runtime=nokmem'),
    });
    assert.deepEqual(await engineRuntimes(root, ['900']), []);
    assert.deepEqual(await engineRuntimes(root, ['404', '900', '812']), [
      { path: NOKMEM, by: 'dockerd --add-runtime (default runtime "nokmem")' },
    ]);
  });

  it('a BinaryName that is not a path (looked up on PATH) names no binary; nothing configured gives []', async () => {
    const root = await host({ 'etc/containerd/config.toml': 'BinaryName = "runc"\n' });
    assert.deepEqual(await engineRuntimes(root, []), []);
    assert.deepEqual(await engineRuntimes(await host({}), []), []);
  });
});
