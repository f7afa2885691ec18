#!/usr/bin/env bash
# Sets up a fresh Debian/Ubuntu machine for nokmem, as root: the tools the pipeline and its tests run
# (Docker engine, git, strace, debootstrap, gcc), a running dockerd, the npm dependencies, the offline builder
# images of specs/toolchains.yaml (Debian's Go 1.19 and Go 1.15, made without any container registry), the
# doctor's image (nokmem node-image), promtool and a registry for the node side's tests, Debian's kubectl 1.20
# (unpacked) for deploy/'s kustomizations, and the real kubernetes tree the tests build (Debian's kubernetes source
# package). Safe to run again.
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

step "Docker engine"
if ! docker info >/dev/null 2>&1; then
  # No bridge or iptables: builds run with --network none, and some hosts cannot create bridges.
  nohup dockerd --iptables=false --ip-forward=false --bridge=none >/var/log/nokmem-dockerd.log 2>&1 &
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
fi
docker info --format 'dockerd {{.ServerVersion}}, cgroup {{.CgroupVersion}}'

step "npm dependencies"
npm ci --no-audit --no-fund

step "builder images"
# Rebuilt only when missing or made from another package list (their labels say which).
npx tsx src/cli.ts builder-image --offline --if-outdated

step "the doctor's image (node side with its own Node 20, Debian bullseye)"
# Rebuilt only when its inputs (the compiled node side, specs/, the Node runtime, the suite) change.
npx tsx src/cli.ts node-image --if-outdated

step "kubectl 1.20 (Debian's kubernetes-client), unpacked for the tests of deploy/'s kustomizations"
# Its kustomize (v2.0.3) is what the clusters nokmem serves run. Unpacked into the cache, not installed: a kubectl
# from another source may own /usr/bin/kubectl.
kubectl_dir=/var/cache/nokmem/kubernetes-client
if ! "$kubectl_dir/usr/bin/kubectl" version --client >/dev/null 2>&1; then
  kubectl_tmp=$(mktemp -d)
  (cd "$kubectl_tmp" && apt-get download -q -o APT::Sandbox::User=root kubernetes-client >/dev/null)
  rm -rf "$kubectl_dir" && mkdir -p "$kubectl_dir"
  dpkg-deb -x "$kubectl_tmp"/kubernetes-client_*.deb "$kubectl_dir"
  rm -rf "$kubectl_tmp"
fi
"$kubectl_dir/usr/bin/kubectl" version --client --short 2>/dev/null || "$kubectl_dir/usr/bin/kubectl" version --client

step "real kubernetes tree (Debian's kubernetes source package, for the tests)"
bash scripts/fetch-kubernetes-source.sh
