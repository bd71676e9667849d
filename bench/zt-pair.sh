#!/bin/bash
# Throughput and round-trip time over a private ZeroTier network: our controller and two ztrun nodes,
# iperf3 with 1 and 4 streams and ICMP echo, against stock zerotier-one's tap<->tap pair measured in
# the same run (the machines are shared and noisy: read the ratios, not the numbers).
#
# usage: bench/zt-pair.sh /path/to/ztrun [seconds]
#   STOCK_BIN=/path/to/zerotier-one  also a stock 1.14 pair (tap devices), and stock<->ztrun
#   ZTRUN_BASE=/path/to/other/ztrun  also that build's pair (before/after comparisons)
#   REPS=N                           repetitions, interleaved; medians are printed (default 3)
#   PINGS=N                          echoes per repetition (default 50; the median is kept)
#   seconds 0                        no iperf3: only the echoes (an RTT comparison with many echoes)
#   ONLY="s:z z:z"                   only these pairs (client:server; z ztrun, o base, s stock; also s:o
#                                    and o:s, not run by default), e.g. to profile one with perf
#
# As root every node runs in network namespaces made here (one bridge, no route out; stock nodes
# refuse loopback paths), ztrun and stock nodes side by side in the same namespaces. Without root
# only ztrun nodes run, on 127.0.0.1, and STOCK_BIN is refused.
set -eu
ZTRUN=$(realpath "${1:?usage: $0 /path/to/ztrun [seconds]}")
SECS=${2:-5}
REPS=${REPS:-3}
PINGS=${PINGS:-50}
STOCK_BIN=${STOCK_BIN:+$(realpath "$STOCK_BIN")}
ZTRUN_BASE=${ZTRUN_BASE:+$(realpath "$ZTRUN_BASE")}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/ztrun-pair.XXXXXX")
chmod 755 "$WORK"
P=${BENCH_NS_PREFIX:-ztb$$}
NS_MODE=
if [ "$(id -u)" = 0 ] && ip netns list >/dev/null 2>&1; then NS_MODE=1; fi
[ -z "$STOCK_BIN" ] || [ -n "$NS_MODE" ] || { echo "zt-pair: STOCK_BIN needs root (namespaces, tap)" >&2; exit 2; }
export ZTRUN_LOG=error

pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	if [ -n "$NS_MODE" ]; then
		for ns in "$P-c" "$P-a" "$P-b" "$P-br"; do
			for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null || true; done
			ip netns del "$ns" 2>/dev/null || true
		done
	fi
	[ -n "${BENCH_KEEP:-}" ] || rm -rf "$WORK"
}
trap cleanup EXIT
die() { echo "zt-pair: $*" >&2; exit 1; }
# inns NS CMD...: runs CMD in namespace $P-NS (or here, without namespaces)
inns() { local ns=$1; shift; if [ -n "$NS_MODE" ]; then ip netns exec "$P-$ns" "$@"; else "$@"; fi; }

# ---- the wire: a bridge in its own namespace, c (controller), a (servers) and b (clients)
declare -A UNDER=([c]=10.213.0.1 [a]=10.213.0.2 [b]=10.213.0.3)
if [ -n "$NS_MODE" ]; then
	ip netns add "$P-br"
	ip -n "$P-br" link set lo up
	ip -n "$P-br" link add br0 type bridge
	ip -n "$P-br" link set br0 up
	for n in c a b; do
		ip netns add "$P-$n"
		ip netns exec "$P-$n" sysctl -qw net.ipv4.ip_forward=0
		ip netns exec "$P-$n" sysctl -qw net.ipv4.ping_group_range="0 2147483647"
		ip -n "$P-$n" link set lo up
		ip -n "$P-$n" link add eth0 type veth peer name "v$n" netns "$P-br"
		ip netns exec "$P-$n" sysctl -qw net.ipv6.conf.eth0.disable_ipv6=1
		ip -n "$P-$n" addr add "${UNDER[$n]}/24" dev eth0
		ip -n "$P-$n" link set eth0 up
		ip -n "$P-br" link set dev "v$n" master br0
		ip -n "$P-br" link set dev "v$n" up
	done
	! ip -n "$P-a" route | grep -q default || die "namespace has a default route"
