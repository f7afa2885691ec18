// Node objects for the tests and benchmarks of the real API server: a node as a kubelet registers it (of a
// realistic size: conditions, addresses, capacity, node info, the images a busy node holds), and the writes
// the agent makes on it as src/node/report.ts describes them — the verdict label and the report annotation in
// one patch of the Node, the KernelMemoryAccounting condition in a strategic-merge patch of nodes/status.

import {
  CoreV1Api,
  type KubeConfig,
  PatchStrategy,
  type V1Node,
  type V1NodeCondition,
  setHeaderOptions,
} from '@kubernetes/client-node';
import {
  CONDITION_TYPE,
  type NodeReport,
  type NodeVerdict,
  REPORT_ANNOTATION,
  REPORT_SCHEMA,
  VERDICT_LABEL,
} from '../../src/node/report.ts';

const STATUS: Record<NodeVerdict, string> = { ok: 'False', install: 'True', reboot: 'True', unknown: 'Unknown' };

/** The condition for a verdict, with node-problem-detector's semantics ("True": the problem is there). */
export function reportCondition(
  verdict: NodeVerdict,
  nextStep: string,
  heartbeat: Date,
  transition: Date,
): V1NodeCondition {
  return {
    type: CONDITION_TYPE,
    status: STATUS[verdict],
    reason: `Nokmem${verdict[0]!.toUpperCase()}${verdict.slice(1)}`,
    message: nextStep,
    lastHeartbeatTime: heartbeat,
    lastTransitionTime: transition,
  };
}

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

/** A Node as a 1.20 kubelet registers it on an EL7 machine: about 6 KB of JSON before any report. */
export function registeredNode(name: string, index = 0): V1Node {
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
        kernelVersion: '3.10.0-1160.83.1.el7.x86_64',
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

/** A registered node that already carries a report (the benchmark's fast way to fill a cluster: one create). */
export function reportedNode(name: string, index: number, report: NodeReport, heartbeat: Date): V1Node {
  const node = registeredNode(name, index);
  node.metadata!.labels![VERDICT_LABEL] = report.verdict;
  node.metadata!.annotations![REPORT_ANNOTATION] = JSON.stringify(report);
  node.status!.conditions!.push(reportCondition(report.verdict, report.nextStep, heartbeat, new Date(report.time)));
  return node;
}

/** The agent's writes on one node, through the client library as the agent makes them. */
export class AgentWrites {
  private readonly api: CoreV1Api;
  constructor(config: KubeConfig) {
    this.api = config.makeApiClient(CoreV1Api);
  }

  /** The label and the annotation, in one patch (written on a change of the report). */
  async report(node: string, report: NodeReport | { verdict: NodeVerdict; text: string }): Promise<void> {
    const text = 'text' in report ? report.text : JSON.stringify(report);
    await this.api.patchNode(
      {
        name: node,
        body: { metadata: { labels: { [VERDICT_LABEL]: report.verdict }, annotations: { [REPORT_ANNOTATION]: text } } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
  }

  /** The condition, merged by type into the node's conditions (written on a change and every heartbeat). */
  async condition(node: string, condition: V1NodeCondition): Promise<void> {
    await this.api.patchNodeStatus(
      { name: node, body: { status: { conditions: [condition] } } },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
  }
}
