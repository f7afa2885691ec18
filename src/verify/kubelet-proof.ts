// The kubelet's runtime nokmem proof: run the kubelet as a standalone node — no API server, one static pod with a
// memory limit, its own cgroup root, a private containerd for the CRI calls it cannot start without — under
// strace, until the pod's memory cgroup exists with its limit; then require that the kubelet created kubepods and
// the pod cgroup, that memory.kmem.limit_in_bytes exists in them (else the run proves nothing: libcontainer skips
// the write where the file is absent) and that nothing ever opened a memory.kmem.* file for writing. This is what
// users check by hand on their nodes, and it shows the binary runs as a kubelet with the toolchain it was built with.
//
// The kubelet is not trusted: it runs in a container of nokmem's own image (src/verify/sandbox.ts), never on the
// host, with the binary read-only, a scratch directory, no network and no Docker socket. Its host-wide kernel
// settings are stood in for (FAKE_SYSCTLS), and the sandbox script removes every cgroup and mount it made.

import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { DockerEngine } from '../docker.js';
import {
  KUBELET_PROOF_SCRIPT,
  LAYOUT,
  POD_MEMORY_LIMIT,
  TOOLS_MISSING,
  containerdConfig,
  kubeletFlags,
  staticPod,
  unsupportedKubelet,
} from './kubelet-sandbox.js';
import { KUBELET_PROOF, kubeletVerdict, readKubeletTrace, readResult } from './kubelet-trace.js';
import { hostCannotSandbox, sandboxOptions, sandboxUnavailable } from './sandbox.js';
import { type Check, fail, skipped } from './verdict.js';

export { KUBELET_PROOF };

/**
 * Mounts, cgroups, a FIFO for /dev/kmsg (SYS_ADMIN, DAC_OVERRIDE, FOWNER), strace (SYS_PTRACE), and stopping the
 * kubelet and containerd (KILL). No NET_ADMIN (the kubelet's iptables rules fail harmlessly), no SYS_RESOURCE.
 */
export const KUBELET_SANDBOX_CAPABILITIES = ['SYS_ADMIN', 'SYS_PTRACE', 'DAC_OVERRIDE', 'FOWNER', 'CHOWN', 'KILL'];

/** Long enough for a kubelet on a busy machine; a healthy run takes seconds. */
export const TIME_LIMIT_SECONDS = 90;

export interface KubeletProofTools {
  docker: DockerEngine;
  /** nokmem's offline image: it has strace and containerd. */
  image: string;
  scratchRoot: string;
  seconds?: number;
  /** Why this host cannot run the sandbox (default: hostCannotSandbox, which asks the real host). */
  hostCannot?: (what: string) => Promise<string | undefined>;
}

export async function kubeletProof(binary: string, tag: string, tools: KubeletProofTools): Promise<Check> {
  const unsupported = unsupportedKubelet(tag);
  if (unsupported) return skipped(KUBELET_PROOF, unsupported);
  const cannot = await (tools.hostCannot ?? hostCannotSandbox)('the cgroups of a node');
  if (cannot) return skipped(KUBELET_PROOF, cannot);

  const seconds = tools.seconds ?? TIME_LIMIT_SECONDS;
  const scratch = await mkdtemp(path.join(tools.scratchRoot, '.kubelet-proof-'));
  const cgroupRoot = `nokmem-kubelet-${randomBytes(4).toString('hex')}`;
  const inScratch = (p: string) => path.join(scratch, path.posix.relative(LAYOUT.scratch, p));
  try {
    await mkdir(inScratch(LAYOUT.manifests));
    await writeFile(path.join(inScratch(LAYOUT.manifests), 'nokmem-proof.json'), staticPod());
    await writeFile(inScratch(LAYOUT.containerdConfig), containerdConfig());
    const run = await tools.docker.run({
      image: tools.image,
      user: '0:0',
      options: sandboxOptions(KUBELET_SANDBOX_CAPABILITIES, { pids: 1024, memory: '1g' }),
      // It runs the binary under test: in a container of its own.
      isolated: true,
      command: [
        'sh',
        '-c',
        KUBELET_PROOF_SCRIPT,
        'kubelet-proof',
        cgroupRoot,
        String(seconds),
        String(POD_MEMORY_LIMIT),
        ...kubeletFlags(tag, cgroupRoot),
      ],
      mounts: [
        { host: binary, container: LAYOUT.kubelet, readOnly: true },
        { host: scratch, container: LAYOUT.scratch },
      ],
      purpose: 'run the kubelet as a standalone node under strace in a sandbox',
      allowFailure: true,
      timeoutMs: (seconds + 60) * 1000,
    });
    if (run.exitCode === TOOLS_MISSING)
      return fail(
        KUBELET_PROOF,
        `${tools.image} has no ${run.stderr.trim().split('\n').pop()}, so the proof cannot run; rebuild it with \`nokmem builder-image --offline\` (scripts/setup.sh does), or pass --no-functional`,
      );
    const unavailable = sandboxUnavailable(run);
    if (unavailable) return skipped(KUBELET_PROOF, unavailable);
    const text = (p: string) => readFile(inScratch(p), 'utf8').catch(() => '');
    return kubeletVerdict(readResult(await text(LAYOUT.result)), readKubeletTrace(await text(LAYOUT.trace)), {
      seconds,
      kubeletLog: await text(LAYOUT.kubeletLog),
      containerdLog: await text(LAYOUT.containerdLog),
      sandbox: { exitCode: run.exitCode, stderr: run.stderr },
    });
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
