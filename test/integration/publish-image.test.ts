// `nokmem publish --image-registry` against a real registry (Debian's docker-registry, its own process on a free
// loopback port, htpasswd auth): the doctor's image is pushed as <registry>/nokmem-doctor:<version>, the digest
// nokmem prints is the one the registry's API serves for that tag, the image pulls back by that digest, and the
// password reaches docker on stdin only — never its argv, never the output. Bad input fails in one line, and
// nothing is left behind: no registry tag on the local image, no docker configuration with the password.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { NOKMEM_VERSION } from '../../src/meta.ts';
import { NODE_IMAGE, NODE_IMAGE_LABEL } from '../../src/node-image.ts';
import { nokmem } from '../helpers/cli.ts';
import { type TestRegistry, startRegistry } from '../helpers/registry.ts';

const USER = { username: 'nokmem-test', password: 'pw-Nokmem-Test-7f3a9c' };
const MANIFEST_TYPES = [
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
].join(', ');

let registry: TestRegistry;
let scratch: string;
/** A docker on PATH that records its arguments (one call a line), then runs the real one. */
let argvLog: string;
let wrapperDir: string;
/** A docker configuration with no logins: the runs that must not find credentials. */
let emptyConfig: string;
const repositoryPath = `nokmem-test-${process.pid}`;

async function imageExists(reference: string): Promise<boolean> {
  return (await execa('docker', ['image', 'inspect', reference], { reject: false })).exitCode === 0;
}

function publishImage(args: string[], env: Record<string, string> = {}) {
  return nokmem(['publish', ...args], {
    PATH: `${wrapperDir}:${process.env.PATH}`,
    DOCKER_CONFIG: emptyConfig,
    NOKMEM_REGISTRY_USERNAME: '',
    NOKMEM_REGISTRY_PASSWORD: '',
    ...env,
  });
}

async function registryGet(pathname: string, accept?: string): Promise<Response> {
  return fetch(`http://${registry.host}${pathname}`, {
    headers: { authorization: registry.authorization!, ...(accept ? { accept } : {}) },
  });
}

