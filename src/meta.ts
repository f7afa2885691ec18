// nokmem's own identity, recorded in every build record and part of every cache key, and the names of the images
// it makes. Imports nothing heavy: --help shows these.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from './project.js';

export const NOKMEM_VERSION: string = (
  JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string }
).version;

/** The doctor's image (nokmem node-image makes it): doctor and agent with their own Node. */
export const NODE_IMAGE = `nokmem-doctor:${NOKMEM_VERSION}`;

/**
 * The offline builder image (Debian's Go 1.19), which also carries rpm, gpg and createrepo_c: the first offline
 * image of specs/toolchains.yaml (a test keeps them equal). Here, not in builder-image.ts (which re-exports it), so
 * that --help does not load that module.
 */
export const OFFLINE_IMAGE = 'nokmem-builder:debian-go1.19';
