// The name --image-registry takes (docker's reference grammar and its rule for what is a registry host), the
// preflight's answers against small local servers (the network stays on 127.0.0.1), and dockerd's own rule for
// plain HTTP read from the RegistryConfig that `docker info` prints.

import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { InputError, UsageError } from '../../../src/errors.ts';
import { dockerAllowsPlainHttp, imageTarget, probeRegistry } from '../../../src/publish/registry.ts';
import { fakeRunner } from '../../helpers/fakes.ts';

describe('imageTarget', () => {
  it('<registry>/nokmem-doctor:<version>, with port and path kept', () => {
    assert.deepEqual(imageTarget('127.0.0.1:5000/team/', '0.1.0'), {
      host: '127.0.0.1:5000',
      repository: 'team/nokmem-doctor',
      tag: '0.1.0',
      reference: '127.0.0.1:5000/team/nokmem-doctor:0.1.0',
      name: '127.0.0.1:5000/team/nokmem-doctor',
    });
    assert.equal(imageTarget('localhost', '0.1.0').reference, 'localhost/nokmem-doctor:0.1.0');
    assert.equal(imageTarget('registry.example.com', '0.1.0').host, 'registry.example.com');
    assert.equal(imageTarget('docker.io/acme', '0.1.0').reference, 'docker.io/acme/nokmem-doctor:0.1.0');
  });

  it('a name docker would read as a Docker Hub namespace is refused, with the fix', () => {
    assert.throws(
      () => imageTarget('acme', '0.1.0'),
      (e: unknown) =>
        e instanceof UsageError &&
        /^--image-registry "acme" names no registry host: docker would push it to Docker Hub as acme\/nokmem-doctor; give host\[:port\]\[\/path\]/.test(
          e.message,
        ),
    );
  });

  for (const [input, reason] of [
    ['http://registry.example.com/team', /has a scheme; give host\[:port\]\[\/path\] without it/],
    ['registry.example.com/Team', /\(invalid reference format: repository name must be lowercase\)/],
    ['registry..example.com/team', /is not host\[:port\]\[\/path\] \(invalid reference format\)/],
    ['registry.example.com:99999/team', /has port 99999, outside 1-65535/],
  ] as const)
    it(`refuses ${input} in one line naming it`, () => {
      assert.throws(
        () => imageTarget(input, '0.1.0'),
        (e: unknown) =>
          e instanceof UsageError &&
          e.message.startsWith(`--image-registry ${JSON.stringify(input)} `) &&
          reason.test(e.message) &&
          !e.message.includes('\n'),
      );
    });
});

async function serve(handler: http.RequestListener): Promise<{ host: string; close: () => Promise<void> }> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { host: `127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe('probeRegistry', () => {
  it('accepts 200 and 401 on /v2/ (a registry that wants credentials is still one)', async () => {
    for (const status of [200, 401]) {
      const s = await serve((_, res) => res.writeHead(status).end('{}'));
      try {
        await probeRegistry(s.host, true);
      } finally {
        await s.close();
      }
    }
  });

  it('a plain-HTTP registry without --plain-http, a server that is not a registry, a closed port: each its own line', async () => {
    const registry = await serve((_, res) =>
      res.writeHead(401, { 'docker-distribution-api-version': 'registry/2.0' }).end(),
    );
    try {
      await assert.rejects(
        probeRegistry(registry.host, false),
        new InputError(
          `registry ${registry.host} answers plain HTTP, not HTTPS; if that is meant, say so with --plain-http`,
        ),
      );
    } finally {
      await registry.close();
    }
    const other = await serve((_, res) => res.writeHead(404).end());
    try {
      await assert.rejects(
        probeRegistry(other.host, true),
        new InputError(`${other.host} is not a Docker registry: GET /v2/ answered HTTP 404; check --image-registry`),
      );
    } finally {
      await other.close();
    }
    await assert.rejects(
      probeRegistry(other.host, true),
      (e: unknown) =>
        e instanceof InputError &&
        e.message.startsWith(
          `registry ${other.host} is not reachable (connect ECONNREFUSED ${other.host}); check the host`,
        ),
    );
  });
});

describe('dockerAllowsPlainHttp', () => {
  const info = (config: unknown) =>
    fakeRunner([{ command: 'docker', args: ['info'], result: { stdout: `${JSON.stringify(config)}\n` } }]);
  // What dockerd 20.10 prints by default, plus one insecure-registries entry of each kind.
  const config = {
    IndexConfigs: {
      'docker.io': { Name: 'docker.io', Secure: true, Official: true, Mirrors: [] },
      'registry.lan:5000': { Name: 'registry.lan:5000', Secure: false, Official: false, Mirrors: [] },
    },
    InsecureRegistryCIDRs: ['127.0.0.0/8', '10.20.0.0/16'],
    Mirrors: [],
  };

  it('follows dockerd: listed hosts by their Secure flag, addresses by the insecure CIDRs, localhost by its address', async () => {
    assert.equal(await dockerAllowsPlainHttp(info(config), 'registry.lan:5000'), true);
    assert.equal(await dockerAllowsPlainHttp(info(config), 'docker.io'), false);
    assert.equal(await dockerAllowsPlainHttp(info(config), '127.0.0.1:41234'), true);
    assert.equal(await dockerAllowsPlainHttp(info(config), '10.20.3.4'), true);
    assert.equal(await dockerAllowsPlainHttp(info(config), '10.21.3.4:5000'), false);
    assert.equal(await dockerAllowsPlainHttp(info(config), 'localhost:5000'), true);
    assert.equal(await dockerAllowsPlainHttp(info({ InsecureRegistryCIDRs: [] }), '127.0.0.1:5000'), false);
  });
});
