#!/usr/bin/env bash
# Builds the kube-apiserver that the tests' real API server runs (test/helpers/apiserver.ts), once per machine:
# from Debian's kubernetes 1.20.2 tree (scripts/fetch-kubernetes-source.sh), with kubernetes' own
# `make WHAT=cmd/kube-apiserver` in the Go 1.15 builder image, --network none, as the unprivileged build user.
# kube-apiserver is in upstream's KUBE_STATIC_LIBRARIES, so it is built as upstream does (CGO_ENABLED=0).
# The binary is kept with its sha256 at the cache path and reused; the Go build cache is the one the real
# kubelet test uses (same image, mount path and user), so the two builds share their compiled packages.
# The tarball is a `git archive` export: its hack/lib/version.sh already says v1.20.2, commit and tree state.
# Never committed, never built per test. Safe to run again.
#
#   bash scripts/build-kube-apiserver.sh        (as root, after setup.sh made the builder images)
set -euo pipefail

tarball=${NOKMEM_REAL_KUBERNETES_TARBALL:-/var/cache/nokmem/debian/kubernetes_1.20.5+really1.20.2.orig.tar.gz}
bin_dir=${NOKMEM_TEST_BIN_DIR:-/var/cache/nokmem/bin}
image=${NOKMEM_APISERVER_IMAGE:-nokmem-builder:debian-go1.15}
name=kube-apiserver-v1.20.2
bin=$bin_dir/$name
build_uid=10001 # src/docker.ts BUILD_UID
mount=/go/src/k8s.io/kubernetes

if [ -x "$bin" ] && [ -f "$bin.sha256" ] && (cd "$bin_dir" && sha256sum --check --status "$name.sha256"); then
  echo "$bin is cached ($(cut -c1-16 "$bin.sha256"))"
  exit 0
fi
if [ ! -f "$tarball" ]; then
  echo "build-kube-apiserver: $tarball is missing: run scripts/fetch-kubernetes-source.sh first" >&2
  exit 1
fi
go=$(docker image inspect --format '{{index .Config.Labels "dev.nokmem.go-version"}}' "$image" 2>/dev/null) || {
  echo "build-kube-apiserver: the builder image $image is missing: run scripts/setup.sh" >&2
  exit 1
}
# the path test/integration/kubelet-real.test.ts (goCacheOf) and the pipeline use for this image's Go
go_cache=${NOKMEM_TEST_GO_BUILD_CACHE:-/var/cache/nokmem/go-build-tests}/go$go

mkdir -p "$bin_dir" "$go_cache"
work=$(mktemp -d /var/tmp/nokmem-kube-apiserver.XXXXXX)
container=nokmem-build-kube-apiserver-$$
cleanup() {
  docker rm -f "$container" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

started=$(date +%s)
tar -xzf "$tarball" -C "$work"
tree=$work/kubernetes-1.20.2
# hack/lib/golang.sh exports GOCACHE=_output/local/go/cache: the shared cache is mounted there too
mkdir -p "$tree/_output/local/go/cache"
chown -R "$build_uid:$build_uid" "$tree" "$go_cache"
docker run --rm --name "$container" --network none --user "$build_uid:$build_uid" \
  -e HOME=/tmp -e GOPATH=/go -e GOCACHE=/gocache -e GO111MODULE=off -e GOPROXY=off \
  -e KUBE_BUILD_PLATFORMS=linux/amd64 \
  -v "$tree:$mount" -v "$go_cache:/gocache" -v "$go_cache:$mount/_output/local/go/cache" \
  -w "$mount" "$image" make WHAT=cmd/kube-apiserver >"$work/build.log" 2>&1 || {
  echo "build-kube-apiserver: make WHAT=cmd/kube-apiserver failed in $image; the end of its log:" >&2
  tail -n 40 "$work/build.log" >&2
  exit 1
}
built=$tree/_output/local/bin/linux/amd64/kube-apiserver
version=$("$built" --version)
if [ "$version" != "Kubernetes v1.20.2" ]; then
  echo "build-kube-apiserver: the binary says \"$version\", not \"Kubernetes v1.20.2\"; refusing it" >&2
  exit 1
fi
install -m 0755 "$built" "$bin.part"
mv "$bin.part" "$bin"
(cd "$bin_dir" && sha256sum "$name" >"$name.sha256.part" && mv "$name.sha256.part" "$name.sha256")
echo "$bin built in $(($(date +%s) - started)) s ($version, Go build cache $go_cache)"
