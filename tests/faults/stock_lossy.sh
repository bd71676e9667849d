#!/bin/bash
# A transfer between a ztrun node and a stock zerotier-one (1.14) node over an underlay that loses,
# duplicates and reorders datagrams both ways (lossy_relay.py, as in lossy.sh), each way in turn:
# the stock node's curl fetches from a server behind ztrun, then ztrun's curl from a server on the
# stock node's tap device. Both files arrive whole (sha256 compared).
# Stock nodes refuse loopback paths, so each node runs in a network namespace of this test's own, on
# a bridge with no route out: the controller (also the root), the stock node, the ztrun node and the
# relay, which every datagram crosses (an nftables rule in each node's namespace drops UDP to any
# address but the relay's: a path a node pushes to another cannot go around it). The kernel here has
# no netem qdisc, hence the relay.
# usage: stock_lossy.sh ZTRUN [KIB [LOSS]]  with STOCK_BIN=/path/to/zerotier-one; skipped without it,
# without root, /dev/net/tun, namespaces or nft. Default 128 KiB each way at 20% loss, 5% duplicated,
# 10% reordered; the "bench" run is 100 MiB. The ztrun node runs with ZTRUN_TCP_SMALL_SEGMENTS=1
# unless the environment sets it otherwise. WAYS="to_stock to_ztrun" (the default) picks the
# directions; PEER=stock puts a second stock node where the ztrun node was (the baseline: what two
# stock nodes do through the same underlay; "to_ztrun" is then towards that second node).
. "$(dirname "$0")/lib.sh"
export ZTRUN_TCP_SMALL_SEGMENTS=${ZTRUN_TCP_SMALL_SEGMENTS-1}
KB=${2:-128}
LOSS=${3:-0.2}
WAYS=${WAYS:-to_stock to_ztrun}
PEER=${PEER:-ztrun}
case "$PEER" in ztrun | stock) ;; *) fail "PEER=$PEER: ztrun or stock" ;; esac
[ -n "${STOCK_BIN:-}" ] || skip "no stock node: set STOCK_BIN=/path/to/zerotier-one (1.14)"
[ -x "$STOCK_BIN" ] || skip "STOCK_BIN=$STOCK_BIN is not an executable"
[ "$(id -u)" = 0 ] || skip "needs root (network namespaces, the stock node's tap device)"
[ -c /dev/net/tun ] || skip "no /dev/net/tun for the stock node's tap device"
command -v nft >/dev/null || skip "needs nft (nftables)"
STOCK_BIN=$(realpath "$STOCK_BIN")
cd "$T"
chmod 755 "$T"
P=ztsl$$
declare -A UNDER=([r]=172.31.87.1 [c]=172.31.87.2 [s]=172.31.87.3 [z]=172.31.87.4)
before_cleanup() { # ztrun first given the chance to clean up after itself, then whatever is left
	local ns p
	kill "${pids[@]}" 2>/dev/null || true
	wait "${pids[@]}" 2>/dev/null || true
	for ns in s z c r br; do
		for p in $(ip netns pids "$P-$ns" 2>/dev/null); do kill -KILL "$p" 2>/dev/null || true; done
		ip netns del "$P-$ns" 2>/dev/null || true
	done
}
# (What runs in the background is started with ip netns exec itself, which execs in place: $! is then
# the process, not a subshell.)
inns() { local ns=$1; shift; ip netns exec "$P-$ns" "$@"; }
ip netns add "$P-br" 2>/dev/null || skip "cannot make network namespaces"
ip netns exec "$P-br" sysctl -qw net.ipv4.ip_forward=0
ip -n "$P-br" link set lo up
ip -n "$P-br" link add br0 type bridge
ip -n "$P-br" link set br0 up
for n in r c s z; do
	ip netns add "$P-$n"
	inns "$n" sysctl -qw net.ipv4.ip_forward=0
	ip -n "$P-$n" link set lo up
	ip -n "$P-$n" link add eth0 type veth peer name "v$n" netns "$P-br"
	inns "$n" sysctl -qw net.ipv6.conf.eth0.disable_ipv6=1
	ip -n "$P-$n" addr add "${UNDER[$n]}/24" dev eth0
	ip -n "$P-$n" link set eth0 up
	ip -n "$P-br" link set dev "v$n" master br0
	ip -n "$P-br" link set dev "v$n" up
	! ip -n "$P-$n" route | grep -q default || fail "namespace $P-$n has a default route"
	[ "$n" = r ] || inns "$n" nft -f - <<EOF || fail "cannot add the nftables rule in $P-$n"
table ip ztrun_test {
	chain out {
		type filter hook output priority 0; policy accept;
		oifname "lo" accept
		meta l4proto udp ip daddr != ${UNDER[r]} counter drop
	}
}
EOF
done

RPORT=$(inns r python3 -c 'import socket; s=socket.socket(); s.bind(("", 0)); print(s.getsockname()[1])')
CPORT=9993
relay_seed
ip netns exec "$P-r" python3 "$FAULTS_DIR/lossy_relay.py" "$RPORT" "${UNDER[c]}/$CPORT" --bind "${UNDER[r]}" \
	--loss "$LOSS" --dup 0.05 --reorder 0.1 --seed "$RELAY_SEED" >relay.out 2>relay.log &
relay=$!
pids+=("$relay")
wait_for 30 "the relay" grep -qs ready relay.out

