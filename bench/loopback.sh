#!/bin/bash
# Apps inside `ztrun none` against the same tools on the host's kernel loopback, measured in the same
# run, interleaved (the machines are shared and noisy: read the ratios, not the numbers): iperf3
# throughput, wrk against nginx with keep-alive (requests/s) and with a new connection per request
# (connections/s, and per connection the CPU time all the run's processes spent and, where perf can
# count them, their syscalls and context switches); then N concurrent connections to nginx under one
# ztrun, with ztrun's RSS; and curl making a new connection per request, as curl opens them (options
# set before connect), with its rate and syscalls and context switches per connection.
# usage: bench/loopback.sh /path/to/ztrun [seconds]
#   ZTRUN_BASE=/path/to/other/ztrun  also that build (before/after comparisons)
#   NOSECCOMP=1                      also ZTRUN with --no-seccomp (what the seccomp supervisor costs)
#   REPS=N                           repetitions; medians are printed (default 3)
#   CONNS=N                          concurrent connections of the scale run (default 10000; 0: none)
#   CURLS=N                          requests of the curl run, each a new connection (default 2000)
set -eu
ZTRUN=$(realpath "${1:?usage: $0 /path/to/ztrun [seconds]}")
SECS=${2:-5}
REPS=${REPS:-3}
CONNS=${CONNS:-10000}
ZTRUN_BASE=${ZTRUN_BASE:+$(realpath "$ZTRUN_BASE")}
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/ztrun-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
PORT=$(( (RANDOM % 12000) + 20000 ))
WAIT_PORT='wait_port() { for i in $(seq 1 200); do if (exec 3<>/dev/tcp/$1/$2) 2>/dev/null; then return 0; fi; sleep 0.05; done; return 1; }'
# The scale run needs an fd per connection in the client and in nginx (ztrun holds none for a
# joined connection; one per socket, two per connection, for those through lwIP).
NOFILE=$(( CONNS + 1024 ))
[ "$(ulimit -Hn)" = unlimited ] || [ "$(ulimit -Hn)" -ge "$NOFILE" ] || ulimit -Hn "$NOFILE" 2>/dev/null ||
	{ echo "loopback: the hard fd limit $(ulimit -Hn) is below $NOFILE: fewer connections" >&2; CONNS=$(( $(ulimit -Hn) - 1024 )); }

mkdir -p "$WORK/www" "$WORK/ng"
echo "hello" > "$WORK/www/index.html"
cat > "$WORK/ng/nginx.conf" <<CONF
daemon off; master_process on; worker_processes 1; pid $WORK/ng/nginx.pid;
error_log $WORK/ng/error.log warn;
worker_rlimit_nofile $(( CONNS + 1024 ));
events { worker_connections $(( CONNS + 512 )); }
http { access_log off; client_body_temp_path $WORK/ng/body; proxy_temp_path $WORK/ng/proxy;
  fastcgi_temp_path $WORK/ng/fcgi; uwsgi_temp_path $WORK/ng/uwsgi; scgi_temp_path $WORK/ng/scgi;
  keepalive_timeout 300; keepalive_requests 100000;
  server { listen 127.0.0.1:$PORT backlog=4096; root $WORK/www; } }
CONF

