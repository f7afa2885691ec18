// What `nokmem verify` reads from an RPM (src/verify/rpm.ts): the output of src/verify/rpm-inspect.sh, parsed, and the
// signature and EL7 checks made of it. The texts are what inspect.sh printed with rpm 4.18 (the packager image's)
// for a package signed as signRpms signs, unsigned, signed with the v4 header signature only, changed after
// signing, and checked against another key.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type RpmFacts, fileNameCheck, parseInspection, rpmChecks } from '../../../src/verify/rpm.ts';

const KEY = 'D0D777394E3F2397D2D44B41D52D9CC9255CE5C7';
const SIGNED_BY = 'RSA/SHA256, Sun Nov 22 16:53:22 2026, Key ID d52d9cc9255ce5c7';

function inspection(o: { v4?: string; v3?: string; compressor?: string; requires?: string[]; signature: string[] }) {
  return [
    '== query',
    'name=runc-nokmem',
    'version=1.0.0~rc5',
    'release=0.nokmem.1',
    `compressor=${o.compressor ?? 'xz'}`,
    `v4=${o.v4 ?? SIGNED_BY}`,
    `v3=${o.v3 ?? SIGNED_BY}`,
    '== requires',
    ...(o.requires ?? [
      'rpmlib(CompressedFileNames) <= 3.0.4-1',
      'rpmlib(FileDigests) <= 4.6.0-1',
      'rpmlib(PayloadFilesHavePrefix) <= 4.0-1',
      'rpmlib(PayloadIsXz) <= 5.2-1',
      'rpmlib(TildeInVersions) <= 4.10.0-1',
    ]),
    '== signature',
    ...o.signature,
    '== extract',
    'exit=0',
    '',
  ].join('\n');
}

const SIGNED = [
  'package.rpm:',
  '    Header V4 RSA/SHA256 Signature, key ID 255ce5c7: OK',
  '    Header SHA256 digest: OK',
  '    Header SHA1 digest: OK',
  '    Payload SHA256 digest: OK',
  '    V4 RSA/SHA256 Signature, key ID 255ce5c7: OK',
  '    MD5 digest: OK',
  'exit=0',
];
const UNSIGNED = [
  'package.rpm:',
  '    Header RSA signature: NOTFOUND',
  '    Header DSA signature: NOTFOUND',
  '    Header SHA256 digest: OK',
  '    Header SHA1 digest: OK',
  '    Payload SHA256 digest: OK',
  '    RSA signature: NOTFOUND',
  '    DSA signature: NOTFOUND',
  '    MD5 digest: OK',
  'exit=1',
];
const HEADER_ONLY = [
  'package.rpm:',
  '    Header V4 RSA/SHA256 Signature, key ID 255ce5c7: OK',
  '    Header SHA256 digest: OK',
  '    Header SHA1 digest: OK',
  '    Payload SHA256 digest: OK',
  '    MD5 digest: OK',
  'exit=0',
];
const CHANGED = [
  'package.rpm:',
  '    Header V4 RSA/SHA256 Signature, key ID 255ce5c7: OK',
  '    Header SHA256 digest: OK',
  '    Header SHA1 digest: OK',
  '    Payload SHA256 digest: BAD (Expected 67bcd9c58da3fa2b756ef6ef364621cbf9d086abb073694cafc932da77b8dedf != 5b17aeedfd5a2f7ecc1b661808059f95ac69d2c2ff7a7886f1bf4e538ce02902)',
  '    V4 RSA/SHA256 Signature, key ID 255ce5c7: BAD',
  '    DSA signature: NOTFOUND',
  '    MD5 digest: BAD (Expected b08708bc46d50b0189a3400ea65314ab != 5949d1131c66728d43ce8acab6fc1a70)',
  'exit=1',
];
const OTHER_KEY = [
  'package.rpm:',
  '    Header V4 RSA/SHA256 Signature, key ID 255ce5c7: NOKEY',
  '    Header DSA signature: NOTFOUND',
  '    Header SHA256 digest: OK',
  '    Header SHA1 digest: OK',
  '    Payload SHA256 digest: OK',
  '    V4 RSA/SHA256 Signature, key ID 255ce5c7: NOKEY',
  '    DSA signature: NOTFOUND',
  '    MD5 digest: OK',
  'exit=1',
];

const statuses = (facts: RpmFacts, key = KEY) =>
  Object.fromEntries(rpmChecks(facts, key).map((c) => [c.name, c.status]));

describe('parseInspection', () => {
  it('reads the header fields, requirements and exit codes of each section', () => {
    const facts = parseInspection(inspection({ signature: SIGNED }));
    assert.equal(facts.name, 'runc-nokmem');
    assert.equal(facts.version, '1.0.0~rc5');
    assert.equal(facts.release, '0.nokmem.1');
    assert.equal(facts.compressor, 'xz');
    assert.equal(facts.v4, SIGNED_BY);
    assert.equal(facts.v3, SIGNED_BY);
    assert.equal(facts.requires.length, 5);
    assert.equal(facts.requires[3], 'rpmlib(PayloadIsXz) <= 5.2-1');
    assert.equal(facts.signatureExit, '0');
    assert.equal(facts.extractExit, '0');
    assert.ok(facts.signatureOutput.startsWith('package.rpm:'));
    assert.ok(!facts.signatureOutput.includes('exit='));
  });

  it('says "missing" for a section that never ended, and "(none)" for a signature it does not find', () => {
    const facts = parseInspection('== query\nname=x\ncompressor=xz\n== signature\npackage.rpm:\n');
    assert.equal(facts.signatureExit, 'missing');
    assert.equal(facts.extractExit, 'missing');
    assert.equal(facts.v4, '(none)');
    assert.equal(facts.v3, '(none)');
    assert.deepEqual(facts.requires, []);
  });

  it('keeps an "=" inside a value', () => {
    assert.equal(parseInspection('== query\nrelease=a=b\n').release, 'a=b');
  });
});

