// What the kubelet's runtime proof runs in its sandbox, as pure functions of the kubelet version and a few names:
// the kubelet's command line (a standalone node: no API server, one static pod with a memory limit, its own
// cgroup root), the private containerd that answers its CRI calls, the static pod, and the script that runs
// them under strace, stops at the pod cgroup and cleans up. src/verify/kubelet-proof.ts runs it.

import semver from 'semver';
import { REMOUNT_CGROUPS, SANDBOX_UNAVAILABLE } from './sandbox.js';

/** Where things are inside the sandbox; /scratch is a fresh host directory, removed after the run. */
export const LAYOUT = {
  kubelet: '/probe/kubelet',
  scratch: '/scratch',
  containerdConfig: '/scratch/containerd.toml',
  containerd: '/scratch/containerd',
  socket: '/scratch/containerd/containerd.sock',
  manifests: '/scratch/manifests',
  rootDir: '/scratch/kubelet',
  cni: '/scratch/cni',
  trace: '/scratch/trace.txt',
  kubeletLog: '/scratch/kubelet.log',
  containerdLog: '/scratch/containerd.log',
  result: '/scratch/result',
} as const;

/** The static pod's memory limit: what the pod cgroup's memory.limit_in_bytes reads once the kubelet has set it. */
export const POD_MEMORY_LIMIT = 64 * 1024 * 1024;

/**
 * Why this kubelet cannot be run with containerd 1.6 (undefined: it can). Kubelets before 1.10 speak CRI
 * v1alpha1 only; containerd 1.6 serves v1alpha2 and v1.
 */
export function unsupportedKubelet(tag: string): string | undefined {
  const version = semver.coerce(tag);
  if (!version) return `cannot tell the CRI version of kubelet ${tag}`;
  if (semver.lt(version, '1.10.0'))
    return `kubelet ${tag} speaks only CRI v1alpha1, which containerd 1.6 (the runtime this proof runs it with) does not serve; the static proof stands alone for it`;
  return undefined;
}

/**
 * The kubelet as a standalone node. `--container-runtime=remote` is needed from 1.10 to 1.26 and gone in 1.27;
 * `--protect-kernel-defaults` makes a kernel setting other than the kubelet's an error instead of a write to the
 * host (the sandbox stands in for those settings, see FAKE_SYSCTLS).
 */
export function kubeletFlags(tag: string, cgroupRoot: string): string[] {
  const version = semver.coerce(tag);
  const remote = !version || semver.lt(version, '1.27.0') ? ['--container-runtime=remote'] : [];
  return [
    ...remote,
    `--container-runtime-endpoint=unix://${LAYOUT.socket}`,
    `--pod-manifest-path=${LAYOUT.manifests}`,
    '--cgroups-per-qos=true',
    '--cgroup-driver=cgroupfs',
    `--cgroup-root=/${cgroupRoot}`,
    '--fail-swap-on=false',
    `--root-dir=${LAYOUT.rootDir}`,
    `--cert-dir=${LAYOUT.rootDir}/pki`,
    '--protect-kernel-defaults=true',
    '--hostname-override=nokmem-proof',
  ];
}

/**
 * A private containerd: its own root, state and socket in the scratch directory, the native snapshotter (no
 * overlay mounts), no CNI configuration, a sandbox image that cannot be pulled (there is no network: the pod
 * sandbox fails, after the kubelet has made the pod cgroup), and nothing listening on TCP.
 */
