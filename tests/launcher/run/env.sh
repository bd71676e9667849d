#!/bin/bash
# What COMMAND is given: LD_PRELOAD with the shim first, ZT_NC_NETWORK naming a live socket in a
# private 0700 directory, and a clean signal mask.
set -eu
ZTRUN=$1
EXTRA_LIB=$2 # a harmless shared library to stand for an LD_PRELOAD the user already had
. "$(dirname "$0")/../../common/lib.sh"

report='
	d=$(dirname "$ZT_NC_NETWORK")
	echo "LD_PRELOAD=$LD_PRELOAD"
	echo "ZT_NC_NETWORK=$ZT_NC_NETWORK"
	echo "dir=$d"
	echo "mode=$(stat -c %a "$d")"
	echo "owner=$(stat -c %u "$d")"
	echo "shim_mode=$(stat -c %a "$d/libztrun-preload.so")"
	echo "shim_size=$(stat -c %s "$d/libztrun-preload.so")"
	[ -S "$ZT_NC_NETWORK" ] && echo socket=yes
	grep -q libztrun-preload.so /proc/self/maps && echo mapped=yes
	grep -E "^Sig(Blk|Ign):" /proc/self/status | sed "s/:[[:space:]]*/=/"
	exit 0'
get() { sed -n "s/^$1=//p" "$T/out"; }

# ztrun itself starts with that LD_PRELOAD too; in the ASan build, tell ASan that is fine.
LD_PRELOAD="$EXTRA_LIB" ASAN_OPTIONS="verify_asan_link_order=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}" \
	zt none -- bash -c "$report"
expect_rc 0 "report"
dir=$(get dir)
case "$dir" in "$XDG_RUNTIME_DIR"/ztrun.??????) ;; *) fail "runtime directory is '$dir'" ;; esac
[ "$(get LD_PRELOAD)" = "$dir/libztrun-preload.so:$EXTRA_LIB" ] ||
	fail "LD_PRELOAD is '$(get LD_PRELOAD)', expected the shim prepended to $EXTRA_LIB"
[ "$(get ZT_NC_NETWORK)" = "$dir/nc_none" ] || fail "ZT_NC_NETWORK is '$(get ZT_NC_NETWORK)'"
[ "$(get socket)" = yes ] || fail "ZT_NC_NETWORK is not a socket while COMMAND runs"
[ "$(get mode)" = 700 ] || fail "runtime directory mode $(get mode)"
[ "$(get owner)" = "$(id -u)" ] || fail "runtime directory owner $(get owner)"
[ "$(get shim_mode)" = 500 ] || fail "shim mode $(get shim_mode)"
# COMMAND starts with no signal blocked although ztrun blocks seven, and ignores none (the test runs
# with none ignored).
[ "$(get SigBlk)" = 0000000000000000 ] || fail "COMMAND starts with signals blocked: $(get SigBlk)"
[ "$(get SigIgn)" = 0000000000000000 ] || fail "COMMAND starts with signals ignored: $(get SigIgn)"
[ "$(get shim_size)" -gt 0 ] || fail "the shim written out is empty"
[ "$(get mapped)" = yes ] || fail "the shim is not loaded in COMMAND"
[ ! -s "$T/err" ] || fail "unexpected stderr: $(cat "$T/err")"
rundir_empty "report"

# COMMAND has the descriptors ztrun was given and none of its own (epoll, signalfd, control socket,
# status pipe, the shim file): ls lists its own, run with and without ztrun, same redirections.
fds() {
	"$@" ls -l /proc/self/fd >"$T/out" 2>"$T/err" </dev/null || fail "ls /proc/self/fd failed: $(cat "$T/err")"
	awk '$(NF-1) == "->" && $NF !~ "^/proc/" {print $(NF-2), $NF}' "$T/out" | sort
}
without=$(fds)
with=$(fds "$ZTRUN" none --)
[ "$with" = "$without" ] || fail "COMMAND's descriptors: $with; without ztrun: $without"

# Without a previous LD_PRELOAD the shim is the whole value.
(unset LD_PRELOAD; zt none -- sh -c 'echo "$LD_PRELOAD"'; echo "$rc" >"$T/rc")
case "$(cat "$T/out")" in
"$XDG_RUNTIME_DIR"/ztrun.??????/libztrun-preload.so) ;;
*) fail "LD_PRELOAD without a previous value: '$(cat "$T/out")'" ;;
esac

# COMMAND starts with the fd limits ztrun was started with, while ztrun's own soft limit is its hard
# one (it holds an fd per socket of COMMAND).
hard=$(ulimit -Hn)
if [ "$hard" = unlimited ] || [ "$hard" -gt 256 ]; then
	(ulimit -Sn 256; zt none -- bash -c 'echo "soft=$(ulimit -Sn)"; echo "ztrun=$(awk "/^Max open files/ {print \$4}" /proc/$PPID/limits)"'; echo "$rc" >"$T/rc")
	rc=$(cat "$T/rc")
	expect_rc 0 "fd limits"
	[ "$(get soft)" = 256 ] || fail "COMMAND's soft fd limit is $(get soft), ztrun was started with 256"
	[ "$(get ztrun)" = "$hard" ] || fail "ztrun's own soft fd limit is $(get ztrun), its hard limit $hard"
fi
echo ok
