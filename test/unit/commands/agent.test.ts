// nokmem agent (src/commands/agent.ts): what it refuses before it talks to the API server.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type AgentCliOptions, run } from '../../../src/commands/agent.ts';
import { InputError, UsageError } from '../../../src/errors.ts';
import { fakeDeps } from '../../helpers/command-deps.ts';

const good: AgentCliOptions = { root: '/', interval: '300', heartbeat: '600', listen: '127.0.0.1:9717', once: true };

describe('nokmem agent', () => {
  it('no node name (no --node, no NODE_NAME): a usage error that names both ways to give it', async () => {
    const f = fakeDeps();
    await assert.rejects(
      run(good, f.deps),
      (e: Error) =>
        e instanceof UsageError && e.message === 'say which Node this is: --node NAME, or NODE_NAME (the downward API)',
    );
  });

  for (const [bad, message] of [
    [{ interval: '0' }, '--interval 0: give a number of seconds, e.g. 300'],
    [{ heartbeat: 'often' }, '--heartbeat often: give a number of seconds, e.g. 300'],
    [{ listen: '0.0.0.0' }, '--listen 0.0.0.0: give host:port, e.g. 0.0.0.0:9717'],
  ] as const) {
    it(`${JSON.stringify(bad)}: a usage error naming the option and an example`, async () => {
      const f = fakeDeps({ vars: { NODE_NAME: 'node-1' } });
      await assert.rejects(
        run({ ...good, ...bad }, f.deps),
        (e: Error) => e instanceof UsageError && e.message === message,
      );
    });
  }

  it('no API server: an input error that says to run in the cluster or give --kubeconfig', async () => {
    const f = fakeDeps({ vars: { NODE_NAME: 'node-1' } });
    await assert.rejects(
      run({ ...good, kubeconfig: '/nonexistent/kubeconfig' }, f.deps),
      (e: Error) =>
        e instanceof InputError &&
        e.message.startsWith('no API server to write to (') &&
        e.message.endsWith('); run in the cluster or give --kubeconfig'),
    );
    assert.equal(f.stdout(), '');
  });
});
