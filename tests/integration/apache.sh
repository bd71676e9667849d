#!/bin/bash
# apache2 as a container starts it: as root, with Debian's default MPM (event), its workers switching
# to www-data and then starting their threads. Those threads can no longer connect to ztrun's socket
# (0700 runtime directory, owned by root): they get their connections from the process's factory
# (src/preload/rpc_conn.c). Served under ztrun none: curl, then wrk with 20 connections (many
# threads), no errors; the workers run as www-data.
. "$(dirname "$0")/../common/lib.sh"
[ "$(id -u)" = 0 ] || skip "the case is apache2 started as root, its workers switching uid"
APACHE=$(command -v apache2 || echo /usr/sbin/apache2)
[ -x "$APACHE" ] || skip "apache2 is not installed"
MODS=/usr/lib/apache2/modules
[ -e "$MODS/mod_mpm_event.so" ] || skip "no mod_mpm_event.so in $MODS"
id www-data >/dev/null 2>&1 || skip "no user www-data"
PORT=$(pick_port)
mkdir -p "$WORK/www" "$WORK/ap"
echo "hello from apache" >"$WORK/www/index.html"
chmod 755 "$WORK" "$WORK/www"
chmod 644 "$WORK/www/index.html"
cat >"$WORK/ap/apache.conf" <<CONF
ServerRoot /etc/apache2
LoadModule mpm_event_module $MODS/mod_mpm_event.so
LoadModule authz_core_module $MODS/mod_authz_core.so
User www-data
Group www-data
Listen $PORT
ServerName localhost
PidFile $WORK/ap/apache.pid
ErrorLog $WORK/ap/error.log
Mutex file:$WORK/ap
DocumentRoot $WORK/www
CONF
"$ZTRUN" none -- bash -c "
	set -e
	$WAIT_PORT
	$APACHE -f '$WORK/ap/apache.conf' -DFOREGROUND &
	wait_port 127.0.0.1 $PORT
	for i in \$(seq 100); do
		ps -o user= --ppid \$(cat '$WORK/ap/apache.pid') | sort -u >'$WORK/workers'
		[ -s '$WORK/workers' ] && break
		sleep 0.05
	done
	curl -sS -m 10 http://127.0.0.1:$PORT/index.html >'$WORK/index'
	timeout 30 wrk -t2 -c20 -d2s http://127.0.0.1:$PORT/index.html >'$WORK/wrk.txt' 2>&1
	kill -TERM \$(cat '$WORK/ap/apache.pid')
	wait
" >"$WORK/run.log" 2>&1 || fail "ztrun none failed: $(cat "$WORK/run.log" "$WORK/ap/error.log")"
grep -q "hello from apache" "$WORK/index" || fail "index not served: $(cat "$WORK/index" "$WORK/ap/error.log")"
[ "$(cat "$WORK/workers")" = www-data ] || fail "workers run as '$(cat "$WORK/workers")', not www-data"
grep -q "requests in" "$WORK/wrk.txt" || fail "wrk: $(cat "$WORK/wrk.txt")"
# (read errors are apache closing keep-alive connections after MaxKeepAliveRequests, as natively)
! grep -qE "Non-2xx|connect [1-9]|timeout [1-9]" "$WORK/wrk.txt" || fail "wrk saw errors: $(cat "$WORK/wrk.txt" "$WORK/ap/error.log")"
cat "$WORK/wrk.txt"
echo "PASS apache2 (event MPM, workers as www-data) under ztrun none"
