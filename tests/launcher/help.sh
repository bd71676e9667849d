#!/bin/bash
# --help prints the usage and the subcommand table and exits 0; --version prints the version.
set -eu
ZTRUN=$1
VERSION=$2
. "$(dirname "$0")/../common/lib.sh"

for args in "--help" "-h" "run --help" "-v --help"; do
	# shellcheck disable=SC2086
	zt $args
	expect_rc 0 "$args"
	grep -q '^Usage: ztrun \[OPTIONS\] NETWORK -- COMMAND \[ARG...\]' "$T/out" || fail "$args: no usage: $(cat "$T/out")"
	grep -q '^Subcommands:' "$T/out" || fail "$args: no subcommand table"
	grep -q '^  run  *run COMMAND' "$T/out" || fail "$args: table lacks run"
	for opt in --verbose --quiet --drop-caps --help --version; do
		grep -q -e "$opt" "$T/out" || fail "$args: help lacks $opt"
	done
	[ ! -s "$T/err" ] || fail "$args: wrote to stderr: $(cat "$T/err")"
done
for args in "--version" "-V"; do
	zt $args
	expect_rc 0 "$args"
	[ "$(cat "$T/out")" = "ztrun $VERSION" ] || fail "$args: printed '$(cat "$T/out")', expected 'ztrun $VERSION'"
done
rundir_empty "help"
echo ok