describe('nokmem publish --image-registry', () => {
  before(async () => {
    assert.ok(await imageExists(NODE_IMAGE), `${NODE_IMAGE} is missing: run scripts/setup.sh (nokmem node-image)`);
    registry = await startRegistry(USER);
    scratch = await mkdtemp(path.join(os.tmpdir(), 'nokmem-publish-image-'));
    wrapperDir = path.join(scratch, 'bin');
    argvLog = path.join(scratch, 'docker-argv.log');
    emptyConfig = path.join(scratch, 'empty-docker-config');
    await execa('mkdir', ['-p', wrapperDir, emptyConfig]);
    const realDocker = (await execa('sh', ['-c', 'command -v docker'])).stdout.trim();
    await writeFile(
      path.join(wrapperDir, 'docker'),
      `#!/bin/sh\nprintf '%s\\n' "$*" >> '${argvLog}'\nexec '${realDocker}' "$@"\n`,
    );
    await chmod(path.join(wrapperDir, 'docker'), 0o755);
  });

  after(async () => {
    const name = `${registry.host}/${repositoryPath}/nokmem-doctor`;
    // The tags this test could have left: nokmem's own (which it must remove itself) and the pull by digest.
    const refs = await execa('docker', ['image', 'ls', '--digests', '--format', '{{.Repository}}@{{.Digest}}', name]);
    for (const ref of String(refs.stdout)
      .split('\n')
      .filter((r) => r.includes('@sha256:')))
      await execa('docker', ['image', 'rm', ref], { reject: false });
    await execa('docker', ['image', 'rm', `${name}:${NOKMEM_VERSION}`], { reject: false });
    await registry.stop();
    await rm(scratch, { recursive: true, force: true });
  });

  it('pushes with credentials from the environment; the registry serves the printed digest; it pulls back by digest', async () => {
    const target = `${registry.host}/${repositoryPath}`;
    const r = await publishImage(['--image-registry', target, '--plain-http', '--json'], {
      NOKMEM_REGISTRY_USERNAME: USER.username,
      NOKMEM_REGISTRY_PASSWORD: USER.password,
    });
    assert.equal(r.exitCode, 0, r.stderr);
    const { image } = JSON.parse(r.stdout) as {
      image: { image: string; reference: string; digest: string; pullByDigest: string; revision: string };
    };
    const name = `${target}/nokmem-doctor`;
    assert.equal(image.image, NODE_IMAGE);
    assert.equal(image.reference, `${name}:${NOKMEM_VERSION}`);
    assert.match(image.digest, /^sha256:[0-9a-f]{64}$/);
    assert.equal(image.pullByDigest, `${name}@${image.digest}`);

    // The registry's own answer for the tag: its digest header, and the digest of the bytes it serves.
    const manifest = await registryGet(
      `/v2/${repositoryPath}/nokmem-doctor/manifests/${NOKMEM_VERSION}`,
      MANIFEST_TYPES,
    );
    assert.equal(manifest.status, 200);
    const body = Buffer.from(await manifest.arrayBuffer());
    assert.equal(manifest.headers.get('docker-content-digest'), image.digest);
    assert.equal(`sha256:${createHash('sha256').update(body).digest('hex')}`, image.digest);
    // ... and it is the doctor's image: its configuration carries the label nokmem node-image put on it.
    const config = (JSON.parse(body.toString()) as { config: { digest: string } }).config.digest;
    const blob = (await (await registryGet(`/v2/${repositoryPath}/nokmem-doctor/blobs/${config}`)).json()) as {
      config: { Labels: Record<string, string> };
    };
    assert.equal(blob.config.Labels[NODE_IMAGE_LABEL], image.revision);

    // The password went to docker on stdin: not in any docker argv, not in the output; its config is gone.
    const argv = await readFile(argvLog, 'utf8');
    assert.ok(!argv.includes(USER.password), argv);
    assert.match(argv, new RegExp(`login --username ${USER.username} --password-stdin ${registry.host}`));
    assert.ok(!r.stdout.includes(USER.password) && !r.stderr.includes(USER.password));
    for (const config of argv.matchAll(/--config (\S+)/g)) assert.ok(!existsSync(config[1]!), `${config[1]} left`);
    assert.equal(await imageExists(image.reference), false, 'the registry tag on the local image is removed');
    assert.ok(await imageExists(NODE_IMAGE));

    // Pulled back by digest with a login of its own.
    const pullConfig = path.join(scratch, 'pull-config');
    await execa('docker', ['--config', pullConfig, 'login', '-u', USER.username, '--password-stdin', registry.host], {
      input: USER.password,
    });
    const pull = await execa('docker', ['--config', pullConfig, 'pull', image.pullByDigest], { reject: false });
    assert.equal(pull.exitCode, 0, String(pull.stderr));
    assert.match(String(pull.stdout), new RegExp(`Digest: ${image.digest}`));
    const pulledId = await execa('docker', ['image', 'inspect', '--format', '{{.Id}}', image.pullByDigest]);
    const localId = await execa('docker', ['image', 'inspect', '--format', '{{.Id}}', NODE_IMAGE]);
    assert.equal(pulledId.stdout, localId.stdout);
    await execa('docker', ['image', 'rm', image.pullByDigest]);

    // docker's own login works as well (DOCKER_CONFIG), without NOKMEM_REGISTRY_*: the same digest again.
    const again = await publishImage(['--image-registry', target, '--plain-http'], { DOCKER_CONFIG: pullConfig });
    assert.equal(again.exitCode, 0, again.stderr);
    assert.equal(
      again.stdout,
      `pushed ${NODE_IMAGE} as ${image.reference}, digest ${image.digest}\npull by digest: ${image.pullByDigest}`,
    );
  });

  it('bad input fails in one line naming the input, the reason and the fix, and leaves nothing behind', async () => {
    const target = `${registry.host}/${repositoryPath}`;
    const cases: [string[], Record<string, string>, RegExp][] = [
      [['--image-registry', 'acme'], {}, /^--image-registry "acme" names no registry host: .*; give host\[:port\]/],
      [['--image-registry', `${registry.host}/Team`], {}, /is not host\[:port\]\[\/path\] \(.*lowercase\)/],
      [
        ['--image-registry', '127.0.0.1:1/nokmem', '--plain-http'],
        {},
        /^registry 127\.0\.0\.1:1 is not reachable \(connect ECONNREFUSED 127\.0\.0\.1:1\); check the host and port/,
      ],
      [
        ['--image-registry', target],
        {},
        new RegExp(
          `^registry ${registry.host} answers plain HTTP, not HTTPS; if that is meant, say so with --plain-http$`,
        ),
      ],
      [
        ['--image-registry', target, '--plain-http'],
        {},
        new RegExp(`^registry ${registry.host} refused the push of .*; run docker login ${registry.host}, or set`),
      ],
      [
        ['--image-registry', target, '--plain-http'],
        { NOKMEM_REGISTRY_USERNAME: USER.username, NOKMEM_REGISTRY_PASSWORD: 'not-the-password' },
        new RegExp(
          `^registry ${registry.host} refused the login of NOKMEM_REGISTRY_USERNAME=${USER.username} .*; check`,
        ),
      ],
      [
        ['--image-registry', target, '--plain-http'],
        { NOKMEM_REGISTRY_PASSWORD: USER.password },
        /^NOKMEM_REGISTRY_PASSWORD is set but NOKMEM_REGISTRY_USERNAME is not; set both/,
      ],
    ];
    for (const [args, env, message] of cases) {
      const r = await publishImage(args, env);
      // Progress lines are indented; the error is one line of its own.
      const lines = r.stderr.split('\n').filter((l) => l && !l.startsWith('  '));
      assert.ok(r.exitCode === 1 || r.exitCode === 2, `${args.join(' ')}: exit ${r.exitCode}\n${r.stderr}`);
      assert.equal(lines.length, 1, r.stderr);
      assert.match(lines[0]!.replace(/^nokmem: error: /, ''), message);
      assert.ok(!r.stderr.includes('not-the-password') && !r.stderr.includes(USER.password));
      assert.equal(await imageExists(`${target}/nokmem-doctor:${NOKMEM_VERSION}`), false);
    }
  });
});
