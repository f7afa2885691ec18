// gpg in the packager image (src/gpg.ts) with a fake Docker engine: where GNUPGHOME lives, how a script's output
// is split into its sections, and when a detached signature counts as valid. The Gpg runner, the key listing and
// signingCommand are also held by test/unit/signing.test.ts; test/integration/release-builds.test.ts runs real gpg.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  AGENT_CONF,
  GNUPG,
  Gpg,
  WRITE_AGENT_CONF,
  detachedSignatureValid,
  gnupgTmpfs,
  sections,
} from '../../src/gpg.ts';
import { FakeDocker } from '../helpers/fakes.ts';

const FPR = 'D0D777394E3F2397D2D44B41D52D9CC9255CE5C7';
const OTHER = '0123456789ABCDEF0123456789ABCDEF01234567';

describe('gnupgTmpfs', () => {
  it("is a small private tmpfs owned by the container's user, on which nothing can be executed", () => {
    assert.equal(gnupgTmpfs('10001:10002'), `${GNUPG}:rw,nosuid,nodev,noexec,size=64m,mode=0700,uid=10001,gid=10002`);
  });
});

describe('WRITE_AGENT_CONF', () => {
  it('writes every line of the agent configuration, with a builtin, into $GNUPGHOME', () => {
    assert.equal(
      WRITE_AGENT_CONF,
      `printf '%s\\n' 'default-cache-ttl 0' 'max-cache-ttl 0' 'allow-loopback-pinentry' > "$GNUPGHOME/gpg-agent.conf"`,
    );
    assert.deepEqual(AGENT_CONF, ['default-cache-ttl 0', 'max-cache-ttl 0', 'allow-loopback-pinentry']);
  });
});

describe('Gpg.script', () => {
  it('runs the script after the agent configuration, its arguments after it, input and failure as asked', async () => {
    const docker = new FakeDocker({
      buildUser: '1000:1000',
      containers: [{ command: ['sh'], result: { exitCode: 3 } }],
    });
    const r = await new Gpg(docker, 'packager:2').script('echo "$1"', ['a b'], {
      input: 'stdin',
      purpose: 'try',
      allowFailure: true,
    });
    assert.equal(r.exitCode, 3);
    const [run] = docker.runs;
    assert.deepEqual(run?.command, ['sh', '-c', `${WRITE_AGENT_CONF}\necho "$1"`, 'gpg-script', 'a b']);
    assert.deepEqual(run?.options, ['--tmpfs', gnupgTmpfs('1000:1000')]);
    assert.deepEqual([run?.image, run?.input, run?.purpose, run?.allowFailure], ['packager:2', 'stdin', 'try', true]);
    assert.deepEqual(run?.mounts, []);
  });
});

describe('sections', () => {
  it('splits output at "== name" lines, each section as printed (every line ends with a newline)', () => {
    const found = sections('noise before\n== keys\nsec:u\nfpr:x\n== unlock\nexit=0\n== public\n-----BEGIN\n-----END\n');
    assert.deepEqual(Object.fromEntries(found), {
      keys: 'sec:u\nfpr:x\n',
      unlock: 'exit=0\n',
      public: '-----BEGIN\n-----END\n',
    });
  });

  it('has no section for a header without lines, and nothing for output without headers', () => {
    assert.deepEqual([...sections('== keys\n== unlock\nexit=2')], [['unlock', 'exit=2\n']]);
    assert.deepEqual([...sections('just text\n')], []);
  });
});

describe('detachedSignatureValid', () => {
  const check = async (stdout: string, exitCode = 0) => {
    const docker = new FakeDocker({ containers: [{ command: ['sh'], result: { stdout, exitCode } }] });
    const valid = await detachedSignatureValid('/r/repomd.xml', '/r/repomd.xml.asc', '/k/key.asc', FPR, {
      docker,
      image: 'packager:1',
    });
    return { valid, run: docker.runs[0]! };
  };

  it('is valid only with a VALIDSIG by the given key, checked in a keyring of that key alone, all read-only', async () => {
    const { valid, run } = await check(
      `[GNUPG:] NEWSIG\n[GNUPG:] GOODSIG X nokmem\n[GNUPG:] VALIDSIG ${FPR} 2026-01-01\n`,
    );
    assert.equal(valid, true);
    assert.deepEqual(run.mounts, [
      { host: '/k/key.asc', container: '/host/k/key.asc', readOnly: true },
      { host: '/r/repomd.xml', container: '/host/r/repomd.xml', readOnly: true },
      { host: '/r/repomd.xml.asc', container: '/host/r/repomd.xml.asc', readOnly: true },
    ]);
    assert.deepEqual(run.command.slice(3), [
      'verify-signature',
      '/host/k/key.asc',
      '/host/r/repomd.xml',
      '/host/r/repomd.xml.asc',
    ]);
    assert.equal(run.allowFailure, true);
  });

  it('is not valid for another key, a bad signature, or gpg failing', async () => {
    assert.equal((await check(`[GNUPG:] VALIDSIG ${OTHER} 2026-01-01\n`)).valid, false);
    assert.equal((await check('[GNUPG:] BADSIG X nokmem\n', 1)).valid, false);
    assert.equal((await check('', 2)).valid, false);
    // the fingerprint must be on a VALIDSIG line, not anywhere in the output
    assert.equal((await check(`[GNUPG:] ERRSIG ${FPR}\n`, 2)).valid, false);
  });
});
