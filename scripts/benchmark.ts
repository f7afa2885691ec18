// Benchmark: prints figures, asserts nothing.
//   1. a cold pipeline build against the same compile run by hand in the same image (overhead ratio), with a fresh
//      cache and with a cache that was used before (it has the development key and what it learnt of the image,
//      but no build, package or Go build cache);
//   2. a second identical run (cache hit);
//   and the time of each pipeline phase in these runs.
//   3. a shallow fetch of one tag against a full clone of the same remote;
//   4. packaging + signing + package verification against the build, and the cost of the reproducibility check;
//   5. when the real kubernetes tree is on this machine (scripts/setup.sh fetches it): the real kubelet v1.20.2,
//      cold (empty Go build cache), warm (Go build cache reused, result cache empty) and a cache hit.
// Usage: npm run bench [-- --image IMAGE] [-- --remote PATH_OR_URL --tag TAG] [-- --no-kubelet]
//   Without --remote, the runc in 1. and 2. is the fixture (v1.0.0-rc6); with --remote (a real runc mirror, e.g.
//   the one `fetch` makes), it is that remote's --tag (default v1.0.0-rc5), pinned by this repository's specs/,
//   and the compile by hand runs the plan's own make line and environment on the same tree.

import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { $ } from 'zx';
import { Docker } from '../src/docker.ts';
import { buildRpm } from '../src/rpm/build.ts';
import { realRunner } from '../src/runner.ts';
import { makeRuncUpstream } from '../test/fixtures/upstream.ts';
import { REAL_KUBERNETES_TARBALL, REAL_TAG, realKubernetesUpstream } from '../test/helpers/real-kubernetes.ts';

$.verbose = false;
$.quiet = true;
const { values } = parseArgs({
  options: {
    image: { type: 'string', default: 'nokmem-builder:debian-go1.19' },
    remote: { type: 'string' },
    tag: { type: 'string' },
    'no-kubelet': { type: 'boolean' },
  },
});
const image = values.image!;
const root = await mkdtemp(path.join(os.tmpdir(), 'nokmem-bench-'));
const cli = path.resolve(import.meta.dirname, '../src/cli.ts');

async function seconds(run: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await run();
  return (performance.now() - started) / 1000;
}

