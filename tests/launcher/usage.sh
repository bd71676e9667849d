#!/bin/bash
# Bad command lines: exit 125 with one clear line, nothing on stdout, no runtime directory made.
set -eu
ZTRUN=$1
. "$(dirname "$0")/lib.sh"

zt
expect_one_error "^ztrun: missing NETWORK" "no arguments"
zt bogus -- true
expect_one_error "^ztrun: bad NETWORK 'bogus'" "unknown NETWORK"
zt 8056c2e21c00000 -- true
expect_one_error "^ztrun: bad NETWORK '8056c2e21c00000'" "15 hex digits"
zt 8056c2e21c00000g -- true
expect_one_error "^ztrun: bad NETWORK" "non-hex network ID"
zt 8056c2e21c000001 -- true
expect_one_error "^ztrun: cannot join network 8056c2e21c000001: .*not yet supported" "network ID"
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
