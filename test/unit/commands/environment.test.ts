// src/commands/environment.ts: what the environment gives when an option does not say (images, cache, key, ids).

import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import {
  type CliEnv,
  defaultCacheDir,
  defaultDataDir,
  packagerImage,
  provenanceIds,
  signingFromEnv,
  toolImage,
} from '../../../src/commands/environment.ts';
import { OFFLINE_IMAGE } from '../../../src/meta.ts';

const env = (vars: Record<string, string>): CliEnv => ({ vars, out: () => undefined, err: () => undefined });

describe('the environment of a command', () => {
  it('an option beats the variable, which beats the offline image', () => {
    assert.equal(packagerImage(env({ NOKMEM_PACKAGER_IMAGE: 'p' }), 'o'), 'o');
    assert.equal(packagerImage(env({ NOKMEM_PACKAGER_IMAGE: 'p' })), 'p');
    assert.equal(packagerImage(env({})), OFFLINE_IMAGE);
    assert.equal(toolImage(env({ NOKMEM_BUILDER_IMAGE: 'b' })), 'b');
    assert.equal(toolImage(env({})), OFFLINE_IMAGE);
  });

  it('the cache: NOKMEM_CACHE_DIR, else XDG_CACHE_HOME/nokmem', () => {
    assert.equal(defaultCacheDir(env({ NOKMEM_CACHE_DIR: '/c', XDG_CACHE_HOME: '/x' })), '/c');
    assert.equal(defaultCacheDir(env({ XDG_CACHE_HOME: '/x' })), '/x/nokmem');
  });

  it('the data directory (the development key; a cache may be wiped): NOKMEM_DATA_DIR, else XDG_DATA_HOME/nokmem, else ~/.local/share/nokmem', () => {
    assert.equal(defaultDataDir(env({ NOKMEM_DATA_DIR: '/d', XDG_DATA_HOME: '/x' })), '/d');
    assert.equal(defaultDataDir(env({ XDG_DATA_HOME: '/x', XDG_CACHE_HOME: '/c' })), '/x/nokmem');
    assert.equal(defaultDataDir(env({})), path.join(os.homedir(), '.local', 'share', 'nokmem'));
    assert.equal(signingFromEnv(env({ NOKMEM_DATA_DIR: '/d' })).devKeyDir, '/d/dev-signing-key');
  });

  it('an empty key variable is no key', () => {
    assert.deepEqual(
      signingFromEnv(env({ NOKMEM_SIGNING_KEY: '', NOKMEM_SIGNING_KEY_FILE: '/k', NOKMEM_DATA_DIR: '/d' })),
      {
        armoredKey: undefined,
        keyFile: '/k',
        passphrase: undefined,
        devKeyDir: '/d/dev-signing-key',
      },
    );
  });

  it('provenance names the release workflow in GitHub Actions, else the local builder', () => {
    assert.deepEqual(provenanceIds(env({})), { builderId: 'urn:nokmem:builder:local', invocationId: undefined });
    const gha = provenanceIds(
      env({
        GITHUB_ACTIONS: 'true',
        GITHUB_SERVER_URL: 'https://github.com',
        GITHUB_REPOSITORY: 'o/n',
        GITHUB_RUN_ID: '7',
      }),
    );
    assert.deepEqual(gha, {
      builderId: 'https://github.com/o/n/.github/workflows/release.yml',
      invocationId: 'https://github.com/o/n/actions/runs/7',
    });
  });
});
