#!/bin/bash
# ZTRUN_TCP_SMALL_SEGMENTS=1 (TCP segments that fit one ZeroTier datagram) against the default
# (segments of up to two datagrams), in the same run, interleaved:
#   - a clean underlay: bench/zt-pair.sh's iperf3 between two ztrun nodes (1 and 4 streams), the
#     default as ztrun and small segments as ZTRUN_BASE (a wrapper that sets the variable);
#   - lossy underlays: tests/faults/lossy.sh (lossy_relay.py: 5% duplicated, 10% reordered, both
#     ways) at each loss rate, the time a file of KIB KiB takes with and without (counted from the
#     client node's start: its join, 2-3 s, included).
# usage: bench/segments.sh /path/to/ztrun  (REPS=2, LOSSES="0.01:16384 0.05:8192 0.2:128": LOSS:KIB,
#   MODE=1: the value of ZTRUN_TCP_SMALL_SEGMENTS set against the default, or auto)
# Prints one line per run and a summary of medians and ratios (MODE / default).
set -eu
ZTRUN=$(realpath "${1:?usage: $0 /path/to/ztrun}")
HERE=$(cd "$(dirname "$0")" && pwd)
REPS=${REPS:-2}
LOSSES=${LOSSES:-"0.01:16384 0.05:8192 0.2:128"}
MODE=${MODE:-1}
export ZTRUN_PLANET=${ZTRUN_PLANET:-/nonexistent}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/ztrun-segments.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
chmod 755 "$WORK"
cat >"$WORK/ztrun-small" <<EOF
#!/bin/sh
ZTRUN_TCP_SMALL_SEGMENTS=$MODE exec "$ZTRUN" "\$@"
EOF
chmod 755 "$WORK/ztrun-small"
median() { sort -g | awk '{ v[NR] = $1 } END { print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo "== clean underlay (zt-pair.sh; base = ZTRUN_TCP_SMALL_SEGMENTS=$MODE)"
ZTRUN_TCP_SMALL_SEGMENTS=0 ZTRUN_BASE="$WORK/ztrun-small" REPS=$((REPS + 1)) "$HERE/zt-pair.sh" "$ZTRUN" 3 |
	tee "$WORK/pair.txt"

echo "== lossy underlay (lossy.sh: seconds for the file, lower is better)"
declare -A T
for rep in $(seq "$REPS"); do
	for lk in $LOSSES; do
		seed=${LOSSY_SEED:-$((RANDOM << 15 | RANDOM))} # both settings meet the same losses
		for small in 0 "$MODE"; do
			loss=${lk%:*} kib=${lk#*:}
			line=$(LOSSY_SEED=$seed ZTRUN_TCP_SMALL_SEGMENTS=$small bash "$HERE/../tests/faults/lossy.sh" "$ZTRUN" "$kib" "$loss" 2>&1 |
				grep '^PASS' || echo "FAIL")
			s=$(echo "$line" | sed -n 's/.* in \([0-9]*\)s, sha256 equal/\1/p')
			echo "rep $rep loss $loss $kib KiB ZTRUN_TCP_SMALL_SEGMENTS=$small: ${s:-failed}"
			T[$lk,$small]+="${s:-nan} "
		done
	done
done
printf '%-8s %8s %12s %12s %8s\n' loss KiB "default s" "$MODE s" "ratio"
for lk in $LOSSES; do
	d=$(echo "${T[$lk,0]}" | tr ' ' '\n' | grep . | median)
	m=$(echo "${T[$lk,$MODE]}" | tr ' ' '\n' | grep . | median)
	printf '%-8s %8s %12s %12s %8s\n' "${lk%:*}" "${lk#*:}" "$d" "$m" \
		"$(awk -v a="$m" -v b="$d" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }')"
done
echo "(ratio: ZTRUN_TCP_SMALL_SEGMENTS=$MODE's time / the default's; below 1 means faster)"
