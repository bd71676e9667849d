#!/bin/bash
# sshd (own host key, own config, high port, as the current user) under ztrun none; ssh runs a
# remote command. sshd re-executes itself for each connection with the socket inherited.
. "$(dirname "$0")/../common/lib.sh"
SSHD=$(command -v sshd || echo /usr/sbin/sshd)
PORT=$(pick_port)
ssh-keygen -q -t ed25519 -N '' -f "$WORK/hostkey"
ssh-keygen -q -t ed25519 -N '' -f "$WORK/userkey"
cp "$WORK/userkey.pub" "$WORK/authorized_keys"
chmod 600 "$WORK/authorized_keys"
mkdir -p /run/sshd 2>/dev/null || true
cat > "$WORK/sshd_config" <<CONF
Port $PORT
ListenAddress 127.0.0.1
HostKey $WORK/hostkey
PidFile $WORK/sshd.pid
AuthorizedKeysFile $WORK/authorized_keys
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
UseDNS no
PermitRootLogin prohibit-password
CONF
"$ZTRUN" none -- bash -c "
	set -e
	$WAIT_PORT
	$SSHD -D -e -f '$WORK/sshd_config' 2>'$WORK/sshd.log' &
	wait_port 127.0.0.1 $PORT
	ssh -i '$WORK/userkey' -p $PORT -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
		-o BatchMode=yes -o LogLevel=ERROR $(id -un)@127.0.0.1 'echo remote:\$((6*7))' >'$WORK/out'
	kill %1
"
[ "$(cat "$WORK/out")" = "remote:42" ] || { cat "$WORK/sshd.log" >&2; fail "ssh output: $(cat "$WORK/out")"; }
echo "PASS sshd + ssh"
