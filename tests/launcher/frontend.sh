#!/bin/bash
# One front end for every subcommand: a bad option is one "ztrun: " line naming it and where help is,
# and ZTRUN_LOG, -v and -q set how much each subcommand says, the same way everywhere.
set -eu
ZTRUN=$1
. "$(dirname "$0")/../common/lib.sh"

# $1: the option error expected, $2: its exit status, the rest: the command line.
bad_option() {
	local want=$1 status=$2
	shift 2
	zt "$@"
	expect_rc "$status" "$*"
	expect_one_line "^ztrun: bad option $want (see ztrun [a-z -]*--help)\$" "$*"
}
bad_option "'--bogus': unknown" 125 --bogus none -- true
bad_option "'-x': unknown" 125 -vx none -- true
bad_option "'-n': needs a value" 125 -n
bad_option "'--bogus': unknown" 2 service --bogus
bad_option "'--port': needs a value" 2 service --port
bad_option "'--help': takes no value" 2 service --help=1
bad_option "'-x': unknown" 2 controller -x
bad_option "'--bogus': unknown" 2 controller network list --bogus
bad_option "'--json': takes no value" 2 controller member show --json=yes
bad_option "'--bogus': unknown" 1 idtool --bogus
bad_option "'--bogus': unknown" 1 planet --bogus
bad_option "'-o': needs a value" 1 planet new -o
bad_option "'--bogus': unknown" 2 cli --bogus
bad_option "'-x': unknown" 2 cli -x info
bad_option "'--bogus': unknown" 2 shim --bogus "$T/shim.so"
grep -q "see ztrun service --help" <("$ZTRUN" service --bogus 2>&1) || fail "service: help hint"
grep -q "see ztrun planet new --help" <("$ZTRUN" planet new --bogus 2>&1) || fail "planet new: help hint"

# idtool and planet say little: a bad ZTRUN_LOG is what shows that they read it, and -q silences even
# that warning.
zt idtool -v generate "$T/root.secret" "$T/root.public"
expect_rc 0 "idtool -v"
ZTRUN_LOG=loud zt idtool getpublic "$T/root.secret"
expect_rc 0 "idtool with a bad ZTRUN_LOG"
expect_err "^ztrun: ignoring ZTRUN_LOG=loud: not a level" "idtool reads ZTRUN_LOG"
ZTRUN_LOG=loud zt idtool -q getpublic "$T/root.secret"
[ -z "$(ztrun_lines)" ] || fail "idtool -q: $(ztrun_lines)"

# shim says at info level what it wrote; cli reads ZTRUN_LOG and -q as the others do.
zt shim "$T/shim.so"
expect_rc 0 "shim"
[ -z "$(ztrun_lines)" ] || fail "shim at the default level: $(ztrun_lines)"
ZTRUN_LOG=error zt shim -v "$T/shim.so"
expect_err "^ztrun: wrote the preload library to $T/shim.so" "shim -v over ZTRUN_LOG=error"
ZTRUN_LOG=info zt shim --quiet "$T/shim.so"
[ -z "$(ztrun_lines)" ] || fail "shim --quiet: $(ztrun_lines)"
ZTRUN_LOG=loud zt cli -D "$T/nohome" info
expect_rc 1 "cli without a service"
expect_err "^ztrun: ignoring ZTRUN_LOG=loud" "cli reads ZTRUN_LOG"
expect_err "^ztrun: no service home $T/nohome" "cli without a service"

# planet new warns about a loopback endpoint: a warning, so ZTRUN_LOG=error hides it, -v brings it back.
port=$(( (RANDOM % 12000) + 20000 ))
loopback="endpoint 127.0.0.1/$port is loopback"
new_planet() { rm -f "$T/planet" "$T/planet.key"; zt planet new "$@" -o "$T/planet" --root "$T/root.public" --endpoint "127.0.0.1/$port"; }
new_planet
expect_err "$loopback" "planet new: the warning"
ZTRUN_LOG=error new_planet
! grep -q "$loopback" "$T/err" || fail "planet new: ZTRUN_LOG=error shows a warning"
ZTRUN_LOG=error new_planet -v
expect_err "$loopback" "planet new -v over ZTRUN_LOG=error"
new_planet -q
! grep -q "$loopback" "$T/err" || fail "planet new -q shows a warning"
ZTRUN_LOG=loud zt planet show "$T/planet"
expect_err "^ztrun: ignoring ZTRUN_LOG=loud" "planet show reads ZTRUN_LOG"
ZTRUN_LOG=loud zt planet -q show "$T/planet"
[ -z "$(ztrun_lines)" ] || fail "planet -q show: $(ztrun_lines)"

