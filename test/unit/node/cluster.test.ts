import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ClusterAccessError } from '../../../src/errors.ts';
import { continueToken, loadCluster } from '../../../src/node/cluster.ts';

const kubeconfig = (contexts: string[], current?: string) =>
  [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: c',
    '  cluster: { server: "https://127.0.0.1:6443" }',
    'users:',
    '- name: u',
    '  user: { token: t }',
    'contexts:',
    ...contexts.map((name) => `- name: ${name}\n  context: { cluster: c, user: u }`),
    ...(current ? [`current-context: ${current}`] : []),
    '',
  ].join('\n');

describe('the kubeconfig of nokmem fleet', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'nokmem-kubeconfig-'));
    await writeFile(path.join(dir, 'two'), kubeconfig(['dev', 'prod'], 'dev'));
    await writeFile(path.join(dir, 'nocurrent'), kubeconfig(['dev']));
    await writeFile(path.join(dir, 'garbage'), 'clusters: [\n');
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('takes the current context, or the one asked for; KUBECONFIG may name files that are not there', () => {
    const two = path.join(dir, 'two');
    const cluster = loadCluster({ files: [path.join(dir, 'absent'), two], origin: 'KUBECONFIG' });
    assert.equal(cluster.context, 'dev');
    assert.equal(cluster.server, 'https://127.0.0.1:6443');
    assert.equal(cluster.user, 'u');
    assert.equal(cluster.describe, `kubeconfig ${two}, context "dev"`);
    assert.equal(loadCluster({ files: [two], origin: '--kubeconfig', context: 'prod' }).context, 'prod');
  });

  it('one line naming the file and the fix: missing, unreadable, no such context, no current context', () => {
    const cases: [Parameters<typeof loadCluster>[0], RegExp][] = [
      [
        { files: [path.join(dir, 'absent')], origin: '--kubeconfig' },
        /^no kubeconfig at \S+absent \(from --kubeconfig\): pass --kubeconfig FILE or set KUBECONFIG$/,
      ],
      [
        { files: [path.join(dir, 'garbage')], origin: 'KUBECONFIG' },
        /^kubeconfig \S+garbage \(from KUBECONFIG\) cannot be read: .+; pass --kubeconfig FILE or set KUBECONFIG that kubectl can use$/,
      ],
      [
        { files: [path.join(dir, 'two')], origin: '--kubeconfig', context: 'qa' },
        /^context "qa" is not in kubeconfig \S+two \(it has: dev, prod\): pick one with --context$/,
      ],
      [
        { files: [path.join(dir, 'nocurrent')], origin: '--kubeconfig' },
        /^kubeconfig \S+nocurrent has no current context: pass --context NAME/,
      ],
    ];
    for (const [source, message] of cases)
      assert.throws(
        () => loadCluster(source),
        (error: unknown) => error instanceof ClusterAccessError && error.exitCode === 3 && message.test(error.message),
      );
  });
});

describe('the paged node list', () => {
  it('reads the continue token from the head of a page, before its items', () => {
    const page = (token?: string) =>
      JSON.stringify({
        kind: 'NodeList',
        apiVersion: 'v1',
        metadata: { resourceVersion: '42', ...(token === undefined ? {} : { continue: token }) },
        items: [{ metadata: { name: 'n1', annotations: { x: '"continue":"not-this-one"' } } }],
      });
    const token = 'eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6NDIsInN0YXJ0Ijoibm9kZS0wMDQ5OVx1MDAwMCJ9';
    assert.equal(continueToken(page(token)), token);
    assert.equal(continueToken(page('a\\"b')), 'a\\"b');
    assert.equal(continueToken(page('')), undefined);
    assert.equal(continueToken(page()), undefined);
  });
});
