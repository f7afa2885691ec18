// RPM package definitions and the pure function that renders their spec templates (specs/rpm/*.spec) from a
// build record. Same record, same date: same spec, byte for byte (the golden tests hold it to that).

import path from 'node:path';
import { InputError } from '../errors.js';
import { type Linkage, PROJECT_ROOT } from '../specs.js';
import { type BehaviourDifference, describeBehaviour } from '../toolchain-behaviour.js';
import type { Component } from '../version.js';

export const RPM_SPECS_DIR = path.join(PROJECT_ROOT, 'specs', 'rpm');

export interface PackageDefinition {
  name: string;
  template: string;
  /** Source files in the order of the spec's Source1..N (Source0 is always the binary). */
  extraSources: string[];
  requires: string[];
  release: (iteration: number) => string;
}

export const PACKAGES: Record<Component, PackageDefinition> = {
  kubelet: {
    name: 'kubelet',
    template: 'kubelet.spec',
    extraSources: ['kubelet.service', 'kubelet.sysconfig'],
    // As the official kubelet package; kubeadm's 10-kubeadm.conf and kubernetes-cni's /opt/cni stay theirs.
    requires: ['iptables', 'kubernetes-cni', 'socat', 'util-linux', 'ethtool', 'iproute', 'ebtables', 'conntrack'],
    // "0.nokmem.N" sorts above the official release 0 and below 1 and 150500.1.1.
    release: (n) => `0.nokmem.${n}`,
  },
  runc: {
    name: 'runc-nokmem',
    template: 'runc-nokmem.spec',
    extraSources: [
      'README.nokmem',
      'daemon.json.example',
      'docker-nokmem.conf.example',
      'containerd-nokmem.toml.example',
    ],
    requires: [],
    release: (n) => `${n}`,
  },
};

/** RPM versions cannot hold "-"; "~" makes a pre-release sort before the release (v1.0.0-rc5 -> 1.0.0~rc5). */
export function rpmVersion(tag: string): string {
  return tag.replace(/^v/, '').replace('-', '~');
}

export function tagFromRpmVersion(version: string): string {
  return `v${version.replace('~', '-')}`;
}

export interface SpecInputs {
  component: Component;
  tag: string;
  commit: string;
  methodSummary: string;
  /** Seconds since the epoch: the changelog date (and SOURCE_DATE_EPOCH of the build). */
  epoch: number;
  iteration: number;
  /** A fork's own package and binary name (default: the component's package, runc). */
  packageName?: string;
  binaryName?: string;
  upstream?: string;
  /** How the binary is built: its linkage and the toolchain, where it differs from upstream's (the build record). */
  build?: BuildFacts;
}

export interface BuildFacts {
  link?: Linkage;
  /** The Go that built it, and the one upstream used. */
  go?: string;
  upstreamGo?: string;
  behaviour?: BehaviourDifference[];
  /** Set in the environment of the kubelet's unit to restore upstream's behaviour. */
  restoreEnv?: Record<string, string>;
}

/** The description's lines about the build: linkage, and the toolchain where it behaves unlike upstream's. */
export function buildDescription(facts: BuildFacts = {}): string {
  const lines = [
    facts.link ? `Linked ${facts.link.mode === 'cgo' ? 'with cgo' : 'statically'}: ${facts.link.reason}.` : '',
  ];
  if (facts.go && facts.upstreamGo && facts.behaviour?.length)
    lines.push(
      ...describeBehaviour({ go: facts.go, behaviour: facts.behaviour }, facts.upstreamGo).map(
        (d) => `Toolchain: ${d}${/restored with/.test(d) ? ' (set in kubelet.service)' : ''}.`,
      ),
    );
  // `%` starts a macro in a spec file
  return lines.filter(Boolean).join('\n').replace(/%/g, '%%');
}

/** The lines of kubelet.service that restore upstream's behaviour of the Go runtime (or say why there are none). */
export function serviceEnvironment(facts: BuildFacts = {}): string {
  const env = Object.entries(facts.restoreEnv ?? {});
  if (!env.length)
    return facts.behaviour?.length
      ? `# Go ${facts.go} differs from upstream's Go ${facts.upstreamGo} and no setting restores it: see rpm -qi kubelet.`
      : "# No GODEBUG: the Go that built this kubelet behaves like upstream's where it matters here.";
  return [
    `# Go ${facts.go} built this kubelet where upstream used Go ${facts.upstreamGo}: this restores upstream's behaviour`,
    '# (see rpm -qi kubelet). A GODEBUG in /etc/sysconfig/kubelet replaces it.',
    ...env.map(([k, v]) => `Environment="${k}=${v}"`),
  ].join('\n');
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function changelogDate(epoch: number): string {
  const d = new Date(epoch * 1000);
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, '0')} ${d.getUTCFullYear()}`;
}

export function specValues(inputs: SpecInputs): Record<string, string> {
  const pkg = PACKAGES[inputs.component];
  const version = rpmVersion(inputs.tag);
  const release = pkg.release(inputs.iteration);
  const upstream = inputs.upstream ?? (inputs.component === 'kubelet' ? 'kubernetes' : 'runc');
  const name = inputs.packageName ?? pkg.name;
  const binary = inputs.binaryName ?? inputs.component;
  return {
    name,
    binary,
    binarypath: inputs.component === 'kubelet' ? '/usr/bin/kubelet' : `/usr/libexec/${name}/${binary}`,
    upstream,
    version,
    release,
    tag: inputs.tag,
    commit: inputs.commit,
    method: inputs.methodSummary,
    build: buildDescription(inputs.build),
    serviceEnvironment: serviceEnvironment(inputs.build),
    requires: pkg.requires.map((r) => `Requires:       ${r}`).join('\n'),
    changelog: [
      `* ${changelogDate(inputs.epoch)} nokmem <nokmem@localhost> - ${version}-${release}`,
      `- Rebuild of ${upstream} ${inputs.tag} (commit ${inputs.commit}) that never enables kernel-memory`,
      '  accounting, which leaks memory cgroup IDs on kernel 3.10 (EL7).',
      `- ${inputs.methodSummary}`,
    ].join('\n'),
  };
}

/** Fills {{name}} placeholders. A placeholder without a value is an error, never an empty string. */
export function renderSpec(template: string, values: Record<string, string>): string {
  return template.replace(/\{\{(\w+)\}\}/g, (_, key: string) => {
    const value = values[key];
    if (value === undefined)
      throw new InputError(`spec template placeholder {{${key}}} has no value; fix specs/rpm or src/rpm/spec.ts`);
    return value;
  });
}
