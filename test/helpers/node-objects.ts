// Node objects for the tests and benchmarks of the real API server: a node as a kubelet registers it (of a
// realistic size: conditions, addresses, capacity, node info, the images a busy node holds), and a report on it
// written as the agent writes it — by the agent's own writer and patches (src/node/agent/node-writer.ts,
// src/node/node-object.ts), never by a copy of them.

import type { V1Node, V1NodeCondition } from '@kubernetes/client-node';
import { type NodeClient, NodeWriter } from '../../src/node/agent/node-writer.ts';
import { AGENT_NODE_LABEL, conditionFor, metadataPatch } from '../../src/node/node-object.ts';
import { type NodeReport, type NodeVerdict, REPORT_SCHEMA } from '../../src/node/report.ts';

/** A report as the doctor would make it on an EL7 node, for a verdict. */
export function sampleReport(verdict: NodeVerdict, time: Date, over: Partial<NodeReport> = {}): NodeReport {
  const fixed = verdict === 'ok';
  return {
    schema: REPORT_SCHEMA,
    time: time.toISOString(),
    verdict,
    nextStep: {
      ok: 'nothing to do: kubelet and runc never enable kmem, and kubepods has none',
      install: 'install the nokmem kubelet and runc packages, then drain and reboot this node',
      reboot: 'drain and reboot this node: kubepods still has kmem accounting from before the fix',
      unknown: 'run `nokmem doctor` on this node: facts are missing',
    }[verdict],
    kernel: '3.10.0-1160.83.1.el7.x86_64',
    bootFlag: { present: false, honoured: 'no' },
    kmemOnKubepods: verdict === 'unknown' ? null : !fixed,
    liveMemoryCgroups: 1843,
    headroom: null,
    exhaustionErrors: verdict === 'reboot' ? 37 : 0,
    binaries: [
      {
        role: 'kubelet',
        path: '/usr/bin/kubelet',
        state: verdict === 'install' ? 'kmem' : 'nokmem',
        version: 'v1.20.2',
      },
      {
        role: 'runc',
        path: '/usr/bin/runc',
        state: verdict === 'install' ? 'kmem' : 'nokmem',
        version: '1.0.0-rc93',
      },
    ],
    rebootRequestedAt: verdict === 'reboot' ? time.toISOString() : null,
    missing: verdict === 'unknown' ? ['kmem on kubepods: /sys/fs/cgroup/memory/kubepods is not mounted'] : [],
    ...over,
  };
}

/**
 * A Node as a 1.20 kubelet registers it on an EL7 machine: about 6 KB of JSON before any report. Labelled for the
 * agent (nokmem.io/cgroup=v1, as docs/rollout.md says: kubectl label, or the kubelet's --node-labels) unless
 * `agentLabel` is false; `kernel` replaces the EL7 kernel.
 */
export function registeredNode(name: string, index = 0, o: { agentLabel?: boolean; kernel?: string } = {}): V1Node {
  const now = new Date();
  const condition = (type: string, status: string, reason: string, message: string): V1NodeCondition => ({
    type,
    status,
    reason,
    message,
    lastHeartbeatTime: now,
    lastTransitionTime: now,
  });
  const images = Array.from({ length: 24 }, (_, i) => ({
    names: [
      `registry.example.com/team-${i % 7}/service-${i}@sha256:${(index * 31 + i).toString(16).padStart(64, '0')}`,
      `registry.example.com/team-${i % 7}/service-${i}:v${1 + (i % 5)}.${i}.0`,
    ],
    sizeBytes: 40_000_000 + i * 1_234_567,
  }));
  const ip = `10.${(index >> 16) & 255}.${(index >> 8) & 255}.${index & 255}`;
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels: {
        'beta.kubernetes.io/arch': 'amd64',
        'beta.kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        ...(o.agentLabel === false ? {} : { [AGENT_NODE_LABEL.key]: AGENT_NODE_LABEL.value }),
        'node.kubernetes.io/instance-type': 'r5.2xlarge',
        'topology.kubernetes.io/region': 'eu-west-1',
        'topology.kubernetes.io/zone': `eu-west-1${'abc'[index % 3]}`,
      },
      annotations: {
        'kubeadm.alpha.kubernetes.io/cri-socket': '/var/run/dockershim.sock',
        'node.alpha.kubernetes.io/ttl': '0',
        'volumes.kubernetes.io/controller-managed-attach-detach': 'true',
      },
    },
    spec: { podCIDR: `10.244.${index % 256}.0/24`, podCIDRs: [`10.244.${index % 256}.0/24`] },
    status: {
      capacity: { cpu: '8', 'ephemeral-storage': '104845292Ki', memory: '65690180Ki', pods: '110' },
      allocatable: { cpu: '8', 'ephemeral-storage': '96625420948', memory: '65587780Ki', pods: '110' },
      conditions: [
        condition('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
        condition('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
        condition('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
        condition('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'),
      ],
      addresses: [
        { type: 'InternalIP', address: ip },
        { type: 'Hostname', address: name },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        machineID: index.toString(16).padStart(32, '0'),
        systemUUID: `EC2${index.toString(16).padStart(5, '0')}-0000-0000-0000-000000000000`,
        bootID: `00000000-0000-0000-0000-${index.toString(16).padStart(12, '0')}`,
        kernelVersion: o.kernel ?? '3.10.0-1160.83.1.el7.x86_64',
        osImage: 'CentOS Linux 7 (Core)',
        containerRuntimeVersion: 'docker://19.3.15',
        kubeletVersion: 'v1.20.2',
        kubeProxyVersion: 'v1.20.2',
        operatingSystem: 'linux',
        architecture: 'amd64',
      },
      images,
    },
  };
}

/** A registered node that already carries a report, as the agent's patches leave it (the benchmark's fast way to
 * fill a cluster: one create). */
export function reportedNode(name: string, index: number, report: NodeReport, heartbeat: Date): V1Node {
  const node = registeredNode(name, index);
  const { labels, annotations } = metadataPatch(report).metadata;
  Object.assign(node.metadata!.labels!, labels);
  Object.assign(node.metadata!.annotations!, annotations);
  const condition = {
    ...conditionFor(report),
    lastHeartbeatTime: heartbeat,
    lastTransitionTime: new Date(report.time),
  };
  node.status!.conditions!.push(condition);
  return node;
}

/**
 * A report written on a Node by the agent's writer through the agent's API client, at the report's time, and when
 * `heartbeat` is given, confirmed unchanged then (a clock set back: the condition's heartbeat moves, the report stays).
 */
export async function writeReport(client: NodeClient, node: string, report: NodeReport, heartbeat?: Date) {
  let now = new Date(report.time);
  const writer = new NodeWriter(node, client, { now: () => now }, 1);
  const changed = await writer.sync(report);
  if (changed.error) throw changed.error;
  if (!heartbeat) return;
  now = heartbeat;
  const beat = await writer.sync(report);
  if (beat.error) throw beat.error;
}
