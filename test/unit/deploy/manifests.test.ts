// deploy/: the agent's RBAC is exactly patch on nodes and nodes/status (and get on nodes, to read its own Node
// at start); its container has no capability and no writable host path unless kured is opted in, and then only the
// sentinel directory; both kustomizations build with the kustomize of kubectl 1.20 (Debian's kubernetes-client,
// unpacked by scripts/setup.sh); the alerting rules pass `promtool test rules`; every query of the Grafana
// dashboard parses (each expr checked by `promtool check rules` in a generated rule file).

import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { execa } from 'execa';
import YAML from 'yaml';
import { ROOT } from '../../helpers/cli.ts';
import {
  type PodSpec,
  SECCOMP_POD_ANNOTATION,
  daemonSetPodSpec,
  daemonSetPodTemplate,
} from '../../helpers/pod-spec.ts';
import { tempDir } from '../../helpers/tmp.ts';

const deploy = (f: string) => path.join(ROOT, 'deploy', f);
const KUBECTL = process.env.NOKMEM_KUBECTL ?? '/var/cache/nokmem/bin/kubectl-v1.20.2';

/** `kubectl kustomize <dir>`: the objects it builds, by kind. */
async function kustomize(dir: string): Promise<Map<string, { spec: { template: { spec: PodSpec } } }>> {
  const r = await execa(KUBECTL, ['kustomize', deploy(dir)], { reject: false });
  assert.equal(r.exitCode, 0, `${KUBECTL} kustomize deploy/${dir} (scripts/setup.sh unpacks it):\n${String(r.stderr)}`);
  return new Map(YAML.parseAllDocuments(String(r.stdout)).map((d) => [d.get('kind') as string, d.toJS()]));
}