else
	UNDER=([c]=127.0.0.1 [a]=127.0.0.1 [b]=127.0.0.1)
fi
CPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

# ---- controller and network (its API answers on 127.0.0.1 of its own namespace)
CTL=$WORK/ctl
inns c "$ZTRUN" controller -q -p "$CPORT" --bind "${UNDER[c]}" --endpoint "${UNDER[c]}/$CPORT" "$CTL" \
	2>"$WORK/ctl.log" &
pids+=($!)
for _ in $(seq 200); do [ -s "$CTL/planet" ] && [ -s "$CTL/zerotier-one.port" ] && break; sleep 0.05; done
[ -s "$CTL/planet" ] || die "controller did not start: $(cat "$WORK/ctl.log")"
NW=$(inns c "$ZTRUN" controller network create "$CTL" --name bench --pool 10.214.0.0/24)
identity() { # identity DIR IP: a pre-authorized member with a fixed IP
	mkdir -p "$1"
	"$ZTRUN" idtool generate "$1/identity.secret" "$1/identity.public" >/dev/null
	local id
	id=$(cut -d: -f1 "$1/identity.public")
	inns c "$ZTRUN" controller member authorize "$CTL" "$NW" "$id" >/dev/null
	inns c "$ZTRUN" controller member set-ip "$CTL" "$NW" "$id" "$2" >/dev/null
}
# variants: z = ZTRUN, o = ZTRUN_BASE, s = stock; node homes $WORK/<variant><side>
declare -A IP=([za]=10.214.0.10 [zb]=10.214.0.11 [oa]=10.214.0.20 [ob]=10.214.0.21 [sa]=10.214.0.30 [sb]=10.214.0.31)
declare -A UPORT=([z]=9994 [o]=9995 [s]=9996)
VARIANTS=z
[ -z "$ZTRUN_BASE" ] || VARIANTS="$VARIANTS o"
[ -z "$STOCK_BIN" ] || VARIANTS="$VARIANTS s"
for v in $VARIANTS; do for side in a b; do identity "$WORK/$v$side" "${IP[$v$side]}"; done; done

# ---- the tools each client runs: iperf3 (prints Mbit/s) and ping (prints the median RTT in ms)
cat >"$WORK/iperf.sh" <<'EOS'
# iperf.sh HOST PORT STREAMS SECS
[ "$4" != 0 ] || { echo nan; exit 0; }
for try in 1 2 3; do
	if iperf3 -c "$1" -p "$2" -P "$3" -t "$4" -J >"$0.$$.json" 2>/dev/null; then break; fi
	sleep 1
done
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print("%.0f" % (d["end"]["sum_received"]["bits_per_second"]/1e6) if "end" in d and "sum_received" in d["end"] else "nan")' "$0.$$.json"
rm -f "$0.$$.json"
EOS
cat >"$WORK/ping.py" <<'EOS'
# ping.py HOST COUNT: ICMP echo through a ping socket, one at a time; the median RTT in ms
import socket, struct, sys, time, statistics
host, count = sys.argv[1], int(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_ICMP)
s.settimeout(1)
rtts = []
for seq in range(count):
    msg = struct.pack("!BBHHH", 8, 0, 0, 0, seq) + b"x" * 56
    t = time.perf_counter()
    s.sendto(msg, (host, 0))
    try:
        while True:
            data, _ = s.recvfrom(2048)
            if data[0] == 0 and struct.unpack("!H", data[6:8])[0] == seq:
                rtts.append((time.perf_counter() - t) * 1000)
                break
    except socket.timeout:
        pass
    time.sleep(0.02)
