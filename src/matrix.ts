// The release matrix, computed from specs/: every pinned version whose era needs a build (source patch or
// build tag), and every fork. Adding a version to the release is a data change (pins.yaml, forks.yaml).

import semver from 'semver';
import type { Fork, Pins, VersionTable } from './specs.js';
import { defaultBuilderImage } from './builder-image.js';
import { eraFor, goVersionFor } from './specs.js';
import { COMPONENTS, parseVersion } from './version.js';

export interface MatrixEntry {
  component: 'runc' | 'kubelet' | 'fork';
  version: string;
  /** The build command's selector: --runc v1.0.0-rc5, --kubelet v1.12.4, --fork NAME. */
  args: string;
  /** The Go upstream built this version with, and the builder image made from its official golang image:
   * where a registry is reachable (GitHub's runners), each version builds with its upstream Go. */
  go: string;
  image: string;
}

export function releaseMatrix(
  table: VersionTable,
  pins: Pins,
  forks: Record<string, Fork>,
  only?: string,
): { include: MatrixEntry[] } {
  const include: MatrixEntry[] = [];
  for (const component of COMPONENTS) {
    if (only && only !== component) continue;
    const versions = Object.keys(pins[component])
      .map((tag) => parseVersion(component, tag))
      .filter((v) => {
        const method = eraFor(table[component], v)?.method;
        return method === 'source-patch' || method === 'build-tag';
      })
      .sort((a, b) => semver.compare(a.comparable, b.comparable));
    for (const v of versions) {
      const go = goVersionFor(table[component], v)!;
      include.push({ component, version: v.tag, args: `--${component} ${v.tag}`, go, image: defaultBuilderImage(go) });
    }
  }
  if (!only || only === 'fork') {
    for (const name of Object.keys(forks).sort()) {
      const claims = forks[name]!.claims;
      const go =
        (claims && goVersionFor(table.runc, parseVersion('runc', claims))) ||
        table.runc.toolchains[table.runc.toolchains.length - 1]!.go;
      include.push({ component: 'fork', version: name, args: `--fork ${name}`, go, image: defaultBuilderImage(go) });
    }
  }
  return { include };
}
