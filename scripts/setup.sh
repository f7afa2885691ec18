#!/usr/bin/env bash
# Sets up a fresh Debian/Ubuntu machine for nokmem, as root: the tools the pipeline and its tests run
# (Docker engine, git, strace, debootstrap, gcc), a running dockerd, the npm dependencies, the offline builder
# images of specs/toolchains.yaml (Debian's Go 1.19 and Go 1.15, made without any container registry), the
# doctor's image (nokmem node-image), promtool and a registry for the node side's tests, the real kubernetes tree
# the tests build (Debian's kubernetes source package), and the parts of the tests' real API server: Debian's
# etcd 3.4 and kubectl 1.20, and a kube-apiserver built once from that tree. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" != 0 ]; then
  echo "setup.sh: run as root (it installs packages and starts dockerd): sudo bash scripts/setup.sh" >&2
  exit 1
fi

step() { printf '\n== %s\n' "$*"; }

if ! node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' 2>/dev/null; then
  echo "setup.sh: nokmem needs Node.js 20 or later (with npm); install it, then run this again" >&2
  exit 1
fi

step "apt packages"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends \
  docker.io debootstrap strace git gcc libc6-dev make ca-certificates tar \
  dnf rpm rsync dpkg-dev debian-archive-keyring \
  prometheus docker-registry >/dev/null  # dnf, rpm: the real yum-style client of the tests; rsync: publish --target; dpkg-dev, the keyring: apt-get source of the real kubernetes tree; prometheus: promtool for the agent's metrics and alerting rules; docker-registry: a real registry for publish --image-registry
# etcd-server: the tests' real API server stores in it (a private etcd per test file; the package's own service
# is not needed, and Debian's policy-rc.d keeps it from starting in containers)
apt-get install -y -qq --no-install-recommends etcd-server openssl >/dev/null

step "Docker engine"
if ! docker info >/dev/null 2>&1; then
  # No bridge or iptables: builds run with --network none, and some hosts cannot create bridges.
  # Its own session, and not one of this shell's jobs: it must outlive setup.sh (the trap below stops only the
  # setup's own background work; killing every job once stopped the engine before the tests ran).
  setsid nohup dockerd --iptables=false --ip-forward=false --bridge=none >/var/log/nokmem-dockerd.log 2>&1 &
  disown
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
fi
docker info --format 'dockerd {{.ServerVersion}}, cgroup {{.CgroupVersion}}'

step "npm dependencies"
npm ci --no-audit --no-fund  # its prepare script compiles the CLI to dist/ (npm run compile)
test -f dist/cli.js || npm run compile

# The rest is independent work run side by side: three debootstraps (mostly downloading and unpacking), the
# kubernetes source and kubectl (downloads), then the kube-apiserver compile, which needs the Go 1.15 image and
# the source. Each background job logs to its own file, shown when it ends; any failure fails the setup.
logs=$(mktemp -d)
background_pids=()
trap 'for p in "${background_pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$logs"' EXIT
nokmem() { node dist/cli.js "$@"; }
background() { # name, command...
  local name=$1
  shift
  ("$@") >"$logs/$name.log" 2>&1 &
  eval "pid_$name=$!"
  background_pids+=("$!")
}
finish() { # name, title: wait for a background job, show its log, stop the setup if it failed
  local pid_var="pid_$1" status=0
  wait "${!pid_var}" || status=$?
  step "$2"
  cat "$logs/$1.log"
  if [ "$status" != 0 ]; then
    echo "setup.sh: $2 failed (exit $status)" >&2
    exit "$status"
  fi
}

kubectl_bin=/var/cache/nokmem/bin/kubectl-v1.20.2
fetch_kubectl() {
  # Unpacked beside, not installed: a machine may already have a kubectl package owning /usr/bin/kubectl.
  if ! "$kubectl_bin" version --client 2>/dev/null | grep -q 'GitVersion:"v1.20.2"'; then
    debs=$(mktemp -d)
    (cd "$debs" && apt-get -q -o APT::Sandbox::User=root download kubernetes-client >/dev/null)
    dpkg-deb -x "$debs"/kubernetes-client_*.deb "$debs/root"
    mkdir -p "$(dirname "$kubectl_bin")"
    install -m 0755 "$debs/root/usr/bin/kubectl" "$kubectl_bin"
    rm -rf "$debs"
    "$kubectl_bin" version --client | grep -q 'GitVersion:"v1.20.2"' || {
      echo "setup.sh: Debian's kubernetes-client is not kubectl v1.20.2: $("$kubectl_bin" version --client)" >&2
      exit 1
    }
  fi
  echo "$kubectl_bin"
}

# Images are rebuilt only when missing or made from other inputs (their labels say which).
background go119 nokmem builder-image --offline --if-outdated --go 1.19
background doctor nokmem node-image --if-outdated
background source bash scripts/fetch-kubernetes-source.sh
background kubectl fetch_kubectl
background go115 nokmem builder-image --offline --if-outdated --go 1.15

finish source "real kubernetes tree (Debian's kubernetes source package, for the tests)"
finish kubectl "kubectl 1.20 (Debian's kubernetes-client, unpacked): the tests' real API server and deploy/'s kustomizations"
finish go115 "builder image with Debian's Go 1.15"
step "kube-apiserver v1.20.2 (built once from that tree in the Go 1.15 image, for the tests' real API server)"
bash scripts/build-kube-apiserver.sh
finish go119 "builder image with Debian's Go 1.19"
finish doctor "the doctor's image (node side with its own Node 20, Debian bullseye)"
