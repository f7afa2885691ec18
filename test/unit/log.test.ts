// Progress for people (src/log.ts): on stderr, never stdout (kept for --json), every line through the secret mask,
// details only when verbose, nothing but warnings when quiet.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { consoleLogger, silentLogger } from '../../src/log.ts';
import { registerSecret } from '../../src/redact.ts';

/** What the logger writes to stderr and stdout while `f` runs. */
function capture(f: () => void): { stderr: string; stdout: string } {
  const out = { stderr: '', stdout: '' };
  const err = process.stderr.write.bind(process.stderr);
  const std = process.stdout.write.bind(process.stdout);
  process.stderr.write = ((chunk: string) => ((out.stderr += chunk), true)) as typeof process.stderr.write;
  process.stdout.write = ((chunk: string) => ((out.stdout += chunk), true)) as typeof process.stdout.write;
  try {
    f();
  } finally {
    process.stderr.write = err;
    process.stdout.write = std;
  }
  return out;
}

describe('consoleLogger', () => {
  it('writes info and warnings as lines on stderr, and compile output only when verbose', () => {
    const plain = capture(() => {
      const log = consoleLogger();
      log.info('resolve: runc v1.0.0-rc5');
      log.warn('development key');
      log.detail('go build ...\n');
    });
    assert.deepEqual(plain, { stderr: 'resolve: runc v1.0.0-rc5\nwarning: development key\n', stdout: '' });
    const verbose = capture(() => consoleLogger({ verbose: true }).detail('go build ...\n'));
    assert.equal(verbose.stderr, 'go build ...\n');
  });

  it('keeps only warnings when quiet', () => {
    const quiet = capture(() => {
      const log = consoleLogger({ quiet: true });
      log.info('step');
      log.warn('careful');
    });
    assert.equal(quiet.stderr, 'warning: careful\n');
  });

  it('masks secrets', () => {
    registerSecret('log-test-token-0123456789');
    const r = capture(() => consoleLogger({ verbose: true }).detail('token log-test-token-0123456789\n'));
    assert.equal(r.stderr, 'token ***\n');
  });
});

describe('silentLogger', () => {
  it('writes nothing', () => {
    assert.deepEqual(
      capture(() => {
        silentLogger.info('a');
        silentLogger.warn('b');
        silentLogger.detail('c');
      }),
      { stderr: '', stdout: '' },
    );
  });
});
