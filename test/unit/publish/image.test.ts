// src/publish/image.ts with a scripted Runner in place of docker (no engine, no registry): the plan refuses a bad
// name, a missing image, a registry that is not one and plain HTTP dockerd would refuse, before any push; the push
// hands back the digest the registry stored, each refusal is one line with its fix, and nothing is left behind
// (no registry tag on the local image, no throwaway docker configuration). The registry password reaches docker on
// stdin only: never an argument, an environment variable, a log line or an error message.
// test/integration/publish-image.test.ts pushes to a real registry.

import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { CommandFailed, InputError, MissingPrerequisite, UsageError } from '../../../src/errors.ts';
import type { Logger } from '../../../src/log.ts';
import {
  type ImagePushPlan,
  type ImagePushRequest,
  REGISTRY_PASSWORD_VAR,
  REGISTRY_USERNAME_VAR,
  planImagePush,
  pushImage,
  registryCredentialsFromEnv,
} from '../../../src/publish/image.ts';
import { imageTarget } from '../../../src/publish/registry.ts';
import { redact } from '../../../src/redact.ts';
import { type FakeRunner, type RunnerCall, type ScriptEntry, fakeRunner } from '../../helpers/fakes.ts';

const PASSWORD = 'pw-Registry-Secret-5e1d';
const CREDENTIALS = { username: 'pusher', password: PASSWORD };
const IMAGE = 'nokmem-doctor:local';
const DIGEST = `sha256:${'3c'.repeat(32)}`;
const REVISION = 'rev-0123456789ab';

/** A logger that keeps every line, whatever its level. */
function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    info: (m) => void lines.push(`info: ${m}`),
    warn: (m) => void lines.push(`warn: ${m}`),
    detail: (c) => void lines.push(`detail: ${c}`),
  };
}

/** Everything the run showed or handed to a program, except the one place the password belongs (login's stdin). */
function everythingSeen(runner: FakeRunner, log: { lines: string[] }, error?: unknown): string {
  const calls = runner.calls.map((c) => JSON.stringify({ ...c, options: { ...c.options, input: undefined } }));
  const errorText =
    error instanceof Error
      ? [error.message, ...(error instanceof CommandFailed ? [error.command, error.stderrTail] : [])].join('\n')
      : '';
  return [...calls, ...log.lines, errorText].join('\n');
}

function request(more: Partial<ImagePushRequest> = {}): ImagePushRequest {
  return { registry: 'registry.example.com/team', plainHttp: false, image: IMAGE, tag: '0.1.0', ...more };
}

function planOf(more: Partial<ImagePushRequest> = {}): ImagePushPlan {
  const r = request(more);
  return { request: r, target: imageTarget(r.registry, r.tag), revision: REVISION };
}

const REFERENCE = 'registry.example.com/team/nokmem-doctor:0.1.0';

/** docker as the push sees it: the registry tag absent (or present), login, tag, push and rm answered as given. */
function dockerScript(
  answers: {
    tagExists?: boolean;
    login?: ScriptEntry['result'];
    push?: ScriptEntry['result'];
  } = {},
): ScriptEntry[] {
  return [
    { command: 'docker', args: ['image', 'inspect', REFERENCE], result: { exitCode: answers.tagExists ? 0 : 1 } },
    { command: 'docker', includes: ['login'], result: answers.login ?? { stdout: 'Login Succeeded\n' } },
    { command: 'docker', args: ['tag', IMAGE, REFERENCE] },
    {
      command: 'docker',
      includes: ['push'],
      result: answers.push ?? {
        stdout: `The push refers to repository [registry.example.com/team/nokmem-doctor]\n0.1.0: digest: ${DIGEST} size: 1570\n`,
      },
    },
    { command: 'docker', args: ['image', 'rm', REFERENCE] },
  ];
}

/** The --config directory a call named, if any. */
const configOf = (call: RunnerCall) => (call.args[0] === '--config' ? call.args[1] : undefined);

