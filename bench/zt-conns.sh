#!/bin/bash
# Concurrent connections across a private ZeroTier network on this host's loopback: our controller
# (the planet's only root), node a running nginx, node b holding N keep-alive connections to it at
# once (one GET each, bench/conns.py). Prints what was served and both ztrun processes' resident
# memory idle (joined, nothing open) and with every connection open.
#
# usage: bench/zt-conns.sh /path/to/ztrun [N]   (default 1000)
set -eu
ZTRUN=$(realpath "${1:?usage: $0 /path/to/ztrun [N]}")
CONNS=${2:-1000}
HERE=$(cd "$(dirname "$0")" && pwd)
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/ztrun-conns.XXXXXX")
chmod 755 "$WORK"
export ZTRUN_LOG=error
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$WORK"
}
trap cleanup EXIT
die() { echo "zt-conns: $*" >&2; exit 1; }
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
NOFILE=$((CONNS + 1024))
[ "$(ulimit -Hn)" = unlimited ] || [ "$(ulimit -Hn)" -ge "$NOFILE" ] || ulimit -Hn "$NOFILE" 2>/dev/null ||
	die "the hard fd limit $(ulimit -Hn) is below $NOFILE"
ulimit -n "$NOFILE"
cd "$WORK"

CPORT=$(free_port)
"$ZTRUN" controller -p "$CPORT" ctl 2>ctl.log &
pids+=($!)
for _ in $(seq 600); do [ -s ctl/planet ] && [ -s ctl/zerotier-one.port ] && break; sleep 0.1; done
[ -s ctl/planet ] || die "the controller did not start: $(cat ctl.log)"
NW=$("$ZTRUN" controller network create ctl --name conns --pool 10.87.0.0/24)
for n in a b; do
	mkdir "$n"
	"$ZTRUN" idtool generate "$n/identity.secret" "$n/identity.public" >/dev/null
	"$ZTRUN" controller member authorize ctl "$NW" "$(cut -d: -f1 "$n/identity.public")" >/dev/null
done

PORT=8080
mkdir -p www ng
echo hello >www/index.html
cat >ng/nginx.conf <<CONF
daemon off; master_process on; worker_processes 1; pid $WORK/ng/nginx.pid;
error_log $WORK/ng/error.log warn;
worker_rlimit_nofile $NOFILE;
events { worker_connections $((CONNS + 512)); }
http { access_log off; client_body_temp_path $WORK/ng/body; proxy_temp_path $WORK/ng/proxy;
  fastcgi_temp_path $WORK/ng/fcgi; uwsgi_temp_path $WORK/ng/uwsgi; scgi_temp_path $WORK/ng/scgi;
  keepalive_timeout 300; keepalive_requests 100000;
  server { listen $PORT backlog=4096; root $WORK/www; } }
CONF
rss() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

"$ZTRUN" --home a --planet ctl/planet --wait 120 -v "$NW" -- "$NGINX" -c "$WORK/ng/nginx.conf" -e "$WORK/ng/error.log" \
	>a.log 2>&1 &
A_PID=$!
pids+=($A_PID)
for _ in $(seq 1200); do grep -q "joined $NW" a.log && break; sleep 0.1; done
A=$(grep -o "joined $NW as node [0-9a-f]*: [0-9.]*" a.log | sed 's/.*: //')
[ -n "$A" ] || die "node a did not join: $(cat a.log)"
# b: its own RSS and a's once joined and idle, then N connections held at once
cat >client.sh <<EOS
for _ in \$(seq 200); do (exec 3<>/dev/tcp/$A/$PORT) 2>/dev/null && break; sleep 0.1; done
echo idle \$(awk '/^VmRSS:/ {print \$2}' /proc/$A_PID/status) \$(awk '/^VmRSS:/ {print \$2}' /proc/\$PPID/status)
echo held \$(python3 $HERE/conns.py $CONNS $A $PORT $A_PID,\$PPID)
EOS
"$ZTRUN" --home b --planet ctl/planet --wait 120 "$NW" -- bash client.sh >b.out 2>b.log ||
	die "the client node failed: $(cat b.log)"
read -r _ idle_a idle_b < <(grep '^idle ' b.out)
read -r _ served rss_a rss_b < <(grep '^held ' b.out)
[ -n "${served:-}" ] || die "no result: $(cat b.out b.log)"
mib() { awk "BEGIN{printf \"%.1f\", $1 / 1024}"; }
echo "$CONNS concurrent connections across ZeroTier (loopback underlay) to nginx: $served served and held"
echo "server ztrun RSS $(mib "$rss_a") MiB (idle $(mib "$idle_a") MiB); client ztrun RSS $(mib "$rss_b") MiB (idle $(mib "$idle_b") MiB)"
