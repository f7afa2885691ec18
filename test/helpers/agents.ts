// Real agents for the tests and the benchmark of the real API server: `nokmem agent` as the doctor's image runs it
// (the node side bundled into one JavaScript file by src/node-image.ts's bundleNodeSide, run by node, no tsx),
// each process reading its own hand-made node root (test/helpers/doctor-host.ts) and writing its own Node.

import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type ResultPromise, execa } from 'execa';
import { bundleNodeSide } from '../../src/node-image.ts';
import type { NodeVerdict } from '../../src/node/report.ts';
import { type Scenario, node as nodeRoot } from './doctor-host.ts';

/** A node root whose doctor verdict is the one named. */
export const SCENARIOS: Record<NodeVerdict, Scenario> = {
  ok: { kubelet: 'nokmem', runc: 'nokmem', kubepodsKmem: false },
  install: { kubelet: 'kmem', runc: 'kmem', kubepodsKmem: true },
  reboot: { kubelet: 'nokmem', runc: 'nokmem', kubepodsKmem: true },
  // a 3.x kernel whose memory hierarchy cannot be read
  unknown: { kubelet: 'kmem', runc: 'nokmem', without: ['sys/fs/cgroup/memory'] },
};

export async function scenarioRoot(verdict: NodeVerdict): Promise<string> {
  return nodeRoot({ ...SCENARIOS[verdict], messages: ['Dec  6 10:00:00 n kubelet: started'] });
}

/** A kubelet log line the doctor counts as an exhaustion error (a change of the node's report). */
export const EXHAUSTION_LINE =
  'Dec  6 10:00:01 n kubelet: mkdir /sys/fs/cgroup/memory/kubepods/burstable/pod1234: no space left on device\n';

/** The node side as the image carries it: dist/nokmem-node.mjs with specs/ beside it. */
export async function nodeSideBundle(): Promise<{ cli: string; cleanup(): Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'nokmem-node-side-'));
  return { cli: await bundleNodeSide(dir), cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export interface AgentProcess {
  node: string;
  root: string;
  process: ResultPromise;
  /** Every line it printed on stderr so far. */
  lines: string[];
  /** Resolves at its first write of the Node; rejects if it exits before. */
  ready: Promise<void>;
  /** SIGTERM, and wait for it to end. */
  stop(): Promise<void>;
}

export interface AgentOptions {
  cli: string;
  node: string;
  root: string;
  kubeconfig: string;
  intervalSeconds: number;
  heartbeatSeconds: number;
}

export function startAgent(o: AgentOptions): AgentProcess {
  const child = execa(
    'node',
    [
      o.cli,
      'agent',
      '--root',
      o.root,
      '--node',
      o.node,
      '--kubeconfig',
      o.kubeconfig,
      '--interval',
      String(o.intervalSeconds),
      '--heartbeat',
      String(o.heartbeatSeconds),
      '--listen',
      '127.0.0.1:0',
    ],
    { reject: false, buffer: false, stdout: 'ignore', stderr: 'pipe' },
  );
  const lines: string[] = [];
  const wrote = new RegExp(`^node ${o.node}: \\w+ \\((changed|retry|heartbeat)\\)`);
  const ready = new Promise<void>((resolve, reject) => {
    let rest = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      const text = rest + chunk.toString();
      const parts = text.split('\n');
      rest = parts.pop() ?? '';
      for (const line of parts) {
        lines.push(line);
        if (wrote.test(line)) resolve();
      }
    });
    void child.then((r) =>
      reject(
        new Error(`agent of ${o.node} exited (${r.exitCode ?? r.signal}) before its first write:\n${lines.join('\n')}`),
      ),
    );
  });
  ready.catch(() => undefined);
  return {
    node: o.node,
    root: o.root,
    process: child,
    lines,
    ready,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await child;
    },
  };
}
