// Publishing helpers of src/publish/yum.ts that need no repository: rpm's version order (it decides which
// releases a repository keeps), package file names and the .repo file.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InputError } from '../../../src/errors.ts';
import { parseRpmName, repoFile, rpmvercmp } from '../../../src/publish/yum.ts';

// rpm's own cases (rpm-software-management/rpm, tests/rpmvercmp.at), all but the caret ones: ^ came with rpm
// 4.15 and EL7's rpm 4.11 does not know it. Each expectation was checked with `rpm.vercmp` of rpm 4.18.
const RPM_CASES: [string, string, number][] = [
  ['1.0', '1.0', 0],
  ['1.0', '2.0', -1],
  ['2.0', '1.0', 1],
  ['2.0.1', '2.0.1', 0],
  ['2.0', '2.0.1', -1],
  ['2.0.1', '2.0', 1],
  ['2.0.1a', '2.0.1a', 0],
  ['2.0.1a', '2.0.1', 1],
  ['2.0.1', '2.0.1a', -1],
  ['5.5p1', '5.5p1', 0],
  ['5.5p1', '5.5p2', -1],
  ['5.5p2', '5.5p1', 1],
  ['5.5p10', '5.5p10', 0],
  ['5.5p1', '5.5p10', -1],
  ['5.5p10', '5.5p1', 1],
  ['10xyz', '10.1xyz', -1],
  ['10.1xyz', '10xyz', 1],
  ['xyz10', 'xyz10', 0],
  ['xyz10', 'xyz10.1', -1],
  ['xyz10.1', 'xyz10', 1],
  ['xyz.4', 'xyz.4', 0],
  ['xyz.4', '8', -1],
  ['8', 'xyz.4', 1],
  ['xyz.4', '2', -1],
  ['2', 'xyz.4', 1],
  ['5.5p2', '5.6p1', -1],
  ['5.6p1', '5.5p2', 1],
  ['5.6p1', '6.5p1', -1],
  ['6.5p1', '5.6p1', 1],
  ['6.0.rc1', '6.0', 1],
  ['6.0', '6.0.rc1', -1],
  ['10b2', '10a1', 1],
  ['10a2', '10b2', -1],
  ['1.0aa', '1.0aa', 0],
  ['1.0a', '1.0aa', -1],
  ['1.0aa', '1.0a', 1],
  ['10.0001', '10.0001', 0],
  ['10.0001', '10.1', 0],
  ['10.1', '10.0001', 0],
  ['10.0001', '10.0039', -1],
  ['10.0039', '10.0001', 1],
  ['4.999.9', '5.0', -1],
  ['5.0', '4.999.9', 1],
  ['20101121', '20101121', 0],
  ['20101121', '20101122', -1],
  ['20101122', '20101121', 1],
  ['2_0', '2_0', 0],
  ['2.0', '2_0', 0],
  ['2_0', '2.0', 0],
  ['a', 'a', 0],
  ['a+', 'a+', 0],
  ['a+', 'a_', 0],
  ['a_', 'a+', 0],
  ['+a', '+a', 0],
  ['+a', '_a', 0],
  ['_a', '+a', 0],
  ['+_', '+_', 0],
  ['_+', '+_', 0],
  ['_+', '_+', 0],
  ['+', '_', 0],
  ['_', '+', 0],
  ['1.0~rc1', '1.0~rc1', 0],
  ['1.0~rc1', '1.0', -1],
  ['1.0', '1.0~rc1', 1],
  ['1.0~rc1', '1.0~rc2', -1],
  ['1.0~rc2', '1.0~rc1', 1],
  ['1.0~rc1~git123', '1.0~rc1~git123', 0],
  ['1.0~rc1~git123', '1.0~rc1', -1],
  ['1.0~rc1', '1.0~rc1~git123', 1],
  ['1b.fc17', '1b.fc17', 0],
  ['1b.fc17', '1.fc17', -1],
  ['1.fc17', '1b.fc17', 1],
  ['1g.fc17', '1g.fc17', 0],
  ['1g.fc17', '1.fc17', 1],
  ['1.fc17', '1g.fc17', -1],
];

// Releases as nokmem makes them: 0.nokmem.N below the official 1, ~ for pre-releases.
const NOKMEM_CASES: [string, string, number][] = [
  ['1.0', '1.0.1', -1],
  ['1.0a', '1.0', 1],
  ['0', '0.nokmem.1', -1],
  ['0.nokmem.1', '0.nokmem.2', -1],
  ['0.nokmem.2', '0.nokmem.10', -1],
  ['0.nokmem.1', '1', -1],
  ['1.0.0~rc5', '1.0.0', -1],
  ['1.0.0~rc5', '1.0.0~rc10', -1],
  ['150500.1.1', '150500.1.2', -1],
];

describe('rpmvercmp', () => {
  it("agrees with rpm's own comparison tests", () => {
    for (const [a, b, expected] of RPM_CASES) assert.equal(rpmvercmp(a, b), expected, `rpmvercmp(${a}, ${b})`);
  });

  it('orders the releases nokmem makes as rpm does', () => {
    for (const [a, b, expected] of NOKMEM_CASES) assert.equal(rpmvercmp(a, b), expected, `rpmvercmp(${a}, ${b})`);
  });

  it('sorts a list of releases newest first, as publishing keeps them', () => {
    const releases = ['0.nokmem.2', '0.nokmem.10', '0', '0.nokmem.1', '1'];
    assert.deepEqual(
      releases.sort((a, b) => rpmvercmp(b, a)),
      ['1', '0.nokmem.10', '0.nokmem.2', '0.nokmem.1', '0'],
    );
  });
});

describe('parseRpmName', () => {
  it('reads NAME-VERSION-RELEASE.ARCH.rpm, with dashes in the name', () => {
    assert.deepEqual(parseRpmName('/out/runc-nokmem-1.0.0~rc5-0.nokmem.1.x86_64.rpm'), {
      rpm: '/out/runc-nokmem-1.0.0~rc5-0.nokmem.1.x86_64.rpm',
      name: 'runc-nokmem',
      version: '1.0.0~rc5',
      release: '0.nokmem.1',
      arch: 'x86_64',
    });
  });

  it('refuses another name as bad input', () => {
    assert.throws(() => parseRpmName('runc.rpm'), InputError);
    assert.throws(() => parseRpmName('runc-1.0-1.x86_64.tar'), InputError);
  });
});

describe('repoFile', () => {
  it('checks package and metadata signatures, with the key beside the repository', () => {
    const text = repoFile('https://example.org/nokmem/');
    assert.match(text, /^\[nokmem\]$/m);
    assert.match(text, /^baseurl=https:\/\/example\.org\/nokmem\/$/m);
    assert.match(text, /^gpgcheck=1$/m);
    assert.match(text, /^repo_gpgcheck=1$/m);
    assert.match(text, /^gpgkey=https:\/\/example\.org\/nokmem\/\S+$/m);
    assert.doesNotMatch(text, /nokmem\/\/\S/, 'no double slash before the key file');
  });
});
