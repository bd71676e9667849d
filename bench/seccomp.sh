#!/bin/bash
# What the seccomp supervisor costs a dynamically linked program (issue 13: "within 5%"): iperf3
# one stream inside `ztrun none`, with the supervisor and with --no-seccomp, run as pairs back to
# back (the order alternating: A B, B A, ...), so each pair's ratio sees the same machine load.
# Besides Gbit/s it prints the CPU time iperf3's two processes spent per GB moved (iperf3's own
# cpu_utilization, client + server): on a shared machine the throughput of one 2-core run swings
# with the neighbours' load, the CPU spent per byte much less.
# usage: bench/seccomp.sh /path/to/ztrun [seconds]   (REPS=N pairs, default 10)
set -eu
ZTRUN=$(realpath "${1:?usage: $0 /path/to/ztrun [seconds]}")
SECS=${2:-3}
REPS=${REPS:-10}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/ztrun-seccomp.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
export ZTRUN_PLANET=$WORK/no-planet # `ztrun none` needs none; a node never reaches public roots
PORT=$(( (RANDOM % 12000) + 20000 ))

# one line: Gbit/s and CPU seconds per GB (client + server)
cat > "$WORK/iperf.sh" <<EOS
# iperf3 takes any connection for a client's: wait for its own word that it listens, not a probe
iperf3 -s -p $PORT -B 127.0.0.1 --forceflush >$WORK/iperf-s.log 2>&1 &
for i in \$(seq 200); do grep -q "Server listening" $WORK/iperf-s.log 2>/dev/null && break; sleep 0.05; done
iperf3 -c 127.0.0.1 -p $PORT -t $SECS -J > $WORK/iperf.json
kill %1
wait
rm -f $WORK/iperf-s.log
python3 - <<'PY'
import json
e = json.load(open("$WORK/iperf.json")).get("end", {})
if "sum_received" not in e:
    print("nan nan")  # iperf3 failed (its error is in the JSON); the pair is left out
    raise SystemExit
gb = e["sum_received"]["bytes"] / 1e9
cpu = (e["cpu_utilization_percent"]["host_total"] + e["cpu_utilization_percent"]["remote_total"]) / 100
print(e["sum_received"]["bits_per_second"] / 1e9, cpu * e["sum_received"]["seconds"] / gb)
PY
EOS
run() { # run sec|nosec: "gbps cpu_s_per_gb"
	if [ "$1" = sec ]; then "$ZTRUN" -q none -- bash "$WORK/iperf.sh"
	else "$ZTRUN" -q --no-seccomp none -- bash "$WORK/iperf.sh"; fi
}

: > "$WORK/pairs"
for rep in $(seq "$REPS"); do
	if [ $((rep % 2)) = 1 ]; then s=$(run sec); n=$(run nosec); else n=$(run nosec); s=$(run sec); fi
	echo "$s $n" | tee -a "$WORK/pairs" | awk -v r="$rep" '{ printf "pair %2d: seccomp %6.2f Gbit/s %5.3f CPU s/GB, no seccomp %6.2f Gbit/s %5.3f CPU s/GB\n", r, $1, $2, $3, $4 }'
done
# per pair: throughput seccomp/no-seccomp, and CPU per GB no-seccomp/seccomp (>1: seccomp is cheaper)
awk '!/nan/ { print $1 / $3, $4 / $2 }' "$WORK/pairs" > "$WORK/ratios"
summary() { # column name: median and quartiles of the pairs' ratios
	cut -d' ' -f"$1" "$WORK/ratios" | sort -g | awk -v name="$2" '{ v[NR] = $1 }
	END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
	      printf "%-52s median %.3f, quartiles %.3f-%.3f, range %.3f-%.3f (%d pairs)\n", name, m,
	             v[int((NR + 3) / 4)], v[int((3 * NR + 3) / 4)], v[1], v[NR], NR }'
}
summary 1 "throughput, seccomp / no seccomp:"
summary 2 "CPU per GB, no seccomp / seccomp (1 = same cost):"
