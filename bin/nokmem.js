#!/usr/bin/env node
// Entry point for the installed command: loads the TypeScript CLI through tsx and runs it.
import { register } from 'tsx/esm/api';

register();
const { run } = await import('../src/cli.ts');
await run();
