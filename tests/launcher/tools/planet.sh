#!/bin/bash
# ztrun planet: new -> show -> a node's parse and signature check accept it; update keeps the ID, bumps
# the timestamp, is signed with the same key and is accepted as an update (spec §6.3); a key hand-over;
# moons; and the spec's §6.4/§8.12 Earth planet read by show and verify.
set -eu
ZTRUN=$1
WORLD_CHECK=$2
. "$(dirname "$0")/../../common/lib.sh"
cd "$T"
umask 022

"$ZTRUN" idtool generate r1.secret r1.public >/dev/null
"$ZTRUN" idtool generate r2.secret r2.public >/dev/null
R1=$(cut -c1-10 r1.public)
R2=$(cut -c1-10 r2.public)

# --- new: planet and key file, modes, the summary line, the note about the key on stderr
zt planet new -o planet --root r1.public --endpoint 192.0.2.1/9993 -e '[2001:db8::1]:9993' \
	--timestamp 1700000000000 --id 0x1234567890abcdef
expect_ok "planet new"
grep -q '^wrote planet (planet 1234567890abcdef, timestamp 1700000000000, 1 root, [0-9]* bytes)$' out ||
	fail "planet new printed '$(cat out)'"
grep -q '^ztrun: created signing key planet.key (mode 0600)' err || fail "no note about the new key: $(cat err)"
[ "$(mode_of planet.key)" = 600 ] || fail "key mode $(mode_of planet.key), expected 600"
[ "$(mode_of planet)" = 644 ] || fail "planet mode $(mode_of planet), expected 644"
[ "$(wc -c <planet.key)" = 128 ] || fail "key file is $(wc -c <planet.key) bytes, expected 128 (mkworld's)"
no_temp_files .

# A node's parse and signature check accept it: type 1, the ID and timestamp asked for, one root.
"$WORLD_CHECK" planet >check.out || fail "node-side check refuses the new planet"
[ "$(cat check.out)" = "1 1311768467294899695 1700000000000 1" ] || fail "node sees '$(cat check.out)'"
# The updates key is the key file's public half.
UKEY=$(head -c 64 planet.key | od -An -v -tx1 | tr -d ' \n')

# --- show, text and JSON
zt planet show planet
expect_ok "planet show"
grep -q '^planet: 1234567890abcdef (1311768467294899695)$' out || fail "show: $(cat out)"
grep -q '^  timestamp: 1700000000000 (2023-11-14 22:13:20.000 UTC)$' out || fail "show timestamp: $(cat out)"
grep -q "^  updates key: $UKEY\$" out || fail "show: updates key is not the key file's"
grep -q '^  signed by its updates key: yes$' out || fail "show: signature"
grep -q "^root: $R1\$" out || fail "show: no root $R1"
grep -q "^  identity: $(cat r1.public)\$" out || fail "show: root identity"
grep -q '^  endpoint: 192.0.2.1/9993$' out && grep -q '^  endpoint: 2001:db8::1/9993$' out ||
	fail "show: endpoints: $(cat out)"
zt planet show -j planet
expect_ok "planet show -j"
grep -q '"worldType": "planet"' out && grep -q '"id": "1234567890abcdef"' out &&
	grep -q '"timestamp": 1700000000000' out && grep -q "\"updatesMustBeSignedBy\": \"$UKEY\"" out &&
	grep -q '"signedByUpdatesKey": true' out && grep -q "\"identity\": \"$(cat r1.public)\"" out &&
	grep -q '"stableEndpoints": \["192.0.2.1/9993", "2001:db8::1/9993"\]' out || fail "show -j: $(cat out)"
python3 -m json.tool out >/dev/null || fail "show -j is not JSON"
zt planet verify planet
expect_ok "planet verify"
expect_out "planet: signature valid, 1 valid root" "planet verify"

# A second new with the same key file reuses the key; a default ID is random and nonzero.
zt planet new -o planet.b -k planet.key -r "$(cat r1.secret)" -e 192.0.2.1/9993
expect_ok "new with an existing key"
[ ! -s err ] || fail "existing key announced as created: $(cat err)"
"$WORLD_CHECK" planet.b >check.out || fail "node refuses planet.b"
[ "$(cut -d' ' -f2 check.out)" != 0 ] || fail "random ID is 0"
cmp -s <(head -c 81 planet | tail -c 64) <(head -c 81 planet.b | tail -c 64) || fail "key not reused"

# --- update: add a root, edit endpoints; same ID, newer timestamp, same key, accepted by a node
cp planet planet.v1
zt planet update planet --root r2.public -e 198.51.100.7/9993 --root "$R1" --remove-endpoint 2001:db8::1/9993 \
	-e 192.0.2.2:443
