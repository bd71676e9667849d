#!/bin/sh
# Builds ztrun and runs its whole test suite: the normal build, then the ASan+UBSan build, then
# the fuzz targets (clang). Installs missing Debian packages first. This is what CI runs.
set -eu
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)
scripts/deps.sh test
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
