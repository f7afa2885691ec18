// Prometheus metrics of a node's report (src/node/outputs/metrics.ts), held to the text exposition format
// (version 0.0.4): a family's # HELP then # TYPE line, then its samples, each family once and together; metric and
// label names as the format allows; label values escaped (backslash, double quote, newline); the text ends in a
// newline. What the node side does not know has no series (never a 0), and every series names the node. promtool,
// Prometheus' own checker, accepts the text.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { execa } from 'execa';
import { metricsText, VERDICTS } from '../../../../src/node/outputs/metrics.ts';
import { type NodeReport, REPORT_SCHEMA } from '../../../../src/node/report.ts';

const FULL: NodeReport = {
  schema: REPORT_SCHEMA,
  time: '2026-12-06T12:00:00.250Z',
  verdict: 'install',
  nextStep: 'install the nokmem packages',
  kernel: '3.10.0-1062.el7.x86_64',
  bootFlag: { present: true, honoured: 'unverified' },
  kmemOnKubepods: true,
  liveMemoryCgroups: 212,
  headroom: { used: 61_234, limit: 65_535 },
  exhaustionErrors: 0,
  binaries: [
    { role: 'kubelet', path: '/usr/bin/kubelet', state: 'kmem', version: 'v1.12.4' },
    { role: 'runc-nokmem', path: '/usr/libexec/runc-nokmem/runc', state: 'nokmem' },
  ],
  rebootRequestedAt: null,
  missing: [],
};

const UNKNOWN: NodeReport = {
  ...FULL,
  verdict: 'unknown',
  kernel: null,
  bootFlag: null,
  kmemOnKubepods: null,
  liveMemoryCgroups: null,
  headroom: null,
  exhaustionErrors: null,
  binaries: [],
};