expect_ok "planet update"
grep -q '^wrote planet (planet 1234567890abcdef, timestamp [0-9]*, was 1700000000000, 2 roots' out ||
	fail "update printed '$(cat out)'"
"$WORLD_CHECK" planet.v1 planet >check.out || fail "node holding v1 refuses the update"
read -r type id ts n <check.out
[ "$type $id $n" = "1 1311768467294899695 2" ] || fail "update changed type or ID: $(cat check.out)"
[ "$ts" -gt 1700000000000 ] || fail "update did not bump the timestamp: $ts"
"$WORLD_CHECK" planet >/dev/null || fail "update not signed by its own key"
zt planet verify --previous planet.v1 planet
expect_ok "verify --previous"
grep -q '^planet: a valid update of planet.v1' out || fail "verify --previous: $(cat out)"
zt planet show planet
grep -q "^root: $R2\$" out && grep -q '^  endpoint: 198.51.100.7/9993$' out &&
	grep -q '^  endpoint: 192.0.2.2/443$' out || fail "update's edits missing: $(cat out)"
grep -q '2001:db8::1/9993' out && fail "removed endpoint still there"
# Root order is kept: r1 first, then r2.
[ "$(grep '^root: ' out | tr '\n' ' ')" = "root: $R1 root: $R2 " ] || fail "root order: $(grep '^root' out)"
# Nodes holding the newer revision refuse the older one.
"$WORLD_CHECK" planet planet.v1 2>/dev/null && fail "node accepts a downgrade"

# An explicit timestamp, -o to another file, removing a root.
cp planet planet.v2
zt planet update -o planet.v3 --timestamp 1800000000000 --remove-root "$R2" planet
expect_ok "update -o"
cmp -s planet planet.v2 || fail "update -o changed PLANET"
"$WORLD_CHECK" planet.v2 planet.v3 >check.out || fail "node refuses v3"
[ "$(cat check.out)" = "1 1311768467294899695 1800000000000 1" ] || fail "v3: $(cat check.out)"
# No change at all: re-signed with a newer timestamp. The key is PLANET.key unless -k says otherwise.
zt planet update planet.v3
expect_fail 1 "cannot read signing key planet.v3.key: no such file" "default key of another file name"
zt planet update -k planet.key planet.v3
expect_ok "update without changes"
"$WORLD_CHECK" planet.v2 planet.v3 >/dev/null || fail "re-signed revision refused"
"$WORLD_CHECK" planet.v3 >check.out
[ "$(cut -d' ' -f3 check.out)" = 1800000000001 ] || fail "re-sign timestamp: $(cat check.out)"

# --- hand-over to a new key: signed by the old key, names the new one; later the new key signs
cp planet.v3 planet.v4
zt planet update -k planet.key planet.v4 --new-key new.key
expect_ok "update --new-key"
[ "$(mode_of new.key)" = 600 ] || fail "new key mode $(mode_of new.key)"
"$WORLD_CHECK" planet.v3 planet.v4 >/dev/null || fail "hand-over refused by a node holding v3"
cp planet.v4 planet.v5
zt planet update planet.v5 -k new.key -r "$R1" -e 203.0.113.9/9993
expect_ok "update with the new key"
"$WORLD_CHECK" planet.v4 planet.v5 >/dev/null || fail "revision after the hand-over refused"
zt planet update planet.v5 -k planet.key
expect_fail 1 "cannot sign the update with planet.key: it is not the key planet.v5 names" "old key after hand-over"

# --- a moon: type 0x7f, ID defaults to the first root's address
zt planet new --moon -o moon -k moon.key -r r1.public -e 192.0.2.1/9993
expect_ok "new --moon"
"$WORLD_CHECK" moon >check.out || fail "node refuses the moon"
[ "$(cat check.out | cut -d' ' -f1,2,4)" = "127 $((16#$R1)) 1" ] || fail "moon: $(cat check.out)"
zt planet show moon
grep -q "^moon: 000000$R1 " out || fail "show moon: $(cat out)"
cp moon moon.v1
zt planet update moon -k moon.key -r r2.public -e 192.0.2.3/9993
expect_ok "update a moon"
"$WORLD_CHECK" moon.v1 moon >/dev/null || fail "moon update refused"

