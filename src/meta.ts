// nokmem's own identity, recorded in every build record and part of every cache key.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from './specs.js';

export const NOKMEM_VERSION: string = (
  JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string }
).version;
