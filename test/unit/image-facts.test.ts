// What nokmem learns of an image by running it (src/image-facts.ts), with a recording stand-in for the container
// run: the answer is kept per image id, so a later run with the same image starts no container.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import type { ContainerRun } from '../../src/docker.ts';
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { TOOLS_LABEL, goVersion, missingTools, toolsLabel, vouchedTools } from '../../src/image-facts.ts';
import { fakeRunner } from '../helpers/fakes.ts';
import { removeTempDirs, tempDir } from '../helpers/steps.ts';

after(removeTempDirs);

const ID = 'sha256:0123abcd';

function runs(answer: { stdout?: string; exitCode?: number }) {
  const seen: ContainerRun[] = [];
  const run = async (spec: ContainerRun) => {
    seen.push(spec);
    return { stdout: answer.stdout ?? '', stderr: '', exitCode: answer.exitCode ?? 0 };
  };
  return { seen, run };
}

describe('missingTools', () => {
  it('asks the image with `command -v` for each tool, and names the ones it lacks', async () => {
    const { seen, run } = runs({ stdout: 'rpmbuild\n createrepo_c \n' });
    const r = await missingTools(run, 'packager:1', ID, ['gpg', 'rpmbuild', 'createrepo_c']);
    assert.deepEqual(r, { exitCode: 0, missing: ['rpmbuild', 'createrepo_c'] });
    const [spec] = seen;
    assert.equal(spec?.image, 'packager:1');
    assert.deepEqual(spec?.command.slice(3), ['check-tools', 'gpg', 'rpmbuild', 'createrepo_c']);
    assert.equal(spec?.allowFailure, true);
    assert.ok(spec?.timeoutMs);
  });

  it('remembers that none is missing per image id, and asks again only for a tool it was not asked about', async () => {
    const dir = await tempDir('nokmem-facts-');
    const memo = { dir, write: true };
    const first = runs({ stdout: '' });
    await missingTools(first.run, 'packager:1', ID, ['rpmbuild', 'gpg'], memo);
    assert.deepEqual(JSON.parse(await readFile(path.join(dir, '0123abcd.tools.json'), 'utf8')), ['gpg', 'rpmbuild']);
    const again = runs({ stdout: 'should not run' });
    assert.deepEqual(await missingTools(again.run, 'packager:1', ID, ['gpg'], memo), { exitCode: 0, missing: [] });
    assert.equal(again.seen.length, 0);
    const more = runs({ stdout: '' });
    await missingTools(more.run, 'packager:1', ID, ['gpg', 'strace'], memo);
    assert.equal(more.seen.length, 1);
    assert.deepEqual(JSON.parse(await readFile(path.join(dir, '0123abcd.tools.json'), 'utf8')), [
      'gpg',
      'rpmbuild',
      'strace',
    ]);
  });

  it('two probes of one image side by side (builder and packager checks) each keep their answer', async () => {
    const dir = await tempDir('nokmem-facts-');
    const memo = { dir, write: true };
    await Promise.all([
      missingTools(runs({ stdout: '' }).run, 'p', ID, ['make', 'gcc', 'go'], memo),
      missingTools(runs({ stdout: '' }).run, 'p', ID, ['strace'], memo),
    ]);
    assert.deepEqual(JSON.parse(await readFile(path.join(dir, '0123abcd.tools.json'), 'utf8')), [
      'gcc',
      'go',
      'make',
      'strace',
    ]);
    assert.deepEqual(await readdir(dir), ['0123abcd.tools.json']);
  });

  it('remembers nothing when a tool is missing, the image has no shell, or writing is not allowed', async () => {
    const dir = await tempDir('nokmem-facts-');
    await missingTools(runs({ stdout: 'gpg\n' }).run, 'p', ID, ['gpg'], { dir, write: true });
    assert.deepEqual(await missingTools(runs({ exitCode: 127 }).run, 'p', ID, ['gpg'], { dir, write: true }), {
      exitCode: 127,
      missing: [],
    });
    await missingTools(runs({}).run, 'p', ID, ['gpg'], { dir, write: false });
    assert.ok(!existsSync(path.join(dir, '0123abcd.tools.json')));
  });
});

