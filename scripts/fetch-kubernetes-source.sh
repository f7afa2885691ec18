#!/usr/bin/env bash
# Fetches a real kubernetes tree without GitHub: Debian bullseye's source package `kubernetes`
# (1.20.5+really1.20.2-1), whose orig tarball is the upstream v1.20.2 tree with vendor/ (FACTS.md, "A real
# kubernetes tree without GitHub"). Uses apt's own tooling with a private configuration (a deb-src line for
# bullseye), so the host's apt sources are not changed; checks the tarball's sha256; caches it.
# The tree is never committed: the tests build it from the cache. Safe to run again.
#
#   bash scripts/fetch-kubernetes-source.sh [CACHE_DIR]     (default /var/cache/nokmem/debian)
set -euo pipefail

cache=${1:-${NOKMEM_DEBIAN_CACHE:-/var/cache/nokmem/debian}}
mirror=${NOKMEM_DEBIAN_MIRROR:-http://deb.debian.org/debian}
tarball=kubernetes_1.20.5+really1.20.2.orig.tar.gz
sha256=b83c0780efb182d928dc63d46488a847f161f04e40a94b96bf5247dd671ecdfc

mkdir -p "$cache"
if [ -f "$cache/$tarball" ] && echo "$sha256  $cache/$tarball" | sha256sum --check --status; then
  echo "$cache/$tarball is cached"
  exit 0
fi

apt_dir=$(mktemp -d)
trap 'rm -rf "$apt_dir"' EXIT
mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial"
echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror bullseye main" >"$apt_dir/sources.list"
apt_opts=(-q -o "Dir::Etc::sourcelist=$apt_dir/sources.list" -o Dir::Etc::sourceparts=/nonexistent
  -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache" -o APT::Sandbox::User=root)
apt-get "${apt_opts[@]}" update >/dev/null
# Only the orig tarball is needed; the mirror may no longer serve this revision's .dsc and debian.tar.xz,
# so their absence is not fatal as long as the tarball arrives and has the expected digest.
(cd "$apt_dir" && apt-get "${apt_opts[@]}" source --download-only kubernetes=1.20.5+really1.20.2-1 >/dev/null 2>"$apt_dir/err") || true
if [ ! -f "$apt_dir/$tarball" ]; then
  echo "fetch-kubernetes-source: apt did not deliver $tarball from $mirror (bullseye, deb-src):" >&2
  cat "$apt_dir/err" >&2
  exit 1
fi
if ! echo "$sha256  $apt_dir/$tarball" | sha256sum --check --status; then
  echo "fetch-kubernetes-source: $tarball does not have sha256 $sha256; refusing it" >&2
  exit 1
fi
mv "$apt_dir/$tarball" "$cache/$tarball.part"
mv "$cache/$tarball.part" "$cache/$tarball"
echo "$cache/$tarball"
