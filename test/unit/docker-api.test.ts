// The Engine API on a unix socket (src/docker-api.ts), against a small HTTP server on a socket in a temporary
// directory that answers as dockerd does; and Docker (src/docker.ts) taking its answers from it, falling back to the
// docker CLI (a scripted runner here) when the socket does not answer.

import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { availableBuilderImages, imageGoVersion, offlineRevision } from '../../src/builder-image.ts';
import { EngineApi, localEngineSocket } from '../../src/docker-api.ts';
import { Docker } from '../../src/docker.ts';
import { GO_VERSION_LABEL, REVISION_LABEL, loadToolchains } from '../../src/toolchain.ts';
import { DEFAULT_SPECS_DIR } from '../../src/project.ts';
import { fakeRunner } from '../helpers/fakes.ts';
import { tempDir } from '../helpers/tmp.ts';

const specs = await loadToolchains(DEFAULT_SPECS_DIR);
const GO119 = 'nokmem-builder:debian-go1.19';
const go119Revision = offlineRevision(
  specs.offline.find((o) => o.image === GO119)!,
  specs,
);

let dir = '';
let socket = '';
let server: Server;
const asked: string[] = [];

/** What dockerd answers, by path (the query string included). */
function answer(req: IncomingMessage, res: ServerResponse): void {
  const url = req.url ?? '';
  asked.push(`${req.method} ${url}`);
  const json = (status: number, body: unknown) => {
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  if (url === '/version') return json(200, { Version: '20.10.24+dfsg1', ApiVersion: '1.41' });
  if (url === `/images/${GO119}/json`)
    return json(200, {
      Id: 'sha256:119',
      Config: { Labels: { [GO_VERSION_LABEL]: '1.19.8' } },
      RootFS: { Type: 'layers', Layers: ['sha256:layer'] },
    });
  if (url.startsWith('/images/') && url.endsWith('/json') && !url.startsWith('/images/json'))
    return json(404, { message: `No such image: ${url}` });
  if (url.startsWith('/images/json?filters=')) {
    const filters = JSON.parse(decodeURIComponent(url.slice('/images/json?filters='.length))) as { label: string[] };
    assert.deepEqual(filters, { label: [REVISION_LABEL] });
    return json(200, [
      { RepoTags: [GO119], Labels: { [REVISION_LABEL]: go119Revision, [GO_VERSION_LABEL]: '1.19.8' } },
      // a test image made FROM a builder: labels inherited, Go changed; never offered
      {
        RepoTags: ['nokmem-test:go-too-old'],
        Labels: { [REVISION_LABEL]: go119Revision, [GO_VERSION_LABEL]: '1.9.7' },
      },
      { RepoTags: ['<none>:<none>'], Labels: { [REVISION_LABEL]: go119Revision, [GO_VERSION_LABEL]: '1.19.8' } },
      { RepoTags: null, Labels: null },
    ]);
  }
  if (url.startsWith('/containers/json?all=1&filters='))
    return json(200, [{ Names: ['/nokmem-1-abc'], Labels: { 'dev.nokmem.owner.boot': 'b' } }]);
  json(500, { message: 'unexpected' });
}

before(async () => {
  dir = await tempDir('nokmem-docker-api-');
  socket = path.join(dir, 'docker.sock');
  server = createServer(answer);
  await new Promise<void>((resolve) => server.listen(socket, resolve));
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('localEngineSocket', () => {
  it('is the socket the docker CLI would use locally, and none for a remote engine or a context', async () => {
    assert.equal(localEngineSocket({ DOCKER_HOST: `unix://${socket}` }), socket);
    assert.equal(localEngineSocket({ DOCKER_HOST: `unix://${dir}/missing.sock` }), undefined);
    assert.equal(localEngineSocket({ DOCKER_HOST: 'tcp://10.0.0.1:2376' }), undefined);
    assert.equal(localEngineSocket({ DOCKER_HOST: `unix://${socket}`, DOCKER_CONTEXT: 'remote' }), undefined);
  });
});

describe('EngineApi', () => {
  const api = () => new EngineApi(socket);

  it("answers the version, an image's id, labels and layers, and undefined for an image the engine does not have", async () => {
    assert.equal(await api().version(), '20.10.24+dfsg1');
    assert.deepEqual(await api().image(GO119), {
      id: 'sha256:119',
      labels: { [GO_VERSION_LABEL]: '1.19.8' },
      layers: ['sha256:layer'],
    });
    assert.equal(await api().image('nokmem-builder:go1.8'), undefined);
  });

  it('lists the images with a label in one request, without dangling names', async () => {
    asked.length = 0;
    const images = await api().imagesWithLabel(REVISION_LABEL);
    assert.equal(asked.length, 1);
    assert.deepEqual(
      images.map((i) => i.tags),
      [[GO119], ['nokmem-test:go-too-old'], [], []],
    );
  });

  it('lists containers by label, with their names as the CLI prints them', async () => {
    assert.deepEqual(await api().containersWithLabel('dev.nokmem.owner.boot=b'), [
      { name: 'nokmem-1-abc', labels: { 'dev.nokmem.owner.boot': 'b' } },
    ]);
  });

  it('a socket that is not an engine is an error (callers fall back to the CLI)', async () => {
    const file = path.join(dir, 'not-a-socket');
    await writeFile(file, '');
    await assert.rejects(new EngineApi(file).version());
  });
});

describe('Docker with the engine API', () => {
  it('asks the socket, not a docker process', async () => {
    const runner = fakeRunner([]);
    const docker = new Docker(runner, false, new EngineApi(socket));
    assert.equal(await docker.ping(), '20.10.24+dfsg1');
    assert.equal(await docker.imageId(GO119), 'sha256:119');
    assert.equal(await docker.imageId('nokmem-builder:go1.8'), undefined);
    assert.deepEqual(await availableBuilderImages(runner, specs, docker), [{ image: GO119, go: '1.19.8' }]);
    assert.equal(await imageGoVersion(runner, GO119, docker), '1.19.8');
    assert.equal(runner.calls.length, 0);
  });

  it('an API that does not answer leaves each question to the CLI', async () => {
    const runner = fakeRunner([
      { command: 'docker', args: ['version'], result: { stdout: '27.3.1\n' } },
      { command: 'docker', args: ['image', 'inspect'], result: { stdout: 'sha256:cli\n' } },
      { command: 'docker', args: ['image', 'ls'], result: { exitCode: 1 } },
    ]);
    const docker = new Docker(runner, false, new EngineApi(path.join(dir, 'gone.sock')));
    assert.equal(await docker.ping(), '27.3.1');
    assert.equal(await docker.imageId(GO119), 'sha256:cli');
    assert.equal(await docker.imagesWithLabel(REVISION_LABEL), undefined);
    assert.equal(await docker.imageLabels(GO119), undefined);
    assert.deepEqual(await availableBuilderImages(runner, specs, docker), []);
    assert.equal(runner.callsTo({ command: 'docker', args: ['image', 'ls'] }).length, 1);
  });
});
