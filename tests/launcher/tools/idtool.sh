#!/bin/bash
# ztrun idtool as zerotier-idtool behaves: generate -> validate -> getpublic round trips, the spec's
# identities (§8.3) and signature (§8.4), sign/verify round trips and tampering, output formats.
set -eu
ZTRUN=$1
WORLD_CHECK=$2
. "$(dirname "$0")/../../common/lib.sh"
cd "$T"

# §8.3: identity A (upstream's known-good), the same keys under another address (known-bad), B.
A_PUB=8e4df28b72:0:ac3d46abe0c21f3cfe7a6c8d6a85cfcffcb82fbd55af6a4d6350657c68200843fa2e16f9418bbd9702cae365f2af5fb4c420908b803a681d4daef6114d78a2d7
A=$A_PUB:bd8dd6e4ce7022d2f812797a80c6ee8ad180dc4ebf301dec8b06d1be08832bddd63a2f1cfa7b2c504474c75bdc8898ba476ef92e8e2d0509f8441985171ff16e
BAD=9e${A:2}
B=2e7ed86a47:0:65df795337f947b35c05fcee0b59c5ef62a0da53e2c5851bcdfe2f7f10366f3bbf86a4cbda18a10f258a4698af64e656ab3da25be60281f600c9c2aed421f348:7c08508817705df5338a59f7c4af973ad6fb63525e4cd0b6660a97144862c5123568802d23ca451ee685f664e1242553c70bb5ddab623447d85cffa0428a3841
FRESH=b33ea28fcd:0:e9bdbf9280531ad4bc3746bd0bae34f917c84d6552c378dc0e19cda167c21b7ebd511c4e1c66dcff19be3be40bb43eade95a0d1c5771b8bfde68b0d9b54d79a5:4b3a61757328f59247db50ed11afcd760abaa3c755de8e7329a5c6c8c0d6cf1f0f7a830c6089df454cc7a3e5ff2b00866293a37351e369ea04db6681da6621dd
# §8.4: sign(A, "ZeroTier test vector")
SIG84=b353c976ce36cd5557001b928a8eb22618d66aeecb38817494c398b6f57217ff9a9ef966ba6fa1482acfa74e410133ef93d8cc53fe869a08f8266031b91fce041f4b9bf4a0bbf259c93c4a876de7bf958389a6d7e283bf8c665ac401e0237b33

# --- generate, to stdout: the secret text and no newline, as stock prints it
zt idtool generate
expect_ok "generate"
grep -Eq '^[0-9a-f]{10}:0:[0-9a-f]{128}:[0-9a-f]{128}$' out || fail "generate printed '$(cat out)'"
[ "$(wc -c <out)" = 270 ] || fail "generate: $(wc -c <out) bytes, expected 270 (no newline)"
[ ! -s err ] || fail "generate wrote to stderr: $(cat err)"
cp out printed.secret
zt idtool validate printed.secret
expect_ok "validate what generate printed"
expect_out "printed.secret is a valid identity" "validate printed"

# --- generate to files: "X written" lines, secret 0600, public 0644 (umask 022)
umask 022
zt idtool generate id.secret id.public
expect_ok "generate files"
expect_out "$(printf 'id.secret written\nid.public written')" "generate files"
[ "$(mode_of id.secret)" = 600 ] || fail "identity.secret mode $(mode_of id.secret), expected 600"
[ "$(mode_of id.public)" = 644 ] || fail "identity.public mode $(mode_of id.public), expected 644"
[ "$(wc -c <id.secret)" = 270 ] && [ "$(wc -c <id.public)" = 141 ] || fail "file sizes: no newline expected"
no_temp_files .
[ "$(head -c 141 id.secret)" = "$(cat id.public)" ] || fail "public file is not the secret's public half"
# Only the secret: one line.
zt idtool generate only.secret
expect_ok "generate secret only"
expect_out "only.secret written" "generate secret only"
[ "$(mode_of only.secret)" = 600 ] || fail "only.secret mode $(mode_of only.secret)"
# Replacing a file keeps the new mode (the old one was world-readable).
echo old >replace.secret
chmod 644 replace.secret
zt idtool generate replace.secret
expect_ok "generate over an existing file"
[ "$(mode_of replace.secret)" = 600 ] || fail "replaced secret mode $(mode_of replace.secret)"
# Through a symlink the target is replaced, the link kept.
ln -s only.secret link.secret
zt idtool generate link.secret
expect_ok "generate through a symlink"
[ -L link.secret ] || fail "symlink replaced by a file"
[ "$(cat link.secret)" = "$(cat only.secret)" ] || fail "symlink target not written"

# --- validate and getpublic round trips, on files and on identity text
for f in id.secret id.public; do
	zt idtool validate $f
	expect_ok "validate $f"
	expect_out "$f is a valid identity" "validate $f"
done
zt idtool getpublic id.secret
expect_ok "getpublic secret"
[ "$(cat out)" = "$(cat id.public)" ] && [ "$(wc -c <out)" = 141 ] || fail "getpublic: '$(cat out)'"
cp out got.public
zt idtool getpublic got.public
expect_ok "getpublic of a public file"
cmp -s out id.public || fail "getpublic of public is not itself"
zt idtool getpublic "$(cat id.secret)"
expect_ok "getpublic of identity text"
cmp -s out id.public || fail "getpublic of identity text"
printf '%s\n' "$(cat id.public)" >newline.public
zt idtool validate newline.public
expect_ok "an identity file ending in a newline"

