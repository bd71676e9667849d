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
PORT=$(( (RANDOM % 12000) + 20000 ))
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

# Each measurement is a script run on the host, or the same script inside ztrun; it prints one number.
cat > "$WORK/iperf.sh" <<EOS
$WAIT_PORT
iperf3 -s -p $PORT -B 127.0.0.1 >/dev/null 2>&1 &
wait_port 127.0.0.1 $PORT
iperf3 -c 127.0.0.1 -p $PORT -t $SECS -J > $WORK/iperf.json
kill %1
wait
python3 -c 'import json; print(json.load(open("$WORK/iperf.json"))["end"]["sum_received"]["bits_per_second"] / 1e9)'
EOS
cat > "$WORK/wrk.sh" <<EOS
$WAIT_PORT
$NGINX -c $WORK/ng/nginx.conf -e $WORK/ng/error.log &
wait_port 127.0.0.1 $PORT
wrk -t1 -c50 -d${SECS}s http://127.0.0.1:$PORT/ | awk '/Requests\/sec/ {print \$2}'
kill -QUIT \$(cat $WORK/ng/nginx.pid)
wait
EOS
chmod 755 "$WORK" "$WORK/www"

measure() { # measure host|ztrun SCRIPT
	# --keep-caps: as root, nginx switches its workers to another user
	if [ "$1" = host ]; then bash "$2"; else "$ZTRUN" -q --keep-caps none -- bash "$2"; fi
}

h_iperf=$(measure host "$WORK/iperf.sh")
z_iperf=$(measure ztrun "$WORK/iperf.sh")
h_wrk=$(measure host "$WORK/wrk.sh")
z_wrk=$(measure ztrun "$WORK/wrk.sh")

printf '%-34s %12s %12s %8s\n' "benchmark (${SECS}s each)" "host kernel" "ztrun none" "ratio"
printf '%-34s %12.2f %12.2f %8.3f\n' "iperf3 1-stream TCP, Gbit/s" "$h_iperf" "$z_iperf" "$(awk "BEGIN{print $z_iperf / $h_iperf}")"
printf '%-34s %12.0f %12.0f %8.3f\n' "wrk nginx 50 conns, requests/s" "$h_wrk" "$z_wrk" "$(awk "BEGIN{print $z_wrk / $h_wrk}")"