# --- §6.4 / §8.12: the Earth planet as the spec prints it
unhex >earth <<'HEX'
010000000008eac90a0000017ee95760cdb8b388a469221491aa9acd66cc764c
defd56039f1067ae15e69c6fb42d7b55330e3fdaac529c0792fd7340a6aa21ab
a8a489fdaea44a39bf2d00659ac9c818eb3600927637ef4d1404a44d54468485
1379751faa79b4c4ea85040175ea065860482402e1eb342052000e6290061a9b
e0cd293c8b55f1c3d2524808afc54922080e3539a75addc3cef0f6ad260d5882
93bb7786e71efa4b9057dad9867afe12dd04cafe9efeb900ccdef76bc7b97ded
904eabc5df09886d9c1514a610036cb9139cc214001a2958978efcec15712dd3
948c6e6b3a8e893df01ff493d1f8d9806a860c5420571bf000020468c2088627
09062605988002001200003005710e3400512709778cde7190003f6681a99e5a
d1895e9fba33e6212d4454e168bcec7112101bf000956ed8e92e42892cb6f2ec
410881a84ab19da50e1287ba3d926c3a1f755cccf299a120705500020467c367
4227090626059880040000c30254f2bca1f70019270962f865ae7100e2076c57
de870e6288d7d5e7404408b1545efca37d67f77b87e9e54168c25d3ef1a9abf2
905ea5e785c01dff23887ad4232d95c7a8fd2c27111a72bd159322dc00020432
07fc8a270906200149f0d0db000200000000000000022709cafe04eba9006c6a
9d1dea55c1616bfe2a2b8f0ff9a8cacaf70374fb1f39e3bef81cbfebef17b722
8268a0a2a29d3488c752565c6c965cbd6506ec24397cc8a5d9d15285a87f0002
045411359b2709062a026ea0d405000000000000000099932709
HEX
[ "$(wc -c <earth)" = 570 ] || fail "Earth is $(wc -c <earth) bytes"
zt planet show earth
expect_ok "show Earth"
cat >want <<'EOF2'
planet: 0000000008eac90a (149604618)
  timestamp: 1644592324813 (2022-02-11 15:12:04.813 UTC)
  updates key: b8b388a469221491aa9acd66cc764cdefd56039f1067ae15e69c6fb42d7b55330e3fdaac529c0792fd7340a6aa21aba8a489fdaea44a39bf2d00659ac9c818eb
  signature: 3600927637ef4d1404a44d544684851379751faa79b4c4ea85040175ea065860482402e1eb342052000e6290061a9be0cd293c8b55f1c3d2524808afc54922080e3539a75addc3cef0f6ad260d588293bb7786e71efa4b9057dad9867afe12dd
  signed by its updates key: yes
  size: 570 bytes

root: cafe9efeb9
  identity: cafe9efeb9:0:ccdef76bc7b97ded904eabc5df09886d9c1514a610036cb9139cc214001a2958978efcec15712dd3948c6e6b3a8e893df01ff493d1f8d9806a860c5420571bf0
  endpoint: 104.194.8.134/9993
  endpoint: 2605:9880:200:1200:30:571:e34:51/9993

root: 778cde7190
  identity: 778cde7190:0:3f6681a99e5ad1895e9fba33e6212d4454e168bcec7112101bf000956ed8e92e42892cb6f2ec410881a84ab19da50e1287ba3d926c3a1f755cccf299a1207055
  endpoint: 103.195.103.66/9993
  endpoint: 2605:9880:400:c3:254:f2bc:a1f7:19/9993

root: 62f865ae71
  identity: 62f865ae71:0:e2076c57de870e6288d7d5e7404408b1545efca37d67f77b87e9e54168c25d3ef1a9abf2905ea5e785c01dff23887ad4232d95c7a8fd2c27111a72bd159322dc
  endpoint: 50.7.252.138/9993
  endpoint: 2001:49f0:d0db:2::2/9993

root: cafe04eba9
  identity: cafe04eba9:0:6c6a9d1dea55c1616bfe2a2b8f0ff9a8cacaf70374fb1f39e3bef81cbfebef17b7228268a0a2a29d3488c752565c6c965cbd6506ec24397cc8a5d9d15285a87f
  endpoint: 84.17.53.155/9993
  endpoint: 2a02:6ea0:d405::9993/9993
EOF2
diff -u want out >&2 || fail "show Earth differs from the spec's decoding"
zt planet verify earth
expect_ok "verify Earth"
expect_out "earth: signature valid, 4 valid roots" "verify Earth"
"$WORLD_CHECK" earth >/dev/null || fail "node refuses Earth"
# Without Earth's key an update is impossible, and says so.
"$ZTRUN" planet new -o other -k other.key -r r1.public -e 192.0.2.1/9993 >/dev/null 2>&1
zt planet update -k other.key -o earth.2 earth
expect_fail 1 "cannot sign the update with other.key: it is not the key earth names" "update Earth"
[ ! -e earth.2 ] || fail "refused update still wrote its output"

# --- help
zt planet --help
expect_ok "planet --help"
for c in new show update verify; do
	grep -q "^  $c " out || fail "planet --help lacks $c"
done
for c in new show update verify; do
	zt planet $c --help
	expect_ok "planet $c --help"
	grep -q "^Usage: ztrun planet $c" out || fail "planet $c --help: $(cat out)"
done
echo ok