try {
  const real = values.remote
    ? values.remote.includes('://')
      ? values.remote
      : `file://${path.resolve(values.remote)}`
    : undefined;
  const specs = path.join(root, 'specs');
  await mkdir(specs);
  let tag: string;
  let buildRemote: string;
  let gitDir: string;
  if (real) {
    // The real runc: this repository's specs (its pins), the tag as the remote has it.
    tag = values.tag ?? 'v1.0.0-rc5';
    buildRemote = real;
    gitDir = real.replace(/^file:\/\//, '');
    await $`cp ${path.resolve(import.meta.dirname, '../specs')}/. ${specs}/ -r`;
  } else {
    const runc = await makeRuncUpstream(path.join(root, 'upstream'));
    tag = 'v1.0.0-rc6';
    buildRemote = runc.url;
    gitDir = path.join(runc.dir, '.git');
    await $`cp ${path.resolve(import.meta.dirname, '../specs/versions.yaml')} ${path.resolve(import.meta.dirname, '../specs/toolchains.yaml')} ${specs}/`;
    await writeFile(path.join(specs, 'pins.yaml'), `runc:\n  ${tag}: ${runc.tags[tag]}\nkubelet: {}\n`);
  }
  const build = (cache: string) =>
    $`node --import tsx ${cli} build --json --runc ${tag} --remote ${buildRemote} --specs ${specs} --cache-dir ${cache} --image ${image} --out ${path.join(root, 'out')}`;

  type StepReport = { name: string; status: string; seconds: number };
  type Planned = {
    steps: StepReport[];
    plan: {
      source: { commit: string };
      mountPath: string;
      recipe: { make: string[]; env: Record<string, string> };
    };
  };
  const stepsOf = (stdout: string) => (JSON.parse(stdout) as Planned).steps;
  let steps: StepReport[] = [];
  let hitSteps: StepReport[] = [];
  let usedSteps: StepReport[] = [];
  let planned: Planned['plan'] | undefined;
  const cold = await seconds(async () => {
    const out = (await build(path.join(root, 'cache'))).stdout;
    steps = stepsOf(out);
    planned = (JSON.parse(out) as Planned).plan;
  });
  const hit = await seconds(async () => {
    hitSteps = stepsOf((await build(path.join(root, 'cache'))).stdout);
  });
  // What a cache keeps across versions (made once per cache): the development key and the image facts.
  const used = path.join(root, 'cache-used');
  await mkdir(used);
  await $`cp -a ${path.join(root, 'cache', 'dev-signing-key')} ${path.join(root, 'cache', 'images')} ${used}/`;
  const coldUsed = await seconds(async () => {
    usedSteps = stepsOf((await build(used)).stdout);
  });
  const stepTime = (...names: string[]) =>
    steps.filter((s) => names.includes(s.name)).reduce((t, s) => t + s.seconds, 0);
  const compileAndVerify = stepTime('compile in Docker', 'verify');
  const packaging = stepTime('signing key', 'package RPM', 'sign and attest', 'verify packages', 'store packages');

  // The reproducibility check: the same package built twice must be bit-identical; its cost is one more rpmbuild.
  const docker = new Docker(realRunner);
  const binary = path.join(root, 'out', `runc-${tag}`, 'runc');
  const inputs = {
    component: 'runc' as const,
    tag,
    commit: planned!.source.commit,
    methodSummary: 'benchmark',
    epoch: 1519776000,
    iteration: 1,
  };
  await buildRpm(binary, inputs, path.join(root, 'repro-a'), docker, image);
  const repro = await seconds(() => buildRpm(binary, inputs, path.join(root, 'repro-b'), docker, image));

  // The same compile by hand: export the tree, hand it to the build user, run the plan's make line with the plan's
  // environment in the same image with an empty Go build cache, like the pipeline's cold run.
  const tree = path.join(root, 'hand', 'src');
  const goCache = path.join(root, 'hand', 'gocache');
  await mkdir(tree, { recursive: true });
  await mkdir(goCache, { recursive: true });
  await $`git --git-dir ${gitDir} archive ${planned!.source.commit} | tar -x -C ${tree}`;
  await $`chown -R 10001:10001 ${path.join(root, 'hand')}`;
  const envArgs = Object.entries(planned!.recipe.env).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
  const hand = await seconds(
    () =>
      $`docker run --rm --network none --user 10001:10001 -e HOME=/tmp ${envArgs} -v ${tree}:${planned!.mountPath} -v ${goCache}:/gocache -w ${planned!.mountPath} ${image} make ${planned!.recipe.make}`,
  );

  const remote = real ?? buildRemote;
  const fetchTag = values.tag ?? tag;
  const shallowDir = path.join(root, 'shallow.git');
  const shallow = await seconds(async () => {
    await $`git init --bare -q ${shallowDir}`;
    await $`git --git-dir ${shallowDir} fetch -q --depth 1 --no-tags ${remote} +refs/tags/${fetchTag}:refs/tags/${fetchTag}`;
  });
  const fullDir = path.join(root, 'full.git');
  const full = await seconds(() => $`git clone -q --bare --no-local ${remote} ${fullDir}`);
  const size = async (dir: string) => (await $`du -sk ${dir}`).stdout.split('\t')[0];

  const rows: [string, string][] = [
    [`cold pipeline build (runc ${tag}, ${real ? 'real' : 'fixture'}), fresh cache`, `${cold.toFixed(1)} s`],
    ['cold pipeline build, cache used before', `${coldUsed.toFixed(1)} s`],
    ['same compile by hand, same image', `${hand.toFixed(1)} s`],
    [
      'pipeline overhead (cold / by hand)',
      `${(cold / hand).toFixed(2)}x fresh cache, ${(coldUsed / hand).toFixed(2)}x cache used before`,
    ],
    ['second identical run (cache hit)', `${hit.toFixed(1)} s`],
    ['compile + verify steps', `${compileAndVerify.toFixed(1)} s`],
    [
      'key + package + sign/attest + verify packages',
      `${packaging.toFixed(1)} s (${(packaging / compileAndVerify).toFixed(2)}x of compile + verify)`,
    ],
    ['reproducibility check (one more rpmbuild)', `${repro.toFixed(1)} s`],
    [`shallow fetch of ${fetchTag} (${remote})`, `${shallow.toFixed(2)} s, ${await size(shallowDir)} KiB`],
    ['full clone of the same remote', `${full.toFixed(2)} s, ${await size(fullDir)} KiB`],
  ];
  if (
    !values['no-kubelet'] &&
    (existsSync(REAL_KUBERNETES_TARBALL) || existsSync('/var/cache/nokmem/real-kubernetes/kubernetes-1.20.2.git/HEAD'))
  ) {
    rows.push(...(await realKubelet()));
  } else {
    rows.push(['real kubelet v1.20.2', 'not measured (run scripts/setup.sh to fetch the tree, or drop --no-kubelet)']);
  }
  // Each phase of the pipeline (the build's --json steps); the rest of a run is starting node and the CLI.
  const runs: [StepReport[], number][] = [
    [steps, cold],
    [usedSteps, coldUsed],
    [hitSteps, hit],
  ];
  const cell = (text: string) => text.padEnd(18);
  const phase = (list: StepReport[], name: string) => {
    const s = list.find((x) => x.name === name);
    return cell(!s ? '-' : s.status === 'done' ? `${s.seconds.toFixed(2)} s` : `(${s.status})`);
  };
  rows.push(['phase', ['cold, fresh cache', 'cold, used cache', 'cache hit'].map(cell).join(' ').trimEnd()]);
  for (const s of steps)
    rows.push([
      `  ${s.name}`,
      runs
        .map(([list]) => phase(list, s.name))
        .join(' ')
        .trimEnd(),
    ]);
  const sum = (list: StepReport[]) => list.reduce((t, s) => t + s.seconds, 0);
  rows.push([
    '  outside the steps (node, CLI start)',
    runs
      .map(([list, total]) => cell(`${(total - sum(list)).toFixed(2)} s`))
      .join(' ')
      .trimEnd(),
  ]);
  const width = Math.max(...rows.map(([k]) => k.length));
  for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v}`);
} finally {
  await rm(root, { recursive: true, force: true });
}

/** The real kubelet through the whole pipeline, with the toolchain the rule picks. */
async function realKubelet(): Promise<[string, string][]> {
  const upstream = await realKubernetesUpstream();
  const dir = path.join(root, 'kubelet');
  const specs = path.join(dir, 'specs');
  await mkdir(specs, { recursive: true });
  for (const f of ['versions.yaml', 'toolchains.yaml', 'forks.yaml'])
    await $`cp ${path.resolve(import.meta.dirname, '../specs', f)} ${specs}/`;
  await writeFile(path.join(specs, 'pins.yaml'), `runc: {}\nkubelet:\n  ${REAL_TAG}: ${upstream.commit}\n`);
  const goCache = path.join(dir, 'go-build');
  const run = async (cache: string) => {
    const started = performance.now();
    const r = await $({
      env: { ...process.env, NOKMEM_GO_BUILD_CACHE: goCache },
    })`node --import tsx ${cli} build --json --kubelet ${REAL_TAG} --remote ${upstream.dir} --specs ${specs} --cache-dir ${cache} --out ${path.join(dir, 'out')}`;
    const steps = (JSON.parse(r.stdout) as { steps: { name: string; seconds: number }[] }).steps;
    const compile = steps.find((s) => s.name === 'compile in Docker')?.seconds ?? 0;
    return { total: (performance.now() - started) / 1000, compile };
  };
  const cold = await run(path.join(dir, 'cache-cold'));
  const warm = await run(path.join(dir, 'cache-warm'));
  const hit = await run(path.join(dir, 'cache-warm'));
  return [
    [
      `real kubelet ${REAL_TAG}, cold (empty Go build cache)`,
      `${cold.total.toFixed(1)} s (compile ${cold.compile.toFixed(1)} s)`,
    ],
    ['real kubelet, warm (Go build cache reused)', `${warm.total.toFixed(1)} s (compile ${warm.compile.toFixed(1)} s)`],
    ['real kubelet, cache hit', `${hit.total.toFixed(1)} s`],
  ];
}
