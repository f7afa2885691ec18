// The report on a Node, on the wire (src/node/node-object.ts): the agent's two patches and what is read back, and
// the labels the DaemonSet's node affinity names, which must be the ones the fleet looks for.

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import YAML from 'yaml';
import {
  AGENT_NODE_LABEL,
  NFD_KERNEL_MAJOR_LABEL,
  conditionFor,
  metadataPatch,
  readNode,
  statusPatch,
} from '../../../src/node/node-object.ts';
import { REPORT_ANNOTATION, VERDICT_LABEL } from '../../../src/node/report.ts';
import { ROOT } from '../../helpers/cli.ts';
import { report } from '../../helpers/node-fakes.ts';

describe('the report on a Node object', () => {
  it('a change patches the label and the annotation; the condition has NPD semantics', () => {
    const r = report('install', '2026-12-06T10:00:00.000Z');
    assert.deepEqual(metadataPatch(r), {
      metadata: { labels: { [VERDICT_LABEL]: 'install' }, annotations: { [REPORT_ANNOTATION]: JSON.stringify(r) } },
    });
    const condition = {
      ...conditionFor(r),
      lastHeartbeatTime: '2026-12-06T10:10:00.000Z',
      lastTransitionTime: '2026-12-06T10:00:00.000Z',
    };
    assert.deepEqual(statusPatch(condition), {
      status: {
        conditions: [
          {
            type: 'KernelMemoryAccounting',
            status: 'True',
            reason: 'NokmemInstall',
            message: 'next for install',
            lastHeartbeatTime: '2026-12-06T10:10:00.000Z',
            lastTransitionTime: '2026-12-06T10:00:00.000Z',
          },
        ],
      },
    });
    assert.deepEqual(
      (['ok', 'install', 'reboot', 'unknown'] as const).map((v) => conditionFor(report(v, 't')).status),
      ['False', 'True', 'True', 'Unknown'],
    );
  });

  it('reads back the report, the heartbeat, the kernel and whether the agent may run there', () => {
    const r = report('ok', '2026-12-06T10:00:00.000Z');
    const { labels, annotations } = metadataPatch(r).metadata;
    const node = {
      metadata: { name: 'n1', labels: { ...labels, 'nokmem.io/cgroup': 'v1' }, annotations },
      status: {
        nodeInfo: { kernelVersion: '3.10.0-1160.el7.x86_64' },
        conditions: [
          { type: 'Ready', status: 'True', lastHeartbeatTime: '2026-12-06T10:11:00Z' },
          ...statusPatch({
            ...conditionFor(r),
            lastHeartbeatTime: '2026-12-06T10:10:00Z',
            lastTransitionTime: '2026-12-06T10:00:00Z',
          }).status.conditions,
        ],
      },
    };
    const read = readNode(node);
    assert.equal(read.name, 'n1');
    assert.equal(read.report, JSON.stringify(r));
    assert.equal(read.heartbeat, '2026-12-06T10:10:00Z');
    assert.equal(read.condition?.reason, 'NokmemOk');
    assert.equal(read.kernel, '3.10.0-1160.el7.x86_64');
    assert.equal(read.agentLabelled, true);
    const bare = readNode({ metadata: { name: 'n2', labels: { [NFD_KERNEL_MAJOR_LABEL.key]: '3' } } });
    assert.deepEqual(bare, {
      name: 'n2',
      report: undefined,
      condition: undefined,
      heartbeat: undefined,
      kernel: undefined,
      agentLabelled: true,
    });
    assert.equal(readNode({ metadata: { name: 'n3' } }).agentLabelled, false);
    assert.equal(readNode(null).name, '');
  });

  it("the DaemonSet's node affinity names exactly the labels the fleet looks for", async () => {
    const ds = YAML.parse(await readFile(path.join(ROOT, 'deploy/base/daemonset.yaml'), 'utf8'));
    const terms = ds.spec.template.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution
      .nodeSelectorTerms as { matchExpressions: { key: string; operator: string; values: string[] }[] }[];
    assert.deepEqual(
      terms.map((t) => t.matchExpressions),
      [AGENT_NODE_LABEL, NFD_KERNEL_MAJOR_LABEL].map((l) => [{ key: l.key, operator: 'In', values: [l.value] }]),
    );
  });
});
