#!/usr/bin/env node
// Entry point for the installed command: runs the CLI compiled to dist/ (npm ci compiles it: `npm run compile`).
import { existsSync } from 'node:fs';

const cli = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write(
    'nokmem: error: dist/cli.js is missing; run `npm ci` or `npm run compile` in the nokmem directory\n',
  );
  process.exit(1);
}
const { run } = await import(cli.href);
await run();
