#!/bin/bash
# Bad command lines: exit 125 with one clear line, nothing on stdout, no runtime directory made.
set -eu
ZTRUN=$1
. "$(dirname "$0")/../common/lib.sh"

zt
expect_one_error "^ztrun: missing NETWORK" "no arguments"
zt bogus -- true
expect_one_error "^ztrun: bad NETWORK 'bogus'" "unknown NETWORK"
zt 8056c2e21c00000 -- true
expect_one_error "^ztrun: bad NETWORK '8056c2e21c00000'" "15 hex digits"
zt 8056c2e21c00000g -- true
expect_one_error "^ztrun: bad NETWORK" "non-hex network ID"
# A network whose controller never answers: the planet's only root is a loopback port nobody uses.
"$ZTRUN" idtool generate "$T/r.secret" "$T/r.public" >/dev/null
"$ZTRUN" planet new -o "$T/planet" --root "$T/r.public" --endpoint "127.0.0.1/$(( (RANDOM % 12000) + 20000 ))" 2>/dev/null
zt --ephemeral --planet "$T/planet" --wait 1 8056c2e21c000001 -- true
expect_rc 125 "network ID, no answer"
# No root answers: said so (not "authorize the node", which would not help).
grep -q "^ztrun: cannot join 8056c2e21c000001: no root of its planet answers after 1 s (planet from --planet" "$T/err" ||
	fail "network ID, no answer: $(cat "$T/err")"
zt --ephemeral --planet "$T/planet" -n 8056c2e21c00000 8056c2e21c000001 -- true
expect_one_error "^ztrun: bad network ID '8056c2e21c00000' for -n" "bad -n"
zt --ephemeral --planet "$T/planet" --wait x 8056c2e21c000001 -- true
expect_one_error "^ztrun: bad wait 'x'" "bad --wait"
zt --home "$T/h" --ephemeral 8056c2e21c000001 -- true
expect_one_error "^ztrun: --home and --ephemeral exclude each other" "--home with --ephemeral"
zt none
expect_one_error "^ztrun: missing '--' and COMMAND" "no --"
zt none true
expect_one_error "^ztrun: expected '--' after NETWORK, got 'true'" "COMMAND without --"
zt none -v -- true
expect_one_error "^ztrun: expected '--' after NETWORK, got '-v' (options go before NETWORK)" "option after NETWORK"
zt none --
expect_one_error "^ztrun: missing COMMAND after '--'" "no COMMAND"
zt -x none -- true
expect_one_error "^ztrun: bad option '-x'" "unknown short option"
zt -vx none -- true
expect_one_error "^ztrun: bad option '-x'" "unknown option in a cluster"
zt --bogus none -- true
expect_one_error "^ztrun: bad option '--bogus'" "unknown long option"
# An explicit run subcommand parses the same way.
zt run bogus -- true
expect_one_error "^ztrun: bad NETWORK 'bogus'" "run subcommand, unknown NETWORK"
rundir_empty "usage errors"
echo ok
