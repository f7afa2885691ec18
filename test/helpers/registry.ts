// A real container registry for the tests: Debian's docker-registry (distribution 2.8, installed by
// scripts/setup.sh) as its own process on a free loopback port, with its own configuration and storage in a
// temporary directory (never the system service), optionally behind htpasswd basic auth. Plain HTTP on 127.0.0.1,
// which dockerd treats as an insecure registry by default (InsecureRegistryCIDRs 127.0.0.0/8).

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa, execaSync } from 'execa';

export interface TestRegistry {
  /** 127.0.0.1:<port> */
  host: string;
  /** Basic auth header value, when the registry has a user. */
  authorization?: string;
  stop(): Promise<void>;
}

/** A bcrypt hash for htpasswd, made by the system's crypt(3) (libxcrypt) through perl: no extra tool. */
function bcrypt(password: string): string {
  const salt = '$2b$05$nokmemtestsaltnokmemte';
  return execaSync('perl', ['-e', 'print crypt($ARGV[0], $ARGV[1])', password, salt]).stdout;
}

export async function startRegistry(user?: { username: string; password: string }): Promise<TestRegistry> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'nokmem-test-registry-'));
  const log = path.join(dir, 'registry.log');
  const auth = user
    ? ['auth:', '  htpasswd:', '    realm: nokmem-test', `    path: ${path.join(dir, 'htpasswd')}`]
    : [];
  if (user) await writeFile(path.join(dir, 'htpasswd'), `${user.username}:${bcrypt(user.password)}\n`);
  await writeFile(
    path.join(dir, 'config.yml'),
    [
      'version: 0.1',
      'log:',
      '  level: info',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${path.join(dir, 'storage')}`,
      'http:',
      '  addr: 127.0.0.1:0',
      ...auth,
      '',
    ].join('\n'),
  );
  const child = execa('docker-registry', ['serve', path.join(dir, 'config.yml')], {
    reject: false,
    stdout: { file: log },
    stderr: { file: log },
  });
  const stop = async () => {
    child.kill('SIGTERM');
    await child;
    await rm(dir, { recursive: true, force: true });
  };
  for (let i = 0; i < 100; i++) {
    const text = await readFile(log, 'utf8').catch(() => '');
    const port = /listening on 127\.0\.0\.1:(\d+)/.exec(text)?.[1];
    if (port)
      return {
        host: `127.0.0.1:${port}`,
        authorization: user
          ? `Basic ${Buffer.from(`${user.username}:${user.password}`).toString('base64')}`
          : undefined,
        stop,
      };
    if (child.exitCode !== null) break;
    await sleep(100);
  }
  const text = await readFile(log, 'utf8').catch(() => '');
  await stop();
  throw new Error(`docker-registry did not start (is it installed? scripts/setup.sh installs it):\n${text}`);
}