ip netns exec "$P-c" "$ZTRUN" controller -p "$CPORT" --bind "${UNDER[c]}" --endpoint "${UNDER[r]}/$RPORT" ctl >ctl.log 2>&1 &
pids+=($!)
wait_for 120 "the controller" eval '[ -s ctl/planet ] && [ -s ctl/zerotier-one.port ]'
ctl() { inns c "$ZTRUN" controller "$@"; }
NW=$(ctl network create ctl --name stocklossy --pool 10.88.0.0/24)
[ ${#NW} = 16 ] || fail "network create printed '$NW'"
declare -A ZIP=([s]=10.88.0.3 [z]=10.88.0.4)
for n in s z; do
	mkdir -p "$n"
	"$ZTRUN" idtool generate "$n/identity.secret" "$n/identity.public" >/dev/null
	id=$(cut -d: -f1 "$n/identity.public")
	ctl member authorize ctl "$NW" "$id" >/dev/null
	ctl member set-ip ctl "$NW" "$id" "${ZIP[$n]}" >/dev/null
done
head -c $((KB << 10)) /dev/urandom >blob
SUM=$(sha256sum <blob | cut -d' ' -f1)

# A stock node: only this planet, no port mapping, no TCP relay; a web server on its tap device.
start_stock() { # NAME PORT
	local n=$1
	cp ctl/planet "$n/planet"
	cat >"$n/local.conf" <<EOF
{ "settings": { "primaryPort": 9993, "allowSecondaryPort": false, "portMappingEnabled": false,
  "allowTcpFallbackRelay": false, "tcpFallbackRelay": "127.0.0.1/9", "softwareUpdate": "disable" } }
EOF
	ip netns exec "$P-$n" "$STOCK_BIN" "$T/$n" >"$n.log" 2>&1 &
	pids+=($!)
	wait_for 60 "the stock node $n's API" eval 'inns $n "$STOCK_BIN" -q -D"$T/$n" info >/dev/null 2>&1'
	inns "$n" "$STOCK_BIN" -q -D"$T/$n" join "$NW" >/dev/null
	wait_for 120 "the stock node $n's address" eval 'ip -n "$P-$n" -4 addr | grep -q "${ZIP[$n]}/"'
	ip netns exec "$P-$n" python3 -m http.server "$2" --bind "${ZIP[$n]}" >"$n-http.log" 2>&1 &
	pids+=($!)
}
start_stock s 8081

# The other node: a server for the stock node, then (when told) a fetch from the stock node's server.
if [ "$PEER" = stock ]; then
	start_stock z 8080
else
	ip netns exec "$P-z" "$ZTRUN" --home "$T/z" --planet ctl/planet --wait 120 "$NW" -- bash -c "
		python3 -m http.server 8080 >/dev/null 2>&1 &
		until [ -e go ]; do sleep 0.1; done
		until curl -s -m 5 -o /dev/null http://${ZIP[s]}:8081/; do sleep 0.2; done
		start=\$(date +%s.%N)
		curl -sS --retry 5 --retry-connrefused -m 7000 http://${ZIP[s]}:8081/blob | sha256sum >z.sum
		echo \$(date +%s.%N) \$start >z.took
		wait" >z.log 2>&1 &
	pids+=($!)
	wait_for 120 "the ztrun node to join" grep -qs "joined $NW" z.log
fi

# First a small request each way (ARP through ZeroTier, then the peers find each other: at 20% loss a
# try can fail), then the transfer, timed.
wait_for 120 "the stock node to reach the $PEER node" inns s curl -s -m 5 -o /dev/null "http://${ZIP[z]}:8080/"
elapsed() { awk -v a="$(date +%s.%N)" -v b="$1" 'BEGIN { printf "%.1f", a - b }'; }
summary=
for way in $WAYS; do
	case "$way" in
	to_stock)
		start=$(date +%s.%N)
		inns s curl -sS --retry 5 --retry-connrefused -m 7000 "http://${ZIP[z]}:8080/blob" | sha256sum >s.sum
		took=$(elapsed "$start")
		[ "$(cut -d' ' -f1 s.sum)" = "$SUM" ] ||
			fail "$KB KiB from the $PEER node arrived at the stock node changed: $(cat s.sum)"
		;;
	to_ztrun)
		if [ "$PEER" = stock ]; then
			wait_for 120 "the second stock node to reach the first" \
				inns z curl -s -m 5 -o /dev/null "http://${ZIP[s]}:8081/"
			start=$(date +%s.%N)
			inns z curl -sS --retry 5 --retry-connrefused -m 7000 "http://${ZIP[s]}:8081/blob" | sha256sum >z.sum
			took=$(elapsed "$start")
		else
			touch go
			wait_for 7200 "the ztrun node's fetch" test -s z.took
			took=$(awk '{ printf "%.1f", $1 - $2 }' z.took)
		fi
		[ "$(cut -d' ' -f1 z.sum)" = "$SUM" ] ||
			fail "$KB KiB from the stock node arrived at the $PEER node changed: $(cat z.sum)"
		;;
	*) fail "WAYS: to_stock or to_ztrun, not $way" ;;
	esac
	echo "$way: $KB KiB in ${took}s, sha256 equal"
	summary+=" $way ${took}s"
done

stop_relay "$relay" relay.out "$LOSS"
echo "PASS $KB KiB between $PEER and stock $("$STOCK_BIN" -v) through $LOSS loss, duplication and reordering:$summary, sha256 equal"
