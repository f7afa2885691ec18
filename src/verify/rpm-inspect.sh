#!/bin/sh
# Reads one RPM for `nokmem verify`, inside the packager container: header fields, requirements, the
# signature check against ONLY the given public key, and the payload extracted for the binary proofs.
# Usage: inspect.sh RPM PUBLIC_KEY OUTDIR. Sections start with "== name"; the caller parses them.
# The payload is extracted while the header and signature are read (neither needs the other, and nothing extracted
# is run here), always beneath OUTDIR: a payload's absolute names are made relative to it.
rpm="$1"; key="$2"; out="$3"
extracted=$(mktemp)
(mkdir -p "$out" && cd "$out" && rpm2cpio "$rpm" | cpio -idm --quiet --no-absolute-filenames 2>&1; echo "exit=$?") >"$extracted" 2>&1 &
echo "== query"
rpm -qp --nosignature --qf 'name=%{NAME}\nversion=%{VERSION}\nrelease=%{RELEASE}\ncompressor=%{PAYLOADCOMPRESSOR}\nv4=%{RSAHEADER:pgpsig}\nv3=%{SIGPGP:pgpsig}\n' "$rpm" 2>&1
echo "== requires"
rpm -qp --nosignature --requires "$rpm" 2>&1
echo "== signature"
db=$(mktemp -d)
if rpmkeys --dbpath "$db" --import "$key" 2>&1; then
  rpmkeys --dbpath "$db" -Kv --define '_pkgverify_level signature' "$rpm" 2>&1
  echo "exit=$?"
else
  echo "exit=import-failed"
fi
wait
echo "== extract"
cat "$extracted"
rm -rf "$extracted" "$db"
