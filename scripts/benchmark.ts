// Benchmark: prints figures, asserts nothing. Every figure is the median of --runs runs (default 3, each run shown),
// the baselines by hand run the same number of times the same way, each beside what issue 20 measured before:
//   1. `nokmem --help` (start-up);
//   2. a cold runc build on a fresh cache (empty result, package and Go build caches; the development key, which is
//      kept in the data directory, made once before by an untimed build, as by a machine's first build) against
//      the same compile by hand in the same image, on an empty Go build cache; then a cache hit; the time of each
//      pipeline phase in the median cold run;
//   3. the reproducibility check (one more rpmbuild), a shallow fetch of one tag and a full clone of the remote;
//   4. when the real kubernetes tree is on this machine (scripts/setup.sh fetches it) and not --no-kubelet: the real
//      kubelet v1.20.2 warm build against its compile by hand plus its runtime proof (scripts/bench/kubelet.ts).
// nokmem runs as `node dist/cli.js` where the compiled CLI is built, else through tsx (the table says which).
// Usage: npm run bench [-- --runs N] [-- --no-kubelet] [-- --image IMAGE] [-- --remote PATH_OR_URL --tag TAG]
//   Without --remote, the runc is the fixture (v1.0.0-rc6); with --remote (a real runc mirror, e.g. the one `fetch`
//   makes), it is that remote's --tag (default v1.0.0-rc5), pinned by this repository's specs/.

import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { $ } from 'zx';
import { Docker } from '../src/docker.ts';
import { OFFLINE_IMAGE } from '../src/meta.ts';
import { buildSteps } from '../src/pipeline.ts';
import { buildRpm } from '../src/rpm/build.ts';
import { realRunner } from '../src/runner.ts';
import { makeRuncUpstream } from '../test/fixtures/upstream.ts';
import { REAL_KUBERNETES_TARBALL } from '../test/helpers/real-kubernetes.ts';
import { compileByHand, emptyGoCache, exportTree, handPlanOf } from './bench/hand.ts';
import { realKubelet } from './bench/kubelet.ts';
import {
  type Row,
  elapsed,
  nokmemCommand,
  printPhases,
  printTable,
  ratio,
  runNokmem,
  sample,
  seconds,
  secondsOf,
  buildSample,
  useDataDir,
} from './bench/measure.ts';

$.verbose = false;
$.quiet = true;
const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    image: { type: 'string', default: 'nokmem-builder:debian-go1.19' },
    remote: { type: 'string' },
    tag: { type: 'string' },
    'no-kubelet': { type: 'boolean' },
  },
});
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1)
  throw new Error(`--runs must be a whole number of at least 1, not ${values.runs}`);
const image = values.image;
const root = await mkdtemp(path.join(os.tmpdir(), 'nokmem-bench-'));
useDataDir(path.join(root, 'data'));
const SPECS = path.resolve(import.meta.dirname, '../specs');

const AFTER_COMPILE = buildSteps
  .slice(buildSteps.findIndex((s) => s.name === 'compile in Docker') + 1)
  .map((s) => s.name);

