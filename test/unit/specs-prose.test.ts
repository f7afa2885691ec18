// The prose of specs/ (reasons, descriptions) reaches users whole: in YAML, " #" starts a comment even inside a
// sentence, so "(fe898e7, PR #1350)" unquoted was cut to "(fe898e7, PR". Every prose value must carry no comment on
// its own line and balance its parentheses.

import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import YAML from 'yaml';
import { DEFAULT_SPECS_DIR } from '../../src/specs.ts';

const PROSE = new Set(['reason', 'description', 'change']);

/** Every problem with a prose value of one YAML text, as "key at offset: what". */
function cutProse(text: string): string[] {
  const problems: string[] = [];
  YAML.visit(YAML.parseDocument(text), {
    Pair(_, pair) {
      if (!YAML.isScalar(pair.key) || !PROSE.has(String(pair.key.value)) || !YAML.isScalar(pair.value)) return;
      const value = String(pair.value.value);
      const where = `${String(pair.key.value)} ${JSON.stringify(value.slice(0, 40))}`;
      if (pair.value.comment) problems.push(`${where}: cut by a comment "#${pair.value.comment}" (quote the value)`);
      let depth = 0;
      for (const ch of value) {
        depth += ch === '(' ? 1 : ch === ')' ? -1 : 0;
        if (depth < 0) break;
      }
      if (depth !== 0) problems.push(`${where}: unbalanced parentheses`);
    },
  });
  return problems;
}

describe('the prose of specs/', () => {
  it('catches a reason that YAML cut at " #"', () => {
    assert.deepEqual(cutProse('eras:\n  - reason: enables kmem (fcd966f, PR #962), and more\n').length, 2);
    assert.deepEqual(cutProse('eras:\n  - reason: "enables kmem (fcd966f, PR #962), and more"\n'), []);
  });

  it('every reason and description in specs/*.yaml is whole', async () => {
    const files = (await readdir(DEFAULT_SPECS_DIR)).filter((f) => f.endsWith('.yaml'));
    assert.ok(files.includes('versions.yaml'));
    for (const f of files) assert.deepEqual(cutProse(await readFile(path.join(DEFAULT_SPECS_DIR, f), 'utf8')), [], f);
  });
});