export function containerdConfig(): string {
  return [
    'version = 2',
    `root = "${LAYOUT.containerd}/root"`,
    `state = "${LAYOUT.containerd}/state"`,
    'disabled_plugins = [',
    '  "io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs",',
    '  "io.containerd.snapshotter.v1.devmapper", "io.containerd.internal.v1.opt", "io.containerd.tracing.processor.v1.otlp",',
    ']',
    '[grpc]',
    `  address = "${LAYOUT.socket}"`,
    '[ttrpc]',
    `  address = "${LAYOUT.socket}.ttrpc"`,
    '[debug]',
    '  address = ""',
    '[metrics]',
    '  address = ""',
    '[plugins."io.containerd.grpc.v1.cri"]',
    '  disable_tcp_service = true',
    '  stream_server_address = "127.0.0.1"',
    '  stream_server_port = "0"',
    '  sandbox_image = "nokmem.invalid/pause:none"',
    '  [plugins."io.containerd.grpc.v1.cri".containerd]',
    '    snapshotter = "native"',
    '  [plugins."io.containerd.grpc.v1.cri".cni]',
    `    bin_dir = "${LAYOUT.cni}/bin"`,
    `    conf_dir = "${LAYOUT.cni}/net.d"`,
    '',
  ].join('\n');
}

/**
 * The static pod: Guaranteed (its cgroup is kubepods/pod<uid>) with a memory limit, so libcontainer creates its
 * memory cgroup with a memory setting — where an affected build enables kmem. Host network, because the kubelet
 * starts no other pod while the network plugin is not ready, and it checks that before it makes the pod cgroup.
 * JSON, which the kubelet's file source reads like YAML.
 */
export function staticPod(): string {
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'nokmem-proof', namespace: 'default' },
    spec: {
      hostNetwork: true,
      containers: [
        {
          name: 'probe',
          image: 'nokmem.invalid/probe:none',
          resources: { limits: { cpu: '100m', memory: `${POD_MEMORY_LIMIT / 1024 / 1024}Mi` } },
        },
      ],
    },
  };
  return `${JSON.stringify(pod, null, 2)}\n`;
}

/**
 * The kernel settings the kubelet sets at start (setupKernelTunables) with the values it wants. They are not
 * namespaced: a write would change the host. Inside the sandbox each is a read-only file with that value bound
 * over it, so the kubelet finds nothing to change (and could not change the host if it tried).
 */
export const FAKE_SYSCTLS: Readonly<Record<string, string>> = {
  'vm/overcommit_memory': '1',
  'vm/panic_on_oom': '0',
  'kernel/panic': '10',
  'kernel/panic_on_oops': '1',
  'kernel/keys/root_maxkeys': '1000000',
  'kernel/keys/root_maxbytes': '25000000',
};

/** The exit code of the sandbox script when the image lacks strace or containerd (it names them on stderr). */
export const TOOLS_MISSING = 95;

