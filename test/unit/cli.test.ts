// The command line assembled in-process (makeProgram, main) with a captured environment: every command and its
// options, exit codes by error class, and the shared printing of checks. Nothing here needs Docker.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { main, makeProgram } from '../../src/cli.ts';
import type { CliEnv } from '../../src/commands/environment.ts';
import { checkTable } from '../../src/commands/output.ts';
import { InputError, PinMismatch, UsageError, VerificationFailed } from '../../src/errors.ts';
import type { Check } from '../../src/verify/verdict.ts';

interface Captured {
  env: CliEnv;
  stdout(): string;
  stderr(): string;
}

function capture(vars: Record<string, string> = {}): Captured {
  const out: string[] = [];
  const err: string[] = [];
  return {
    env: { vars, out: (t) => void out.push(t), err: (t) => void err.push(t) },
    stdout: () => out.join(''),
    stderr: () => err.join(''),
  };
}

const argv = (...args: string[]) => ['node', 'nokmem', ...args];

const COMMANDS = [
  'build',
  'prepare',
  'verify',
  'publish',
  'release',
  'matrix',
  'forks',
  'doctor',
  'agent',
  'fleet',
  'pin',
  'builder-image',
  'node-image',
];

/** A program with one more command, `boom`, whose action throws what it is given. */
function withBoom(c: Captured, thrown: () => unknown) {
  const program = makeProgram(c.env);
  program
    .command('boom')
    .option('--json')
    .action(() => {
      throw thrown();
    });
  return program;
}

describe('makeProgram', () => {
  it('registers every command, in order, and runs none of them', () => {
    const names = makeProgram(capture().env).commands.map((c) => c.name());
    assert.deepEqual(names, COMMANDS);
  });

  for (const name of COMMANDS) {
    it(`${name} --help lists each of its options and exits 0`, async () => {
      const c = capture();
      const command = makeProgram(c.env).commands.find((cmd) => cmd.name() === name)!;
      assert.equal(await main(argv(name, '--help'), c.env), 0);
      assert.ok(command.options.length > 0);
      for (const option of command.options) assert.ok(c.stdout().includes(option.long!), `${name}: ${option.long}`);
    });
  }

  it('defaults come from the environment it is given, not the process', async () => {
    const c = capture({ NOKMEM_CACHE_DIR: '/nowhere/nokmem-cache', GITHUB_REPOSITORY: 'someone/something' });
    await main(argv('build', '--help'), c.env);
    await main(argv('release', '--help'), c.env);
    assert.ok(c.stdout().includes('/nowhere/nokmem-cache'));
    assert.ok(c.stdout().includes('someone/something'));
  });
});

