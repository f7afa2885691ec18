// Tests mirror src/ (issue 20): every src/<path>.ts has test/unit/<path>.test.ts, or a line in test/README.md's
// list "Covered only by an integration test" saying why not. The list is kept true both ways: a line for a file
// that no longer exists, or that has a unit test now, fails too, so the list never outlives what it excuses.

import assert from 'node:assert/strict';
import { access, readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const README = path.join(ROOT, 'test', 'README.md');
const SECTION = '## Covered only by an integration test';

/** `- src/x.ts — reason` (the dash may be an em dash, an en dash or a hyphen; the path may be in backticks). */
const ENTRY = /^- `?(src\/[^\s`]+\.ts)`?\s+[—–-]\s+(.*)$/;

interface IntegrationOnly {
  file: string;
  reason: string;
}

/** The entries of the section, and the lines in it that are not entries (each one a mistake to name). */
function parseIntegrationOnly(markdown: string): { entries: IntegrationOnly[]; malformed: string[] } {
  const entries: IntegrationOnly[] = [];
  const malformed: string[] = [];
  let inSection = false;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('## ')) {
      inSection = line.trim() === SECTION;
      continue;
    }
    if (!inSection || !line.startsWith('- ')) continue;
    const m = ENTRY.exec(line);
    if (m && m[2]!.trim() !== '') entries.push({ file: m[1]!, reason: m[2]!.trim() });
    else malformed.push(line);
  }
  return { entries, malformed };
}

async function sourceFiles(dir = path.join(ROOT, 'src')): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await sourceFiles(full)));
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) out.push(path.relative(ROOT, full));
  }
  return out.sort();
}

const exists = (p: string) =>
  access(path.join(ROOT, p)).then(
    () => true,
    () => false,
  );

/** test/unit/<path under src/ with .test.ts>, e.g. src/rpm/build.ts → test/unit/rpm/build.test.ts. */
const mirrorOf = (file: string) => path.join('test', 'unit', file.replace(/^src\//, '').replace(/\.ts$/, '.test.ts'));

describe('test mirrors', () => {
  it('parses the entries of the section and flags lines without a reason', () => {
    const md = [
      '# t',
      '- src/outside.ts — not in the section',
      SECTION,
      '- src/a.ts — covered by test/integration/a.test.ts',
      '- `src/b/c.ts` - covered by test/integration/b.test.ts',
      '- src/d.ts',
      '## Next',
      '- src/e.ts — after the section',
    ].join('\n');
    assert.deepEqual(parseIntegrationOnly(md), {
      entries: [
        { file: 'src/a.ts', reason: 'covered by test/integration/a.test.ts' },
        { file: 'src/b/c.ts', reason: 'covered by test/integration/b.test.ts' },
      ],
      malformed: ['- src/d.ts'],
    });
    assert.equal(mirrorOf('src/rpm/build.ts'), path.join('test', 'unit', 'rpm', 'build.test.ts'));
  });

  it('every source file has its unit test under test/unit, or a reason in test/README.md', async () => {
    const { entries, malformed } = parseIntegrationOnly(await readFile(README, 'utf8'));
    assert.deepEqual(malformed, [], `test/README.md: lines in "${SECTION}" need the form "- src/x.ts — reason"`);
    const listed = new Map(entries.map((e) => [e.file, e.reason]));
    const missing: string[] = [];
    for (const file of await sourceFiles())
      if (!listed.has(file) && !(await exists(mirrorOf(file)))) missing.push(`${file}: add ${mirrorOf(file)}`);
    assert.deepEqual(
      missing,
      [],
      `source files without a unit test; write one, or add "- <file> — <why only an integration test covers it>" to test/README.md`,
    );
  });

  it('test/README.md lists only files that exist and have no unit test', async () => {
    const { entries } = parseIntegrationOnly(await readFile(README, 'utf8'));
    const stale: string[] = [];
    for (const { file } of entries) {
      if (!(await exists(file))) stale.push(`${file}: no such file; remove its line`);
      else if (await exists(mirrorOf(file))) stale.push(`${file}: has ${mirrorOf(file)} now; remove its line`);
    }
    const seen = new Set<string>();
    for (const { file } of entries) {
      if (seen.has(file)) stale.push(`${file}: listed twice`);
      seen.add(file);
    }
    assert.deepEqual(stale, []);
  });
});