describe('registry credentials from the environment', () => {
  it('both variables or neither; the password is masked wherever text is printed', () => {
    assert.equal(registryCredentialsFromEnv({}), undefined);
    assert.equal(registryCredentialsFromEnv({ [REGISTRY_USERNAME_VAR]: '', [REGISTRY_PASSWORD_VAR]: '' }), undefined);
    assert.deepEqual(
      registryCredentialsFromEnv({ [REGISTRY_USERNAME_VAR]: 'pusher', [REGISTRY_PASSWORD_VAR]: 'pw-Env-Secret-1' }),
      { username: 'pusher', password: 'pw-Env-Secret-1' },
    );
    assert.equal(redact('docker said pw-Env-Secret-1'), 'docker said ***');
  });

  it('one without the other is an input error naming both, without the password, which is masked even so', () => {
    assert.throws(
      () => registryCredentialsFromEnv({ [REGISTRY_PASSWORD_VAR]: 'pw-Half-Secret-2' }),
      (e: Error) =>
        e instanceof InputError &&
        e.message ===
          "NOKMEM_REGISTRY_PASSWORD is set but NOKMEM_REGISTRY_USERNAME is not; set both, or neither to use docker's own login (docker login <registry>)",
    );
    assert.equal(redact('pw-Half-Secret-2'), '***');
    assert.throws(
      () => registryCredentialsFromEnv({ [REGISTRY_USERNAME_VAR]: 'pusher' }),
      (e: Error) =>
        e instanceof InputError &&
        e.message.startsWith('NOKMEM_REGISTRY_USERNAME is set but NOKMEM_REGISTRY_PASSWORD is not; set both'),
    );
  });
});

