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
  nohup dockerd --iptables=false --ip-forward=false --bridge=none >/var/log/nokmem-dockerd.log 2>&1 &
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
fi
docker info --format 'dockerd {{.ServerVersion}}, cgroup {{.CgroupVersion}}'

step "npm dependencies"
npm ci --no-audit --no-fund  # its prepare script compiles the CLI to dist/ (npm run compile)
test -f dist/cli.js || npm run compile

step "builder images"
# Rebuilt only when missing or made from another package list (their labels say which).
node dist/cli.js builder-image --offline --if-outdated

step "the doctor's image (node side with its own Node 20, Debian bullseye)"
# Rebuilt only when its inputs (the compiled node side, specs/, the Node runtime, the suite) change.
node dist/cli.js node-image --if-outdated

step "real kubernetes tree (Debian's kubernetes source package, for the tests)"
bash scripts/fetch-kubernetes-source.sh

step "kubectl 1.20 (Debian's kubernetes-client, unpacked): the tests' real API server and deploy/'s kustomizations"
# Unpacked beside, not installed: a machine may already have a kubectl package owning /usr/bin/kubectl.
kubectl_bin=/var/cache/nokmem/bin/kubectl-v1.20.2
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

step "kube-apiserver v1.20.2 (built once from that tree, for the tests' real API server)"
bash scripts/build-kube-apiserver.sh
