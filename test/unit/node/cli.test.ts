// The node side's command line (src/node/cli.ts), run as the doctor's image runs it: a child process of the
// bundle the image carries (dist/nokmem-node.mjs with specs/ beside it, made once here by bundleNodeSide) on
// hand-made node roots. It has `doctor` and `agent` and nothing of the build pipeline, and handles errors as the main CLI does: a
// user's mistake is one line on stderr and its exit code, never a stack. Nothing here needs Docker or a cluster.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { NOKMEM_VERSION } from '../../../src/meta.ts';
import { nodeSideBundle } from '../../helpers/agents.ts';
import { ROOT } from '../../helpers/cli.ts';
import { node, scratchDir } from '../../helpers/doctor-host.ts';

let bundle: Awaited<ReturnType<typeof nodeSideBundle>>;
before(async () => {
  bundle = await nodeSideBundle();
});
after(() => bundle?.cleanup());

async function nodeCli(...args: string[]) {
  const r = await execa('node', [bundle.cli, ...args], {
    cwd: ROOT,
    reject: false,
    stripFinalNewline: false,
    timeout: 60_000,
  });
  return { exitCode: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr) };
}

describe('node side CLI', () => {
  it('offers doctor and agent only, and says what it is for', async () => {
    const r = await nodeCli('--help');
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(r.stdout, /^Usage: nokmem /);
    assert.match(r.stdout, /nokmem's node side: is this node affected, and is the fix in place\?/);
    const commands = [...r.stdout.split('Commands:')[1]!.matchAll(/^ {2}(\S+)/gm)].map((m) => m[1]);
    assert.deepEqual(commands, ['doctor', 'agent', 'help']);
  });

  it('prints the version of nokmem it was built from', async () => {
    const r = await nodeCli('--version');
    assert.equal(r.exitCode, 0);
    assert.equal(r.stdout.trim(), NOKMEM_VERSION);
  });

  it('a build command is not there: a usage error (exit 2) pointing at --help', async () => {
    const r = await nodeCli('build', '--runc', 'v1.0.0-rc5');
    assert.equal(r.exitCode, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /unknown command 'build'/);
    assert.match(r.stderr, /\(run with --help for usage\)/);
  });

  it("doctor --json on a node: the report on stdout, the verdict's exit code", async () => {
    const root = await node({ kubelet: 'kmem', runc: 'kmem', kubepodsKmem: true });
    const r = await nodeCli('doctor', '--root', root, '--json');
    assert.equal(r.exitCode, 1, r.stderr);
    assert.equal(r.stderr, '');
    const report = JSON.parse(r.stdout) as { verdict: string; exitCode: number; facts: { root: string } };
    assert.equal(report.verdict, 'install');
    assert.equal(report.facts.root, root);
  });

  it('doctor --prometheus names the node it is given; the table is the default and exits 0 on a fixed node', async () => {
    const fixed = await node({ kubelet: 'nokmem', runc: 'nokmem', kubepodsKmem: false });
    const metrics = await nodeCli('doctor', '--root', fixed, '--prometheus', '--node', 'worker-3');
    assert.equal(metrics.exitCode, 0, metrics.stderr);
    assert.match(metrics.stdout, /^nokmem_node_verdict\{node="worker-3",verdict="ok"\} 1$/m);
    const table = await nodeCli('doctor', '--root', fixed);
    assert.equal(table.exitCode, 0, table.stderr);
    assert.match(table.stdout, /\nverdict: ok\nnext: {4}nothing to do/);
  });

  it("a root that is not a node's: one line naming it, exit 1, nothing on stdout", async () => {
    const empty = await scratchDir('doctor-cli-');
    const r = await nodeCli('doctor', '--root', empty);
    assert.equal(r.exitCode, 1);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, `nokmem: error: ${empty} has no proc/; give the root of a node (default /)\n`);
  });

  it('two outputs at once: a usage error (exit 2), one line, no stack', async () => {
    const root = await node({ kubelet: 'nokmem', runc: 'nokmem', kubepodsKmem: false });
    const r = await nodeCli('doctor', '--root', root, '--json', '--npd');
    assert.equal(r.exitCode, 2);
    assert.equal(r.stderr, 'nokmem: error: choose one of --json, --npd\n');
    assert.deepEqual(JSON.parse(r.stdout), {
      ok: false,
      kind: 'UsageError',
      error: 'choose one of --json, --npd',
    });
  });
});
