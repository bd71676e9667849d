#!/bin/sh
# The image's ENTRYPOINT: runs CMD on the ZeroTier network through ztrun, which becomes PID 1 (exec):
# it forwards signals (docker stop's SIGTERM reaches the app), reaps orphans and exits with the
# app's status.
#   ZTRUN_NETWORK   the network ID (or "none"), else the file /etc/ztrun/network
#   ZTRUN_PLANET    a private planet file (mount it), else $ZTRUN_HOME/planet, else ZeroTier's
#   ZTRUN_WAIT      seconds to wait for the network (default 120)
#   ZTRUN_JOIN_TOKEN       a join token (ztrun controller token create): the container authorizes
#                          itself; ztrun reads it and the app never sees it
#   ZTRUN_JOIN_TOKEN_FILE  the same in a file, by default the Docker secret
#                          /run/secrets/ztrun_join_token when it exists (better: not in `docker inspect`)
set -eu
nw=${ZTRUN_NETWORK:-}
if [ -z "$nw" ] && [ -r /etc/ztrun/network ]; then
	read -r nw </etc/ztrun/network
fi
if [ -z "$nw" ]; then
	echo "ztrun-entrypoint: no network: set ZTRUN_NETWORK or mount /etc/ztrun/network" >&2
	exit 125
fi
token_file=${ZTRUN_JOIN_TOKEN_FILE:-/run/secrets/ztrun_join_token}
if [ -e "$token_file" ] && [ "$nw" != none ]; then
	exec ztrun --wait "${ZTRUN_WAIT:-120}" --join-token-file "$token_file" "$nw" -- "$@"
fi
exec ztrun --wait "${ZTRUN_WAIT:-120}" "$nw" -- "$@"
