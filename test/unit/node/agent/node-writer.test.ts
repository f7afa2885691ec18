// The Node writer (src/node/agent/node-writer.ts), node-problem-detector's condition manager: writes on change,
// on the heartbeat and after a failure, nothing else; the condition's semantics and transition time. A fake clock
// and a fake API client.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NodeWriter } from '../../../../src/node/agent/node-writer.ts';
import { conditionFor } from '../../../../src/node/node-object.ts';
import { REPORT_ANNOTATION, VERDICT_LABEL } from '../../../../src/node/report.ts';
import { FakeClock, FakeNodeClient, report } from '../../../helpers/node-fakes.ts';

describe('node writer', () => {
  it('writes on change and on the heartbeat, never an unchanged report in between', async () => {
    const clock = new FakeClock();
    const client = new FakeNodeClient();
    const writer = new NodeWriter('n1', client, clock, 300_000);
    assert.equal((await writer.sync(report('install', clock.now().toISOString()))).why, 'changed');
    assert.equal(client.labels[VERDICT_LABEL], 'install');
    assert.equal(JSON.parse(client.annotations[REPORT_ANNOTATION]!).verdict, 'install');
    for (let i = 0; i < 4; i++) {
      clock.advance(60_000);
      assert.deepEqual(await writer.sync(report('install', clock.now().toISOString())), {
        wrote: false,
        why: 'unchanged',
      });
    }
    const made = JSON.parse(client.annotations[REPORT_ANNOTATION]!).time;
    clock.advance(60_000);
    assert.equal((await writer.sync(report('install', clock.now().toISOString()))).why, 'heartbeat');
    // the heartbeat is the condition alone: the report keeps the time it was made, the condition says it is current
    assert.equal(JSON.parse(client.annotations[REPORT_ANNOTATION]!).time, made);
    assert.equal(client.conditions[0]!.lastHeartbeatTime, clock.now().toISOString());
    clock.advance(1_000);
    assert.equal((await writer.sync(report('reboot', clock.now().toISOString()))).why, 'changed');
    assert.deepEqual(client.calls, ['patch', 'status', 'status', 'patch', 'status']);
  });

  it('after a restart, the later of the report time and the heartbeat decides when the next heartbeat is due', async () => {
    const clock = new FakeClock();
    const client = new FakeNodeClient();
    const first = new NodeWriter('n1', client, clock, 300_000);
    await first.sync(report('ok', clock.now().toISOString()));
    clock.advance(300_000);
    assert.equal((await first.sync(report('ok', clock.now().toISOString()))).why, 'heartbeat');
    clock.advance(60_000);
    const restarted = new NodeWriter('n1', client, clock, 300_000);
    await restarted.recover();
    client.calls = [];
    assert.equal((await restarted.sync(report('ok', clock.now().toISOString()))).why, 'unchanged');
    clock.advance(240_000);
    assert.equal((await restarted.sync(report('ok', clock.now().toISOString()))).why, 'heartbeat');
    assert.deepEqual(client.calls, ['status']);
  });

  it('a failed write is tried again at the next sync, even when nothing changed', async () => {
    const clock = new FakeClock();
    const client = new FakeNodeClient();
    const writer = new NodeWriter('n1', client, clock, 300_000);
    client.failNext = true;
    const failed = await writer.sync(report('ok', clock.now().toISOString()));
    assert.equal(failed.wrote, false);
    assert.match(String(failed.error), /connection refused/);
    clock.advance(10_000);
    assert.deepEqual(await writer.sync(report('ok', clock.now().toISOString())), { wrote: true, why: 'retry' });
    assert.equal(client.labels[VERDICT_LABEL], 'ok');
    // a failed heartbeat is tried again whole: label and annotation too
    clock.advance(300_000);
    client.calls = [];
    client.failStatus = true;
    assert.equal((await writer.sync(report('ok', clock.now().toISOString()))).wrote, false);
    assert.deepEqual(await writer.sync(report('ok', clock.now().toISOString())), { wrote: true, why: 'retry' });
    assert.deepEqual(client.calls, ['status', 'patch', 'status']);
  });

  it("the condition: NPD's semantics, heartbeat every write, transition only when the status changes", async () => {
    const clock = new FakeClock();
    const client = new FakeNodeClient();
    const writer = new NodeWriter('n1', client, clock, 300_000);
    assert.deepEqual(conditionFor(report('ok', 't')), {
      type: 'KernelMemoryAccounting',
      status: 'False',
      reason: 'NokmemOk',
      message: 'next for ok',
    });
    assert.equal(conditionFor(report('unknown', 't')).status, 'Unknown');
    assert.equal(conditionFor(report('reboot', 't')).reason, 'NokmemReboot');
    await writer.sync(report('install', clock.now().toISOString()));
    const first = client.conditions[0]!;
    assert.equal(first.status, 'True');
    clock.advance(600_000);
    await writer.sync(report('reboot', clock.now().toISOString()));
    const second = client.conditions[0]!;
    assert.equal(second.status, 'True');
    assert.equal(second.lastTransitionTime, first.lastTransitionTime);
    assert.notEqual(second.lastHeartbeatTime, first.lastHeartbeatTime);
    clock.advance(600_000);
    await writer.sync(report('ok', clock.now().toISOString()));
    assert.equal(client.conditions[0]!.lastTransitionTime, clock.now().toISOString());
  });

  it('after a restart, an unchanged report already on the Node is not written again before the heartbeat', async () => {
    const clock = new FakeClock();
    const client = new FakeNodeClient();
    await new NodeWriter('n1', client, clock, 300_000).sync(report('ok', clock.now().toISOString()));
    clock.advance(60_000);
    const restarted = new NodeWriter('n1', client, clock, 300_000);
    assert.equal((await restarted.recover())?.verdict, 'ok');
    assert.equal((await restarted.sync(report('ok', clock.now().toISOString()))).why, 'unchanged');
    clock.advance(240_000);
    assert.equal((await restarted.sync(report('ok', clock.now().toISOString()))).why, 'heartbeat');
  });
});
