// Verification of one binary: it starts on EL7 (static, or no GLIBC_ need above 2.17), it reports the right
// version, and it is nokmem by the static proof and the functional one (runc: a container run under strace; the
// kubelet: a standalone node with a static pod, src/verify/kubelet-proof.ts).

import type { DockerEngine } from '../docker.js';
import { glibcAtMost, readElfLinkage } from '../elf.js';
import type { Component } from '../version.js';
import { type ProofRun, RUNC_PROOF, functionalProof } from './functional-proof.js';
import { KUBELET_PROOF, kubeletProof } from './kubelet-proof.js';
import { type StaticExpectations, staticProof } from './static-proof.js';
import { type Check, type Verdict, fail, pass, skipped, verdictOf } from './verdict.js';

export const EL7_GLIBC = '2.17';

export interface VerifyTarget {
  binary: string;
  component: Component;
  /** The tag, e.g. v1.12.4 / v1.0.0-rc5. */
  tag: string;
  /** When known, the commit `runc --version` must show. */
  commit?: string;
  /** The version `runc --version` must print, where it is not the tag's (v1.0.0-rc90 prints 1.0.0-rc10). */
  version?: string;
  expect: StaticExpectations;
  /** What `--version` printed in the container, when identifying the binary already ran it (it is not run twice). */
  versionRun?: VersionRun;
}

export interface VersionRun {
  stdout: string;
  stderr: string;
}

/**
 * The binary's `--version`, run in a throwaway container of the tool image (no network, not root, the binary
 * mounted read-only): a binary being verified is not trusted and never runs on the host.
 */
export async function runVersion(
  binary: string,
  what: string,
  docker: DockerEngine,
  image: string,
): Promise<VersionRun> {
  return docker
    .run({
      image,
      command: ['/probe/binary', '--version'],
      mounts: [{ host: binary, container: '/probe/binary', readOnly: true }],
      purpose: `run ${what} --version`,
      // It runs the binary under test: in a container of its own, never a shared session.
      isolated: true,
    })
    .then((r) => ({ stdout: r.stdout, stderr: r.stderr }))
    .catch((e: Error) => ({ stdout: '', stderr: e.message }));
}

export interface VerifyTools {
  docker: DockerEngine;
  /** An image with a Go toolchain (go tool nm / objdump) to inspect the binary in. */
  toolImage: string;
  /** nokmem's own image (it has strace and containerd) for the sandboxed functional proofs; default toolImage. A
   * builder image made from an official golang image has neither. */
  sandboxImage?: string;
  scratchRoot: string;
  functional: boolean;
}

export async function el7Check(binary: string): Promise<Check> {
  const elf = await readElfLinkage(binary);
  if (!elf.isElf) return fail('EL7 glibc', 'not an ELF executable');
  if (elf.static) return pass('EL7 glibc', 'statically linked: needs no glibc from the host');
  if (glibcAtMost(elf.highestGlibc, EL7_GLIBC))
    return pass(
      'EL7 glibc',
      `dynamically linked, needs at most GLIBC_${elf.highestGlibc ?? 'none'} (EL7 has ${EL7_GLIBC})`,
    );
  return fail(
    'EL7 glibc',
    // a cgo binary (the kubelet, as upstream links it) takes the symbol versions of the glibc it was linked against
    `needs GLIBC_${elf.highestGlibc}, EL7 has ${EL7_GLIBC}: it will not start there; build it against an older glibc (a builder image of Debian bullseye or older, e.g. nokmem-builder:debian-go1.15)`,
  );
}

export function versionCheck(
  component: Component,
  tag: string,
  output: string,
  commit?: string,
  reports = tag.replace(/^v/, ''),
): Check {
  if (component === 'kubelet') {
    const want = `Kubernetes ${tag}`;
    return output.trim() === want
      ? pass('version string', want)
      : fail(
          'version string',
          `kubelet --version printed ${JSON.stringify(output.trim())}, expected ${JSON.stringify(want)}`,
        );
  }
  const version = reports;
  if (!new RegExp(`^runc version ${version.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm').test(output)) {
    return fail(
      'version string',
      `runc --version printed ${JSON.stringify(output.trim().split('\n')[0] ?? '')}, expected "runc version ${version}"`,
    );
  }
  if (commit && !output.includes(`commit: ${commit}`)) {
    return fail('version string', `runc --version does not show commit ${commit}: ${JSON.stringify(output.trim())}`);
  }
  return pass('version string', output.trim().split('\n').slice(0, 2).join('; '));
}

/**
 * Waits for every one of them (none is left running behind a failure), then gives their results in order or the
 * first failure.
 */
export async function allInOrder<T extends unknown[]>(...work: { [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const settled = await Promise.allSettled(work);
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((r) => (r as PromiseFulfilledResult<unknown>).value) as T;
}

/** The name of a component's functional proof (the check that runs the binary in a sandbox). */
export function functionalProofName(component: Component): string {
  return component === 'kubelet' ? KUBELET_PROOF : RUNC_PROOF;
}

/**
 * The checks are independent (each reads the binary, or runs it in a container of its own): they run at once; runc's
 * version check reads what its functional proof's run printed, when there is one.
 */
export async function verifyBinary(target: VerifyTarget, tools: VerifyTools): Promise<Verdict> {
  // runc's functional proof runs `/runc --version` as the process of the container it makes: where it runs, the
  // version check reads what the binary printed there and starts no container of its own (else, or when the proof
  // could not get that far, it runs --version in one).
  const proof = target.component === 'runc' && tools.functional ? runcProof(target.binary, tools) : undefined;
  proof?.catch(() => undefined);
  const version = async (): Promise<Check> => {
    const run =
      target.versionRun ??
      (await proof?.catch(() => undefined))?.printed ??
      (await runVersion(target.binary, target.component, tools.docker, tools.toolImage));
    return run.stdout
      ? versionCheck(target.component, target.tag, run.stdout, target.commit, target.version)
      : fail('version string', `${target.component} --version failed: ${run.stderr.slice(0, 300)}`);
  };
  const functional = async (): Promise<Check[]> => {
    if (!tools.functional) return [skipped(functionalProofName(target.component), 'turned off with --no-functional')];
    if (proof) return [(await proof).check];
    const image = tools.sandboxImage ?? tools.toolImage;
    return [
      await kubeletProof(target.binary, target.tag, { docker: tools.docker, image, scratchRoot: tools.scratchRoot }),
    ];
  };
  const [el7, versionString, statics, functionals] = await allInOrder<[Check, Check, Check[], Check[]]>(
    el7Check(target.binary),
    version(),
    staticProof(target.binary, target.expect, tools.docker, tools.toolImage),
    functional(),
  );
  return verdictOf([el7, versionString, ...statics, ...functionals]);
}

function runcProof(binary: string, tools: VerifyTools): Promise<ProofRun> {
  return functionalProof(binary, {
    docker: tools.docker,
    image: tools.sandboxImage ?? tools.toolImage,
    scratchRoot: tools.scratchRoot,
  });
}
