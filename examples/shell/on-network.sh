#!/bin/sh
# Runs a command on a ZeroTier network once it is up, and says what went wrong when it did not run.
#   on-network.sh NETWORK_ID COMMAND [ARG...]
# ZTRUN_WAIT: seconds to wait for the network (default 60). ZTRUN_HOME, ZTRUN_PLANET: as for ztrun.
# Exit status: the command's own; 125, 126, 127 as ztrun's (network or ztrun failed, not runnable,
# not found).
set -u
nwid=$1
shift
ztrun --wait "${ZTRUN_WAIT:-60}" "$nwid" -- "$@"
status=$?
case $status in
125) echo "on-network: ztrun failed (network $nwid not up within ${ZTRUN_WAIT:-60} s?)" >&2 ;;
126) echo "on-network: '$1' cannot be run" >&2 ;;
127) echo "on-network: '$1' not found" >&2 ;;
esac
exit $status
