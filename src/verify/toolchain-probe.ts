// The runtime check of the toolchain decision: a small program of ours (jsonprobe/main.go) compiled against the
// tree's own vendored json-iterator with the builder image's Go, and run. It prints the JSON of a map, or — with a
// Go that the vendored reflect2 does not know — crashes, as the built binary would on a node. Trees that vendor
// no json-iterator have nothing to probe.

import { existsSync } from 'node:fs';
import { copyFile, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { DockerEngine } from '../docker.js';
import { PROJECT_ROOT } from '../specs.js';
import { type Check, fail, pass } from './verdict.js';

export const PROBE_NAME = 'toolchain runtime (json-iterator)';
const EXPECTED = '{"kmem":"off","nokmem":"probe"}';
const JSONITER = 'vendor/github.com/json-iterator/go';

export interface ProbeTarget {
  /** The checked-out tree, and where it is mounted in the builder image (its GOPATH import path). */
  tree: string;
  mountPath: string;
  image: string;
  goCache: string;
}

export function vendorsJsonIterator(tree: string): boolean {
  return existsSync(path.join(tree, JSONITER));
}

export async function toolchainProbe(target: ProbeTarget, docker: DockerEngine): Promise<Check> {
  const dir = path.join(target.tree, '_nokmem_probe');
  await mkdir(dir, { recursive: true });
  await copyFile(path.join(PROJECT_ROOT, 'src/verify/jsonprobe/main.go'), path.join(dir, 'main.go'));
  try {
    await docker.prepareWritable(dir);
    const r = await docker.run({
      image: target.image,
      command: ['sh', '-c', 'go build -o /tmp/jsonprobe ./_nokmem_probe && /tmp/jsonprobe'],
      mounts: [
        { host: target.tree, container: target.mountPath },
        { host: target.goCache, container: '/gocache' },
      ],
      workdir: target.mountPath,
      env: { GOPATH: '/go', GOCACHE: '/gocache', GO111MODULE: 'off', GOFLAGS: '', CGO_ENABLED: '0' },
      purpose: 'run the toolchain probe',
      allowFailure: true,
    });
    const out = r.stdout.trim();
    if (r.exitCode === 0 && out === EXPECTED)
      return pass(PROBE_NAME, `the tree's json-iterator, built with this Go, marshals a map: ${out}`);
    const lines = (r.stderr || r.stdout).trim().split('\n');
    // the signal line says most ("[signal SIGSEGV: segmentation violation ...]"), then Go's own words
    const why =
      lines.find((l) => /SIGSEGV|SIGBUS/.test(l)) ?? lines.find((l) => /panic|fatal|error/i.test(l)) ?? lines[0] ?? '';
    return fail(
      PROBE_NAME,
      `a map marshalled with the tree's json-iterator ${r.exitCode === 0 ? `printed ${JSON.stringify(out)}` : `crashed (exit ${r.exitCode}: ${why.slice(0, 200)})`}: the binary built with this Go would misbehave; use the toolchain specs/toolchains.yaml picks`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
