// The standard library precompiled into an offline builder image (src/precompiled-std.ts): which Go keeps it in
// GOROOT/pkg, the commands run in the image's root file system (with a fake runner), and the revision label.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { offlineImageIsCurrent, offlineRevision } from '../../src/builder-image.ts';
import { silentLogger } from '../../src/log.ts';
import {
  PRECOMPILED_STD,
  goUsesGorootPkg,
  precompileStd,
  stdInstallCommand,
  stdRevision,
} from '../../src/precompiled-std.ts';
import { DEFAULT_SPECS_DIR } from '../../src/specs.ts';
import { loadToolchains } from '../../src/toolchain.ts';
import { fakeRunner } from '../helpers/fakes.ts';

const specs = await loadToolchains(DEFAULT_SPECS_DIR);

describe('the precompiled standard library', () => {
  it('is made for the Go releases that take it from GOROOT/pkg: 1.10 to 1.19, so both offline images', () => {
    for (const go of ['1.10', '1.10.4', '1.15.15', '1.19', '1.19.8']) assert.ok(goUsesGorootPkg(go), go);
    for (const go of ['1.8.3', '1.9.7', '1.20', '1.22.1', '2.0']) assert.ok(!goUsesGorootPkg(go), go);
    for (const image of specs.offline) assert.ok(goUsesGorootPkg(image.go), image.image);
  });

  it("covers the cgo default (kubernetes, runc's go build -i) and runc's static netgo build", () => {
    assert.deepEqual(
      PRECOMPILED_STD.map((v) => v.target),
      ['linux_amd64', 'linux_amd64_netgo'],
    );
    const netgo = PRECOMPILED_STD[1]!;
    // the directory runc's `make static` reads (-installsuffix netgo), with its pure-Go net and os/user
    assert.deepEqual(netgo.flags, ['-installsuffix', 'netgo', '-tags', 'netgo osusergo']);
  });

  it('installs std in a clean environment with cgo on, the Go build cache a scratch directory', () => {
    const command = stdInstallCommand('/usr/lib/go-1.19', PRECOMPILED_STD[1]!);
    assert.deepEqual(command.slice(0, 2), ['/usr/bin/env', '-i']);
    assert.ok(command.includes('CGO_ENABLED=1'));
    assert.ok(command.includes('GOFLAGS='), "the host's GOFLAGS never reach it");
    assert.ok(command.some((a) => /^GOCACHE=\/tmp\//.test(a)));
    assert.deepEqual(command.slice(-7), [
      '/usr/lib/go-1.19/bin/go',
      'install',
      '-installsuffix',
      'netgo',
      '-tags',
      'netgo osusergo',
      'std',
    ]);
  });

  it('runs every variant in the root file system and removes the scratch cache, also when one fails', async () => {
    const runner = fakeRunner([
      { command: 'chroot', includes: ['netgo'], result: { exitCode: 2, stderr: 'cannot install' } },
      { command: 'chroot' },
      { command: 'rm' },
    ]);
    await assert.rejects(precompileStd(runner, silentLogger, '/scratch/rootfs', '/usr/lib/go-1.15', '1.15.15'));
    const chroots = runner.callsTo({ command: 'chroot' });
    assert.equal(chroots.length, 2);
    for (const call of chroots) assert.equal(call.args[0], '/scratch/rootfs');
    assert.deepEqual(runner.callsTo({ command: 'rm' })[0]?.args, ['-rf', '/scratch/rootfs/tmp/nokmem-std-cache']);
  });

  it('compiles nothing for a Go that ignores GOROOT/pkg', async () => {
    const runner = fakeRunner([]);
    await precompileStd(runner, silentLogger, '/scratch/rootfs', '/usr/lib/go-1.22', '1.22.1');
    assert.equal(runner.calls.length, 0);
  });

  it("is in the offline image's revision: an image made before it is rebuilt by setup and offered to no build", async () => {
    const bookworm = specs.offline[0]!;
    assert.ok(offlineRevision(bookworm, specs).endsWith(`:${stdRevision()}`));
    const inspect = { command: 'docker', args: ['image', 'inspect'] };
    const before = `3:bookworm:${bookworm.packages.join(',')},${specs.common.join(',')}`;
    const stale = fakeRunner([{ ...inspect, result: { stdout: `${before}\n` } }]);
    assert.equal(await offlineImageIsCurrent(stale, bookworm, specs), false);
    const current = fakeRunner([{ ...inspect, result: { stdout: `${offlineRevision(bookworm, specs)}\n` } }]);
    assert.equal(await offlineImageIsCurrent(current, bookworm, specs), true);
  });
});
