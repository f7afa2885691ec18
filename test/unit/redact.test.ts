// Secret masking (src/redact.ts). The registry is process-wide, so each test registers values of its own.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { redact, registerSecret } from '../../src/redact.ts';

describe('redact', () => {
  it('masks every occurrence of every registered secret', () => {
    registerSecret('hunter2-passphrase');
    registerSecret('ghp_redact_test_token');
    assert.equal(
      redact('pass hunter2-passphrase, token ghp_redact_test_token, again hunter2-passphrase'),
      'pass ***, token ***, again ***',
    );
  });

  it('leaves text without secrets unchanged', () => {
    assert.equal(redact('nothing secret here\n'), 'nothing secret here\n');
  });

  it('ignores values too short to mask safely, and nothing at all', () => {
    registerSecret('abc');
    registerSecret('');
    registerSecret(undefined);
    assert.equal(redact('abc is a word'), 'abc is a word');
  });

  it('masks a secret that contains regular-expression characters literally', () => {
    registerSecret('a.b*c(d)+e');
    assert.equal(redact('x a.b*c(d)+e y aXbbbcde'), 'x *** y aXbbbcde');
  });
});
