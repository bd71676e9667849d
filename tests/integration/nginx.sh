#!/bin/bash
# nginx (its own config, port >= 1024) under ztrun none; curl and 5 s of wrk with 50 connections,
# no errors. As root, nginx's workers switch to user nobody: ztrun leaves the master the
# capabilities that needs (setuid, chown of its temporary directories).
. "$(dirname "$0")/../common/lib.sh"
command -v nginx >/dev/null || NGINX=/usr/sbin/nginx
NGINX=${NGINX:-nginx}
PORT=$(pick_port)
mkdir -p "$WORK/www" "$WORK/ng"
echo "hello from nginx" > "$WORK/www/index.html"
head -c 1000000 /dev/urandom > "$WORK/www/big"
# workers run as an unprivileged user when started as root
chmod 755 "$WORK" "$WORK/www"
chmod 644 "$WORK/www/"*
cat > "$WORK/ng/nginx.conf" <<CONF
daemon off;
master_process on;
worker_processes 2;
pid $WORK/ng/nginx.pid;
error_log $WORK/ng/error.log warn;
events { worker_connections 256; }
http {
	access_log off;
	client_body_temp_path $WORK/ng/body;
	proxy_temp_path $WORK/ng/proxy;
	fastcgi_temp_path $WORK/ng/fastcgi;
	uwsgi_temp_path $WORK/ng/uwsgi;
	scgi_temp_path $WORK/ng/scgi;
	sendfile on;
	tcp_nopush on;
	keepalive_timeout 30;
	server {
		listen 127.0.0.1:$PORT;
		listen [::1]:$PORT;
		root $WORK/www;
	}
}
CONF
"$ZTRUN" none -- bash -c "
	set -e
	$WAIT_PORT
	$NGINX -c '$WORK/ng/nginx.conf' -e '$WORK/ng/error.log' &
	wait_port 127.0.0.1 $PORT
	for i in \$(seq 100); do
		ps -o user= --ppid \$(cat '$WORK/ng/nginx.pid') | sort -u >'$WORK/workers'
		[ -s '$WORK/workers' ] && break
		sleep 0.05
	done
	curl -sSf http://127.0.0.1:$PORT/ >'$WORK/index'
	curl -sSf -g 'http://[::1]:$PORT/big' >'$WORK/big'
	wrk -t2 -c50 -d5s http://127.0.0.1:$PORT/ >'$WORK/wrk.txt' 2>&1
	kill -QUIT \$(cat '$WORK/ng/nginx.pid')
	wait
"
grep -q "hello from nginx" "$WORK/index" || fail "index not served"
if [ "$(id -u)" = 0 ]; then
	[ "$(cat "$WORK/workers")" = nobody ] || fail "as root, workers run as '$(cat "$WORK/workers")', not nobody"
fi
cmp -s "$WORK/big" "$WORK/www/big" || fail "big file differs"
cat "$WORK/wrk.txt"
grep -q "Requests/sec" "$WORK/wrk.txt" || fail "wrk did not run"
! grep -qE "Socket errors|Non-2xx" "$WORK/wrk.txt" || fail "wrk saw errors"
reqs=$(awk '/requests in/ {print $1}' "$WORK/wrk.txt")
[ "${reqs:-0}" -gt 100 ] || fail "wrk completed only ${reqs:-0} requests"
echo "PASS nginx + wrk ($reqs requests)"