# Each measurement is a script run on the host, or the same script inside ztrun; it prints one line.
# iperf3 takes any connection for a client's (a probe's made the run's client fail about once in 25):
# wait for the server's own word that it listens.
WAIT_IPERF='wait_iperf() { for i in $(seq 1 200); do grep -q "Server listening" "$1" 2>/dev/null && return 0; sleep 0.05; done; return 1; }'
cat > "$WORK/iperf.sh" <<EOS
$WAIT_IPERF
iperf3 -s -p $PORT -B 127.0.0.1 --forceflush >$WORK/iperf-s.log 2>&1 &
wait_iperf $WORK/iperf-s.log
iperf3 -c 127.0.0.1 -p $PORT -t $SECS -J > $WORK/iperf.json
kill %1
wait
rm -f $WORK/iperf-s.log
python3 -c 'import json; d = json.load(open("$WORK/iperf.json")); print(d["end"]["sum_received"]["bits_per_second"] / 1e9 if "sum_received" in d.get("end", {}) else "nan")'
EOS
# wrk.sh [HEADER]: requests/s of 50 connections and how many requests; with "Connection: close"
# each request is a connection
cat > "$WORK/wrk.sh" <<EOS
$WAIT_PORT
$NGINX -c $WORK/ng/nginx.conf -e $WORK/ng/error.log &
ng=\$!
wait_port 127.0.0.1 $PORT
wrk -t1 -c50 -d${SECS}s \${1:+-H "\$1"} http://127.0.0.1:$PORT/ | awk '/requests in/ {n = \$1} /Requests\/sec/ {r = \$2} END {print r, n}'
kill -TERM \$ng
wait
EOS
# curl.sh: CURLS requests from one curl, each on a new connection ("Connection: close"), as curl
# opens them (TCP_NODELAY and keepalive set before connect): "connections/s requests"
CURLS=${CURLS:-2000}
cat > "$WORK/curl.sh" <<EOS
$WAIT_PORT
$NGINX -c $WORK/ng/nginx.conf -e $WORK/ng/error.log &
ng=\$!
wait_port 127.0.0.1 $PORT
s=\$(date +%s%N)
curl -s -H "Connection: close" "http://127.0.0.1:$PORT/?[1-$CURLS]" >/dev/null
e=\$(date +%s%N)
echo \$(( $CURLS * 1000000000 / (e - s) )) $CURLS
kill -TERM \$ng
wait
EOS
# scale.sh: ztrun's RSS idle, then CONNS connections held open at once: "served rss_kib idle_rss_kib"
# (\$PPID is ztrun: it runs the command as its child)
cat > "$WORK/scale.sh" <<EOS
$WAIT_PORT
ulimit -n \$(ulimit -Hn)
rss() { awk '/^VmRSS:/ {print \$2}' /proc/\$PPID/status; }
idle=\$(rss)
$NGINX -c $WORK/ng/nginx.conf -e $WORK/ng/error.log &
ng=\$!
wait_port 127.0.0.1 $PORT
echo \$(python3 $HERE/conns.py $CONNS 127.0.0.1 $PORT \$PPID) \$idle
kill -TERM \$ng
wait
EOS
chmod 755 "$WORK" "$WORK/www"

measure() { # measure host|ZTRUN|ZTRUN#nosec SCRIPT [ARG]
	# --keep-caps: as root, nginx switches its workers to another user
	case $1 in
	host) $PERF bash "${@:2}" ;;
	*#nosec) $PERF "${1%#nosec}" -q --keep-caps --no-seccomp none -- bash "${@:2}" ;;
	*) $PERF "$1" -q --keep-caps none -- bash "${@:2}" ;;
	esac
}
# Where perf can count them (root, or perf_event_paranoid allows), the syscalls and context switches
# of every process of the new-connection run: counts per connection do not swing with the load.
PERF=
COUNT=
perf stat -x, -e raw_syscalls:sys_enter,context-switches -o /dev/null -- true 2>/dev/null &&
	COUNT="perf stat -x, -e raw_syscalls:sys_enter,context-switches -o $WORK/conn.perf --"