describe('deploy/', () => {
  it('RBAC: get and patch on nodes, patch on nodes/status, nothing else', async () => {
    const docs = YAML.parseAllDocuments(await readFile(deploy('base/rbac.yaml'), 'utf8')).map((d) => d.toJS());
    const role = docs.find((d) => d.kind === 'ClusterRole');
    assert.deepEqual(role.rules, [
      { apiGroups: [''], resources: ['nodes'], verbs: ['get', 'patch'] },
      { apiGroups: [''], resources: ['nodes/status'], verbs: ['patch'] },
    ]);
    assert.ok(!docs.some((d) => d.kind === 'Role'));
  });

  it('the container: no capability, read-only root and host paths; kured opt-in adds only the sentinel dir', async () => {
    const spec = await daemonSetPodSpec();
    const c = spec.containers[0]!;
    assert.deepEqual(c.securityContext.capabilities, { drop: ['ALL'] });
    assert.equal(c.securityContext.allowPrivilegeEscalation, false);
    assert.equal(c.securityContext.readOnlyRootFilesystem, true);
    assert.equal(spec.hostPID, undefined);
    assert.deepEqual(
      c.volumeMounts.filter((m) => !m.readOnly),
      [],
    );
    const kustomization = YAML.parse(await readFile(deploy('base/kustomization.yaml'), 'utf8'));
    assert.deepEqual(kustomization.resources, ['namespace.yaml', 'rbac.yaml', 'daemonset.yaml']);
    const patch = YAML.parse(await readFile(deploy('kured/sentinel.yaml'), 'utf8'));
    const podPatch = patch.spec.template.spec;
    assert.deepEqual(podPatch.volumes, [
      { name: 'kured-sentinel', hostPath: { path: '/run/nokmem', type: 'DirectoryOrCreate' } },
    ]);
    assert.deepEqual(podPatch.containers[0].volumeMounts, [{ name: 'kured-sentinel', mountPath: '/run/nokmem' }]);
    assert.ok(podPatch.containers[0].args.join(' ').includes('--kured-sentinel-dir /run/nokmem'));
    const flags = await readFile(deploy('kured/kured-flags.txt'), 'utf8');
    assert.match(flags, /^--reboot-sentinel=\/run\/nokmem\/reboot-required$/m);
    assert.match(flags, /^--alert-filter-regexp=\^Nokmem\.\*$/m);
    const rules = YAML.parse(await readFile(deploy('prometheus/rules.yaml'), 'utf8'));
    for (const r of rules.groups[0].rules) assert.match(r.alert, /^Nokmem/, 'kured filters our alerts by name');
  });

  it('runs only where a label says the node has a cgroup-v1 memory hierarchy (cgroup-v2 nodes lack the mount)', async () => {
    const doc = YAML.parse(await readFile(deploy('base/daemonset.yaml'), 'utf8'));
    const pod = doc.spec.template.spec;
    assert.deepEqual(pod.affinity, {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [
            { matchExpressions: [{ key: 'nokmem.io/cgroup', operator: 'In', values: ['v1'] }] },
            {
              matchExpressions: [
                { key: 'feature.node.kubernetes.io/kernel-version.major', operator: 'In', values: ['3'] },
              ],
            },
          ],
        },
      },
    });
    // kubelets before 1.14 do not set kubernetes.io/os: a selector on it would keep the agent off those nodes
    assert.equal(pod.nodeSelector, undefined);
    // before 1.17, system-* priority classes are refused outside kube-system: the pods would never be created
    assert.doesNotMatch(String(pod.priorityClassName ?? ''), /^system-/);
    assert.ok(
      pod.volumes.some((v: { hostPath?: { path: string } }) => v.hostPath?.path === '/sys/fs/cgroup/memory'),
      'the mount that needs the label',
    );
    const rollout = await readFile(path.join(ROOT, 'docs/rollout.md'), 'utf8');
    assert.match(rollout, /kubectl label node .*nokmem\.io\/cgroup=v1/);
  });

  it('kubectl apply -k deploy/ and deploy/kured/ build (kubectl 1.20): kured adds the sentinel directory, nothing else', async () => {
    const base = await kustomize('.');
    assert.deepEqual([...base.keys()].sort(), [
      'ClusterRole',
      'ClusterRoleBinding',
      'DaemonSet',
      'Namespace',
      'ServiceAccount',
    ]);
    assert.deepEqual(base.get('DaemonSet')!.spec.template.spec, await daemonSetPodSpec());
    const kured = await kustomize('kured');
    assert.deepEqual([...kured.keys()].sort(), [...base.keys()].sort());
    const withKured = kured.get('DaemonSet')!.spec.template.spec;
    const without = base.get('DaemonSet')!.spec.template.spec;
    const byName = <T extends { name: string }>(list: T[]) => [...list].sort((a, b) => a.name.localeCompare(b.name));
    assert.deepEqual(
      byName(withKured.volumes),
      byName([
        ...without.volumes,
        { name: 'kured-sentinel', hostPath: { path: '/run/nokmem', type: 'DirectoryOrCreate' } },
      ]),
    );
    const agent = withKured.containers[0]!;
    assert.deepEqual(
      agent.volumeMounts.filter((m) => !m.readOnly),
      [{ name: 'kured-sentinel', mountPath: '/run/nokmem' }],
    );
    assert.equal(agent.volumeMounts.length, without.containers[0]!.volumeMounts.length + 1);
    assert.deepEqual(agent.args, [...without.containers[0]!.args, '--kured-sentinel-dir', '/run/nokmem']);
    assert.deepEqual(agent.securityContext, without.containers[0]!.securityContext);
  });

  it('seccomp: the annotation every version reads in the base, the 1.19 field only in deploy/seccomp-field/', async () => {
    const template = await daemonSetPodTemplate();
    assert.equal(template.metadata.annotations?.[SECCOMP_POD_ANNOTATION], 'runtime/default');
    // Fields a pod spec gained after Kubernetes 1.11, with the release that added each: kubectl validates a
    // manifest against its server's schema and refuses the whole object for one field the server does not know.
    const newer: Record<string, string> = {
      seccompProfile: '1.19',
      setHostnameAsFQDN: '1.19',
      fsGroupChangePolicy: '1.18',
      ephemeralContainers: '1.16',
      overhead: '1.16',
      topologySpreadConstraints: '1.16',
      startupProbe: '1.16',
      preemptionPolicy: '1.15',
      windowsOptions: '1.14',
      enableServiceLinks: '1.13',
      runtimeClassName: '1.12',
      procMount: '1.12',
      shareProcessNamespace: '1.12',
    };
    const keys = (v: unknown): string[] =>
      v && typeof v === 'object' ? Object.entries(v).flatMap(([k, x]) => [k, ...keys(x)]) : [];
    for (const file of ['base/namespace.yaml', 'base/rbac.yaml', 'base/daemonset.yaml', 'kured/sentinel.yaml']) {
      const docs = YAML.parseAllDocuments(await readFile(deploy(file), 'utf8')).map((d) => d.toJS());
      const found = keys(docs).filter((k) => k in newer);
      assert.deepEqual(found, [], `${file}: ${found.map((k) => `${k} (from ${newer[k]})`).join(', ')}`);
    }
    const field = await kustomize('seccomp-field');
    const withField = field.get('DaemonSet')!.spec.template.spec;
    assert.deepEqual(withField.securityContext, { seccompProfile: { type: 'RuntimeDefault' } });
    assert.deepEqual({ ...withField, securityContext: undefined }, { ...template.spec, securityContext: undefined });
  });

  it('alerting rules: promtool check rules and promtool test rules', async () => {
    const check = await execa('promtool', ['check', 'rules', deploy('prometheus/rules.yaml')], { reject: false });
    assert.equal(check.exitCode, 0, String(check.stdout) + String(check.stderr));
    const test = await execa('promtool', ['test', 'rules', 'rules.test.yaml'], {
      cwd: deploy('prometheus'),
      reject: false,
    });
    assert.equal(test.exitCode, 0, String(test.stdout) + String(test.stderr));
    assert.match(String(test.stdout), /SUCCESS/);
  });

  it("every query of the Grafana dashboard parses as PromQL (promtool's rule check)", async () => {
    const dashboard = JSON.parse(await readFile(deploy('grafana/dashboard.json'), 'utf8')) as {
      panels: { title: string; targets: { expr: string }[] }[];
    };
    const exprs = dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr));
    assert.ok(exprs.length >= 7);
    const dir = await tempDir('dashboard-rules-');
    const file = path.join(dir, 'dashboard-queries.yaml');
    await writeFile(
      file,
      YAML.stringify({
        groups: [
          { name: 'dashboard', rules: exprs.map((expr, i) => ({ record: `nokmem:dashboard_query_${i}`, expr })) },
        ],
      }),
    );
    const check = await execa('promtool', ['check', 'rules', file], { reject: false });
    assert.equal(check.exitCode, 0, String(check.stdout) + String(check.stderr));
    // and a broken query would fail: the check is not a formality
    await writeFile(
      file,
      YAML.stringify({ groups: [{ name: 'x', rules: [{ record: 'x:y', expr: 'sum by (node' }] }] }),
    );
    assert.notEqual((await execa('promtool', ['check', 'rules', file], { reject: false })).exitCode, 0);
  });
});