describe('planImagePush', () => {
  let registry: { host: string; close: () => Promise<void> };
  before(async () => {
    // A registry's /v2/ on loopback: it wants credentials (401), as a real one with auth does.
    const server = http.createServer((_req, res) => {
      res.statusCode = 401;
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    registry = {
      host: `127.0.0.1:${port}`,
      close: () => new Promise((resolve) => server.close(() => resolve())),
    };
  });
  after(() => registry.close());

  const revisionOf = (stdout: string): ScriptEntry => ({
    command: 'docker',
    args: ['image', 'inspect', '--format'],
    result: stdout ? { stdout } : { exitCode: 1, stderr: 'Error: No such image' },
  });
  const registryConfig = (cidrs: string[]): ScriptEntry => ({
    command: 'docker',
    args: ['info', '--format', '{{json .RegistryConfig}}'],
    result: { stdout: JSON.stringify({ IndexConfigs: {}, InsecureRegistryCIDRs: cidrs }) },
  });

  it('a name that is not host[:port][/path] is a usage error before docker is asked anything', async () => {
    const runner = fakeRunner();
    await assert.rejects(planImagePush(request({ registry: 'acme' }), runner), UsageError);
    assert.deepEqual(runner.calls, []);
  });

  it('an image the engine does not have: what makes it, before the registry is asked', async () => {
    const runner = fakeRunner([revisionOf('')]);
    await assert.rejects(
      // port 1 is closed: reaching the probe would fail differently
      planImagePush(request({ registry: '127.0.0.1:1/team', plainHttp: true }), runner),
      (e: Error) =>
        e instanceof MissingPrerequisite &&
        e.fix === 'nokmem node-image' &&
        e.message.startsWith(`the doctor's image ${IMAGE} is not in the Docker engine; make it with nokmem node-image`),
    );
    assert.equal(runner.calls.length, 1);
  });

  it('plain HTTP that dockerd would refuse: the daemon.json fix', async () => {
    const runner = fakeRunner([revisionOf(REVISION), registryConfig([])]);
    await assert.rejects(
      planImagePush(request({ registry: `${registry.host}/team`, plainHttp: true }), runner),
      (e: Error) =>
        e instanceof InputError &&
        e.message ===
          `dockerd does not allow plain HTTP to registry ${registry.host}; add "${registry.host}" to insecure-registries in /etc/docker/daemon.json and restart dockerd, or serve the registry over HTTPS`,
    );
  });

  it('a registry that is not reachable: one line naming it', async () => {
    const runner = fakeRunner([revisionOf(REVISION)]);
    await assert.rejects(
      planImagePush(request({ registry: '127.0.0.1:1/team', plainHttp: true }), runner),
      (e: Error) => e instanceof InputError && e.message.startsWith('registry 127.0.0.1:1 is not reachable ('),
    );
  });

  it('all checked: the target, and the revision the image was made from; nothing pushed, nothing tagged', async () => {
    const runner = fakeRunner([revisionOf(`${REVISION}\n`), registryConfig(['127.0.0.0/8'])]);
    const r = request({ registry: `${registry.host}/team`, plainHttp: true, credentials: CREDENTIALS });
    const plan = await planImagePush(r, runner);
    assert.equal(plan.revision, REVISION);
    assert.equal(plan.request, r);
    assert.deepEqual(plan.target, imageTarget(`${registry.host}/team`, '0.1.0'));
    assert.deepEqual(
      runner.calls.map((c) => c.args.slice(0, 2)),
      [
        ['image', 'inspect'],
        ['info', '--format'],
      ],
    );
    assert.ok(!JSON.stringify(runner.calls).includes(PASSWORD));
  });
});

describe('pushImage', () => {
  it('with docker’s own login: no login, no --config; tags, pushes, hands back the digest, removes the tag', async () => {
    const runner = fakeRunner(
      dockerScript({
        push: (call) => {
          // the progress goes to the log as docker prints it
          call.options.onOutput?.('Pushed\n');
          return { stdout: `0.1.0: digest: ${DIGEST} size: 1570\n` };
        },
      }),
    );
    const log = recordingLogger();
    const pushed = await pushImage(planOf(), { runner, log });
    assert.deepEqual(pushed, {
      image: IMAGE,
      reference: REFERENCE,
      digest: DIGEST,
      pullByDigest: `registry.example.com/team/nokmem-doctor@${DIGEST}`,
      revision: REVISION,
    });
    assert.deepEqual(
      runner.calls.map((c) => c.args.join(' ')),
      [`image inspect ${REFERENCE}`, `tag ${IMAGE} ${REFERENCE}`, `push ${REFERENCE}`, `image rm ${REFERENCE}`],
    );
    assert.deepEqual(log.lines, [`info:   pushing ${IMAGE} to ${REFERENCE}`, 'detail: Pushed\n']);
  });

  it('with credentials: the password on login’s stdin only, a private throwaway configuration, removed after', async () => {
    let privateWhileUsed = false;
    const runner = fakeRunner(
      dockerScript({
        login: (call) => {
          const config = configOf(call);
          privateWhileUsed = config !== undefined && (statSync(config).mode & 0o077) === 0;
          call.options.onOutput?.('Login Succeeded\n');
          return { stdout: 'Login Succeeded\n' };
        },
      }),
    );
    const log = recordingLogger();
    const pushed = await pushImage(planOf({ credentials: CREDENTIALS }), { runner, log });
    assert.equal(pushed.digest, DIGEST);

    const [login] = runner.callsTo({ includes: ['login'] });
    assert.ok(login);
    const config = configOf(login);
    assert.ok(config, 'docker login writes into a configuration of its own');
    assert.deepEqual(login.args, [
      '--config',
      config,
      'login',
      '--username',
      'pusher',
      '--password-stdin',
      'registry.example.com',
    ]);
    assert.equal(login.options.input, PASSWORD);
    assert.ok(privateWhileUsed, 'the configuration docker writes the login to is readable by its owner only');
    // The push uses that login; tag and rm need none.
    assert.deepEqual(runner.callsTo({ includes: ['push'] })[0]?.args, ['--config', config, 'push', REFERENCE]);
    assert.equal(existsSync(config), false, 'the configuration holding the login is removed');
    assert.ok(!everythingSeen(runner, log).includes(PASSWORD));
  });

  it('a refused login: one line naming the user and the variables, never the password; nothing pushed or left', async () => {
    const runner = fakeRunner(
      dockerScript({
        login: {
          exitCode: 1,
          stderr:
            'Error response from daemon: login attempt to https://registry.example.com/v2/ failed with status: 401 Unauthorized\n',
        },
      }),
    );
    const log = recordingLogger();
    const error = await pushImage(planOf({ credentials: CREDENTIALS }), { runner, log }).catch((e: unknown) => e);
    assert.ok(error instanceof InputError);
    assert.equal(
      error.message,
      'registry registry.example.com refused the login of NOKMEM_REGISTRY_USERNAME=pusher (Error response from daemon: login attempt to https://registry.example.com/v2/ failed with status: 401 Unauthorized); check NOKMEM_REGISTRY_USERNAME and NOKMEM_REGISTRY_PASSWORD',
    );
    assert.deepEqual(runner.callsTo({ args: ['tag'] }), []);
    assert.deepEqual(runner.callsTo({ includes: ['push'] }), []);
    assert.equal(runner.callsTo({ args: ['image', 'rm', REFERENCE] }).length, 1);
    const config = configOf(runner.callsTo({ includes: ['login'] })[0]!);
    assert.equal(existsSync(config!), false);
    assert.ok(!everythingSeen(runner, log, error).includes(PASSWORD));
  });

  it('a registry that echoes the password in its refusal: the message itself holds *** in its place', async () => {
    const creds = registryCredentialsFromEnv({
      [REGISTRY_USERNAME_VAR]: 'pusher',
      [REGISTRY_PASSWORD_VAR]: 'pw-Echoed-Secret-3',
    });
    const runner = fakeRunner(
      dockerScript({ login: { exitCode: 1, stderr: 'Error: bad password "pw-Echoed-Secret-3"\n' } }),
    );
    const error = await pushImage(planOf({ credentials: creds }), { runner, log: recordingLogger() }).catch(
      (e: unknown) => e,
    );
    assert.ok(error instanceof InputError);
    assert.match(error.message, /\(Error: bad password "\*\*\*"\)/);
    assert.ok(!error.message.includes('pw-Echoed-Secret-3'));
  });

  const refusals: [string, string, (e: unknown) => boolean][] = [
    [
      'unauthorized',
      'unauthorized: authentication required',
      (e) =>
        e instanceof InputError &&
        e.message ===
          `registry registry.example.com refused the push of ${REFERENCE} (unauthorized: authentication required); run docker login registry.example.com, or set NOKMEM_REGISTRY_USERNAME and NOKMEM_REGISTRY_PASSWORD`,
    ],
    [
      'denied',
      'denied: requested access to the resource is denied',
      (e) =>
        e instanceof InputError &&
        e.message ===
          `registry registry.example.com denied the push of ${REFERENCE} (denied: requested access to the resource is denied); check that the account may push to team/nokmem-doctor`,
    ],
    [
      'any other failure',
      'received unexpected HTTP status: 500 Internal Server Error',
      (e) =>
        e instanceof CommandFailed &&
        e.commandExitCode === 1 &&
        e.message.startsWith(`push ${REFERENCE}: \`docker push ${REFERENCE}\` exited 1`) &&
        e.message.includes('500 Internal Server Error') &&
        !e.message.includes('\n'),
    ],
  ];
  for (const [what, stderr, check] of refusals)
    it(`a push that fails (${what}): its own one line; the tag and the configuration removed`, async () => {
      const runner = fakeRunner(dockerScript({ push: { exitCode: 1, stderr: `Pushing layers\n${stderr}\n` } }));
      const log = recordingLogger();
      const error = await pushImage(planOf({ credentials: CREDENTIALS }), { runner, log }).catch((e: unknown) => e);
      assert.ok(check(error), String(error));
      assert.equal(runner.callsTo({ args: ['image', 'rm', REFERENCE] }).length, 1, 'the registry tag is removed');
      for (const call of runner.calls) {
        const config = configOf(call);
        if (config) assert.equal(existsSync(config), false);
      }
      assert.ok(!everythingSeen(runner, log, error).includes(PASSWORD));
    });

  it('a registry tag the image already had is kept (it was not nokmem’s to remove)', async () => {
    const runner = fakeRunner(dockerScript({ tagExists: true }));
    await pushImage(planOf(), { runner, log: recordingLogger() });
    assert.deepEqual(runner.callsTo({ args: ['image', 'rm'] }), []);
  });

  it('a push that prints no digest is a bug, not a result; the tag is removed all the same', async () => {
    const runner = fakeRunner(dockerScript({ push: { stdout: 'pushed, somehow\n' } }));
    await assert.rejects(
      pushImage(planOf(), { runner, log: recordingLogger() }),
      (e: Error) => !(e instanceof InputError) && e.message.startsWith(`docker push ${REFERENCE} printed no digest:`),
    );
    assert.equal(runner.callsTo({ args: ['image', 'rm', REFERENCE] }).length, 1);
  });
});