WHO="host $ZTRUN"
[ -z "$ZTRUN_BASE" ] || WHO="$WHO $ZTRUN_BASE"
[ -z "${NOSECCOMP:-}" ] || WHO="$WHO $ZTRUN#nosec"
declare -A RES
TIMEFORMAT='%U %S'
# Odd repetitions measure in order, even ones in reverse: what runs right after another run is not
# always the same build.
for rep in $(seq "$REPS"); do
	order=$WHO
	[ $((rep % 2)) = 1 ] || order=$(printf '%s\n' $WHO | tac)
	for w in $order; do
		RES[$w,iperf]+="$(measure "$w" "$WORK/iperf.sh") "
		RES[$w,wrk]+="$(measure "$w" "$WORK/wrk.sh" | cut -d' ' -f1) "
		# new connections: also the CPU time of everything the run started (bash's time counts the
		# children it waited for: ztrun, nginx, wrk) per connection, steadier than the rate here
		PERF=$COUNT
		{ time measure "$w" "$WORK/wrk.sh" "Connection: close" >"$WORK/conn.out"; } 2>"$WORK/conn.cpu"
		PERF=
		read -r rps n <"$WORK/conn.out" || rps=nan
		RES[$w,conn]+="$rps "
		RES[$w,cpu]+="$(tail -1 "$WORK/conn.cpu" | awk -v n="${n:-0}" '{ if (n > 0) printf "%.0f", ($1 + $2) * 1e6 / n; else print "nan" }') "
		if [ -n "$COUNT" ]; then
			RES[$w,sys]+="$(awk -F, -v n="${n:-0}" '/sys_enter/ { if (n > 0) printf "%.1f", $1 / n; else print "nan" }' "$WORK/conn.perf") "
			RES[$w,cs]+="$(awk -F, -v n="${n:-0}" '/context-switches/ { if (n > 0) printf "%.2f", $1 / n; else print "nan" }' "$WORK/conn.perf") "
		fi
		PERF=$COUNT
		measure "$w" "$WORK/curl.sh" >"$WORK/curl.out"
		PERF=
		read -r rps n <"$WORK/curl.out" || rps=nan
		RES[$w,curl]+="$rps "
		if [ -n "$COUNT" ]; then
			RES[$w,csys]+="$(awk -F, -v n="${n:-0}" '/sys_enter/ { if (n > 0) printf "%.1f", $1 / n; else print "nan" }' "$WORK/conn.perf") "
			RES[$w,ccs]+="$(awk -F, -v n="${n:-0}" '/context-switches/ { if (n > 0) printf "%.2f", $1 / n; else print "nan" }' "$WORK/conn.perf") "
		fi
	done
done
median() { tr ' ' '\n' | awk 'NF' | sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "nan" || b == "nan" || b == 0) print "-"; else printf "%.3f", a / b }'; }

printf '%-38s %12s %12s %8s' "benchmark (${SECS}s each, median of $REPS)" "host kernel" "ztrun none" "ratio"
[ -z "$ZTRUN_BASE" ] || printf ' %12s %8s %8s' "base ztrun" "ratio" "vs base"
[ -z "${NOSECCOMP:-}" ] || printf ' %12s %8s %8s' "no seccomp" "ratio" "vs nosec"
echo
for m in iperf wrk conn cpu ${COUNT:+sys cs} curl ${COUNT:+csys ccs}; do
	case $m in
	iperf) name="iperf3 1-stream TCP, Gbit/s" fmt=%12.2f ;;
	wrk) name="wrk nginx 50 conns, requests/s" fmt=%12.0f ;;
	conn) name="wrk nginx new connections/s" fmt=%12.0f ;;
	cpu) name="  CPU us per new connection (lower)" fmt=%12.0f ;;
	sys) name="  syscalls per new connection" fmt=%12.1f ;;
	cs) name="  context switches per connection" fmt=%12.2f ;;
	curl) name="curl new connections/s (one process)" fmt=%12.0f ;;
	csys) name="  syscalls per curl connection" fmt=%12.1f ;;
	ccs) name="  context switches per curl conn." fmt=%12.2f ;;
	esac
	h=$(echo "${RES[host,$m]}" | median)
	z=$(echo "${RES[$ZTRUN,$m]}" | median)
	printf "%-38s $fmt $fmt %8s" "$name" "$h" "$z" "$(ratio "$z" "$h")"
	if [ -n "$ZTRUN_BASE" ]; then
		b=$(echo "${RES[$ZTRUN_BASE,$m]}" | median)
		printf " $fmt %8s %8s" "$b" "$(ratio "$b" "$h")" "$(ratio "$z" "$b")"
	fi
	if [ -n "${NOSECCOMP:-}" ]; then
		n=$(echo "${RES[$ZTRUN#nosec,$m]}" | median)
		printf " $fmt %8s %8s" "$n" "$(ratio "$n" "$h")" "$(ratio "$z" "$n")"
	fi
	echo
done

[ "$CONNS" -gt 0 ] || exit 0
for w in $ZTRUN $ZTRUN_BASE; do
	read -r served rss idle < <(measure "$w" "$WORK/scale.sh")
	printf '%s: %s concurrent connections to nginx: %s served and held; ztrun RSS %.1f MiB (idle %.1f MiB)\n' \
		"$([ "$w" = "$ZTRUN" ] && echo "ztrun" || echo "base ztrun")" "$CONNS" "$served" \
		"$(awk "BEGIN{print $rss / 1024}")" "$(awk "BEGIN{print $idle / 1024}")"
done
