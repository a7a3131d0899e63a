#!/usr/bin/env bash
# load_test.sh MODEL [CONNECTIONS] [SECONDS] [extra gembed serve args…]
# Starts `gembed serve` on a free loopback port, runs wrk (Debian package `wrk`) against
# /v1/embeddings with embeddings.lua, and prints wrk's figures plus the server's CPU use
# (user+system seconds from /proc/PID/stat over the run, as % of one core).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
gembed=${GEMBED:-$root/build/src/cli/gembed}
model=$1
conns=${2:-8}
secs=${3:-20}
shift $(( $# < 3 ? $# : 3 ))
log=$(mktemp)
"$gembed" serve --model "$model" --port 0 "$@" 2>"$log" &
pid=$!
trap 'kill $pid 2>/dev/null; rm -f "$log"' EXIT
for _ in $(seq 600); do grep -q "listening on" "$log" && break; sleep 0.1; done
port=$(grep -o 'listening on http://[^ ]*' "$log" | sed 's/.*://')
[ -n "$port" ] || { cat "$log" >&2; exit 1; }
# Warm-up (first-touch of the weights), not measured.
wrk -t1 -c1 -d2s -s "$here/embeddings.lua" "http://127.0.0.1:$port" >/dev/null
ticks=$(getconf CLK_TCK)
cpu() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
c0=$(cpu); t0=$(date +%s.%N)
threads=$(( conns < 2 ? 1 : 2 ))
wrk -t"$threads" -c"$conns" -d"${secs}s" --timeout 30s --latency -s "$here/embeddings.lua" "http://127.0.0.1:$port"
c1=$(cpu); t1=$(date +%s.%N)
awk -v c0="$c0" -v c1="$c1" -v t0="$t0" -v t1="$t1" -v hz="$ticks" \
  'BEGIN { printf "server CPU: %.1f%% of one core (%.1f s CPU over %.1f s)\n", 100*(c1-c0)/hz/(t1-t0), (c1-c0)/hz, t1-t0 }'
curl -s "http://127.0.0.1:$port/metrics" | grep -E '^gembed_(batches_total|embedded_inputs_total|batch_requests_(sum|count))'
echo "uptime: $(uptime)"
