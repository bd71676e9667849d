#!/bin/bash
# Bad input to ztrun idtool: missing files, garbage, wrong lengths, unwritable output, bad command
# lines. Each is exit status 1 (as zerotier-idtool) with one "ztrun: what failed: why" line, nothing on
# stdout, no crash, and nothing half-written.
set -eu
ZTRUN=$1
WORLD_CHECK=$2
. "$(dirname "$0")/../../common/lib.sh"
cd "$T"

A_PUB=8e4df28b72:0:ac3d46abe0c21f3cfe7a6c8d6a85cfcffcb82fbd55af6a4d6350657c68200843fa2e16f9418bbd9702cae365f2af5fb4c420908b803a681d4daef6114d78a2d7
A=$A_PUB:bd8dd6e4ce7022d2f812797a80c6ee8ad180dc4ebf301dec8b06d1be08832bddd63a2f1cfa7b2c504474c75bdc8898ba476ef92e8e2d0509f8441985171ff16e
printf %s "$A" >a.secret
printf %s "$A_PUB" >a.public
printf 'ZeroTier test vector' >tv

# --- command lines
zt idtool
expect_fail 1 "missing idtool COMMAND" "no command"
zt idtool frobnicate
expect_fail 1 "bad idtool command 'frobnicate'" "unknown command"
zt idtool validate
expect_fail 1 "too few arguments for idtool validate (usage: ztrun idtool validate IDENTITY)" "validate alone"
zt idtool sign a.secret
expect_fail 1 "too few arguments for idtool sign" "sign without FILE"
zt idtool verify a.public tv
expect_fail 1 "too few arguments for idtool verify" "verify without SIGNATURE"
zt idtool getpublic a.secret extra
expect_fail 1 "too many arguments for idtool getpublic" "extra argument"
zt idtool generate x y z w
expect_fail 1 "too many arguments for idtool generate" "generate with four arguments"
zt idtool generate v.secret v.public xyz
expect_fail 1 "bad VANITY 'xyz'" "non-hex vanity"
zt idtool generate v.secret v.public 0123456789a
expect_fail 1 "bad VANITY" "vanity longer than an address"
[ ! -e v.secret ] || fail "bad vanity still wrote a file"

# --- identities that are missing, unreadable or garbage
zt idtool validate missing.secret
expect_fail 1 "cannot read identity missing.secret: No such file or directory" "missing file"
zt idtool getpublic .
expect_fail 1 "cannot read identity .: Is a directory" "a directory"
head -c 100000 /dev/zero >big
zt idtool validate big
expect_fail 1 "cannot read identity big: file too long" "huge file"
bad_ids=(
	""                                     # empty
	"hello world"                          # garbage
	"${A_PUB:0:140}"                       # public key one digit short
	"${A_PUB}0"                            # public key one digit long
	"${A:0:269}"                           # secret one digit short
	"${A}00"                               # secret one byte long
	"8e4df28b72:1:${A_PUB:13}"             # type 1
	"8e4df28b7:0:${A_PUB:13}"              # 9-digit address
	"0000000000:0:${A_PUB:13}"             # reserved address
	"ff4df28b72:0:${A_PUB:13}"             # reserved address
	"8e4df28b72:0:${A_PUB:13}:"            # empty secret
	"8e4df28b72:0:zz${A_PUB:15}"           # non-hex
	"$(printf '%s\n%s' "$A_PUB" "$A_PUB")" # two identities
)
for i in "${!bad_ids[@]}"; do
	printf %s "${bad_ids[$i]}" >garbage
	for c in validate getpublic; do
		zt idtool $c garbage
		expect_fail 1 "cannot read identity garbage: not an identity" "$c of bad identity #$i"
	done
	zt idtool sign garbage tv
	expect_fail 1 "cannot read identity garbage: not an identity" "sign with bad identity #$i"
done
head -c 4096 /dev/urandom >random.bin
zt idtool validate random.bin
expect_fail 1 "cannot read identity random.bin" "random bytes"
# Identity text on the command line that is not one is not echoed (it might hold a secret).
zt idtool validate "${A:0:260}"
expect_fail 1 "cannot read identity (text on the command line): not an identity" "bad identity text"

# --- sign and verify inputs
zt idtool sign a.public tv
expect_fail 1 "cannot sign with a.public: it has no secret key" "sign with a public identity"
zt idtool sign a.secret missing
expect_fail 1 "cannot read missing: No such file or directory" "sign a missing file"
zt idtool verify a.public missing 00
expect_fail 1 "cannot read missing: No such file or directory" "verify a missing file"
zt idtool verify a.public tv missing.sig
expect_fail 1 "cannot read signature missing.sig: No such file or directory" "missing signature"
SIG=$("$ZTRUN" idtool sign a.secret tv)
for bad in "${SIG:0:190}" "${SIG}00" "${SIG:0:190}zz" "${SIG:0:128}"; do
	echo "$bad" >bad.sig
	zt idtool verify a.public tv bad.sig
	expect_fail 1 "cannot read signature bad.sig: not 192 hex digits" "signature file of ${#bad} digits"
done
zt idtool verify a.public tv "${SIG:0:190}"
expect_fail 1 "cannot read signature ${SIG:0:190}: No such file" "short signature in hex"
zt idtool verify a.public tv big
expect_fail 1 "cannot read signature big: file too long" "huge signature file"

# --- unwritable output: nothing written, nothing left behind
zt idtool generate nodir/id.secret
expect_fail 1 "cannot write the secret identity to nodir/id.secret: No such file or directory" "missing directory"
zt idtool generate a.public/id.secret
expect_fail 1 "cannot write the secret identity to a.public/id.secret: Not a directory" "path under a file"
zt idtool generate ok.secret nodir/id.public
[ "$rc" = 1 ] || fail "unwritable public file: exit status $rc"
expect_out "ok.secret written" "unwritable public file: the secret was written first"
grep -q "^ztrun: cannot write the public identity to nodir/id.public" err || fail "public file error: $(cat err)"
zt idtool generate .
expect_fail 1 "cannot write the secret identity to .: Is a directory" "a directory as output"
no_temp_files .
if [ "$(id -u)" != 0 ]; then
	mkdir ro && chmod 555 ro
	zt idtool generate ro/id.secret
	expect_fail 1 "cannot write the secret identity to ro/id.secret: Permission denied" "read-only directory"
fi
# A full standard output is a failure, not a silent success.
if [ -w /dev/full ]; then
	set +e
	"$ZTRUN" idtool getpublic a.secret >/dev/full 2>err
	rc=$?
	set -e
	[ "$rc" = 1 ] && grep -q '^ztrun: cannot write to standard output' err || fail "stdout full: rc $rc, $(cat err)"
fi
echo ok