interface Family {
  help: string;
  type: string;
  samples: { labels: Record<string, string>; value: string }[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
// A label value: any character but a backslash, double quote or newline, or one of the three escapes.
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^\\"\n]|\\[\\"n])*)"/y;
const VALUE = /^(?:[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|NaN|[+-]Inf)$/;

/** The exposition text parsed as the format defines it; any line it does not allow fails the test. */
function parseExposition(text: string): Map<string, Family> {
  assert.ok(text.endsWith('\n'), 'the text ends in a newline');
  const families = new Map<string, Family>();
  let current: { name: string; family: Partial<Family> } | undefined;
  for (const line of text.slice(0, -1).split('\n')) {
    const help = /^# HELP (\S+) (.*)$/.exec(line);
    const type = /^# TYPE (\S+) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (help) {
      const [, name, doc] = help;
      assert.match(name!, NAME);
      assert.ok(!families.has(name!), `${name}: one family, once`);
      assert.doesNotMatch(doc!, /\\(?![\\n])/, `${name}: HELP escapes only backslash and newline`);
      current = { name: name!, family: { help: doc!, samples: [] } };
      families.set(name!, current.family as Family);
      continue;
    }
    if (type) {
      assert.equal(type[1], current?.name, `# TYPE ${type[1]} right after its # HELP`);
      assert.equal(current!.family.type, undefined);
      current!.family.type = type[2];
      continue;
    }
    assert.doesNotMatch(line, /^#/, `a comment the format does not define: ${line}`);
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(sample, `not a sample line: ${JSON.stringify(line)}`);
    const [, name, labelText = '', value] = sample;
    assert.equal(name, current?.name, `${name}: its samples follow its own HELP and TYPE`);
    assert.ok(current!.family.type, `${name}: TYPE before the samples`);
    assert.match(value!, VALUE, `${name}: a Go float`);
    const labels: Record<string, string> = {};
    LABEL.lastIndex = 0;
    while (LABEL.lastIndex < labelText.length) {
      const at = LABEL.lastIndex;
      const m = LABEL.exec(labelText);
      assert.ok(m, `${name}: bad label text at ${at}: ${labelText}`);
      assert.match(m[1]!, LABEL_NAME);
      assert.ok(!m[1]!.startsWith('__'), 'label names starting with __ are reserved');
      assert.ok(!(m[1]! in labels), `${name}: label ${m[1]} twice`);
      labels[m[1]!] = m[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
      if (LABEL.lastIndex < labelText.length) {
        assert.equal(labelText[LABEL.lastIndex], ',', `${name}: labels are separated by commas`);
        LABEL.lastIndex++;
      }
    }
    current!.family.samples!.push({ labels, value: value! });
  }
  for (const [name, f] of families) {
    assert.ok(f.type, `${name}: has a TYPE`);
    assert.ok(f.samples.length > 0, `${name}: HELP and TYPE only where there are samples`);
    const series = f.samples.map((s) => JSON.stringify(Object.entries(s.labels).sort()));
    assert.equal(new Set(series).size, series.length, `${name}: no series twice`);
  }
  return families;
}

/** name{labels} → value, the labels as written (node first). */
const samples = (families: Map<string, Family>) =>
  Object.fromEntries(
    [...families].flatMap(([name, f]) =>
      f.samples.map((s) => [`${name}${JSON.stringify(s.labels)}`, s.value] as const),
    ),
  );

async function promtool(text: string) {
  return execa('promtool', ['check', 'metrics'], { input: text, reject: false });
}

describe('metricsText', () => {
  it('a report with every fact: each family once, HELP and TYPE gauge, every series with the node', async () => {
    const text = metricsText('n1', FULL, { rebootPendingSince: 1_796_500_000 });
    const families = parseExposition(text);
    assert.deepEqual(
      [...families.keys()],
      [
        'nokmem_node_verdict',
        'nokmem_binary_kmem_state',
        'nokmem_kubepods_kmem_active',
        'nokmem_boot_flag_present',
        'nokmem_boot_flag_honoured',
        'nokmem_memory_cgroups_live',
        'nokmem_memory_cgroup_ids_used',
        'nokmem_memory_cgroup_ids_limit',
        'nokmem_kubelet_cgroup_exhaustion_errors',
        'nokmem_report_timestamp_seconds',
        'nokmem_reboot_pending_since_timestamp_seconds',
        'nokmem_reboot_gave_up',
        'nokmem_kernel_info',
      ],
    );
    for (const [name, f] of families) {
      assert.equal(f.type, 'gauge', name);
      assert.ok(f.help.length > 10, name);
      for (const s of f.samples) assert.equal(Object.keys(s.labels)[0], 'node', name);
      for (const s of f.samples) assert.equal(s.labels.node, 'n1', name);
    }
    assert.deepEqual(samples(families), {
      'nokmem_node_verdict{"node":"n1","verdict":"ok"}': '0',
      'nokmem_node_verdict{"node":"n1","verdict":"install"}': '1',
      'nokmem_node_verdict{"node":"n1","verdict":"reboot"}': '0',
      'nokmem_node_verdict{"node":"n1","verdict":"unknown"}': '0',
      'nokmem_binary_kmem_state{"node":"n1","role":"kubelet","path":"/usr/bin/kubelet","state":"nokmem"}': '0',
      'nokmem_binary_kmem_state{"node":"n1","role":"kubelet","path":"/usr/bin/kubelet","state":"kmem"}': '1',
      'nokmem_binary_kmem_state{"node":"n1","role":"kubelet","path":"/usr/bin/kubelet","state":"unknown"}': '0',
      'nokmem_binary_kmem_state{"node":"n1","role":"runc-nokmem","path":"/usr/libexec/runc-nokmem/runc","state":"nokmem"}':
        '1',
      'nokmem_binary_kmem_state{"node":"n1","role":"runc-nokmem","path":"/usr/libexec/runc-nokmem/runc","state":"kmem"}':
        '0',
      'nokmem_binary_kmem_state{"node":"n1","role":"runc-nokmem","path":"/usr/libexec/runc-nokmem/runc","state":"unknown"}':
        '0',
      'nokmem_kubepods_kmem_active{"node":"n1"}': '1',
      'nokmem_boot_flag_present{"node":"n1"}': '1',
      'nokmem_boot_flag_honoured{"node":"n1","honoured":"yes"}': '0',
      'nokmem_boot_flag_honoured{"node":"n1","honoured":"no"}': '0',
      'nokmem_boot_flag_honoured{"node":"n1","honoured":"unverified"}': '1',
      'nokmem_memory_cgroups_live{"node":"n1"}': '212',
      'nokmem_memory_cgroup_ids_used{"node":"n1"}': '61234',
      'nokmem_memory_cgroup_ids_limit{"node":"n1"}': '65535',
      'nokmem_kubelet_cgroup_exhaustion_errors{"node":"n1"}': '0',
      'nokmem_report_timestamp_seconds{"node":"n1"}': '1796558400.25',
      'nokmem_reboot_pending_since_timestamp_seconds{"node":"n1"}': '1796500000',
      'nokmem_reboot_gave_up{"node":"n1"}': '0',
      'nokmem_kernel_info{"node":"n1","kernel":"3.10.0-1062.el7.x86_64"}': '1',
    });
    const check = await promtool(text);
    assert.equal(check.exitCode, 0, `${check.stdout}${check.stderr}`);
  });

  it('the samples are written as the format spells them: name{label="value",...} value', () => {
    const text = metricsText('n1', FULL);
    assert.match(text, /^# HELP nokmem_node_verdict The node's verdict: 1 for the current one/m);
    assert.match(text, /^# TYPE nokmem_node_verdict gauge\nnokmem_node_verdict\{node="n1",verdict="ok"\} 0\n/m);
    assert.match(text, /^nokmem_memory_cgroups_live\{node="n1"\} 212$/m);
    assert.ok(!text.includes('\n\n'), 'no empty lines');
  });

  it('every verdict the report can have is a series, exactly one of them 1', () => {
    for (const verdict of VERDICTS) {
      const f = parseExposition(metricsText('n1', { ...FULL, verdict })).get('nokmem_node_verdict')!;
      assert.deepEqual(
        f.samples.map((s) => [s.labels.verdict, s.value]),
        VERDICTS.map((v) => [v, v === verdict ? '1' : '0']),
      );
    }
  });

  it('what is unknown has no series, never a 0: kubepods, boot flag, cgroup counts, errors, kernel, binaries', async () => {
    const text = metricsText('n1', UNKNOWN);
    const families = parseExposition(text);
    assert.deepEqual(
      [...families.keys()],
      ['nokmem_node_verdict', 'nokmem_report_timestamp_seconds', 'nokmem_reboot_gave_up'],
    );
    for (const name of ['nokmem_kubepods_kmem_active', 'nokmem_memory_cgroup_ids_used', 'nokmem_binary_kmem_state'])
      assert.ok(!text.includes(name), `${name}: not even its HELP`);
    const check = await promtool(text);
    assert.equal(check.exitCode, 0, `${check.stdout}${check.stderr}`);
    // Known zeros and falses are written: they are facts.
    const known = samples(
      parseExposition(
        metricsText('n1', { ...UNKNOWN, kmemOnKubepods: false, exhaustionErrors: 0, liveMemoryCgroups: 0 }),
      ),
    );
    assert.equal(known['nokmem_kubepods_kmem_active{"node":"n1"}'], '0');
    assert.equal(known['nokmem_kubelet_cgroup_exhaustion_errors{"node":"n1"}'], '0');
    assert.equal(known['nokmem_memory_cgroups_live{"node":"n1"}'], '0');
  });

  it("the agent's state: since when a reboot is pending, and that it gave up asking", () => {
    const gaveUp = samples(
      parseExposition(metricsText('n1', FULL, { rebootPendingSince: 1_796_000_000, rebootGaveUp: true })),
    );
    assert.equal(gaveUp['nokmem_reboot_pending_since_timestamp_seconds{"node":"n1"}'], '1796000000');
    assert.equal(gaveUp['nokmem_reboot_gave_up{"node":"n1"}'], '1');
  });

  it('label values are escaped as the format says: backslash, double quote and newline, and read back', async () => {
    const node = 'node "a"\\b\nc';
    const odd = String.raw`C:\Program Files\runc "nokmem"` + '\nsecond line';
    const text = metricsText(node, {
      ...FULL,
      kernel: 'a\\b',
      binaries: [{ role: 'runc', path: odd, state: 'unknown' }],
    });
    assert.ok(text.includes(String.raw`node="node \"a\"\\b\nc"`), text);
    assert.ok(text.includes(String.raw`path="C:\\Program Files\\runc \"nokmem\"\nsecond line"`), text);
    assert.ok(text.includes(String.raw`kernel="a\\b"`), text);
    const families = parseExposition(text);
    for (const f of families.values()) for (const s of f.samples) assert.equal(s.labels.node, node);
    assert.deepEqual(
      families.get('nokmem_binary_kmem_state')!.samples.map((s) => s.labels.path),
      [odd, odd, odd],
    );
    assert.equal(families.get('nokmem_kernel_info')!.samples[0]!.labels.kernel, 'a\\b');
    const check = await promtool(text);
    assert.equal(check.exitCode, 0, `${check.stdout}${check.stderr}`);
  });

  it('a report time that is not a date is written NaN, a value the format allows', () => {
    const text = metricsText('n1', { ...FULL, time: 'not a date' });
    assert.match(text, /^nokmem_report_timestamp_seconds\{node="n1"\} NaN$/m);
    parseExposition(text);
  });

  it('an infinite value is written +Inf or -Inf, as the format spells it, not NaN', () => {
    const text = metricsText('n1', { ...FULL, liveMemoryCgroups: Infinity, exhaustionErrors: -Infinity });
    assert.match(text, /^nokmem_memory_cgroups_live\{node="n1"\} \+Inf$/m);
    assert.match(text, /^nokmem_kubelet_cgroup_exhaustion_errors\{node="n1"\} -Inf$/m);
    parseExposition(text);
  });
});