try {
  const rows: Row[] = [];
  const help = await sample(runs, async () => (await runNokmem(['--help'])).seconds);
  rows.push({ figure: 'nokmem --help (start-up)', now: secondsOf(help), before: '0.67-0.96 s', target: '<= 0.15 s' });

  const real = values.remote
    ? values.remote.includes('://')
      ? values.remote
      : `file://${path.resolve(values.remote)}`
    : undefined;
  const specs = path.join(root, 'specs');
  await mkdir(specs);
  let tag: string;
  let remote: string;
  let gitDir: string;
  if (real) {
    // The real runc: this repository's specs (its pins), the tag as the remote has it.
    tag = values.tag ?? 'v1.0.0-rc5';
    remote = real;
    gitDir = real.replace(/^file:\/\//, '');
    await $`cp ${SPECS}/. ${specs}/ -r`;
  } else {
    const runc = await makeRuncUpstream(path.join(root, 'upstream'));
    tag = 'v1.0.0-rc6';
    remote = runc.url;
    gitDir = path.join(runc.dir, '.git');
    await $`cp ${path.join(SPECS, 'versions.yaml')} ${path.join(SPECS, 'toolchains.yaml')} ${specs}/`;
    await writeFile(path.join(specs, 'pins.yaml'), `runc:\n  ${tag}: ${runc.tags[tag]}\nkubelet: {}\n`);
  }
  const out = path.join(root, 'out');
  const build = (cache: string) =>
    runNokmem([
      'build',
      '--json',
      '--runc',
      tag,
      '--remote',
      remote,
      '--specs',
      specs,
      '--cache-dir',
      cache,
      '--image',
      image,
      '--out',
      out,
    ]);

  // The development key is made once per machine (kept in the data directory, not the cache): an untimed build
  // makes it, as a machine's first build does.
  await build(path.join(root, 'cache-first'));
  // Cold: a fresh cache every run (so an empty Go build cache, no image facts, no result or package).
  const cold = await buildSample(runs, (i) => build(path.join(root, `cache-${i}`)));
  const hit = await buildSample(runs, () => build(path.join(root, 'cache-0')));
  const plan = handPlanOf(cold.outputs[0]!);
  const tree = path.join(root, 'hand', 'src');
  const goCache = path.join(root, 'hand', 'gocache');
  const hand = await sample(
    runs,
    () => seconds(() => compileByHand(plan, tree, goCache)),
    async () => {
      await exportTree(gitDir, plan.commit, tree);
      await emptyGoCache(goCache);
    },
  );
  const steps = cold.medianSteps;
  const hitSteps = hit.medianSteps;
  const stepTime = (...names: string[]) =>
    steps.filter((s) => names.includes(s.name)).reduce((t, s) => t + s.seconds, 0);
  const compile = stepTime('compile in Docker');
  // what follows the compile, as long as it took (package RPM runs alongside verify)
  const afterCompile = elapsed(steps.filter((s) => AFTER_COMPILE.includes(s.name)));
  rows.push(
    {
      figure: `cold runc build (${tag}, ${real ? 'real' : 'fixture'}), fresh cache`,
      now: secondsOf(cold, 1),
      before: 'by hand x 1.26-1.56',
    },
    { figure: '  the same compile by hand, same image, empty Go build cache', now: secondsOf(hand, 1) },
    {
      figure: '  cold build / compile by hand',
      now: `${ratio(cold.median, hand.median)}`,
      before: '1.26-1.56x (single runs)',
      target: '<= 1.2x',
    },
    {
      figure: 'second identical run (cache hit, development key)',
      now: secondsOf(hit),
      before: '0.9 s',
      target: '<= 0.3 s',
    },
    { figure: '  compile step (median cold run)', now: `${compile.toFixed(1)} s` },
    {
      figure: '  after it: verify | package RPM, sign, verify packages',
      now: `${afterCompile.toFixed(1)} s (${ratio(afterCompile, compile)} of the compile)`,
    },
  );

  // The reproducibility check: the same package built twice must be bit-identical; its cost is one more rpmbuild
  // (in the packager image, as the pipeline runs it: a builder image other than the offline one has no rpmbuild).
  const docker = new Docker(realRunner);
  const binary = path.join(out, `runc-${tag}`, 'runc');
  const inputs = {
    component: 'runc' as const,
    tag,
    commit: plan.commit,
    methodSummary: 'benchmark',
    epoch: 1519776000,
    iteration: 1,
  };
  const repro = await sample(runs, (i) =>
    seconds(() => buildRpm(binary, inputs, path.join(root, `repro-${i}`), docker, OFFLINE_IMAGE)),
  );
  const fetchTag = values.tag ?? tag;
  const shallowDir = (i: number) => path.join(root, `shallow-${i}.git`);
  const shallow = await sample(runs, (i) =>
    seconds(async () => {
      await $`git init --bare -q ${shallowDir(i)}`;
      await $`git --git-dir ${shallowDir(i)} fetch -q --depth 1 --no-tags ${remote} +refs/tags/${fetchTag}:refs/tags/${fetchTag}`;
    }),
  );
  const fullDir = (i: number) => path.join(root, `full-${i}.git`);
  const full = await sample(runs, (i) => seconds(() => $`git clone -q --bare --no-local ${remote} ${fullDir(i)}`));
  const size = async (dir: string) => (await $`du -sk ${dir}`).stdout.split('\t')[0];
  rows.push(
    { figure: 'reproducibility check (one more rpmbuild)', now: secondsOf(repro, 1) },
    { figure: `shallow fetch of ${fetchTag}`, now: `${secondsOf(shallow)}, ${await size(shallowDir(0))} KiB` },
    { figure: 'full clone of the same remote', now: `${secondsOf(full)}, ${await size(fullDir(0))} KiB` },
  );

  printTable(`nokmem benchmark: ${runs} run(s) each, nokmem as ${nokmemCommand().how}, image ${image}`, rows);
  // Each phase of the pipeline (the build's --json steps); the rest of a run is starting node and the CLI.
  console.log('');
  printPhases([
    { title: 'cold, fresh cache', steps, wall: cold.times[cold.medianRun]! },
    { title: 'cache hit', steps: hitSteps, wall: hit.times[hit.medianRun]! },
  ]);

  // The real kubelet last, in a table of its own (its runs take minutes; what came before is already printed).
  console.log('');
  if (
    !values['no-kubelet'] &&
    (existsSync(REAL_KUBERNETES_TARBALL) || existsSync('/var/cache/nokmem/real-kubernetes/kubernetes-1.20.2.git/HEAD'))
  ) {
    const kubelet = await realKubelet(root, runs);
    printTable(`real kubelet: ${runs} run(s) each`, kubelet.rows);
    console.log('');
    printPhases(kubelet.phases);
  } else
    printTable('real kubelet', [
      {
        figure: 'real kubelet v1.20.2',
        now: values['no-kubelet']
          ? 'not measured (--no-kubelet)'
          : 'not measured (run scripts/setup.sh to fetch the tree)',
      },
    ]);
} finally {
  await rm(root, { recursive: true, force: true });
}
