#!/bin/bash
# Throughput of apps inside `ztrun none` against the same tools on the host's kernel loopback,
# measured in the same run (the machines are shared and noisy: read the ratios, not the numbers).
# usage: bench/loopback.sh /path/to/ztrun [seconds]
set -eu
ZTRUN=${1:?usage: $0 /path/to/ztrun [seconds]}
SECS=${2:-5}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/ztrun-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
PORT=$(( (RANDOM % 20000) + 30000 ))
WAIT_PORT='wait_port() { for i in $(seq 1 200); do if (exec 3<>/dev/tcp/$1/$2) 2>/dev/null; then return 0; fi; sleep 0.05; done; return 1; }'

mkdir -p "$WORK/www" "$WORK/ng"
echo "hello" > "$WORK/www/index.html"
cat > "$WORK/ng/nginx.conf" <<CONF
daemon off; master_process on; worker_processes 1; pid $WORK/ng/nginx.pid;
error_log $WORK/ng/error.log warn;
events { worker_connections 512; }
http { access_log off; client_body_temp_path $WORK/ng/body; proxy_temp_path $WORK/ng/proxy;
  fastcgi_temp_path $WORK/ng/fcgi; uwsgi_temp_path $WORK/ng/uwsgi; scgi_temp_path $WORK/ng/scgi;
  server { listen 127.0.0.1:$PORT; root $WORK/www; } }
CONF

# One measurement: run SCRIPT on the host (WRAP empty) or inside ztrun, print the number.
iperf_script="$WAIT_PORT
iperf3 -s -1 -p $PORT -B 127.0.0.1 >/dev/null 2>&1 &
wait_port 127.0.0.1 $PORT
iperf3 -c 127.0.0.1 -p $PORT -t $SECS -J | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"end\"][\"sum_received\"][\"bits_per_second\"]/1e9)'
wait"
wrk_script="$WAIT_PORT
$NGINX -c $WORK/ng/nginx.conf -e $WORK/ng/error.log &
wait_port 127.0.0.1 $PORT
wrk -t1 -c50 -d${SECS}s http://127.0.0.1:$PORT/ | awk '/Requests\/sec/ {print \$2}'
kill -QUIT \$(cat $WORK/ng/nginx.pid); wait"

measure() { # measure host|ztrun SCRIPT
	if [ "$1" = host ]; then bash -c "$2"; else "$ZTRUN" -q none -- bash -c "$2"; fi
}

h_iperf=$(measure host "$iperf_script")
z_iperf=$(measure ztrun "$iperf_script")
h_wrk=$(measure host "$wrk_script")
z_wrk=$(measure ztrun "$wrk_script")

printf '%-34s %12s %12s %8s\n' "benchmark (${SECS}s each)" "host kernel" "ztrun none" "ratio"
printf '%-34s %12.2f %12.2f %8.3f\n' "iperf3 1-stream TCP, Gbit/s" "$h_iperf" "$z_iperf" "$(awk "BEGIN{print $z_iperf / $h_iperf}")"
printf '%-34s %12.0f %12.0f %8.3f\n' "wrk nginx 50 conns, requests/s" "$h_wrk" "$z_wrk" "$(awk "BEGIN{print $z_wrk / $h_wrk}")"