describe('main: exit codes by class', () => {
  it('an unknown option or command: 2', async () => {
    assert.equal(await main(argv('verify', 'x', '--no-such-option'), capture().env), 2);
    assert.equal(await main(argv('no-such-command'), capture().env), 2);
  });

  it('--version: 0', async () => {
    const c = capture();
    assert.equal(await main(argv('--version'), c.env), 0);
    assert.match(c.stdout(), /^\d+\.\d+\.\d+/);
  });

  it('a plain Error from an action is a bug: 70, with its stack on stderr', async () => {
    const c = capture();
    const error = new Error('boom');
    assert.equal(
      await main(
        argv('boom'),
        c.env,
        withBoom(c, () => error),
      ),
      70,
    );
    assert.ok(c.stderr().includes(error.stack!.split('\n')[1]!.trim()), c.stderr());
  });

  for (const [kind, make, code] of [
    ['UsageError', () => new UsageError('bad option'), 2],
    ['InputError', () => new InputError('bad input'), 1],
    ['PinMismatch', () => new PinMismatch('moved'), 1],
  ] as const) {
    it(`${kind}: exit ${code}, one line on stderr, an error object naming the class with --json`, async () => {
      const c = capture();
      assert.equal(await main(argv('boom', '--json'), c.env, withBoom(c, make)), code);
      assert.equal(c.stderr().trimEnd().split('\n').length, 1);
      const json = JSON.parse(c.stdout()) as { ok: boolean; kind: string };
      assert.equal(json.ok, false);
      assert.equal(json.kind, kind);
    });
  }

  it('a VerificationFailed already reported: only its short line, no second JSON document', async () => {
    const c = capture();
    const failed = [{ name: 'kmem symbols', detail: 'x'.repeat(500) }];
    const program = withBoom(c, () => new VerificationFailed('runc is not a verified nokmem runc', failed, true));
    assert.equal(await main(argv('boom', '--json'), c.env, program), 1);
    assert.equal(c.stdout(), '');
    assert.equal(c.stderr().trimEnd().split('\n').length, 1);
    assert.ok(!c.stderr().includes('x'.repeat(500)));
  });

  it('the exit status a command sets without failing (doctor) is the exit code', async () => {
    const c = capture();
    const program = makeProgram(c.env);
    program.command('status').action(() => {
      c.env.exitCode = 3;
    });
    assert.equal(await main(argv('status'), c.env, program), 3);
  });

  it('verify of a file that does not exist: InputError (1), before anything runs', async () => {
    assert.equal(await main(argv('verify', '/nonexistent/nokmem-runc'), capture().env), 1);
  });

  it('an option value that is an option (--remote --dry-run): UsageError (2), one line, nothing runs', async () => {
    // --specs names no directory: before the fix, --dry-run became the remote and the build started (and failed
    // here reading the specs, exit 1)
    for (const args of [
      ['build', '--runc', 'v1.0.0-rc5', '--remote', '--dry-run', '--specs', '/nonexistent/specs'],
      ['build', '--runc', 'v1.0.0-rc5', '--remote=-oProxyCommand@x:touch /tmp/p', '--specs', '/nonexistent/specs'],
      ['pin', '--runc', 'v1.0.0-rc5', '--remote', '--write', '--specs', '/nonexistent/specs'],
      ['verify', '/nonexistent/x.rpm', '--key', '--no-functional'],
    ]) {
      const c = capture();
      assert.equal(await main(argv(...args), c.env), 2, c.stderr());
      const [option, value] = args.find((a) => a.startsWith('--remote='))?.split('=') ?? [
        args.find((a, i) => /^--(remote|key)$/.test(a) && args[i + 1]?.startsWith('-'))!,
        args[args.findIndex((a, i) => /^--(remote|key)$/.test(a) && args[i + 1]?.startsWith('-')) + 1]!,
      ];
      assert.equal(
        c.stderr(),
        `nokmem: error: ${option} needs a value, but got ${JSON.stringify(value)}, which is written like an option; give the value right after ${option} (a path that starts with "-" as ./-name)\n`,
      );
      assert.equal(c.stdout(), '');
    }
  });

  it('verify with both --runc and --kubelet: UsageError (2)', async () => {
    assert.equal(
      await main(argv('verify', process.execPath, '--runc', 'v1.0.0-rc5', '--kubelet', 'v1.12.4'), capture().env),
      2,
    );
  });
});

describe('printing checks', () => {
  const checks: Check[] = [
    { name: 'EL7 glibc', status: 'pass', detail: 'statically linked' },
    { name: 'EL7 glibc usr/libexec/runc-nokmem/runc, a long name', status: 'fail', detail: 'needs GLIBC_2.34' },
    { name: 'kmem symbols', status: 'fail', detail: 'still linked' },
    { name: 'functional (strace)', status: 'skipped', detail: 'turned off' },
  ];

  it('one line per check; a name and its detail are never run together', () => {
    const lines = checkTable(checks, '  ').trimEnd().split('\n');
    assert.equal(lines.length, checks.length);
    for (const [i, c] of checks.entries()) {
      assert.ok(lines[i]!.startsWith(`  ${c.status.toUpperCase()}`));
      assert.ok(lines[i]!.includes(`${c.name}  `), lines[i]);
      assert.ok(lines[i]!.endsWith(c.detail));
    }
  });
});
