// A stand-in for the nokmem agent, for the API-load benchmark (scripts/bench-fleet.ts) until the real agent
// (`nokmem agent`) is measured in its place: it writes exactly what src/node/report.ts describes, by the
// write-on-change-plus-heartbeat rule of node-problem-detector's condition manager, and nothing else.
//   - every --period it "reads the facts" (a report; this stand-in changes its facts every --change-every periods,
//     0: never) and compares them with what it last wrote, the report's `time` aside;
//   - on a change: one patch of the Node (verdict label + report annotation) and one of nodes/status (the
//     condition, lastTransitionTime moved when its status changes);
//   - otherwise, once --heartbeat has passed since its last write: one patch of nodes/status (lastHeartbeatTime);
//   - a failed write is said on stderr and tried again at the next period.
// It prints "ready" after its first write and stops after --duration seconds.
//
//   tsx scripts/bench/agent-standin.ts --kubeconfig F --node NAME --period 2 --heartbeat 4 --duration 60 [--change-every 5]

import { isDeepStrictEqual, parseArgs } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import type { NodeReport, NodeVerdict } from '../../src/node/report.ts';
import { AgentWrites, reportCondition, sampleReport } from '../../test/helpers/node-objects.ts';

const { values } = parseArgs({
  options: {
    kubeconfig: { type: 'string' },
    node: { type: 'string' },
    period: { type: 'string', default: '2' },
    heartbeat: { type: 'string', default: '4' },
    duration: { type: 'string', default: '60' },
    'change-every': { type: 'string', default: '0' },
    verdict: { type: 'string', default: 'install' },
  },
});
const node = values.node!;
const periodMs = Number(values.period) * 1000;
const heartbeatMs = Number(values.heartbeat) * 1000;
const changeEvery = Number(values['change-every']);
const config = new KubeConfig();
config.loadFromFile(values.kubeconfig!);
const writes = new AgentWrites(config);

let period = 0;
const startedAt = new Date().toISOString();
/** The facts of this period: the verdict given, and a count of exhaustion errors that grows on each change. */
function readFacts(now: Date): NodeReport {
  const changes = changeEvery > 0 ? Math.floor(period / changeEvery) : 0;
  const verdict = values.verdict as NodeVerdict;
  // a reboot is asked for once, when the agent first saw the need
  return sampleReport(verdict, now, {
    exhaustionErrors: changes,
    rebootRequestedAt: verdict === 'reboot' ? startedAt : null,
  });
}

let written: { report: NodeReport; at: number; transition: Date } | undefined;
const sameFacts = (a: NodeReport, b: NodeReport) => isDeepStrictEqual({ ...a, time: '' }, { ...b, time: '' });

async function tick(): Promise<void> {
  const now = new Date();
  const report = readFacts(now);
  if (!written || !sameFacts(written.report, report)) {
    const transition = written && written.report.verdict === report.verdict ? written.transition : now;
    await writes.report(node, report);
    await writes.condition(node, reportCondition(report.verdict, report.nextStep, now, transition));
    written = { report, at: now.getTime(), transition };
  } else if (now.getTime() - written.at >= heartbeatMs) {
    await writes.condition(node, reportCondition(report.verdict, report.nextStep, now, written.transition));
    written = { ...written, at: now.getTime() };
  }
  period += 1;
}

/** A failed write is retried at the next period, as node-problem-detector's condition manager does. */
async function tickOrSay(): Promise<boolean> {
  try {
    await tick();
    return true;
  } catch (error) {
    process.stderr.write(`agent ${node}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}\n`);
    return false;
  }
}

const end = Date.now() + Number(values.duration) * 1000;
while (!(await tickOrSay())) await new Promise((resolve) => setTimeout(resolve, periodMs));
process.stdout.write('ready\n');
while (Date.now() + periodMs <= end) {
  await new Promise((resolve) => setTimeout(resolve, periodMs));
  await tickOrSay();
}
