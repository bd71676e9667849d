#!/bin/sh
# A one-off client: fetches a URL over a ZeroTier network and exits with curl's status. The node keeps
# its identity in its own home, so it is authorized once, not on every run.
#   fetch-once.sh NETWORK_ID URL
set -eu
home=${ZTRUN_CLIENT_HOME:-${XDG_DATA_HOME:-$HOME/.local/share}/ztrun-client}
exec ztrun -q --home "$home" "$1" -- curl -fsS --max-time 20 "$2"
