#!/bin/bash
# `cmake --install` to a temporary prefix, then what a user does with it: the example project in
# the installed docs (examples/ctest) configured with find_package(ztrun), built, and its CTest
# tests run: under `ztrun none`, and across two nodes of a private network made by the fixture.
set -eu
BUILD=$(realpath "${1:?usage: $0 BUILD_DIR}")
T=$(mktemp -d "${TMPDIR:-/tmp}/ztrun-install.XXXXXX")
trap 'rm -rf "$T"' EXIT
fail() {
	echo "FAIL: $*" >&2
	exit 1
}
cmake --install "$BUILD" --prefix "$T/prefix" >"$T/install.log" || fail "install: $(cat "$T/install.log")"
P=$T/prefix
libdir=$(sed -n 's/^CMAKE_INSTALL_LIBDIR:PATH=//p' "$BUILD/CMakeCache.txt")
for f in bin/ztrun "$libdir/libztrun-preload.so" share/man/man1/ztrun.1 share/doc/ztrun/README.md \
	share/doc/ztrun/examples/httpstub.c share/doc/ztrun/examples/ctest/CMakeLists.txt \
	"$libdir/cmake/ztrun/ztrunConfig.cmake" "$libdir/cmake/ztrun/ztrunConfigVersion.cmake" \
	"$libdir/cmake/ztrun/ZtrunTest.cmake" "$libdir/cmake/ztrun/ztrun-ctest.sh"; do
	[ -f "$P/$f" ] || fail "not installed: $f"
done
[ ! -e "$P/share/doc/ztrun/examples/CMakeLists.txt" ] || fail "our own build file went into the docs"
# The shim loads into a program and does nothing there without ztrun.
[ "$(LD_PRELOAD="$P/$libdir/libztrun-preload.so" sh -c 'echo ok' 2>&1)" = ok ] ||
	fail "the installed shim disturbs a program run without ztrun"

# A version the package does not offer is refused by find_package.
mkdir -p "$T/v"
printf 'cmake_minimum_required(VERSION 3.25)\nproject(v NONE)\nfind_package(ztrun 9.0 REQUIRED)\n' >"$T/v/CMakeLists.txt"
if cmake -S "$T/v" -B "$T/v/b" -DCMAKE_PREFIX_PATH="$P" >"$T/v.log" 2>&1; then
	fail "find_package(ztrun 9.0) was satisfied by $(cat "$BUILD/CMakeCache.txt" | sed -n 's/^CMAKE_PROJECT_VERSION:.*=//p')"
fi
grep -q "with requested version \"9.0\"" "$T/v.log" || fail "no version mismatch reported: $(cat "$T/v.log")"

EX=$P/share/doc/ztrun/examples/ctest
cmake -S "$EX" -B "$T/ex" -DCMAKE_PREFIX_PATH="$P" >"$T/cfg.log" 2>&1 || fail "configure: $(cat "$T/cfg.log")"
cmake --build "$T/ex" >"$T/build.log" 2>&1 || fail "build: $(cat "$T/build.log")"
# The tests use the installed ztrun, not the build tree's.
grep -q "$P/bin/ztrun" "$T/ex/CTestTestfile.cmake" || fail "the example does not run the installed ztrun"
rc=0
ctest --test-dir "$T/ex" --output-on-failure -j2 >"$T/ctest.log" 2>&1 || rc=$?
cat "$T/ctest.log"
[ $rc = 0 ] || fail "the example's tests failed"
grep -q "100% tests passed, 0 tests failed out of 4" "$T/ctest.log" || fail "not the 4 tests expected"
[ ! -e "$T/ex/ztrun-private-network" ] || fail "the fixture's cleanup left its directory"
echo "PASS installed package: the example project's tests ran against it"
