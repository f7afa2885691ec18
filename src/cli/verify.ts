// nokmem verify: its arguments and options (src/commands/verify.ts runs it).

import type { VerifyArgs, VerifyOptions } from '../commands/verify.js';
import { OFFLINE_IMAGE } from '../meta.js';
import { DEFAULT_SPECS_DIR } from '../project.js';
import { defineCommand } from './command.js';

export const verify = defineCommand({
  define: (program) =>
    program
      .command('verify')
      .description(
        'verify an RPM, a directory of RPMs (with SHA256SUMS), or a bare binary: signature, EL7, nokmem proof',
      )
      .argument('<target>', 'an RPM, a directory of RPMs, or a runc/kubelet binary')
      .option('--key <file>', 'the public key the packages must be signed with (RPM-GPG-KEY-nokmem); required for RPMs')
      .option(
        '--kubelet <version>',
        'for a bare binary: check it is this kubelet release (default: what it says it is)',
      )
      .option('--runc <version>', 'for a bare binary: check it is this runc release (default: what it says it is)')
      .option('--commit <sha>', 'for a bare runc binary: the commit runc --version must show')
      .option(
        '--image <image>',
        `image with rpm, gpg and a Go toolchain (default ${OFFLINE_IMAGE}; env NOKMEM_PACKAGER_IMAGE for packages, NOKMEM_BUILDER_IMAGE for a binary)`,
      )
      .option('--specs <dir>', 'directory with versions.yaml (and forks.yaml)', DEFAULT_SPECS_DIR)
      .option('--forks <file>', 'the forks file a bare runc is looked up in by commit (default: forks.yaml in --specs)')
      .option('--no-functional', 'skip the functional proofs (runc under strace, the kubelet as a standalone node)')
      .option('--json', 'print the verdict as JSON on stdout'),
  args: (target: string, options: VerifyOptions): VerifyArgs => ({ ...options, target }),
  load: () => import('../commands/verify.js'),
});