describe('rpmChecks', () => {
  it('passes a package with both signatures by the project key, an xz payload and rpmlib features EL7 knows', () => {
    assert.deepEqual(statuses(parseInspection(inspection({ signature: SIGNED })), KEY), {
      signature: 'pass',
      'EL7 payload': 'pass',
      'EL7 rpmlib': 'pass',
    });
    // the key may be given by any length of its id, in either case
    assert.equal(statuses(parseInspection(inspection({ signature: SIGNED })), '255CE5C7').signature, 'pass');
  });

  it('fails an unsigned package', () => {
    const facts = parseInspection(inspection({ v4: '(none)', v3: '(none)', signature: UNSIGNED }));
    assert.equal(statuses(facts).signature, 'fail');
  });

  it('fails a package with the v4 header signature only: EL7 checks the v3 header+payload one', () => {
    const facts = parseInspection(inspection({ v3: '(none)', signature: HEADER_ONLY }));
    assert.equal(statuses(facts).signature, 'fail');
  });

  it('fails a package changed after it was signed, and one signed by another key', () => {
    assert.equal(statuses(parseInspection(inspection({ signature: CHANGED }))).signature, 'fail');
    assert.equal(statuses(parseInspection(inspection({ signature: OTHER_KEY }))).signature, 'fail');
  });

  it('fails OK signatures by a key other than the one asked for', () => {
    const facts = parseInspection(inspection({ signature: SIGNED }));
    assert.equal(statuses(facts, '0123456789ABCDEF0123456789ABCDEF01234567').signature, 'fail');
  });

  it('fails a payload EL7 cannot read, and rpmlib features its rpm 4.11 lacks', () => {
    const zstd = parseInspection(
      inspection({
        compressor: 'zstd',
        requires: ['rpmlib(FileDigests) <= 4.6.0-1', 'rpmlib(PayloadIsZstd) <= 5.4.18-1'],
        signature: SIGNED,
      }),
    );
    assert.deepEqual(statuses(zstd), { signature: 'pass', 'EL7 payload': 'fail', 'EL7 rpmlib': 'fail' });
    assert.equal(statuses(parseInspection(inspection({ compressor: '', signature: SIGNED })))['EL7 payload'], 'fail');
  });

  it('ignores requirements that are not rpmlib features', () => {
    const facts = parseInspection(
      inspection({ requires: ['/bin/sh', 'libc.so.6()(64bit)', 'rpmlib(FileDigests) <= 4.6.0-1'], signature: SIGNED }),
    );
    assert.equal(statuses(facts)['EL7 rpmlib'], 'pass');
  });
});

describe('fileNameCheck', () => {
  const header = { name: 'runc-nokmem', version: '1.0.0~rc5', release: '3', arch: 'x86_64' };

  it('passes a package named as its header says, and the name GitHub gives a release asset (~ becomes .)', () => {
    for (const name of ['runc-nokmem-1.0.0~rc5-3.x86_64.rpm', 'runc-nokmem-1.0.0.rc5-3.x86_64.rpm'])
      assert.equal(fileNameCheck(`/d/${name}`, header).status, 'pass', name);
  });

  it('fails a package renamed to another release, version or arch, naming what the header holds', () => {
    const check = fileNameCheck('/d/runc-nokmem-1.0.0~rc5-1.x86_64.rpm', header);
    assert.deepEqual(check, {
      name: 'file name',
      status: 'fail',
      detail:
        'runc-nokmem-1.0.0~rc5-1.x86_64.rpm holds runc-nokmem-1.0.0~rc5-3.x86_64 (its header); a renamed package is not the package its name says',
    });
    for (const name of [
      'runc-nokmem-1.0.0~rc6-3.x86_64.rpm',
      'runc-nokmem-1.0.0~rc5-3.noarch.rpm',
      'runc-1.0.0~rc5-3.x86_64.rpm',
    ])
      assert.equal(fileNameCheck(`/d/${name}`, header).status, 'fail', name);
    // only ~ may become ., not the other way round
    assert.equal(
      fileNameCheck('/d/k-1.2.3-0.nokmem.1.x86_64.rpm', {
        ...header,
        name: 'k',
        version: '1.2.3',
        release: '0~nokmem~1',
      }).status,
      'pass',
    );
    assert.equal(
      fileNameCheck('/d/k-1.2.3-0~nokmem~1.x86_64.rpm', {
        ...header,
        name: 'k',
        version: '1.2.3',
        release: '0.nokmem.1',
      }).status,
      'fail',
    );
  });
});
