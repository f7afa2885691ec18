import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { CommandFailed, UserError } from '../../../src/errors.ts';
import { compileInDocker } from '../../../src/steps/compile-in-docker.ts';
import { FakeDocker } from '../../helpers/fakes.ts';
import {
  buildRequest,
  newResults,
  plan,
  removeTempDirs,
  tempDir,
  testDeps,
  upstreamOf,
  agreedDecision,
  testWorkspace,
} from '../../helpers/steps.ts';

after(removeTempDirs);

/** A builder "image" whose make writes the artifact into the mounted tree, or fails. */
async function compiling(make: 'builds' | 'fails' | 'makes nothing') {
  const root = await tempDir();
  const request = buildRequest(root);
  const p = upstreamOf(await plan(request));
  const results = newResults();
  const tree = path.join(root, 'work', 'src');
  await mkdir(tree, { recursive: true });
  results.source.set('tree', tree);
  results.source.set('decision', agreedDecision(p));
  results.source.set('commitTime', 1_500_000_000);
  const fake = new FakeDocker({
    engine: '27.0.0',
    containers: [
      {
        command: ['make'],
        result: async (spec) => {
          if (make === 'fails') return { exitCode: 2, stderr: 'cc1: out of memory' };
          const mount = spec.mounts.find((m) => m.container === p.mountPath)!;
          if (make === 'builds') await writeFile(path.join(mount.host, p.artifact), 'ELF');
          return { stdout: 'go build ...\n' };
        },
      },
    ],
  });
  return {
    ctx: { request, deps: testDeps(undefined, fake), plan: p, results, workspace: testWorkspace(request) },
    results,
    fake,
    root,
    p,
  };
}

describe('compile in Docker', () => {
  it("runs the plan's make line with its environment, the tree and the shared Go build cache mounted", async () => {
    const { ctx, results, fake, p } = await compiling('builds');
    await compileInDocker.run(ctx);
    const [run] = fake.runs;
    assert.deepEqual(run?.command, ['make', ...p.recipe!.make]);
    assert.deepEqual(run?.env, { ...p.recipe!.env });
    assert.equal(run?.image, p.image);
    assert.deepEqual(
      run?.mounts.map((m) => m.container),
      [p.mountPath, '/gocache', '/go/pkg'],
    );
    // `go build -i` (runc rc2-rc4) installs archives into $GOPATH/pkg: the build user gets a writable one of its own
    const pkg = run!.mounts.find((m) => m.container === '/go/pkg')!;
    assert.ok(pkg.host.startsWith(ctx.workspace.made() ?? '(no workspace)') && !pkg.readOnly, pkg.host);
    assert.ok(fake.writable.includes(pkg.host), 'handed to the build user');
    assert.equal(results.binary.get('binary'), path.join(results.source.get('tree'), p.artifact));
    assert.match(results.binary.get('goUsed'), /^go1\.19\.8/);
    assert.deepEqual(results.binary.get('modules'), []);
    // what was built, for packaging while the binary is proven: no files, proofs or time yet
    const facts = results.binary.get('facts');
    assert.deepEqual(
      [facts.source.commit, facts.source.commitTime, facts.method, facts.go.used, facts.flags.make],
      [p.source.commit, 1_500_000_000, p.recipe.method, results.binary.get('goUsed'), p.recipe.make],
    );
    for (const later of ['files', 'verification', 'builtAt', 'nokmem']) assert.ok(!(later in facts), later);
  });

  it('starts the packager container while it compiles (the verify step and packaging run in it next)', async () => {
    const { ctx, results } = await compiling('builds');
    const packagerImage = new FakeDocker();
    results.packages.set('packager', packagerImage.session('packager', []));
    await compileInDocker.run(ctx);
    assert.equal(packagerImage.sessions[0]?.warmed, true);
    assert.equal(packagerImage.sessions[0]?.closed, false, 'the run closes it when it ends');
  });

  it('a failed make is a CommandFailed that keeps the command as its cause and names the full log', async () => {
    const { ctx, results } = await compiling('fails');
    await assert.rejects(compileInDocker.run(ctx), (e: unknown) => {
      assert.ok(e instanceof CommandFailed);
      assert.ok(e.cause instanceof CommandFailed, 'the command it wraps is its cause');
      const log = /full log: (\S+);/.exec(e.message)?.[1] ?? '';
      assert.ok(existsSync(log), `${log} exists`);
      return true;
    });
    assert.equal(results.binary.has('binary'), false);
  });

  it('a make that succeeds without the artifact is a user error, with the log', async () => {
    const { ctx, root } = await compiling('makes nothing');
    await assert.rejects(compileInDocker.run(ctx), UserError);
    assert.ok(existsSync(path.join(root, 'cache', 'logs', 'runc-v1.0.0-rc5.build.log')));
  });
});
