// Test signing keys, made with gpg inside the builder image (the host needs no gpg): RSA 4096, with a passphrase.

import { execa } from 'execa';
import { TEST_IMAGE } from './cli.ts';

export interface TestKey {
  armoredPrivate: string;
  passphrase: string;
}

export async function makeTestKey(name: string, passphrase: string): Promise<TestKey> {
  const script = [
    'set -e',
    'export GNUPGHOME=$(mktemp -d)',
    'printf "%s\\n" "Key-Type: RSA" "Key-Length: 4096" "Key-Usage: sign" "Name-Real: $1" "Name-Email: test@nokmem.invalid" "Expire-Date: 0" "Passphrase: $2" "%commit" | gpg --batch --quiet --gen-key 2>/dev/null',
    'gpg --batch --quiet --pinentry-mode loopback --passphrase "$2" --armor --export-secret-keys',
  ].join('\n');
  const r = await execa('docker', [
    'run',
    '--rm',
    '--network',
    'none',
    TEST_IMAGE,
    'sh',
    '-c',
    script,
    'sh',
    name,
    passphrase,
  ]);
  return { armoredPrivate: r.stdout, passphrase };
}

/** A small throwaway key (ed25519, no passphrase) for tests that only need a key's files, and its facts. */
export async function makeThrowawayKey(): Promise<{
  armoredPrivate: string;
  armoredPublic: string;
  fingerprint: string;
}> {
  const script = [
    'set -e',
    'export GNUPGHOME=$(mktemp -d)',
    "gpg --batch --quiet --passphrase '' --quick-gen-key 'nokmem throwaway <test@nokmem.invalid>' ed25519 sign never 2>/dev/null",
    'gpg --batch --with-colons --list-keys 2>/dev/null | awk -F: \'$1 == "fpr" { print $10; exit }\'',
    'gpg --batch --quiet --armor --export',
    'echo =secret=',
    'gpg --batch --quiet --pinentry-mode loopback --passphrase "" --armor --export-secret-keys',
  ].join('\n');
  const r = await execa('docker', ['run', '--rm', '--network', 'none', TEST_IMAGE, 'sh', '-c', script]);
  const [head = '', armoredPrivate = ''] = r.stdout.split('\n=secret=\n');
  const [fingerprint = '', ...publicLines] = head.split('\n');
  return { fingerprint, armoredPublic: `${publicLines.join('\n')}\n`, armoredPrivate };
}

export function signingEnv(key: TestKey): Record<string, string> {
  return { NOKMEM_SIGNING_KEY: key.armoredPrivate, NOKMEM_SIGNING_PASSPHRASE: key.passphrase };
}

/** The armored public part of a test key (what a user might put in NOKMEM_SIGNING_KEY by mistake). */
export async function publicKeyOf(key: TestKey): Promise<string> {
  const r = await execa(
    'docker',
    [
      'run',
      '--rm',
      '-i',
      '--network',
      'none',
      TEST_IMAGE,
      'sh',
      '-c',
      'export GNUPGHOME=$(mktemp -d); gpg --batch --quiet --import 2>/dev/null; gpg --batch --quiet --armor --export',
    ],
    { input: key.armoredPrivate },
  );
  return r.stdout;
}
