import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { kubeconfigSource } from '../../../src/node/kubeconfig.ts';

describe('which kubeconfig a command reads', () => {
  it('--kubeconfig wins over KUBECONFIG, which wins over ~/.kube/config', () => {
    assert.deepEqual(kubeconfigSource('/a', '/b:/c', '/home/u'), {
      files: ['/a'],
      origin: '--kubeconfig',
      context: undefined,
    });
    assert.deepEqual(kubeconfigSource(undefined, '/b::/c', '/home/u', 'x'), {
      files: ['/b', '/c'],
      origin: 'KUBECONFIG',
      context: 'x',
    });
    assert.deepEqual(kubeconfigSource(undefined, '', '/home/u'), {
      files: ['/home/u/.kube/config'],
      origin: '~/.kube/config (default)',
      context: undefined,
    });
  });
});
