#!/bin/bash
# examples/systemd: the unit passes `systemd-analyze verify` (with this build's ztrun in place of
# /usr/bin/ztrun), is Type=notify with its state in StateDirectory=, passes ztrun its join token as a
# credential, and its hardening is there. What ztrun does with the token file: example_docker and
# app_zt_jointoken.
# The notify protocol itself is tested by app_notify. Skipped without systemd-analyze.
set -eu
ZTRUN=$(realpath "$1")
SRC=$(cd "$(dirname "$0")/../../examples/systemd" && pwd)
command -v systemd-analyze >/dev/null || { echo "SKIP: no systemd-analyze (package systemd)"; exit 77; }
T=$(mktemp -d "${TMPDIR:-/tmp}/ztrun-systemd.XXXXXX")
trap 'rm -rf "$T"' EXIT
fail() {
	echo "FAIL: $*" >&2
	exit 1
}
unit=$T/ztrun-web.service
sed "s|/usr/bin/ztrun|$ZTRUN|" "$SRC/ztrun-web.service" >"$unit"
grep -q "^ExecStart=$ZTRUN " "$unit" || fail "no ExecStart with ztrun as its prefix"
man=--man=no
if command -v man >/dev/null; then
	mkdir -p "$T/man/man1"
	cp "$SRC/../../docs/ztrun.1" "$T/man/man1/"
	export MANPATH="$T/man"
	man=--man=yes
fi
systemd-analyze verify "$man" "$unit" >"$T/out" 2>&1 || fail "systemd-analyze verify: $(cat "$T/out")"
[ ! -s "$T/out" ] || fail "systemd-analyze verify warns: $(cat "$T/out")"
# The join token comes as a credential, to ztrun alone.
grep -qxF "LoadCredential=join-token:/etc/ztrun/web.token" "$unit" || fail "the unit loads no join token"
grep -qE "^ExecStart=$ZTRUN .*--join-token-file %d/join-token " "$unit" || fail "ExecStart passes no join token"
for line in Type=notify StateDirectory=ztrun-web 'Environment=ZTRUN_HOME=/var/lib/ztrun-web XDG_RUNTIME_DIR=/run/ztrun-web' DynamicUser=yes \
	NoNewPrivileges=yes ProtectSystem=strict KillMode=mixed 'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK'; do
	grep -qxF -- "$line" "$unit" || fail "the unit lacks $line"
done
# The env file the unit reads names a network and nothing else is required.
grep -qE '^ZTRUN_NETWORK=[0-9a-f]{16}$' "$SRC/web.env" || fail "web.env names no network"
echo "PASS systemd unit verified ($man)"
