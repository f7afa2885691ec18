// The plan's kinds (src/plan.ts): how logs name what is built, and which plans carry a fork.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { forkOf, planTitle } from '../../src/plan.ts';
import { buildRequest, resolved } from '../helpers/steps.ts';

describe('planTitle and forkOf', () => {
  it('an upstream plan is named by component and tag, and has no fork', async () => {
    const plan = await resolved(buildRequest('/tmp/r'));
    assert.equal(plan.kind, 'upstream');
    assert.equal(planTitle(plan), 'runc v1.0.0-rc5');
    assert.equal(forkOf(plan), undefined);
  });

  it('a fork plan is named by the fork, and carries it', async () => {
    const plan = await resolved(buildRequest('/tmp/r', { fork: 'docker-ce-18.06.2', version: undefined }));
    assert.equal(plan.kind, 'fork');
    assert.equal(planTitle(plan), 'fork docker-ce-18.06.2');
    assert.equal(forkOf(plan)?.name, 'docker-ce-18.06.2');
  });
});
