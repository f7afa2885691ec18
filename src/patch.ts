// Applies a patch recipe (patches/*.yaml) to a Go source tree: function bodies are rewritten by name, imports
// that only the old bodies used are pruned, and the result is checked (the patch "took"). Pure text work on
// Go source: a small scanner that knows strings, runes and comments finds where a body begins and ends.

import { readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PinMismatch } from './errors.js';
import type { PatchRecipe } from './specs.js';

/** Index just past the construct that starts at `i` (string, raw string, rune, comment), or -1 if none does. */
function skipLiteral(src: string, i: number): number {
  const c = src[i];
  if (c === '"' || c === "'") {
    let j = i + 1;
    while (j < src.length && src[j] !== c && src[j] !== '\n') j += src[j] === '\\' ? 2 : 1;
    return j + 1;
  }
  if (c === '`') {
    const end = src.indexOf('`', i + 1);
    return end < 0 ? src.length : end + 1;
  }
  if (c === '/' && src[i + 1] === '/') {
    const end = src.indexOf('\n', i);
    return end < 0 ? src.length : end;
  }
  if (c === '/' && src[i + 1] === '*') {
    const end = src.indexOf('*/', i + 2);
    return end < 0 ? src.length : end + 2;
  }
  return -1;
}

/** The source with comments replaced by spaces (same length, so offsets stay valid). Strings are kept. */
export function blankComments(src: string): string {
  let out = '';
  for (let i = 0; i < src.length;) {
    const end = skipLiteral(src, i);
    if (end < 0) {
      out += src[i];
      i += 1;
    } else {
      const chunk = src.slice(i, end);
      out += src[i] === '/' ? chunk.replace(/[^\n]/g, ' ') : chunk;
      i = end;
    }
  }
  return out;
}

export interface FunctionSpan {
  /** Offset of "func". */
  start: number;
  /** Offset of the body's "{" and just past its "}". */
  bodyOpen: number;
  end: number;
}

/** Finds a top-level function by name, or with `receiver` a method of that type (e.g. MemoryGroup). */
export function findFunction(src: string, name: string, receiver?: string): FunctionSpan | undefined {
  const code = blankComments(src);
  const recv = receiver ? `\\(\\s*\\w*\\s*\\*?${receiver}\\s*\\)\\s*` : '';
  const re = new RegExp(`^func\\s+${recv}${name}\\s*\\(`, 'm');
  const match = re.exec(code);
  if (!match) return undefined;
  // Walk the signature (parameters and results may hold parentheses and braces, e.g. interface{}) to the body.
  let depth = 0;
  let i = match.index + match[0].length - 1;
  let bodyOpen = -1;
  for (; i < src.length; i++) {
    const end = skipLiteral(src, i);
    if (end >= 0) {
      i = end - 1;
      continue;
    }
    const c = src[i];
    if (c === '(' || c === '[') depth++;
    else if (c === ')' || c === ']') depth--;
    else if (c === '{' && depth === 0) {
      // "interface{}" / "struct{}" in a result type are not the body.
      if (/(interface|struct)\s*$/.test(src.slice(Math.max(0, i - 12), i))) {
        depth++;
        continue;
      }
      bodyOpen = i;
      break;
    } else if (c === '{') depth++;
    else if (c === '}') depth--;
  }
  if (bodyOpen < 0) return undefined;
  let braces = 0;
  for (let j = bodyOpen; j < src.length; j++) {
    const end = skipLiteral(src, j);
    if (end >= 0) {
      j = end - 1;
      continue;
    }
    if (src[j] === '{') braces++;
    else if (src[j] === '}' && --braces === 0) return { start: match.index, bodyOpen, end: j + 1 };
  }
  return undefined;
}

interface ImportSpec {
  /** Offsets of the whole line holding the spec (inside a block) or of the whole single import declaration. */
  lineStart: number;
  lineEnd: number;
  name: string;
  importPath: string;
}

function importSpecs(src: string): { specs: ImportSpec[]; declEnd: number; blockClose: number } {
  const code = blankComments(src);
  const specs: ImportSpec[] = [];
  let declEnd = 0;
  let blockClose = -1;
  const declRe = /^import\s*(\(|(?:[\w.]+\s+)?"[^"]+")/gm;
  for (let m = declRe.exec(code); m; m = declRe.exec(code)) {
    if (m[1] === '(') {
      const close = code.indexOf(')', m.index);
      blockClose = close;
      declEnd = close + 1;
      const specRe = /^[ \t]*(?:([\w.]+)[ \t]+)?"([^"]+)"[^\n]*\n?/gm;
      specRe.lastIndex = m.index + m[0].length;
      for (let s = specRe.exec(code); s && s.index < close; s = specRe.exec(code)) {
        specs.push({
          lineStart: s.index,
          lineEnd: s.index + s[0].length,
          name: s[1] ?? lastSegment(s[2] ?? ''),
          importPath: s[2] ?? '',
        });
      }
    } else {
      const lineEnd = code.indexOf('\n', m.index) + 1 || code.length;
      const s = /import\s*(?:([\w.]+)\s+)?"([^"]+)"/.exec(m[0]);
      specs.push({ lineStart: m.index, lineEnd, name: s?.[1] ?? lastSegment(s?.[2] ?? ''), importPath: s?.[2] ?? '' });
      declEnd = lineEnd;
    }
  }
  return { specs, declEnd, blockClose };
}

