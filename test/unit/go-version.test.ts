// Go versions as the toolchain rule reads them (src/go-version.ts). The string comparison of kubernetes 1.8/1.9's
// check is also held by test/unit/go-check.test.ts against the eras' own data.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareGo, goMinor, goParts, lexicalCeiling, lexicallyOlder } from '../../src/go-version.ts';

describe('goParts', () => {
  it('reads tags, bare versions and `go version` output alike; a missing patch is 0', () => {
    assert.deepEqual(goParts('go1.15.15'), [1, 15, 15]);
    assert.deepEqual(goParts('1.15'), [1, 15, 0]);
    assert.deepEqual(goParts('go version go1.19.8 linux/amd64'), [1, 19, 8]);
    assert.deepEqual(goParts(' 1.9.2\n'), [1, 9, 2]);
  });

  it('is undefined for what is no Go version', () => {
    assert.equal(goParts('devel'), undefined);
    assert.equal(goParts(''), undefined);
  });
});

describe('compareGo', () => {
  it('compares numerically, not as strings', () => {
    assert.equal(compareGo('1.10', '1.9.7'), 1);
    assert.equal(compareGo('go1.9.7', '1.10'), -1);
    assert.equal(compareGo('1.15', 'go1.15.0'), 0);
    assert.deepEqual(['1.19.8', '1.9.2', '1.15.15', '1.10'].sort(compareGo), ['1.9.2', '1.10', '1.15.15', '1.19.8']);
  });

  it('names the text that is no Go version', () => {
    assert.throws(() => compareGo('1.15', 'tip'), /not a Go version: tip/);
  });
});

describe('goMinor', () => {
  it('is major.minor', () => {
    assert.equal(goMinor('go version go1.19.8 linux/amd64'), '1.19');
    assert.equal(goMinor('1.9'), '1.9');
  });
});

describe('lexicallyOlder and lexicalCeiling', () => {
  it('reads Go versions as kubernetes 1.8/1.9 compared them: as strings', () => {
    assert.equal(lexicallyOlder('1.15.15', '1.9.1'), true);
    assert.equal(lexicallyOlder('1.9.2', '1.9.1'), false);
    assert.equal(lexicalCeiling('1.9.1'), '1.10');
    assert.equal(lexicalCeiling('1.8.3'), '1.10');
  });

  it('has no ceiling where no later minor reads as older', () => {
    assert.equal(lexicalCeiling('1.10.1'), undefined);
  });
});
