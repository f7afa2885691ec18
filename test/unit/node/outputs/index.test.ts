// The doctor's outputs (src/node/outputs/index.ts), one printer per flag over the same report: the table, --json,
// --npd and --prometheus. Each prints what its own module makes of the report, and exits as the report says
// (--npd as node-problem-detector's contract says); --prometheus names the node and the time it is given.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PRINTERS, type PrintContext, type PrinterName } from '../../../../src/node/outputs/index.ts';
import { metricsText } from '../../../../src/node/outputs/metrics.ts';
import { toNodeReport } from '../../../../src/node/outputs/node-report.ts';
import { npdOutput } from '../../../../src/node/outputs/npd.ts';
import { formatText } from '../../../../src/node/outputs/text.ts';
import type { DoctorReport } from '../../../../src/node/verdict.ts';
import { run } from '../../../helpers/doctor-host.ts';

const CONTEXT: PrintContext = { node: 'node-7', time: new Date('2026-12-06T12:00:00Z') };

/** A printer called as `nokmem doctor` calls it: by its name, with the report and the context. */
const print = (name: PrinterName, report: DoctorReport) => PRINTERS[name](report, CONTEXT);

const reports = async () => ({
  ok: await run({ kubelet: 'nokmem', runc: 'nokmem', kubepodsKmem: false }),
  install: await run({ kubelet: 'kmem', runc: 'kmem', kubepodsKmem: true }),
  reboot: await run({ kubelet: 'nokmem', runc: 'nokmem', kubepodsKmem: true }),
  unknown: await run({ kubelet: 'kmem', kubepodsKmem: false, kubeletVersion: null }),
});

describe('PRINTERS', () => {
  it('has one printer per output flag of `nokmem doctor`, and text is the default', () => {
    assert.deepEqual(Object.keys(PRINTERS), ['text', 'json', 'npd', 'prometheus']);
  });

  it('each verdict exits with its code (0 ok, 1 install, 2 reboot, 3 unknown); --npd with 0, 1, 1, 3', async () => {
    const npdCodes = { ok: 0, install: 1, reboot: 1, unknown: 3 };
    const codes = { ok: 0, install: 1, reboot: 2, unknown: 3 };
    for (const [verdict, report] of Object.entries(await reports()) as [keyof typeof codes, DoctorReport][]) {
      assert.equal(report.verdict, verdict, report.nextStep);
      assert.equal(print('text', report).exitCode, codes[verdict]);
      assert.equal(print('json', report).exitCode, codes[verdict]);
      assert.equal(print('prometheus', report).exitCode, codes[verdict]);
      assert.equal(print('npd', report).exitCode, npdCodes[verdict]);
    }
  });

  it("text is the table for people; npd is node-problem-detector's one line", async () => {
    const { install } = await reports();
    assert.equal(print('text', install).text, formatText(install));
    assert.match(print('text', install).text, /\nverdict: install\nnext: {4}install the nokmem packages/);
    assert.deepEqual(print('npd', install), npdOutput(install));
  });

  it('json is the whole report, indented, one newline at the end, and parses back to it', async () => {
    const { reboot } = await reports();
    const { text } = print('json', reboot);
    assert.ok(text.endsWith('}\n') && !text.endsWith('\n\n'));
    assert.match(text, /^\{\n {2}"verdict": "reboot",\n/);
    assert.deepEqual(JSON.parse(text), JSON.parse(JSON.stringify(reboot)));
  });

  it("prometheus is the published report's metrics, for the node and at the time it is given", async () => {
    const { install } = await reports();
    const { text } = print('prometheus', install);
    assert.equal(text, metricsText('node-7', toNodeReport(install, CONTEXT.time)));
    assert.match(text, /^nokmem_node_verdict\{node="node-7",verdict="install"\} 1$/m);
    assert.match(text, /^nokmem_report_timestamp_seconds\{node="node-7"\} 1796558400$/m);
    // A one-shot run has no agent state: no reboot pending, never gave up.
    assert.doesNotMatch(text, /nokmem_reboot_pending_since_timestamp_seconds/);
    assert.match(text, /^nokmem_reboot_gave_up\{node="node-7"\} 0$/m);
  });
});
