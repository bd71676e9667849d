#!/bin/bash
# ztrun on a terminal: signals the terminal sends to the whole foreground group are not forwarded a
# second time (see tty_signals.c), and the runtime directory is removed afterwards.
set -eu
ZTRUN=$1
DRIVER=$2
SIGRECORD=$3
. "$(dirname "$0")/../../common/lib.sh"

"$DRIVER" "$ZTRUN" "$SIGRECORD" "$T"
rundir_empty "terminal signals"
