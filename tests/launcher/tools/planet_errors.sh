#!/bin/bash
# Bad input to ztrun planet: bad command lines, roots and endpoints, garbage and truncated planet files,
# wrong or damaged keys, stale timestamps, unwritable output. Each is exit status 1 with one
# "ztrun: what failed: why" line and nothing on stdout; no output file or key is left half-made.
set -eu
ZTRUN=$1
WORLD_CHECK=$2
. "$(dirname "$0")/../../common/lib.sh"
cd "$T"

"$ZTRUN" idtool generate r.secret r.public >/dev/null
for i in 1 2 3 4 5; do "$ZTRUN" idtool generate "x$i.secret" "x$i.public" >/dev/null; done
R=$(cut -c1-10 r.public)
# A syntactically fine identity that fails the address proof: r's keys under another address.
printf %s "0123456789${R:10}$(cut -c11- r.public)" >forged.public

# --- command lines
zt planet
expect_fail 1 "missing planet COMMAND" "no command"
zt planet grow
expect_fail 1 "bad planet command 'grow'" "unknown command"
zt planet new --root r.public -e 192.0.2.1/9993
expect_fail 1 "missing -o PLANET" "new without -o"
zt planet new -o p
expect_fail 1 "missing --root IDENTITY --endpoint IP/PORT" "new without roots"
zt planet new -o p -r r.public
expect_fail 1 "root $R has no endpoint" "root without endpoint"
zt planet new -o p -e 192.0.2.1/9993
expect_fail 1 "--endpoint 192.0.2.1/9993: no --root before it" "endpoint before any root"
zt planet new -o p -r r.public -e 192.0.2.1/9993 stray
expect_fail 1 "unexpected argument 'stray'" "positional argument to new"
zt planet new -o p --bogus
expect_fail 1 "bad option '--bogus'" "unknown long option"
zt planet new -o p -x
expect_fail 1 "bad option '-x'" "unknown short option"
zt planet new -o
expect_fail 1 "bad option '-o': needs a value" "-o without a value"
zt planet new -o p -r r.public -e 192.0.2.1/9993 --id 0
expect_fail 1 "bad --id '0'" "ID 0"
zt planet new -o p -r r.public -e 192.0.2.1/9993 --id 12ab
expect_fail 1 "bad --id '12ab'" "ID not a number"
zt planet new -o p -r r.public -e 192.0.2.1/9993 --id 0x10000000000000000
expect_fail 1 "bad --id" "ID over 64 bits"
zt planet new -o p -r r.public -e 192.0.2.1/9993 --timestamp -5
expect_fail 1 "bad --timestamp '-5'" "negative timestamp"
zt planet show
expect_fail 1 "missing PLANET" "show without a file"
zt planet show a b
expect_fail 1 "unexpected argument 'b'" "show with two files"
zt planet update
expect_fail 1 "missing PLANET" "update without a file"
zt planet verify --previous
expect_fail 1 "bad option '--previous': needs a value" "verify --previous without a value"
[ -z "$(ls -A | grep -v -e '^r\.' -e '^x[0-9]\.' -e '^forged' -e '^out$' -e '^err$')" ] ||
	fail "files left by refused commands: $(ls -A)"

# --- roots and endpoints
zt planet new -o p -r missing.public -e 192.0.2.1/9993
expect_fail 1 "cannot read root identity missing.public: No such file or directory" "missing root file"
echo garbage >g.public
zt planet new -o p -r g.public -e 192.0.2.1/9993
expect_fail 1 "cannot read root identity g.public: not an identity" "garbage root"
zt planet new -o p -r forged.public -e 192.0.2.1/9993
expect_fail 1 "root identity forged.public FAILED validation" "forged root"
# Identity text given for a root is never echoed: it may be a secret identity.
RS=$(cat r.secret)
[ "${RS:0:1}" = 0 ] && first=1 || first=0
zt planet new -o p -r "$first${RS:1}" -e 192.0.2.1/9993
expect_fail 1 "root identity (text on the command line) FAILED validation" "forged root as text"
grep -q "$(cut -c150-190 r.secret)" err && fail "secret identity text echoed in an error"
zt planet new -o p -r "$R" -e 192.0.2.1/9993
expect_fail 1 "no root $R in the planet (give its identity" "new with an address for a root"
for bad in 192.0.2.1 192.0.2.1/0 192.0.2.1/65536 192.0.2.1/99999 192.0.2.1/ 300.0.2.1/9993 /9993 host.example/9993 \
	'[2001:db8::1]9993' 2001:db8::1:9993 192.0.2.1/99a; do
	zt planet new -o p -r r.public -e "$bad"
	expect_fail 1 "bad endpoint '$bad': not IP/PORT" "endpoint '$bad'"