function lastSegment(importPath: string): string {
  const parts = importPath.split('/');
  const last = parts[parts.length - 1] ?? importPath;
  // gopkg.in/yaml.v2 -> yaml; example.com/mod/v2 -> mod
  if (/^v\d+$/.test(last) && parts.length > 1) return parts[parts.length - 2] ?? last;
  return last.replace(/\.v\d+$/, '').replace(/^go-/, '');
}

/** Removes imports whose package name no longer appears in the code (as goimports would). */
export function pruneUnusedImports(src: string): { source: string; removed: string[] } {
  const { specs, declEnd } = importSpecs(src);
  const body = blankComments(src)
    .slice(declEnd)
    .replace(/"(?:[^"\\\n]|\\.)*"|`[^`]*`/g, '""');
  const unused = specs.filter(
    (s) => s.name !== '_' && s.name !== '.' && !new RegExp(`\\b${s.name.replace('.', '\\.')}\\.`).test(body),
  );
  let out = src;
  for (const spec of [...unused].sort((a, b) => b.lineStart - a.lineStart))
    out = out.slice(0, spec.lineStart) + out.slice(spec.lineEnd);
  return { source: out, removed: unused.map((s) => s.importPath) };
}

export function ensureImport(src: string, importPath: string): string {
  const { specs, blockClose } = importSpecs(src);
  if (specs.some((s) => s.importPath === importPath)) return src;
  if (blockClose >= 0) return `${src.slice(0, blockClose)}\t"${importPath}"\n${src.slice(blockClose)}`;
  const pkg = /^package\s+\w+[^\n]*\n/m.exec(src);
  const at = pkg ? pkg.index + pkg[0].length : 0;
  return `${src.slice(0, at)}\nimport "${importPath}"\n${src.slice(at)}`;
}

function indentBody(body: string): string {
  return body
    .trimEnd()
    .split('\n')
    .map((l) => (l ? `\t${l}` : l))
    .join('\n');
}

/** Applies the rewrites of a recipe to one file's text. Throws a UserError naming what did not match. */
export function rewriteSource(
  src: string,
  recipe: PatchRecipe,
  displayPath: string,
): { source: string; removedImports: string[] } {
  let out = src;
  for (const rule of recipe.rewrite) {
    const span = findFunction(out, rule.function);
    if (!span) {
      throw new PinMismatch(
        `patch "${recipe.description}" does not apply: func ${rule.function} not found in ${displayPath}; ` +
          `the tree is not shaped like the versions this recipe is for; check the version's era in specs/versions.yaml`,
      );
    }
    out = `${out.slice(0, span.bodyOpen)}{\n${indentBody(rule.body)}\n}${out.slice(span.end)}`;
  }
  for (const imp of recipe.ensureImports) out = ensureImport(out, imp);
  const pruned = pruneUnusedImports(out);
  return { source: pruned.source, removedImports: pruned.removed };
}

/** Code with comments and const declarations removed: what remains can execute. */
function executableCode(src: string): string {
  return blankComments(src)
    .replace(/^const\s*\([\s\S]*?^\)/gm, '')
    .replace(/^const\s+[^\n]*$/gm, '');
}

export interface AppliedPatch {
  /** Unified diff of every file the recipe changed, paths relative to the tree root. */
  diff: string;
  files: string[];
  removedImports: string[];
}

/**
 * Applies a recipe under `root` (the tree's libcontainer root: "." for runc, vendor/... for kubernetes) and
 * checks that it took: every rewritten function has its new body, and nothing in the package still uses what
 * the recipe says must not be used.
 */
export async function applyRecipe(treeDir: string, patchRoot: string, recipe: PatchRecipe): Promise<AppliedPatch> {
  const rel = path.posix.join(patchRoot, recipe.file);
  const file = path.join(treeDir, rel);
  let before: string;
  try {
    before = await readFile(file, 'utf8');
  } catch {
    throw new PinMismatch(
      `patch "${recipe.description}" does not apply: ${rel} is missing from the tree; check the version's era in specs/versions.yaml`,
    );
  }
  const { source: after, removedImports } = rewriteSource(before, recipe, rel);
  await writeFile(file, after);

  // The patch took: new bodies in place, and no executable reference left anywhere in the package.
  for (const rule of recipe.rewrite) {
    const span = findFunction(after, rule.function);
    if (!span || !after.slice(span.bodyOpen, span.end).includes(rule.body.trim().split('\n').pop() ?? '')) {
      throw new PinMismatch(
        `patch "${recipe.description}" did not take: ${rule.function} in ${rel} does not have the new body`,
      );
    }
  }
  const pkgDir = path.dirname(file);
  for (const name of (await readdir(pkgDir)).filter((n) => n.endsWith('.go') && !n.endsWith('_test.go')).sort()) {
    const code = executableCode(await readFile(path.join(pkgDir, name), 'utf8'));
    for (const forbidden of recipe.mustNotBeUsed) {
      const re = new RegExp(
        /^\w+$/.test(forbidden) ? `\\b${forbidden}\\b` : forbidden.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
      );
      if (re.test(code)) {
        throw new PinMismatch(
          `patch "${recipe.description}" did not take: ${path.posix.join(path.posix.dirname(rel), name)} still uses ${forbidden}; ` +
            `this tree writes kernel-memory settings somewhere the recipe does not cover, so extend patches/ before building it`,
        );
      }
    }
  }
  // diff is loaded only when a patch is applied: a cache hit does not parse it
  const { createTwoFilesPatch } = await import('diff');
  const diff = createTwoFilesPatch(`a/${rel}`, `b/${rel}`, before, after, '', '', { context: 3 });
  return { diff, files: [rel], removedImports };
}
