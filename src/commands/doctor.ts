// nokmem doctor: is this node affected, and are its kubelet and runc fixed? Read-only; the exit status says.

import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { assess, formatReport } from '../doctor/assess.js';
import { placer } from '../doctor/place.js';
import { probeHost } from '../doctor/probe.js';
import { InputError } from '../errors.js';
import { realRunner } from '../runner.js';
import { DEFAULT_SPECS_DIR, loadForkSpecs, loadVersionTable } from '../specs.js';
import { type CliEnv, writeJson } from './shared.js';

export function register(program: Command, env: CliEnv): void {
  program
    .command('doctor')
    .description(
      'is this node affected, and are its kubelet and runc fixed? read-only; exit 0 ok, 1 install, 2 reboot, 3 unknown',
    )
    .option('--root <dir>', 'inspect another root (a mounted node image, or test trees of /proc and /sys)', '/')
    .option('--json', 'print the report as JSON on stdout')
    .action(async (options: { root: string; json?: boolean }) => {
      const root = path.resolve(options.root);
      if (!existsSync(path.join(root, 'proc')))
        throw new InputError(`${root} has no proc/; give the root of a node (default /)`);
      // Binaries are asked for their version only on the real root: under --root they may not be runnable here.
      const versionOf =
        root === '/'
          ? async (binary: string) => {
              const r = await realRunner.run(binary, ['--version'], { allowFailure: true, timeoutMs: 5000 });
              // all lines: runc prints its commit on the second
              return r.exitCode === 0
                ? r.stdout
                    .trim()
                    .split('\n')
                    .map((l) => l.trim())
                    .filter(Boolean)
                    .join('; ')
                : undefined;
            }
          : undefined;
      const specs = DEFAULT_SPECS_DIR;
      const place = placer(await loadVersionTable(specs), await loadForkSpecs(path.join(specs, 'forks.yaml')));
      const report = assess(await probeHost(root, versionOf), place);
      if (options.json) writeJson(env, report);
      else env.out(formatReport(report));
      env.exitCode = report.exitCode;
    });
}
