// The real kubelet v1.20.2 (the kubernetes tree scripts/setup.sh fetches) through the whole pipeline, warm: the Go
// build cache and the fetched source reused, otherwise a fresh nokmem cache each run (so the build, its proofs and
// its packages all run). Compared
// with what it cannot do without: its compile by hand with the same warm Go build cache, plus the kubelet runtime
// proof (which ends as soon as the pod's memory cgroup exists). One cold build first fills the Go build cache.

import { readdir, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { $ } from 'zx';
import { OFFLINE_IMAGE } from '../../src/builder-image.ts';
import { Docker } from '../../src/docker.ts';
import { realRunner } from '../../src/runner.ts';
import { kubeletProof } from '../../src/verify/kubelet-proof.ts';
import { REAL_TAG, realKubernetesUpstream } from '../../test/helpers/real-kubernetes.ts';
import { compileByHand, exportTree, handPlanOf } from './hand.ts';
import { type Row, type StepReport, buildSample, ratio, runNokmem, sample, seconds, secondsOf } from './measure.ts';

const SPECS = path.resolve(import.meta.dirname, '../../specs');

/** The kubelet's figures, and the phases of its median warm build and cache hit (with each run's wall time). */
export async function realKubelet(
  root: string,
  runs: number,
): Promise<{ rows: Row[]; phases: { title: string; steps: StepReport[]; wall: number }[] }> {
  const upstream = await realKubernetesUpstream();
  const dir = path.join(root, 'kubelet');
  const specs = path.join(dir, 'specs');
  await mkdir(specs, { recursive: true });
  for (const f of ['versions.yaml', 'toolchains.yaml', 'forks.yaml']) await $`cp ${path.join(SPECS, f)} ${specs}/`;
  await writeFile(path.join(specs, 'pins.yaml'), `runc: {}\nkubelet:\n  ${REAL_TAG}: ${upstream.commit}\n`);
  const goBuildCache = path.join(dir, 'go-build');
  const out = path.join(dir, 'out');
  const build = (cache: string) =>
    runNokmem(
      [
        'build',
        '--json',
        '--kubelet',
        REAL_TAG,
        '--remote',
        upstream.dir,
        '--specs',
        specs,
        '--cache-dir',
        cache,
        '--out',
        out,
      ],
      { NOKMEM_GO_BUILD_CACHE: goBuildCache },
    );

  const first = await build(path.join(dir, 'cache-cold'));
  const plan = handPlanOf(first.stdout);
  // Warm: the Go build cache and the fetched source are reused (the compile by hand is not timed fetching either);
  // the result and package caches are empty. Each run's cache gets a copy of the first build's git objects, and
  // the disk is synced before the clock starts.
  const warm = await buildSample(
    runs,
    (i) => build(path.join(dir, `cache-warm-${i}`)),
    async (i) => {
      await mkdir(path.join(dir, `cache-warm-${i}`));
      await $`cp -a ${path.join(dir, 'cache-cold', 'git')} ${path.join(dir, `cache-warm-${i}`, 'git')}`;
      await $`sync`;
    },
  );
  const hit = await buildSample(runs, () => build(path.join(dir, 'cache-warm-0')));

  // By hand: the same tree, the same (now warm) Go build cache of this toolchain, the plan's make line.
  const [toolchainCache] = await readdir(goBuildCache);
  if (!toolchainCache) throw new Error(`the kubelet builds left no Go build cache in ${goBuildCache}`);
  const tree = path.join(dir, 'hand');
  const hand = await sample(
    runs,
    () => seconds(() => compileByHand(plan, tree, path.join(goBuildCache, toolchainCache))),
    async () => {
      await exportTree(upstream.dir, plan.commit, tree);
      await $`sync`;
    },
  );
  // The runtime proof on the built binary, as the verify step runs it.
  const docker = new Docker(realRunner);
  const binary = path.join(out, `kubelet-${REAL_TAG}`, 'kubelet');
  let proofVerdict = '';
  const proof = await sample(runs, () =>
    seconds(async () => {
      const check = await kubeletProof(binary, REAL_TAG, { docker, image: OFFLINE_IMAGE, scratchRoot: dir });
      proofVerdict = check.status === 'pass' ? 'passed' : `${check.status}: ${check.detail ?? ''}`;
    }),
  );
  const baseline = hand.median + proof.median;
  const phases = [
    { title: 'warm build', steps: warm.medianSteps, wall: warm.times[warm.medianRun]! },
    { title: 'cache hit', steps: hit.medianSteps, wall: hit.times[hit.medianRun]! },
  ];
  const rows: Row[] = [
    {
      figure: `real kubelet ${REAL_TAG}, warm build (Go build cache and source reused)`,
      now: secondsOf(warm, 1),
      before: '84.6 s',
    },
    { figure: '  its compile by hand, same warm Go build cache', now: secondsOf(hand, 1), before: '56.9 s' },
    { figure: `  the kubelet runtime proof (${proofVerdict})`, now: secondsOf(proof, 1), before: 'not counted' },
    {
      figure: '  warm build / (compile by hand + runtime proof)',
      now: `${ratio(warm.median, baseline)} (${warm.median.toFixed(1)} s / ${baseline.toFixed(1)} s)`,
      before: '1.49x (without the proof)',
      target: '<= 1.2x',
    },
    { figure: '  real kubelet, cache hit', now: secondsOf(hit) },
  ];
  return { rows, phases };
}
