// The agent (src/node/agent/agent.ts) on a hand-made node root, with a fake API client and clock: the Node
// object, kured's sentinel across a reboot, and /metrics, whose text promtool (Prometheus' own checker) accepts.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { execa } from 'execa';
import { Agent } from '../../../../src/node/agent/agent.ts';
import { SENTINEL_FILE } from '../../../../src/node/agent/kured.ts';
import { NodeWriter } from '../../../../src/node/agent/node-writer.ts';
import { serveMetrics } from '../../../../src/node/agent/server.ts';
import { silentLogger } from '../../../../src/log.ts';
import { VERDICT_LABEL, parseNodeReport, REPORT_ANNOTATION } from '../../../../src/node/report.ts';
import { node, place, scratchDir } from '../../../helpers/doctor-host.ts';
import { FakeClock, FakeNodeClient } from '../../../helpers/node-fakes.ts';

async function promtoolCheckMetrics(text: string) {
  return execa('promtool', ['check', 'metrics'], { input: text, reject: false });
}

describe('agent', () => {
  it('reboot verdict: label, annotation, condition, one sentinel per boot, then it stops asking', async () => {
    const root = await node({ kubelet: 'nokmem', runc: 'nokmem', kubepodsKmem: true });
    const bootId = path.join(root, 'proc/sys/kernel/random/boot_id');
    await mkdir(path.dirname(bootId), { recursive: true });
    await writeFile(bootId, 'boot-a\n');
    const kured = await scratchDir('agent-kured-');
    const clock = new FakeClock();
    const client = new FakeNodeClient();
    const placer = await place();
    const make = () =>
      new Agent({
        root,
        node: 'n1',
        place: placer,
        writer: new NodeWriter('n1', client, clock, 300_000),
        clock,
        log: silentLogger,
        kuredDir: kured,
      });
    const agent = make();
    await agent.start();
    const first = await agent.tick();
    assert.equal(first.report.verdict, 'reboot');
    assert.equal(client.labels[VERDICT_LABEL], 'reboot');
    assert.equal(client.conditions[0]?.status, 'True');
    assert.ok(existsSync(path.join(kured, SENTINEL_FILE)));
    assert.equal(first.report.rebootRequestedAt, clock.now().toISOString());
    assert.match(agent.metrics, /^nokmem_node_verdict\{node="n1",verdict="reboot"\} 1$/m);
    assert.match(agent.metrics, /^nokmem_reboot_pending_since_timestamp_seconds\{node="n1"\} \d+/m);
    assert.doesNotMatch(agent.metrics, /nokmem_memory_cgroup_ids_used/); // RHEL 3.10: unknown, not shown
    const check = await promtoolCheckMetrics(agent.metrics);
    assert.equal(check.exitCode, 0, `${check.stdout}${check.stderr}`);

    // The node reboots (kured), the agent starts again, and kubepods still has kmem on.
    await writeFile(bootId, 'boot-b\n');
    clock.advance(3_600_000);
    const again = make();
    await again.start();
    const after = await again.tick();
    assert.equal(after.report.verdict, 'reboot');
    assert.equal(after.report.rebootRequest?.gaveUp, true);
    assert.equal(after.report.rebootRequestedAt, null);
    assert.match(after.report.nextStep, /stopped asking/);
    assert.equal(existsSync(path.join(kured, SENTINEL_FILE)), false);
    assert.match(again.metrics, /^nokmem_reboot_gave_up\{node="n1"\} 1$/m);
    assert.ok(parseNodeReport(client.annotations[REPORT_ANNOTATION]).report);
  });

  it('serves /metrics and /healthz', async () => {
    const source = { metrics: 'nokmem_node_verdict{node="n1",verdict="ok"} 1\n', lastTick: new Date() };
    const server = await serveMetrics(source, { host: '127.0.0.1', port: 0 }, 60_000);
    try {
      const metrics = await fetch(`http://127.0.0.1:${server.port}/metrics`);
      assert.equal(metrics.status, 200);
      assert.match(metrics.headers.get('content-type') ?? '', /version=0\.0\.4/);
      assert.equal(await metrics.text(), source.metrics);
      assert.equal((await fetch(`http://127.0.0.1:${server.port}/healthz`)).status, 200);
      source.lastTick = new Date(Date.now() - 120_000);
      assert.equal((await fetch(`http://127.0.0.1:${server.port}/healthz`)).status, 503);
    } finally {
      await server.close();
    }
  });
});
