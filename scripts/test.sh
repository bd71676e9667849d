#!/bin/sh
# Builds ztrun and runs its whole test suite: the normal build, then the ASan+UBSan build, then
# the fuzz targets (clang); last, a Release build (-O3 finds warnings the others do not; built only).
# Installs missing Debian packages first. This is what CI runs.
set -eu
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)
scripts/deps.sh test
# The tests run nodes only on loopback and in their own namespaces. Should one not name its planet,
# it fails to start rather than fall back to ZeroTier's public roots; nor does any use your home.
export ZTRUN_PLANET="$PWD/build/no-planet-given-in-tests"
export ZTRUN_HOME="${TMPDIR:-/tmp}/ztrun-tests-home-$$"
trap 'rm -rf "$ZTRUN_HOME"' EXIT
cmake --preset default >/dev/null
cmake --build --preset default -j "$jobs"
ctest --preset default -j "$jobs"
cmake --preset asan >/dev/null
cmake --build --preset asan -j "$jobs"
ctest --preset asan -j "$jobs"
if command -v clang >/dev/null 2>&1; then
	cmake --preset fuzz >/dev/null
	cmake --build --preset fuzz -j "$jobs"
	ctest --preset fuzz -j "$jobs"
fi
cmake --preset release >/dev/null
cmake --build --preset release -j "$jobs"
