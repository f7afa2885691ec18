// The signing key's pure parts (src/signing.ts), and Gpg with a fake Docker: how the key is read, how it is
// unlocked without ever putting the passphrase in an argument, and which keys are refused.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import { InputError } from '../../src/errors.ts';
import {
  GNUPG_MOUNT,
  Gpg,
  type SigningKey,
  gnupgParent,
  secretKeyFingerprint,
  signingCommand,
  unlockArgs,
} from '../../src/signing.ts';
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
  gnupgHome: '/tmp/home',
  fingerprint: FPR,
  publicKeyArmored: '',
  development: false,
  hasPassphrase: passphrase !== undefined,
  passphrase,
  packager: new FakeDocker(),
  ready: async () => {},
  dispose: async () => {},
});

describe('Gpg', () => {
  it('runs gpg in the packager image, batch mode, with the GnuPG home mounted', async () => {
    const docker = new FakeDocker({ containers: [{ command: ['gpg'], result: { stdout: secretKeys(1) } }] });
    const listing = await new Gpg(docker, 'packager:1').run('/host/gnupg', ['--with-colons', '--list-secret-keys'], {
      purpose: 'list the secret keys',
    });
    assert.equal(secretKeyFingerprint(listing.stdout), FPR);
    const [run] = docker.runs;
    assert.equal(run?.image, 'packager:1');
    assert.deepEqual(run?.command.slice(0, 3), ['gpg', '--batch', '--no-tty']);
    assert.deepEqual(run?.mounts[0], { host: '/host/gnupg', container: GNUPG_MOUNT });
    assert.equal(run?.env?.GNUPGHOME, GNUPG_MOUNT);
  });

  it('refuses a key without its secret part, and a key that is not RSA (EL7 rpm checks RSA only)', () => {
    assert.throws(() => secretKeyFingerprint(''), InputError);
    assert.throws(() => secretKeyFingerprint(secretKeys(22)), InputError);
  });
});

describe('signingCommand', () => {
  it('runs the command as it is when the key has no passphrase', () => {
    assert.deepEqual(signingCommand(key(), ['rpmsign', '--addsign', 'x.rpm']), {
      command: ['rpmsign', '--addsign', 'x.rpm'],
    });
  });

  it('unlocks the key first, with the passphrase on stdin and never in the command line', () => {
    const secret = 'correct horse battery staple';
    const signing = signingCommand(key(secret), ['rpmsign', '--addsign', 'x.rpm']);
    assert.equal(signing.input, `${secret}\n`);
    assert.deepEqual(signing.command.slice(0, 2), ['sh', '-c']);
    assert.deepEqual(signing.command.slice(3), ['unlock', FPR, 'rpmsign', '--addsign', 'x.rpm']);
    assert.ok(!signing.command.some((a) => a.includes(secret)));
    assert.match(signing.command[2] ?? '', /--passphrase-fd 0/);
    assert.match(signing.command[2] ?? '', /exec "\$@"/);
  });
});

describe('unlockArgs', () => {
  it('asks gpg for loopback pinentry only when the key has a passphrase', () => {
    assert.deepEqual(unlockArgs(key('p4ssphrase')), ['--pinentry-mode', 'loopback']);
    assert.deepEqual(unlockArgs(key()), []);
  });
});

describe('gnupgParent', () => {
  it('a tmpfs when the host has one, so a key never reaches a disk', () => {
    assert.equal(gnupgParent('/var/cache/nokmem/work'), existsSync('/dev/shm') ? '/dev/shm' : '/var/cache/nokmem/work');
  });
});