# --- §8.3
printf %s "$A" >a.secret
printf %s "$BAD" >bad.secret
for id in A B FRESH; do
	zt idtool validate "${!id}"
	expect_ok "validate §8.3 $id"
	expect_out "${!id} is a valid identity" "validate §8.3 $id"
done
zt idtool validate a.secret
expect_ok "validate §8.3 A from a file"
zt idtool getpublic a.secret
expect_out "$A_PUB" "getpublic §8.3 A"
zt idtool validate bad.secret
expect_fail 1 "bad.secret FAILED validation" "the known-bad identity"
zt idtool validate "$BAD"
expect_fail 1 "(text on the command line) FAILED validation" "the known-bad identity as text"
grep -q "${BAD:0:20}" err && fail "identity text echoed in an error message"
# A secret that does not belong to the public key (B's secret on A's public half): stock calls this
# valid; ztrun does not.
printf %s "$A_PUB:${B:142}" >mixed.secret
zt idtool validate mixed.secret
expect_fail 1 "mixed.secret FAILED validation: its secret key does not belong" "mismatched secret"
zt idtool sign mixed.secret a.secret
expect_fail 1 "cannot sign with mixed.secret: its secret key does not belong" "sign with mismatched secret"

# --- §8.4: the exact signature, verified from hex and from a file
printf 'ZeroTier test vector' >tv
zt idtool sign a.secret tv
expect_ok "sign §8.4"
expect_out "$SIG84" "§8.4 signature"
[ "$(wc -c <out)" = 192 ] || fail "sign printed a newline"
zt idtool verify "$A_PUB" tv "$SIG84"
expect_ok "verify §8.4 from hex"
expect_out "tv signature valid" "verify §8.4"
echo "$SIG84" >tv.sig
zt idtool verify a.secret tv tv.sig
expect_ok "verify §8.4 from a file with a newline"
zt idtool verify id.public tv "$SIG84"
expect_fail 1 "tv signature check FAILED" "§8.4 signature under another identity"

# --- sign/verify round trip, tampering with the file and with the signature
head -c 5000 /dev/urandom >data
zt idtool sign id.secret data
expect_ok "sign"
cp out data.sig
zt idtool verify id.public data data.sig
expect_ok "verify round trip"
expect_out "data signature valid" "verify round trip"
zt idtool verify "$(cat id.public)" data "$(cat data.sig)"
expect_ok "verify with identity text and hex"
cp data tampered
printf '\x01' | dd of=tampered bs=1 seek=100 conv=notrunc status=none
cmp -s data tampered && printf '\x02' | dd of=tampered bs=1 seek=100 conv=notrunc status=none
zt idtool verify id.public tampered data.sig
expect_fail 1 "tampered signature check FAILED" "tampered file"
sig=$(cat data.sig)
for pos in 0 100 130 191; do
	c=${sig:$pos:1}
	[ "$c" = 0 ] && r=1 || r=0
	bad_sig=${sig:0:$pos}$r${sig:$((pos + 1))}
	zt idtool verify id.public data "$bad_sig"
	expect_fail 1 "data signature check FAILED" "signature tampered at hex digit $pos"
done
# The whole file is signed, however long and however it is read: a difference far past the first
# read buffer is caught, and a pipe gives the same signature as the file.
head -c 300000 /dev/urandom >long
cp long long.b
printf 'x' | dd of=long.b bs=1 seek=250000 conv=notrunc status=none
cmp -s long long.b && printf 'y' | dd of=long.b bs=1 seek=250000 conv=notrunc status=none
zt idtool sign id.secret long
expect_ok "sign a long file"
cp out long.sig
zt idtool verify id.public long.b long.sig
expect_fail 1 "long.b signature check FAILED" "a long file changed near its end"
zt idtool verify id.public long long.sig
expect_ok "verify a long file"
sig_pipe=$("$ZTRUN" idtool sign id.secret /dev/stdin <long)
[ "$sig_pipe" = "$(cat long.sig)" ] || fail "signing through a pipe gives another signature"
# An empty file signs and verifies too.
: >empty
zt idtool sign id.secret empty
expect_ok "sign an empty file"
zt idtool verify id.public empty "$(cat out)"
expect_ok "verify an empty file"

# --- vanity: the address starts with the digit asked for
zt idtool generate v.secret v.public a
expect_ok "generate with a vanity prefix"
[ "$(head -c 1 v.public)" = a ] || fail "vanity prefix not honoured: $(cat v.public)"

# --- help
zt idtool --help
expect_ok "idtool --help"
for c in generate validate getpublic sign verify; do
	grep -q "^  $c " out || fail "idtool --help lacks $c"
done
zt idtool sign --help
expect_ok "idtool sign --help"
grep -q '^Usage: ztrun idtool sign SECRET_IDENTITY FILE' out || fail "idtool sign --help: $(cat out)"
zt --help
grep -q '^  idtool ' out && grep -q '^  planet ' out || fail "ztrun --help lacks idtool or planet"
echo ok
