#!/bin/sh
# Makes the root file system of a FROM-scratch image (Containerfile.scratch): each PROGRAM with the
# shared libraries it loads (as ldd lists them, at the same paths), a /bin/sh for the entrypoint, and
# the directories ztrun uses.
#   usage: make-rootfs.sh ROOTFS ZTRUN PROGRAM...
# ztrun goes to /usr/bin/ztrun, each PROGRAM to /usr/bin/<its name>.
set -eu
[ $# -ge 2 ] || { echo "usage: $0 ROOTFS ZTRUN PROGRAM..." >&2; exit 2; }
root=$1
shift
mkdir -p "$root/usr/bin" "$root/bin" "$root/tmp" "$root/var/lib/ztrun" "$root/run/ztrun" "$root/etc/ztrun"
chmod 1777 "$root/tmp"
chmod 700 "$root/var/lib/ztrun" "$root/run/ztrun"
copy_libs() { # the libraries PROGRAM loads, and the loader, at their own paths
	ldd "$1" 2>/dev/null | grep -o '/[^ ]*' | while read -r lib; do
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
}
cp "$1" "$root/usr/bin/ztrun"
copy_libs "$1"
shift
for p in "$@"; do
	cp "$p" "$root/usr/bin/$(basename "$p")"
	copy_libs "$p"
done
sh=$(command -v dash || command -v sh)
cp -L "$sh" "$root/bin/sh"
copy_libs "$sh"