# The long-lived ones say at info level what they started: run $1 (service or controller) in the
# background with the rest of the arguments until HOME (the last one's --home or HOME) has its pid file,
# then stop it; its stderr is in $T/err.
daemon() {
	local home=$1
	shift
	rm -f "$home/zerotier-one.pid"
	"$ZTRUN" "$@" 2>"$T/err" &
	local pid=$!
	# as long as it lives: a first start makes an identity, slow under ASan on a loaded machine
	while [ ! -e "$home/zerotier-one.pid" ] && kill -0 "$pid" 2>/dev/null; do
		sleep 0.05
	done
	[ -e "$home/zerotier-one.pid" ] || fail "$*: did not start: $(cat "$T/err")"
	kill -TERM "$pid"
	wait "$pid" || fail "$*: exit status $? after SIGTERM"
}
# Homes with the identity made above: making one takes a while.
H="$T/svc"
C="$T/ctl"
mkdir -p "$H" "$C"
cp "$T/root.secret" "$H/identity.secret"
cp "$T/root.secret" "$C/identity.secret"
started() { grep -q "^ztrun: node [0-9a-f]* .*on UDP port" "$T/err"; }
daemon "$H" service --home "$H" --planet "$T/planet" -p 0
! started || fail "service: info line at the default level"
daemon "$H" service --home "$H" --planet "$T/planet" -p 0 -v
started || fail "service -v: no info line: $(cat "$T/err")"
ZTRUN_LOG=info daemon "$H" service --home "$H" --planet "$T/planet" -p 0
started || fail "service: ZTRUN_LOG=info: no info line: $(cat "$T/err")"
ZTRUN_LOG=info daemon "$H" service --home "$H" --planet "$T/planet" -p 0 -q
! started || fail "service: -q does not override ZTRUN_LOG=info"
ZTRUN_LOG=loud daemon "$H" service --home "$H" --planet "$T/planet" -p 0
grep -q "^ztrun: ignoring ZTRUN_LOG=loud" "$T/err" || fail "service: bad ZTRUN_LOG: $(cat "$T/err")"

cport=$(python3 -c 'import socket
while True:
    a = socket.socket(); a.bind(("127.0.0.1", 0)); p = a.getsockname()[1]
    try:
        b = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); b.bind(("127.0.0.1", p)); b.close(); a.close(); print(p); break
    except OSError:
        a.close()')
started() { grep -q "^ztrun: controller [0-9a-f]*.*UDP port $cport" "$T/err"; }
daemon "$C" controller -p "$cport" "$C"
! started || fail "controller: info line at the default level"
ZTRUN_LOG=info daemon "$C" controller -p "$cport" "$C"
started || fail "controller: ZTRUN_LOG=info: no info line: $(cat "$T/err")"
ZTRUN_LOG=info daemon "$C" controller -q -p "$cport" "$C"
! started || fail "controller: -q does not override ZTRUN_LOG=info"
ZTRUN_LOG=error daemon "$C" controller -v -p "$cport" "$C"
started || fail "controller -v over ZTRUN_LOG=error: no info line: $(cat "$T/err")"

# The management commands (no controller running: they work on HOME's files).
ZTRUN_LOG=loud zt controller network list "$C"
expect_rc 0 "network list with a bad ZTRUN_LOG"
expect_err "^ztrun: ignoring ZTRUN_LOG=loud" "network list reads ZTRUN_LOG"
ZTRUN_LOG=loud zt controller network list -q "$C"
[ -z "$(ztrun_lines)" ] || fail "network list -q: $(ztrun_lines)"
# -v and -q before the group too, as before idtool's COMMAND
ZTRUN_LOG=loud zt controller -q network list "$C"
expect_rc 0 "controller -q network list"
[ -z "$(ztrun_lines)" ] || fail "controller -q network list: $(ztrun_lines)"
zt controller -vq --verbose network list "$C"
expect_rc 0 "controller -vq --verbose network list"
bad_option "'--bogus': unknown" 2 controller -v network list --bogus
echo ok
