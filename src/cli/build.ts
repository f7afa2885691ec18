// nokmem build: its options (src/commands/build.ts runs it).

import { OFFLINE_IMAGE } from '../meta.js';
import type { SelectionOptions } from '../commands/selection.js';
import { defineCommand } from './command.js';
import { selection } from './selection.js';

export const build = defineCommand({
  define: (program, env) =>
    selection(program.command('build'), env)
      .description(
        'resolve, fetch, patch or tag, compile in Docker, verify, and write the binary with its build record',
      )
      .option(
        '--image <image>',
        'builder image (env NOKMEM_BUILDER_IMAGE); default: chosen by the toolchain rule of specs/toolchains.yaml',
      )
      .option(
        '--allow-toolchain-risk',
        'build with an --image whose Go breaks the toolchain rule; the risk is recorded in the build record and the package',
      )
      .option('--out <dir>', 'output directory', 'out')
      .option('--no-functional', 'skip the functional proofs (runc under strace, the kubelet as a standalone node)')
      .option('--no-package', 'stop after the verified binary (no RPM, signatures or attestations)')
      .option(
        '--packager-image <image>',
        `image with rpmbuild, rpmsign and gpg (env NOKMEM_PACKAGER_IMAGE, default ${OFFLINE_IMAGE})`,
      )
      .option('--release <n>', 'package release iteration: kubelet 0.nokmem.N, runc-nokmem N', '1')
      .addHelpText(
        'after',
        '\nSigning key (environment only): NOKMEM_SIGNING_KEY (armored private RSA key) or NOKMEM_SIGNING_KEY_FILE,\nand NOKMEM_SIGNING_PASSPHRASE if it has one. Without a key, a development key is used: NOT FOR PRODUCTION (made once, kept in NOKMEM_DATA_DIR, default ~/.local/share/nokmem).\nNOKMEM_GO_BUILD_CACHE: where the Go build cache lives (default <cache-dir>/go-build).',
      ),
  args: (options: SelectionOptions) => options,
  load: () => import('../commands/build.js'),
});
