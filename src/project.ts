// Where nokmem's own files are: the repository root, found from this module (src/ under tsx, dist/ compiled; both
// one level below the root), and the data directories in it. Imports nothing heavy: --help reads these defaults.

import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const DEFAULT_SPECS_DIR = path.join(PROJECT_ROOT, 'specs');
export const DEFAULT_PATCHES_DIR = path.join(PROJECT_ROOT, 'patches');
