// `npm run compile`: the CLI as the command runs it, bundled by esbuild into dist/ (ESM, Node 20): dist/cli.js,
// which holds what --help needs, and one chunk per lazily loaded command with the libraries it uses. One file per
// command instead of ~350 modules (execa, zod, diff, … each many files) is most of the start-up time saved.
// Types are checked by `npm run typecheck` (tsc), not here. dist/.compiled stamps the build for the tests' check
// that dist/ is not older than src/.
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { build } from 'esbuild';

const root = path.resolve(import.meta.dirname, '..');
const dist = path.join(root, 'dist');
await rm(dist, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: ['src/cli.ts'],
  bundle: true,
  splitting: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  outdir: 'dist',
  // Chunks beside cli.js, one level below the root as src/ is: src/project.ts finds the root from its own file.
  chunkNames: '[name]-[hash]',
  // esbuild itself (node-image bundles the doctor with it) has a native binary: it stays in node_modules.
  external: ['esbuild'],
  logLevel: 'warning',
  // CommonJS dependencies call require(): give the ESM bundle one.
  banner: {
    js: "import { createRequire as __nokmemRequire } from 'node:module'; const require = __nokmemRequire(import.meta.url);",
  },
});
await writeFile(path.join(dist, '.compiled'), '');
