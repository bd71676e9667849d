#!/bin/bash
# The original Network Containers' application matrix, across ztrun nodes of one private network: each
# server (nginx, apache2 -X, python http.server, redis, node, sshd, httpstub) runs both ways, under a
# `ztrun NWID --` node and attached to a ztrun service with LD_PRELOAD + ZT_NC_NETWORK, and its client
# (curl; redis-cli EVAL and redis-benchmark; ssh and a 10 MB scp, checksum compared) runs under a third
# node. One controller, one network and three nodes serve every case, so the matrix stays quick. Like the
# original harness, each case leaves RESULTS/OK.<case> or RESULTS/FAIL.<case> (SKIP.<case>: the program
# is not installed) with its evidence.
# usage: service_matrix.sh ZTRUN RESULTS_DIR [HTTPSTUB]
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../common/lib.sh"
RESULTS=$(mkdir -p "$2" && realpath "$2")
HTTPSTUB=${3:+$(realpath "$3")}
rm -f "$RESULTS"/OK.* "$RESULTS"/FAIL.* "$RESULTS"/SKIP.*
cd "$WORK"
chmod 755 "$WORK" # servers that drop to another user read their files here
pids=()
servers=() # the two servers.sh: each stops its servers once $WORK/done exists, or on SIGTERM
before_cleanup() {
	touch "$WORK/done"
	for p in "${servers[@]}"; do
		for _ in $(seq 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
	done
	# only then the service: attached servers outliving it would keep failing accept() forever
	[ -s svc/zerotier-one.pid ] && kill "$(cat svc/zerotier-one.pid)" 2>/dev/null
}
PORT=$(pick_port)
"$ZTRUN" controller -p "$PORT" ctl 2>ctl.log &
pids+=($!)
# Its identity comes first: seconds on a loaded machine.
wait_for 120 "the controller's planet and port" test -s ctl/planet -a -s ctl/zerotier-one.port
NW=$("$ZTRUN" controller network create ctl --name matrix --pool 10.80.0.0/24)
for h in srv svc cli; do
	mkdir -p $h && cp ctl/planet $h/planet
	"$ZTRUN" idtool generate $h/identity.secret $h/identity.public >/dev/null
	"$ZTRUN" controller member authorize ctl "$NW" "$(cut -c1-10 $h/identity.public)" >/dev/null
done
"$ZTRUN" controller member set-ip ctl "$NW" "$(cut -c1-10 srv/identity.public)" 10.80.0.11 >/dev/null
"$ZTRUN" controller member set-ip ctl "$NW" "$(cut -c1-10 svc/identity.public)" 10.80.0.12 >/dev/null
"$ZTRUN" shim "$WORK/libztrun-preload.so"

# What every server needs, made once: content, keys, configs.
mkdir -p www && echo "matrix page" >www/index.html && head -c 1000000 /dev/urandom >www/blob
chmod 755 www && chmod 644 www/*
ssh-keygen -q -t ed25519 -N '' -f hostkey && ssh-keygen -q -t ed25519 -N '' -f userkey
cp userkey.pub authorized_keys && chmod 600 authorized_keys
mkdir -p /run/sshd 2>/dev/null || true
head -c 10000000 /dev/urandom >tenmb
for way in run svc; do
	mkdir -p "$way.d"
	cat >"$way.d/nginx.conf" <<CONF
daemon off;
pid $WORK/$way.d/nginx.pid;
error_log $WORK/$way.d/nginx.err warn;
events { worker_connections 64; }
http {
	access_log off;
	client_body_temp_path $WORK/$way.d/body;
	proxy_temp_path $WORK/$way.d/proxy;
	fastcgi_temp_path $WORK/$way.d/fcgi;
	uwsgi_temp_path $WORK/$way.d/uwsgi;
	scgi_temp_path $WORK/$way.d/scgi;
	server { listen 8081; root $WORK/www; }
}
CONF
	# apache2 -X: one process (prefork), as the original ran it
	cat >"$way.d/apache.conf" <<CONF
ServerRoot /etc/apache2
ServerName matrix
LoadModule mpm_prefork_module /usr/lib/apache2/modules/mod_mpm_prefork.so
LoadModule authz_core_module /usr/lib/apache2/modules/mod_authz_core.so
LoadModule dir_module /usr/lib/apache2/modules/mod_dir.so
LoadModule mime_module /usr/lib/apache2/modules/mod_mime.so
User www-data
Group www-data
Listen 80
PidFile $WORK/$way.d/apache.pid
ErrorLog $WORK/$way.d/apache.err
DocumentRoot $WORK/www
TypesConfig /etc/mime.types
<Directory $WORK/www>
	Require all granted
</Directory>
CONF
	cat >"$way.d/sshd_config" <<CONF
Port 2222
HostKey $WORK/hostkey
PidFile $WORK/$way.d/sshd.pid
AuthorizedKeysFile $WORK/authorized_keys
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
UseDNS no
PermitRootLogin prohibit-password
Subsystem sftp internal-sftp
CONF
	# the servers, as one script each way runs them; each starts only if installed
	cat >"$way.d/servers.sh" <<SH
cd "$WORK"
stop() {
	kill \$(jobs -p) 2>/dev/null
	[ -s "$WORK/$way.d/nginx.pid" ] && kill "\$(cat "$WORK/$way.d/nginx.pid")" 2>/dev/null
	wait
	exit 0
}
trap stop TERM
# each server is a job of its own (not "have X && X &", whose job is a subshell): stop kills the servers
have() { command -v "\$1" >/dev/null 2>&1; }
if have nginx; then nginx -c "$WORK/$way.d/nginx.conf" 2>"$WORK/$way.d/nginx.log" & fi
if have apache2; then apache2 -X -f "$WORK/$way.d/apache.conf" 2>"$WORK/$way.d/apache.log" & fi
python3 -m http.server 8082 --directory "$WORK/www" >"$WORK/$way.d/python.log" 2>&1 &
if have redis-server; then redis-server --port 6379 --protected-mode no --save '' --appendonly no --dir "$WORK/$way.d" \
	>"$WORK/$way.d/redis.log" 2>&1 & fi
if have node; then node -e 'require("http").createServer((q, r) => r.end("node says " + q.url)).listen(8083)' \
	>"$WORK/$way.d/node.log" 2>&1 & fi
$(command -v sshd || echo /usr/sbin/sshd) -D -e -f "$WORK/$way.d/sshd_config" 2>"$WORK/$way.d/sshd.log" &
if [ -x "$HTTPSTUB" ]; then "$HTTPSTUB" -m "httpstub says hi" 8084 >"$WORK/$way.d/httpstub.log" 2>&1 & fi
while [ ! -e "$WORK/done" ]; do sleep 0.2; done
stop
SH
done

# The servers under a `ztrun NWID --` node, and attached to the service.
"$ZTRUN" --keep-caps --home srv --planet ctl/planet --wait 60 "$NW" -- bash run.d/servers.sh 2>run.log &
pids+=($!)
servers+=($!)
mkdir -p svc/networks.d && touch "svc/networks.d/$NW.conf"
env -u ZTRUN_PLANET "$ZTRUN" service -d -p 0 svc 2>svc.log || fail "service: $(cat svc.log)"
for _ in $(seq 300); do
	"$ZTRUN" cli -D svc listnetworks | grep -q " 10\.80\.0\.12/24" && break
	sleep 0.1
done
LD_PRELOAD=$WORK/libztrun-preload.so ZT_NC_NETWORK=$WORK/svc/nc_$NW bash svc.d/servers.sh &
pids+=($!)
servers+=($!)

# The clients, under a third node: every case, both ways, each leaving its result.
cat >clients.sh <<'SH'
R=$1 WORK=$2 HTTPSTUB=$3
cd "$WORK"
have() { command -v "$1" >/dev/null 2>&1; }
# case NAME PROGRAM COMMAND...: runs COMMAND (its output is the evidence) unless PROGRAM is missing
case_() {
	name=$1 prog=$2
	shift 2
	if [ -n "$prog" ] && ! have "$prog" && [ ! -x "$prog" ]; then
		echo "$prog is not installed" >"$R/SKIP.$name"
		return
	fi
	if out=$("$@" 2>&1); then
		echo "$out" >"$R/OK.$name"
	else
		echo "$out" >"$R/FAIL.$name"
	fi
}
# wait until something accepts on IP:PORT (the servers start alongside)
up() { for _ in $(seq 150); do (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null && return 0; sleep 0.1; done; return 1; }
http_nginx() { up $1 8081 && curl -sSf -m 10 "http://$1:8081/" | grep "matrix page" &&
	curl -sSf -m 10 "http://$1:8081/blob" | cmp - www/blob && echo "blob identical"; }
http_apache() { up $1 80 && curl -sSf -m 10 "http://$1/" | grep "matrix page" &&
	curl -sSf -m 10 "http://$1/blob" | cmp - www/blob && echo "blob identical"; }
http_python() { up $1 8082 && curl -sSf -m 10 "http://$1:8082/" | grep "matrix page" &&
	curl -sSf -m 10 "http://$1:8082/blob" | cmp - www/blob && echo "blob identical"; }
redis_eval() { up $1 6379 &&
	[ "$(redis-cli -h $1 EVAL "redis.call('set', KEYS[1], ARGV[1]); return redis.call('get', KEYS[1])" 1 k matrix)" = matrix ] &&
	echo "EVAL ok" && b=$(redis-benchmark -h $1 -q -n 5000 -t set,get | tr '\r' '\n' | grep "requests per second") &&
	echo "$b" && [ "$(echo "$b" | grep -c .)" = 2 ]; }
node_http() { up $1 8083 && [ "$(curl -sSf -m 10 "http://$1:8083/x")" = "node says /x" ] && echo "node says /x"; }
ssh_scp() {
	up $1 2222 || return 1
	o="-i userkey -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes -o LogLevel=ERROR"
	[ "$(ssh $o -p 2222 "$(id -un)@$1" 'echo remote:$((6*7))')" = remote:42 ] || return 1
	echo "ssh ok"
	rm -f "tenmb.$1"
	scp $o -P 2222 tenmb "$(id -un)@$1:$WORK/tenmb.$1" && [ "$(sha256sum <tenmb)" = "$(sha256sum <"tenmb.$1")" ] &&
		echo "scp 10 MB: sha256 $(sha256sum <tenmb | cut -c1-16)... identical"
}
stub() { up $1 8084 && curl -sSf -m 10 "http://$1:8084/ping" | grep "httpstub says hi"; }
for way in run:10.80.0.11 svc:10.80.0.12; do
	w=${way%%:*} ip=${way#*:}
	case_ nginx-$w nginx http_nginx $ip
	case_ apache2-$w apache2 http_apache $ip
	case_ python-$w python3 http_python $ip
	case_ redis-$w redis-server redis_eval $ip
	case_ node-$w node node_http $ip
	case_ sshd-$w sshd ssh_scp $ip
	case_ httpstub-$w "$HTTPSTUB" stub $ip
done
SH
"$ZTRUN" --home cli --planet ctl/planet --wait 60 "$NW" -- bash clients.sh "$RESULTS" "$WORK" "$HTTPSTUB" \
	2>cli.log || fail "client node: $(cat cli.log)"
ls "$RESULTS"
for f in "$RESULTS"/FAIL.*; do
	[ -e "$f" ] || continue
	echo "--- $f" >&2
	cat "$f" >&2
done
! ls "$RESULTS"/FAIL.* >/dev/null 2>&1 || fail "$(ls "$RESULTS"/FAIL.* | wc -l) cases failed"
echo "PASS matrix: $(ls "$RESULTS"/OK.* | wc -l) cases OK, $(ls "$RESULTS"/SKIP.* 2>/dev/null | wc -l) skipped"