done
for bad in 0.0.0.0/9993 224.0.0.1/9993 255.255.255.255/9993 ::/9993 ff02::1/9993; do
	zt planet new -o p -r r.public -e "$bad"
	expect_fail 1 "bad endpoint $bad: unspecified, multicast or broadcast" "endpoint $bad"
done
zt planet new -o p -r r.public -e 192.0.2.1/9993 -e 192.0.2.1/9993
expect_fail 1 "endpoint 192.0.2.1/9993 is given twice for root $R" "duplicate endpoint"
args=()
for i in $(seq 0 32); do args+=(-e "192.0.2.$i/9993"); done
zt planet new -o p -r r.public "${args[@]}"
expect_fail 1 "cannot add endpoint 192.0.2.32/9993: root $R has 32 already" "33 endpoints"
args=(-r r.public -e 192.0.2.1/9993)
for i in 1 2 3 4; do args+=(-r "x$i.public" -e "192.0.2.1$i/9993"); done
zt planet new -o p "${args[@]}"
expect_fail 1 "cannot add root $(cut -c1-10 x4.public): a planet has at most 4 roots" "5 roots"
[ ! -e p ] && [ ! -e p.key ] || fail "a refused planet new left files: $(ls -A)"
# Loopback is allowed (ztrun nodes use it on one host) with a warning, which is not an error.
zt planet new -o lo -r r.public -e 127.0.0.1/9993
expect_ok "loopback endpoint"
grep -q '^ztrun: warning: endpoint 127.0.0.1/9993 is loopback or link-local' err || fail "no loopback warning"

# --- existing output, unwritable output
zt planet new -o lo -r r.public -e 192.0.2.1/9993
expect_fail 1 "cannot write planet lo: it exists (use ztrun planet update" "new over an existing planet"
zt planet new -f -o lo -r r.public -e 192.0.2.1/9993
expect_ok "new --force"
# The key is written first (a planet without its key could never be updated) and kept, with its note.
zt planet new -o nodir/p -k ok.key -r r.public -e 192.0.2.1/9993
[ "$rc" = 1 ] && [ ! -s out ] || fail "planet in a missing directory: rc $rc, stdout $(cat out)"
[ "$(sed -n 1p err)" = "ztrun: created signing key ok.key (mode 0600): keep it secret and safe, every later update must be signed with it" ] &&
	[ "$(sed -n 2p err)" = "ztrun: cannot write planet nodir/p: No such file or directory (check that its directory exists and is writable)" ] &&
	[ "$(wc -l <err)" = 2 ] || fail "planet in a missing directory: $(cat err)"
[ -e ok.key ] || fail "the key should be kept when only the planet could not be written"
zt planet new -o p -k nodir/p.key -r r.public -e 192.0.2.1/9993
expect_fail 1 "cannot write signing key nodir/p.key: No such file or directory" "key in a missing directory"
[ ! -e p ] || fail "planet written although its key could not be"
no_temp_files .

# --- planet files that are not planets
"$ZTRUN" planet new -o good -r r.public -e 192.0.2.1/9993 -e 192.0.2.2/9993 >/dev/null 2>&1
zt planet show missing
expect_fail 1 "cannot read planet missing: No such file or directory" "show a missing file"
zt planet show .
expect_fail 1 "cannot read planet .: Is a directory" "show a directory"
: >empty
echo "not a planet" >text
head -c 20000 /dev/urandom >big
size=$(wc -c <good)
for f in empty text; do
	zt planet show $f
	expect_fail 1 "cannot read planet $f: not a planet or moon file" "show $f"
