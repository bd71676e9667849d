#!/bin/bash
# The home is trusted only when it is ours: refused when others can write to it or another user owns it,
# its lock file never opened through a symbolic link, and a warning when a secret in it is readable by
# others.
set -eu
ZTRUN=$1
. "$(dirname "$0")/../../common/lib.sh"

H=$T/home
mkdir -m 0700 "$H"

# A planted ztrun.lock symbolic link: refused, and its target left as it was.
echo precious >"$T/victim"
ln -s "$T/victim" "$H/ztrun.lock"
zt service --home "$H"
expect_fail 1 "cannot use home $H: its ztrun.lock is a symbolic link" "planted lock link"
[ "$(cat "$T/victim")" = precious ] || fail "the lock link's target was written: $(cat "$T/victim")"
rm "$H/ztrun.lock"

# Others can write to it: refused, nothing made in it.
for mode in 0770 0707 1777; do
	chmod "$mode" "$H"
	zt service --home "$H"
	expect_fail 1 "cannot use home $H: others can write to it" "home mode $mode"
	[ -z "$(ls -A "$H")" ] || fail "home mode $mode: files made in it: $(ls -A "$H")"
done
chmod 0700 "$H"

# A directory above it that others can write to could have the home moved aside and another put in
# its place: refused, unless it has the sticky bit (as /tmp). Through a symbolic link, the real path's.
R=$(realpath "$T")
mkdir -m 0700 -p "$T/open/home"
for mode in 0777 0775; do
	chmod "$mode" "$T/open"
	zt service --home "$T/open/home"
	expect_fail 1 "cannot use home $T/open/home: $R/open, a directory above it, is writable by others" \
		"parent mode $mode"
	[ -z "$(ls -A "$T/open/home")" ] || fail "parent mode $mode: files made in the home: $(ls -A "$T/open/home")"
done
chmod 1777 "$T/open" # used (it then stops for want of a planet)
zt --home "$T/open/home" 8056c2e21c000001 -- true
[ -s "$T/open/home/identity.secret" ] || fail "parent mode 1777: home not used: $(cat "$T/err")"
chmod 0777 "$T/open"
ln -s "$T/open/home" "$T/link"
zt service --home "$T/link"
expect_fail 1 "cannot use home $T/link: $R/open, a directory above it, is writable by others" "home through a link"
chmod 0755 "$T/open"

# Owned by another user (only root can make one here).
if [ "$(id -u)" = 0 ]; then
	chown 65534 "$H"
	zt service --home "$H"
	expect_fail 1 "cannot use home $H: it belongs to another user" "home of another user"
	chown 0 "$H"
	chown 65534 "$T/open"
	zt service --home "$T/open/home"
	expect_fail 1 "cannot use home $T/open/home: $R/open, a directory above it, belongs to another user" \
		"a directory above it of another user"
	chown 0 "$T/open"
fi

# A secret readable by others: one warning naming it (the node still starts; here it then stops for
# want of a planet). Mode 0600: no warning.
zt --home "$H" 8056c2e21c000001 -- true
[ -s "$H/identity.secret" ] || fail "no identity made: $(cat "$T/err")"
! grep -q "accessible by others" "$T/err" || fail "warning for a private identity: $(cat "$T/err")"
for f in identity.secret authtoken.secret planet.key; do
	[ -e "$H/$f" ] || { echo secret >"$H/$f"; chmod 0600 "$H/$f"; }
	chmod 0640 "$H/$f"
	zt --home "$H" 8056c2e21c000001 -- true
	[ "$(grep -c "accessible by others" "$T/err")" = 1 ] || fail "$f mode 0640: not one warning: $(cat "$T/err")"
	grep -q "^ztrun: $H/$f is accessible by others (mode 0640): chmod 600 it$" "$T/err" ||
		fail "$f mode 0640: warning does not name it: $(cat "$T/err")"
	chmod 0600 "$H/$f"
done
echo ok
