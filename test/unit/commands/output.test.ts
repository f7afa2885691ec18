// What the commands print the same way (src/commands/output.ts): JSON results and check tables.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CliEnv } from '../../../src/commands/environment.ts';
import { checkTable, nameWidth, writeJson } from '../../../src/commands/output.ts';
import type { Check } from '../../../src/verify/verdict.ts';

const checks = [
  { name: 'EL7 glibc', status: 'pass', detail: 'needs GLIBC_2.3.2 at most' },
  { name: 'a check with a rather long name here', status: 'fail', detail: 'opened memory.kmem.limit_in_bytes' },
] as Check[];

describe('writeJson', () => {
  it('prints the value as indented JSON and a newline', () => {
    let out = '';
    writeJson({ out: (t: string) => void (out += t) } as CliEnv, { a: 1 });
    assert.equal(out, '{\n  "a": 1\n}\n');
  });
});

describe('checkTable', () => {
  it('prints status, name and detail, the names padded to the longest name plus two', () => {
    assert.equal(nameWidth(checks), 'a check with a rather long name here'.length + 2);
    const lines = checkTable(checks, '  ').split('\n');
    assert.equal(lines[0], `  PASS    ${'EL7 glibc'.padEnd(38)}needs GLIBC_2.3.2 at most`);
    assert.equal(lines[1], '  FAIL    a check with a rather long name here  opened memory.kmem.limit_in_bytes');
  });

  it('keeps the name column at least 22 wide', () => {
    assert.equal(nameWidth([checks[0]!]), 22);
    assert.equal(checkTable([checks[0]!]), `PASS    ${'EL7 glibc'.padEnd(22)}needs GLIBC_2.3.2 at most\n`);
  });
});
