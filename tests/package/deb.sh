#!/bin/bash
# `cpack -G DEB` on the build tree: the package's fields, its dependencies (from dpkg-shlibdeps),
# its files, and the stripped ztrun from it running a program on its loopback.
set -eu
BUILD=$(realpath "${1:?usage: $0 BUILD_DIR}")
command -v dpkg-deb >/dev/null || { echo "SKIP: no dpkg-deb (not a Debian system)"; exit 77; }
command -v dpkg-shlibdeps >/dev/null || { echo "SKIP: no dpkg-shlibdeps (package dpkg-dev)"; exit 77; }
T=$(mktemp -d "${TMPDIR:-/tmp}/ztrun-deb.XXXXXX")
trap 'rm -rf "$T"' EXIT
fail() {
	echo "FAIL: $*" >&2
	exit 1
}
cpack -G DEB --config "$BUILD/CPackConfig.cmake" -B "$T" >"$T/cpack.log" 2>&1 || fail "cpack: $(cat "$T/cpack.log")"
deb=$(ls "$T"/ztrun_*.deb)
[ -f "$deb" ] || fail "no package made: $(cat "$T/cpack.log")"
arch=$(dpkg --print-architecture)
[ "$(dpkg-deb -f "$deb" Package)" = ztrun ] || fail "Package: $(dpkg-deb -f "$deb" Package)"
[ "$(dpkg-deb -f "$deb" Architecture)" = "$arch" ] || fail "Architecture: $(dpkg-deb -f "$deb" Architecture)"
[ "$deb" = "$T/ztrun_$(dpkg-deb -f "$deb" Version)_$arch.deb" ] || fail "file name $deb"
depends=$(dpkg-deb -f "$deb" Depends)
echo "Depends: $depends"
for lib in libc6 libsodium23 liblz4-1 libcap-ng0 libssl3 libcjson1 libseccomp2; do
	[[ ", $depends," == *", $lib "* || ", $depends," == *", $lib,"* ]] || fail "Depends lacks $lib: $depends"
done
dpkg-deb -c "$deb" >"$T/files"
for f in ./usr/bin/ztrun 'libztrun-preload.so' ./usr/share/man/man1/ztrun.1 'cmake/ztrun/ztrunConfig.cmake' \
	./usr/share/doc/ztrun/examples/httpstub.c; do
	grep -qF -- "$f" "$T/files" || fail "the package lacks $f: $(cat "$T/files")"
done
! grep -q '\./usr/local/' "$T/files" || fail "files under /usr/local in the package"
dpkg-deb -x "$deb" "$T/root"
Z=$T/root/usr/bin/ztrun
! readelf -S "$Z" | grep -q '\.symtab' || fail "ztrun in the package is not stripped"
[ "$("$Z" --version)" = "$(dpkg-deb -f "$deb" Version | sed 's/^/ztrun /')" ] ||
	fail "version: $("$Z" --version) for package $(dpkg-deb -f "$deb" Version)"
# Port 1 inside ztrun's loopback: refused there (the host's has no bearing on it).
out=$(XDG_RUNTIME_DIR=$T "$Z" none -- bash -c '(exec 3<>/dev/tcp/127.0.0.1/1) 2>/dev/null || echo refused') || true
[ "$out" = refused ] || fail "the packaged ztrun did not run a program on its loopback: $out"
echo "PASS Debian package $(basename "$deb")"
