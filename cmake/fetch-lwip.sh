#!/bin/sh
# Obtain lwIP's sources from Debian's source package, verified against pinned checksums, with
# Debian's patches applied. Uses a private apt state and a deb-src list derived from the host's own
# apt sources, so nothing on the host changes and no mirror name lives in this repository.
# usage: fetch-lwip.sh DEST_DIR
set -eu
dest=$1
ver=2.1.3+dfsg1
rev=2
sums="0a8276d09fc4e97bbba2f953d74af2388fc2195ea156be9d7589e297a68fde24  lwip_$ver.orig.tar.xz
c5a48413d362cc757032cdd58f528f75eb64ee781ca46ca24f010b49b0e62a90  lwip_$ver-$rev.debian.tar.xz
8d8f944db8e6d542fc2d6f01559078fb1b5dda71651c67ee5fa3571ed1342c50  lwip_$ver-$rev.dsc"

[ -f "$dest/src/core/tcp.c" ] && exit 0
command -v dpkg-source >/dev/null || { echo "fetch-lwip: dpkg-source missing (apt-get install dpkg-dev)" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/ztrun-lwip.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/state/lists/partial" "$work/cache/archives/partial" "$work/parts"
# deb-src entries from the system's own sources (deb822 and one-line formats)
for f in /etc/apt/sources.list.d/*.sources; do
	[ -f "$f" ] && sed 's/^Types:.*/Types: deb-src/' "$f" > "$work/parts/$(basename "$f")"
done
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
	[ -f "$f" ] && sed -n 's/^deb \(.*\)/deb-src \1/p' "$f" > "$work/parts/$(basename "$f").list"
done
cat > "$work/apt.conf" <<CONF
Dir::State "$work/state";
Dir::Cache "$work/cache";
Dir::Etc::SourceList "/dev/null";
Dir::Etc::SourceParts "$work/parts";
APT::Sandbox::User "root";
CONF
export APT_CONFIG="$work/apt.conf"
apt-get -q update >"$work/update.log" 2>&1 || { cat "$work/update.log" >&2; exit 1; }
(cd "$work" && apt-get -q source --download-only "lwip=$ver-$rev") >"$work/source.log" 2>&1 ||
	{ cat "$work/source.log" >&2; exit 1; }
(cd "$work" && echo "$sums" | sha256sum -c --quiet -) || { echo "fetch-lwip: checksum mismatch" >&2; exit 1; }
(cd "$work" && dpkg-source --no-check -x "lwip_$ver-$rev.dsc" tree) >/dev/null
rm -rf "$dest.tmp" && mkdir -p "$(dirname "$dest")" && mv "$work/tree" "$dest.tmp" && rm -rf "$dest" && mv "$dest.tmp" "$dest"
echo "fetch-lwip: lwIP $ver-$rev in $dest"