describe('the tools label of an offline image', () => {
  const LAYER = `sha256:${'ab'.repeat(32)}`;
  const labels = { [TOOLS_LABEL]: `gcc,go,make,strace@${LAYER}` };

  it('lists the tools found in the root file system, and the digest of the archive that becomes its one layer', async () => {
    const dir = await tempDir('nokmem-facts-');
    const archive = path.join(dir, 'rootfs.tar');
    await writeFile(archive, 'a tar stream');
    const runner = fakeRunner([{ command: 'chroot', result: { stdout: 'make\ngo\n gcc \n' } }]);
    const label = await toolsLabel(runner, '/r', '/usr/lib/go/bin:/usr/bin', archive);
    const digest = createHash('sha256').update('a tar stream').digest('hex');
    assert.equal(label, `gcc,go,make@sha256:${digest}`);
    const [call] = runner.calls;
    assert.deepEqual(call?.args.slice(0, 3), ['/r', '/usr/bin/env', 'PATH=/usr/lib/go/bin:/usr/bin']);
    // every tool a build or a functional proof needs is asked for
    for (const tool of ['make', 'gcc', 'go', 'rsync', 'strace', 'containerd']) assert.ok(call?.args.includes(tool));
  });

  it('vouches for its tools only while the image is that one layer', () => {
    assert.deepEqual(vouchedTools({ labels, layers: [LAYER] }), ['gcc', 'go', 'make', 'strace']);
    // an image made FROM it (a tool removed in a layer of its own) inherits the label, not the layer list
    assert.deepEqual(vouchedTools({ labels, layers: [LAYER, `sha256:${'cd'.repeat(32)}`] }), []);
    assert.deepEqual(vouchedTools({ labels, layers: [`sha256:${'cd'.repeat(32)}`] }), []);
    assert.deepEqual(vouchedTools({ labels: { [TOOLS_LABEL]: 'gcc,go' }, layers: [LAYER] }), []);
    assert.deepEqual(vouchedTools({ labels: {}, layers: [LAYER] }), []);
    assert.deepEqual(vouchedTools(undefined), []);
  });

  it('spares the container for the tools it vouches for, and asks for any other', async () => {
    const vouched = vouchedTools({ labels, layers: [LAYER] });
    const none = runs({});
    assert.deepEqual(await missingTools(none.run, 'b', ID, ['make', 'gcc', 'go'], undefined, vouched), {
      exitCode: 0,
      missing: [],
    });
    assert.equal(none.seen.length, 0);
    const asked = runs({ stdout: 'rsync\n' });
    assert.deepEqual((await missingTools(asked.run, 'b', ID, ['go', 'rsync'], undefined, vouched)).missing, ['rsync']);
    assert.equal(asked.seen.length, 1);
  });
});

describe('goVersion', () => {
  it('asks the image for `go version`, and keeps the answer per image id', async () => {
    const dir = await tempDir('nokmem-facts-');
    const first = runs({ stdout: 'go version go1.19.8 linux/amd64\n' });
    assert.equal(await goVersion(first.run, 'builder:1', { dir, imageId: ID }), 'go version go1.19.8 linux/amd64');
    assert.deepEqual(first.seen[0]?.command, ['go', 'version']);
    const again = runs({ stdout: 'go version go1.20 linux/amd64\n' });
    assert.equal(await goVersion(again.run, 'builder:1', { dir, imageId: ID }), 'go version go1.19.8 linux/amd64');
    assert.equal(again.seen.length, 0);
  });

  it('asks every time without a memo, and keeps no empty answer', async () => {
    const dir = await tempDir('nokmem-facts-');
    const empty = runs({ stdout: '' });
    assert.equal(await goVersion(empty.run, 'builder:1', { dir, imageId: ID }), '');
    assert.ok(!existsSync(path.join(dir, '0123abcd.go-version')));
    const plain = runs({ stdout: 'go version go1.15.15 linux/amd64' });
    await goVersion(plain.run, 'builder:1');
    await goVersion(plain.run, 'builder:1');
    assert.equal(plain.seen.length, 2);
  });
});