done
zt planet show big
expect_fail 1 "cannot read planet big: longer than 8480 bytes" "show a big file"
for n in 1 17 81 177 178 200 $((size - 1)); do
	head -c "$n" good >trunc
	zt planet show trunc
	expect_fail 1 "cannot read planet trunc: not a planet or moon file" "planet truncated to $n bytes"
	zt planet update -k good.key trunc
	expect_fail 1 "cannot read planet trunc: not a planet or moon file" "update of a truncated planet"
done
cp good trailing && printf x >>trailing
zt planet show trailing
expect_fail 1 "cannot read planet trailing: not a planet" "planet with a trailing byte"
# A flipped bit in the signed part: show still prints it, verify and nodes refuse it.
cp good flipped
# (inverted, not overwritten: an overwrite with the byte already there would change nothing)
b=$(od -An -tu1 -j200 -N1 flipped | tr -d ' ')
printf "\\x$(printf %02x $((b ^ 0xff)))" | dd of=flipped bs=1 seek=200 conv=notrunc status=none
zt planet show flipped
expect_ok "show a tampered planet"
grep -q '^  signed by its updates key: no' out || fail "tampered planet shown as signed"
zt planet verify flipped
expect_fail 1 "flipped signature check FAILED" "verify a tampered planet"
"$WORLD_CHECK" flipped 2>/dev/null && fail "node-side check accepts a tampered planet"

# --- keys: missing, wrong, damaged
zt planet update -k missing.key good
expect_fail 1 "cannot read signing key missing.key: no such file" "update without its key"
zt planet update -k lo.key good
expect_fail 1 "cannot sign the update with lo.key: it is not the key good names" "update with another key"
head -c 127 good.key >short.key
zt planet update -k short.key good
expect_fail 1 "cannot read signing key short.key: not 128 bytes" "short key file"
cat good.key good.key >long.key
zt planet update -k long.key good
expect_fail 1 "cannot read signing key long.key: not 128 bytes" "long key file"
cp good.key damaged.key
printf '\x00\x00\x00' | dd of=damaged.key bs=1 seek=100 conv=notrunc status=none
zt planet update -k damaged.key good
expect_fail 1 "cannot read signing key damaged.key: its public and secret halves do not match" "damaged key"
zt planet new -o p -k damaged.key -r r.public -e 192.0.2.1/9993
expect_fail 1 "cannot read signing key damaged.key" "new with a damaged key"

# --- updates nodes would ignore, or that do not apply
TS=$("$WORLD_CHECK" good | cut -d' ' -f3)
zt planet update -k good.key --timestamp "$TS" good
expect_fail 1 "bad --timestamp $TS: not newer than good's $TS" "same timestamp"
zt planet update -k good.key --timestamp 1 good
expect_fail 1 "bad --timestamp 1: not newer" "older timestamp"
zt planet update -k good.key good -r 0123456789
expect_fail 1 "no root 0123456789 in the planet" "select an unknown address"
zt planet update -k good.key good -r "$R" --remove-endpoint 198.51.100.1/9993
expect_fail 1 "cannot remove endpoint 198.51.100.1/9993: root $R has no such endpoint" "remove a missing endpoint"
zt planet update -k good.key good --remove-root 0123456789
expect_fail 1 "cannot remove root 0123456789: it is not a root" "remove an unknown root"
zt planet update -k good.key good --remove-root "$R"
expect_fail 1 "no roots left" "remove the only root"
zt planet update -k good.key good --remove-root "$R" -e 192.0.2.9/9993
expect_fail 1 "--endpoint 192.0.2.9/9993: no --root before it" "endpoint for a removed root"
zt planet update -k good.key good -r "$R" --remove-endpoint 192.0.2.1/9993 --remove-endpoint 192.0.2.2/9993
expect_fail 1 "root $R has no endpoint" "remove every endpoint"
zt planet update -k good.key -o nodir/good good
expect_fail 1 "cannot write planet nodir/good: No such file or directory" "update to a missing directory"
"$WORLD_CHECK" good >/dev/null || fail "refused updates damaged good"
[ "$("$WORLD_CHECK" good | cut -d' ' -f3)" = "$TS" ] || fail "a refused update changed good"
zt planet verify --previous good lo
expect_fail 1 "lo is not an update of good: it is another world" "verify another world"
zt planet verify --previous good good
expect_fail 1 "good is not an update of good: its timestamp" "verify the same revision"
no_temp_files .
echo ok
