// The signing key's pure parts (src/signing.ts, src/gpg.ts), and Gpg with a fake Docker: how the key is read, how
// it is unlocked without ever putting the passphrase in an argument, and which keys are refused.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import { InputError } from '../../src/errors.ts';
import { GNUPG, Gpg, secretKeyFingerprint, signingCommand } from '../../src/gpg.ts';
import { type SigningKey, gnupgParent } from '../../src/signing.ts';
import { FakeDocker } from '../helpers/fakes.ts';

const FPR = 'D0D777394E3F2397D2D44B41D52D9CC9255CE5C7';

/** `gpg --with-colons --list-secret-keys` for one key of the given algorithm (1: RSA, 22: EdDSA). */
const secretKeys = (algorithm: number) =>
  [
    `sec:u:4096:${algorithm}:D52D9CC9255CE5C7:1700000000:::u:::scESC:::+:::23::0:`,
    `fpr:::::::::${FPR}:`,
    'grp:::::::::0123456789ABCDEF0123456789ABCDEF01234567:',
    'uid:u::::1700000000::ABCDEF::nokmem test <t@example.org>::::::::::0:',
    '',
  ].join('\n');

const key = (passphrase?: string): SigningKey => ({
  fingerprint: FPR,
  publicKeyArmored: '',
  development: false,
  hasPassphrase: passphrase !== undefined,
  passphrase,
  image: 'packager:1',
  packager: new FakeDocker(),
  scratch: '/tmp/scratch',
  ready: async () => {},
  dispose: async () => {},
});

describe('Gpg', () => {
  it('runs gpg in the packager image, batch mode, with the GnuPG home on a tmpfs of its own (never the host)', async () => {
    const docker = new FakeDocker({ containers: [{ command: ['sh'], result: { stdout: secretKeys(1) } }] });
    const listing = await new Gpg(docker, 'packager:1').run(['--with-colons', '--list-secret-keys'], {
      purpose: 'list the secret keys',
    });
    assert.equal(secretKeyFingerprint(listing.stdout), FPR);
    const [run] = docker.runs;
    assert.equal(run?.image, 'packager:1');
    assert.match(run?.command[2] ?? '', /gpg --batch --no-tty --quiet "\$@"/);
    assert.deepEqual(run?.command.slice(4), ['--with-colons', '--list-secret-keys']);
    assert.deepEqual(run?.mounts, []);
    assert.deepEqual(run?.options, [
      '--tmpfs',
      `${GNUPG}:rw,nosuid,nodev,noexec,size=64m,mode=0700,uid=10001,gid=10001`,
    ]);
    assert.equal(run?.env?.GNUPGHOME, GNUPG);
    // the agent caches no passphrase
    assert.match(run?.command[2] ?? '', /'default-cache-ttl 0' 'max-cache-ttl 0'/);
  });

  it('refuses a key without its secret part, and a key that is not RSA (EL7 rpm checks RSA only)', () => {
    assert.throws(() => secretKeyFingerprint(''), InputError);
    assert.throws(() => secretKeyFingerprint(secretKeys(22)), InputError);
  });
});

describe('signingCommand', () => {
  it('runs the command as it is when the key has no passphrase (nothing on stdin), and ends the agent after it', () => {
    const signing = signingCommand(key(), (unlock) => ['rpmsign', '--addsign', ...unlock, 'x.rpm']);
    assert.equal(signing.stdinPrefix, undefined);
    assert.deepEqual(signing.command.slice(0, 2), ['sh', '-c']);
    assert.deepEqual(signing.command.slice(3), ['sign', '', 'rpmsign', '--addsign', 'x.rpm']);
    assert.match(signing.command[2] ?? '', /trap 'rm -f "\$pass"; gpgconf --kill gpg-agent' EXIT/);
  });

  it('unlocks the key with the passphrase on stdin, never in the command line, for this one operation', () => {
    const secret = 'correct horse battery staple';
    const signing = signingCommand(key(secret), (unlock) => ['rpmsign', '--addsign', ...unlock, 'x.rpm'], 'op1');
    assert.equal(signing.stdinPrefix, `${secret}\n`);
    assert.deepEqual(signing.command.slice(0, 2), ['sh', '-c']);
    const file = `${GNUPG}/.passphrase-op1`;
    assert.deepEqual(signing.command.slice(3), [
      'sign',
      file,
      'rpmsign',
      '--addsign',
      '--pinentry-mode',
      'loopback',
      '--passphrase-file',
      file,
      'x.rpm',
    ]);
    assert.ok(!signing.command.some((a) => a.includes(secret)));
    // read and printf are shell builtins: the passphrase is no process's argument; the file and the agent go at exit
    assert.match(signing.command[2] ?? '', /IFS= read -r line .* printf "%s\\n" "\$line" > "\$pass"/);
    assert.match(signing.command[2] ?? '', /\n"\$@"$/);
    assert.match(signing.command[2] ?? '', /trap 'rm -f "\$pass"; gpgconf --kill gpg-agent' EXIT/);
    assert.notEqual(signingCommand(key(secret), (u) => u).command[4], signingCommand(key(secret), (u) => u).command[4]);
  });
});

describe('gnupgParent', () => {
  it('a tmpfs when the host has one, so a key never reaches a disk', () => {
    assert.equal(gnupgParent('/var/cache/nokmem/work'), existsSync('/dev/shm') ? '/dev/shm' : '/var/cache/nokmem/work');
  });
});