// Arguments: $1 the private cgroup root's name, $2 the time limit in seconds, $3 the pod's memory limit in bytes,
// then the kubelet's flags. It writes LAYOUT.result: `outcome reached|exited|timeout|containerd`, `kubepods DIR`,
// `pod DIR`, `kmem-file DIR` for each of them that has memory.kmem.limit_in_bytes, and `left DIR` for a cgroup it
// could not remove.
export const KUBELET_PROOF_SCRIPT = [
  'set -u',
  'name=$1 seconds=$2 limit=$3',
  'shift 3',
  // In the same container as the run (one container start less than asking first).
  'strace=$(command -v strace) containerd=$(command -v containerd)',
  'missing=',
  '[ -n "$strace" ] || missing=strace',
  '[ -n "$containerd" ] || missing="${missing:+$missing and }containerd"',
  `[ -z "$missing" ] || { echo "$missing" >&2; exit ${TOOLS_MISSING}; }`,
  REMOUNT_CGROUPS,
  'hierarchies=$(grep " - cgroup " /proc/self/mountinfo | cut -d" " -f5)',
  `for h in $hierarchies; do mkdir "$h/$name" || { echo "cannot create the cgroup $h/$name" >&2; exit ${SANDBOX_UNAVAILABLE}; }; done`,
  `mkdir -p ${LAYOUT.containerd} ${LAYOUT.rootDir} ${LAYOUT.cni}/bin ${LAYOUT.cni}/net.d /scratch/sysctl`,
  // The kubelet's OOM watcher will not start without /dev/kmsg, which would be the host's kernel log: a FIFO held
  // open stands in for it.
  `mkfifo /dev/kmsg && exec 3<>/dev/kmsg || { echo "cannot make a stand-in /dev/kmsg" >&2; exit ${SANDBOX_UNAVAILABLE}; }`,
  `for setting in ${Object.entries(FAKE_SYSCTLS)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ')}; do`,
  '  key=${setting%%=*} file=/scratch/sysctl/$(echo "${setting%%=*}" | tr / .)',
  '  [ -e "/proc/sys/$key" ] || continue',
  '  echo "${setting#*=}" >"$file" && mount --bind "$file" "/proc/sys/$key" && mount -o remount,bind,ro "/proc/sys/$key" ||',
  `    { echo "cannot stand in for /proc/sys/$key" >&2; exit ${SANDBOX_UNAVAILABLE}; }`,
  'done',
  // A process that has exited stays a zombie until waited for: `kill -0` would still find it.
  'alive() { [ -e "/proc/$1" ] && ! grep -q "^State:[[:space:]]*Z" "/proc/$1/status" 2>/dev/null; }',
  `"$containerd" --config ${LAYOUT.containerdConfig} >${LAYOUT.containerdLog} 2>&1 &`,
  'containerd_pid=$!',
  'i=0',
  `while [ ! -S ${LAYOUT.socket} ] && [ $i -lt 100 ] && alive $containerd_pid; do sleep 0.1; i=$((i + 1)); done`,
  'outcome=containerd pod= memory=/sys/fs/cgroup/memory/$name',
  `if [ -S ${LAYOUT.socket} ]; then`,
  `  "$strace" -f -qq -y -s 256 -e trace=open,openat,openat2,creat,mkdir,mkdirat,write -o ${LAYOUT.trace} ${LAYOUT.kubelet} "$@" >${LAYOUT.kubeletLog} 2>&1 &`,
  '  strace_pid=$! outcome=timeout',
  '  deadline=$(($(date +%s) + seconds))',
  // Done once the pod's memory cgroup has its limit: libcontainer creates it (and enables kmem where it does)
  // before it sets the limit, so every write that would follow the mkdir has had its chance.
  '  while [ "$(date +%s)" -lt $deadline ]; do',
  '    for dir in "$memory"/kubepods/pod* "$memory"/kubepods/*/pod*; do',
  '      [ -f "$dir/memory.limit_in_bytes" ] && [ "$(cat "$dir/memory.limit_in_bytes")" = "$limit" ] && pod=$dir',
  '    done',
  '    [ -n "$pod" ] && { outcome=reached; break; }',
  '    alive $strace_pid || { outcome=exited; break; }',
  '    sleep 0.1',
  '  done',
  // The kubelet first (strace then ends, its trace complete), then everything else in the sandbox.
  '  pkill -KILL -P $strace_pid',
  '  i=0',
  '  while alive $strace_pid && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done',
  'fi',
  'kill -KILL -1 2>/dev/null',
  'wait',
  '{',
  '  echo "outcome $outcome"',
  '  echo "kubepods $memory/kubepods"',
  '  [ -n "$pod" ] && echo "pod $pod"',
  '  for dir in "$memory/kubepods" $pod; do [ -e "$dir/memory.kmem.limit_in_bytes" ] && echo "kmem-file $dir"; done',
  `} >${LAYOUT.result}`,
  // What the kubelet mounted under its root directory, deepest first; then every cgroup it made.
  `grep " ${LAYOUT.rootDir}" /proc/self/mountinfo | cut -d" " -f5 | sort -r | while read -r m; do umount "$m" || umount -l "$m"; done`,
  'for h in $hierarchies; do',
  '  [ -d "$h/$name" ] && find "$h/$name" -depth -type d -exec rmdir {} + 2>/dev/null',
  `  [ -d "$h/$name" ] && echo "left $h/$name" >>${LAYOUT.result}`,
  'done',
  'exit 0',
].join('\n');