print("%.3f" % statistics.median(rtts) if rtts else "nan")
EOS
# warm.sh HOST: until the peer answers (the first packets go through the root while paths are found)
cat >"$WORK/warm.sh" <<EOS
for i in \$(seq 100); do python3 $WORK/ping.py "\$1" 1 | grep -q nan || break; done
python3 $WORK/ping.py "\$1" 20 >/dev/null
EOS
chmod 644 "$WORK"/*.sh "$WORK"/*.py
IPORT=5201

# cpu.sh PID...: the CPU time those processes (all their threads) have used, in ms
cat >"$WORK/cpu.sh" <<'EOS'
t=0; for p; do t=$((t + $(awk '{ print $14 + $15 }' "/proc/$p/stat"))); done; echo $((t * 1000 / $(getconf CLK_TCK)))
EOS

# ---- servers: an iperf3 server behind each variant's node a
declare -A NODE # the processes started for the nodes (by variant and side); node_pid finds the node
# node_pid VARIANT SIDE: the node's own process (ztrun or zerotier-one), below the one we started
node_pid() {
	local bin
	case $1 in z) bin=$ZTRUN ;; o) bin=$ZTRUN_BASE ;; s) bin=$STOCK_BIN ;; esac
	find_proc "${NODE[$1$2]}" "$(basename "$bin" | cut -c1-15)"
}
find_proc() { # find_proc PID COMM: PID or its first descendant with that command name
	local c
	[ "$(cat "/proc/$1/comm" 2>/dev/null)" = "$2" ] && { echo "$1"; return 0; }
	for c in $(pgrep -P "$1"); do find_proc "$c" "$2" && return 0; done
	return 1
}
bin_of() { case $1 in z) echo "$ZTRUN" ;; o) echo "$ZTRUN_BASE" ;; esac; }
ztrun_node() { # ztrun_node VARIANT SIDE CMD...: runs CMD under that variant's ztrun node
	local v=$1 side=$2
	shift 2
	inns "$side" "$(bin_of "$v")" -q --home "$WORK/$v$side" --planet "$CTL/planet" --port "${UPORT[$v]}" \
		--wait 30 "$NW" -- "$@"
}
stock_cli() { inns "$1" "$STOCK_BIN" -q -D"$WORK/s$1" "${@:2}"; }
for v in $VARIANTS; do
	if [ "$v" = s ]; then
		for side in a b; do
			h=$WORK/s$side
			cp "$CTL/planet" "$h/planet"
			cat >"$h/local.conf" <<EOF
{ "settings": { "primaryPort": ${UPORT[s]}, "allowSecondaryPort": false, "portMappingEnabled": false,
  "allowTcpFallbackRelay": false, "tcpFallbackRelay": "127.0.0.1/9", "softwareUpdate": "disable" } }
EOF
			inns "$side" "$STOCK_BIN" "$h" >"$WORK/s$side.log" 2>&1 &
			pids+=($!)
			NODE[s$side]=$!
			for _ in $(seq 100); do stock_cli "$side" info >/dev/null 2>&1 && break; sleep 0.1; done
			inns "$side" "$STOCK_BIN" -q -D"$h" join "$NW" >/dev/null
		done
		for side in a b; do
			for _ in $(seq 300); do ip -n "$P-$side" -4 addr | grep -q "${IP[s$side]}/" && break; sleep 0.1; done
			ip -n "$P-$side" -4 addr | grep -q "${IP[s$side]}/" || die "stock node $side got no ${IP[s$side]}"
		done
		inns a iperf3 -s -p $IPORT -B "${IP[sa]}" >/dev/null 2>&1 &
		pids+=($!)
	else
		ztrun_node "$v" a iperf3 -s -p $IPORT -B "${IP[${v}a]}" >"$WORK/${v}a.log" 2>&1 &
		pids+=($!)
		NODE[${v}a]=$!
	fi
done

# ---- measurements: each client run measures 1 stream, 4 streams and ping against one server
client() { # client CLIENT_VARIANT SERVER_VARIANT: prints "mbit1 mbit4 rtt cpu"
	local cv=$1 sv=$2 dst=${IP[${2}a]}
	# cpu: both nodes' CPU time per MB during the single stream (the client's ztrun node is the
	# script's parent)
	local nodes="$(node_pid "$sv" a) $([ "$cv" = s ] && node_pid s b || echo "\$PPID")"
	local script="bash $WORK/warm.sh $dst; c0=\$(bash $WORK/cpu.sh $nodes);
		m1=\$(bash $WORK/iperf.sh $dst $IPORT 1 $SECS); c1=\$(bash $WORK/cpu.sh $nodes);
		echo \$m1 \$(bash $WORK/iperf.sh $dst $IPORT 4 $SECS) \$(python3 $WORK/ping.py $dst $PINGS) \
		     \$(awk -v c=\$((c1 - c0)) -v m=\$m1 -v s=$SECS 'BEGIN { if (m ~ /^[0-9.]+\$/ && m > 0) printf(\"%.1f\", c / (m * s / 8)); else print \"nan\" }')"
	if [ "$cv" = s ]; then
		inns b bash -c "$script"
	else
		ztrun_node "$cv" b bash -c "$script"
	fi
}
PAIRS="z:z"
[ -z "$ZTRUN_BASE" ] || PAIRS="o:o $PAIRS"
[ -z "$STOCK_BIN" ] || PAIRS="s:s $PAIRS s:z z:s"
[ -z "${ONLY:-}" ] || PAIRS=$ONLY
label() {
	case $1 in
	z:z) echo "ztrun <-> ztrun" ;; o:o) echo "base ztrun <-> base ztrun" ;; s:s) echo "stock tap <-> stock tap" ;;
	s:z) echo "stock client -> ztrun server" ;; z:s) echo "ztrun client -> stock server" ;;
	s:o) echo "stock client -> base server" ;; o:s) echo "base client -> stock server" ;;
	esac
}
declare -A RES
# Odd repetitions run the pairs in order, even ones in reverse: a pair measured right after another
# (its nodes just stopped) is not always the same one.
REVERSED=$(echo $PAIRS | tr ' ' '\n' | tac | tr '\n' ' ')
for rep in $(seq "$REPS"); do
	order=$PAIRS
	[ $((rep % 2)) = 1 ] || order=$REVERSED
	for pair in $order; do
		r=$(client "${pair%:*}" "${pair#*:}" | tail -1)
		RES[$pair]+="$r;"
		echo "rep $rep $(label "$pair"): $r" >&2
	done
done

median() { tr ';' '\n' | awk -v f="$1" 'NF { print $f }' | sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
REF=z:z
[ -z "$ZTRUN_BASE" ] || REF=o:o
[ -z "$STOCK_BIN" ] || REF=s:s
case " $PAIRS " in *" $REF "*) ;; *) REF=${PAIRS%% *} ;; esac
declare -A MED
for pair in $PAIRS; do for f in 1 2 3 4; do MED[$pair,$f]=$(echo "${RES[$pair]}" | median $f); done; done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "nan" || b == "nan" || b == 0) print "-"; else printf "%.2f", a / b }'; }
echo "ZeroTier pair, ${SECS}s per iperf3 run, median of $REPS; ratios to: $(label $REF)$([ -n "$NS_MODE" ] && echo ", nodes in namespaces on one bridge" || echo ", nodes on 127.0.0.1")"
printf '%-30s %10s %6s %10s %6s %9s %6s %9s %6s\n' pair "1 stream" ratio "4 streams" ratio "RTT ms" ratio \
	"CPU ms/MB" ratio
for pair in $PAIRS; do
	printf '%-30s %10s %6s %10s %6s %9s %6s %9s %6s\n' "$(label "$pair")" \
		"${MED[$pair,1]}" "$(ratio "${MED[$pair,1]}" "${MED[$REF,1]}")" \
		"${MED[$pair,2]}" "$(ratio "${MED[$pair,2]}" "${MED[$REF,2]}")" \
		"${MED[$pair,3]}" "$(ratio "${MED[$pair,3]}" "${MED[$REF,3]}")" \
		"${MED[$pair,4]}" "$(ratio "${MED[$pair,4]}" "${MED[$REF,4]}")"
done
echo "(throughput in Mbit/s received; RTT: median of $PINGS echoes; CPU: user + system time of both nodes'"
echo " processes per MB of the single stream; a stock node's leaves out the kernel TCP work of its iperf3)"
