#!/bin/sh
# --wait 0: the command starts at once, before the network has its addresses (for a program that
# must start without delay, or retries by itself). Here curl retries until the server answers.
#   start-now.sh NETWORK_ID URL
set -eu
exec ztrun -q --wait 0 "$1" -- curl -fsS --retry 30 --retry-delay 1 --retry-all-errors --max-time 60 "$2"
