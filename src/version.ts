// Release versions as users type them ("v1.12.4", "1.12.4", "v1.0.0-rc5") and as semver compares them.

import semver from 'semver';
import { UsageError } from './errors.js';

export const COMPONENTS = ['runc', 'kubelet'] as const;
export type Component = (typeof COMPONENTS)[number];

export interface ReleaseVersion {
  /** The upstream tag, always with the leading "v": v1.12.4, v1.0.0-rc5. */
  tag: string;
  /** The same version in a form semver orders correctly: runc's rc10 becomes rc.10 so it sorts after rc9. */
  comparable: string;
}

const VERSION_SHAPE = /^v?(\d+)\.(\d+)\.(\d+)(-[0-9A-Za-z]+(?:\.[0-9A-Za-z]+)*)?$/;

export function parseVersion(component: Component, input: string): ReleaseVersion {
  const match = VERSION_SHAPE.exec(input);
  if (!match) {
    throw new UsageError(
      `${component} version ${JSON.stringify(input)} is not a release version; expected a full tag like ` +
        (component === 'runc' ? 'v1.0.0-rc5' : 'v1.12.4 (or 1.12.4)'),
    );
  }
  const [, major, minor, patch, pre = ''] = match;
  const tag = `v${major}.${minor}.${patch}${pre}`;
  // "-rc5" -> "-rc.5": semver compares "rc10" < "rc5" as text, but "rc.10" > "rc.5" as numbers.
  const comparable = `${major}.${minor}.${patch}${pre.replace(/^-([A-Za-z]+)(\d+)$/, '-$1.$2')}`;
  if (!semver.valid(comparable))
    throw new UsageError(`${component} version ${JSON.stringify(input)} is not a valid version`);
  return { tag, comparable };
}

export function inRange(version: ReleaseVersion, range: string): boolean {
  return semver.satisfies(version.comparable, range, { includePrerelease: true });
}

export function isComponent(value: string): value is Component {
  return (COMPONENTS as readonly string[]).includes(value);
}
