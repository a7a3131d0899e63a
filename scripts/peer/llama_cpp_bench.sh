#!/usr/bin/env bash
# Peer benchmark: llama.cpp running an EmbeddingGemma-300m GGUF on the CPU, on the same
# workloads as gembed's own benchmarks. Nothing from llama.cpp lives in this repository:
# build llama.cpp elsewhere and point LLAMA_CPP_BIN at its bin/ folder.
#
#   LLAMA_CPP_BIN=/path/to/llama.cpp/build/bin scripts/peer/llama_cpp_bench.sh MODEL.gguf [LABEL]
#
# LABEL defaults to the part of the file name after the last '-' in upper case
# (full-random-q8_0.gguf -> Q8_0). One machine-readable line per figure on stdout:
#   llama.cpp <LABEL> <metric> <value>
# Progress and the raw llama.cpp logs' locations go to stderr.
#
# Workloads (token counts include <bos> and <eos>; llama-embedding adds both because the
# GGUF has add_bos_token = add_eos_token = true):
#   (a) batch: 64 texts x 128 tokens, one llama-embedding process  -> batch_tokens_per_s
#   (b) single query of 16 tokens                                   -> query_ms_median / _p99
#   (c) one 2048-token document                                      -> doc_ms
#   (d) peak RSS of each llama-embedding process (/usr/bin/time -v) -> *_peak_rss_mib
# *_cpu_pct is /usr/bin/time's "Percent of CPU this job got" (median of the runs): about
# 200 with 2 threads on 2 free cores (llama.cpp's threads spin while waiting); clearly less
# means other processes took CPU during the run and the figure is inflated.
# Inputs are English words that are each exactly one Gemma-3 token (with or without the
# leading space), so N-2 words give N tokens; every input's token count is checked with
# llama-embedding --verbose-prompt before it is timed, and the script stops on a mismatch.
#
# Which clock:
#   * *_ms / *_tokens_per_s: llama.cpp's own log timestamps (--log-timestamps, microsecond
#     resolution), logged by llama-embedding right before each llama_decode(): per query, from
#     one decode's line to the next; for (a) and (c), from the first decode's line to the
#     llama_perf_context_print lines after the last decode. That covers llama_decode (all 24
#     layers, mean pooling, the two Dense layers) and llama.cpp's L2 normalisation (plus, for
#     (a) and (c), printing the result, a few ms at most); it excludes model loading and
#     tokenisation.
#     We do not use the printed "prompt eval time" of llama_perf_context_print: in this
#     llama.cpp, for llama-embedding, it leaves out the first llama_decode of the run (it printed
#     0.00 ms for a run whose 8192 tokens went in one decode), so it under-reports. It is still
#     written to the raw logs.
#   * *_wall_ms: the whole process (model load from page cache, tokenise, compute, print, exit),
#     timed with date +%s%N around the command; what a one-shot CLI user waits for.
#   * bench_*: llama-bench -embd 1 (llama.cpp's own benchmark tool: random token ids, one
#     sequence, warm-up run, per-repetition times in samples_ns) as a cross-check of (b) and (c).
#     It has no multi-sequence mode, so it cannot do (a).
#
# (a) batch: all 64 texts go to one llama-embedding process, which packs whole sequences into
#     llama_decode calls of at most BATCH_CTX tokens (-c = -b = -ub = BATCH_CTX; for this
#     non-causal model llama.cpp needs ubatch = batch >= longest sequence). Each decode runs
#     attention over all its tokens with a mask that keeps sequences apart, so a very large
#     decode wastes work: BATCH_CTX=1024 (8 sequences per decode) was the fastest of
#     128 / 1024 / 2048 / 8192 on this machine; set BATCH_CTX to try others.
# (b) query: QUERIES different 16-token texts in one process with -c 16 -b 16 (-np 2: with
#     the default -np 1 llama-embedding sets n_seq_max = 256 > n_batch and trips an assert), so
#     each text is its own llama_decode; the per-decode times give median and p99 (the last
#     decode has no following timestamp and is dropped; the first one is kept). query_wall_ms
#     is a separate one-text process, load included.
# (c) doc: one 2048-token text, -c 2048 -b 2048.
#
# Each workload is run RUNS times (default 3) and the median of the runs is printed; the load
# average (uptime) is printed before and after each model. Runs go under `nice -n $NICE`
# (default -5, needs root; falls back to plain when not allowed). Threads: -t $THREADS (2).
# Flash attention: llama.cpp's default (-fa auto, which turns it on for this CPU build);
# FA=off or FA=on to force.
# Shared machine: with IDLE_MIN set (e.g. 0.9), each timed run first waits (at most IDLE_WAIT
# seconds, default 600) until the CPUs were at least that fraction idle over one second
# (/proc/stat), and prints the idle fraction it started at. On 2 cores, two busy llama.cpp
# threads that lose their core to another process stall each other at every graph barrier, so
# a compile running beside the benchmark can make it several times slower.
# Requirements: bash, awk, sort, /usr/bin/time (Debian package `time`).
set -euo pipefail

if [[ $# -lt 1 || ! -f "$1" ]]; then
  sed -n '2,11p' "$0" >&2
  exit 2
fi
MODEL=$1
BIN=${LLAMA_CPP_BIN:?set LLAMA_CPP_BIN to llama.cpp build/bin}
EMB="$BIN/llama-embedding"
LBENCH="$BIN/llama-bench"
[[ -x "$EMB" ]] || { echo "no llama-embedding in $BIN" >&2; exit 2; }
[[ -x /usr/bin/time ]] || { echo "need /usr/bin/time (apt-get install time)" >&2; exit 2; }
if [[ $# -ge 2 ]]; then
  LABEL=$2
else
  b=$(basename "$MODEL" .gguf); LABEL=${b##*-}; LABEL=${LABEL^^}
fi
THREADS=${THREADS:-2}
RUNS=${RUNS:-3}
QUERIES=${QUERIES:-101}
BATCH_CTX=${BATCH_CTX:-1024}
FA=${FA:-auto}
NICE=${NICE:--5}
XCHECK=${XCHECK:-1}
IDLE_MIN=${IDLE_MIN:-}
IDLE_WAIT=${IDLE_WAIT:-600}
WORK=${WORK:-$(mktemp -d /tmp/llama_cpp_bench.XXXXXX)}
mkdir -p "$WORK"
echo "# raw logs in $WORK" >&2

NICE_CMD=()
if nice -n "$NICE" true 2>/dev/null; then NICE_CMD=(nice -n "$NICE"); else echo "# nice -n $NICE not allowed; running at normal priority" >&2; fi

out() { echo "llama.cpp $LABEL $1 $2"; }
# idle fraction of all CPUs over one second
idle_frac() {
  local a b
  a=$(awk '/^cpu / {print $2+$3+$4+$5+$6+$7+$8+$9, $5+$6}' /proc/stat); sleep 1
  b=$(awk '/^cpu / {print $2+$3+$4+$5+$6+$7+$8+$9, $5+$6}' /proc/stat)
  awk -v a="$a" -v b="$b" 'BEGIN {split(a, x, " "); split(b, y, " "); t = y[1]-x[1]; printf "%.2f\n", (t > 0 ? (y[2]-x[2])/t : 0)}'
}
wait_idle() {
  [[ -n "$IDLE_MIN" ]] || return 0
  local t0=$SECONDS f
  while :; do
    f=$(idle_frac)
    if awk -v f="$f" -v m="$IDLE_MIN" 'BEGIN {exit !(f >= m)}'; then break; fi
    if ((SECONDS - t0 >= IDLE_WAIT)); then echo "# still busy (idle $f) after ${IDLE_WAIT}s; measuring anyway" >&2; break; fi
  done
  echo "# idle $f at start of $1 (load $(load1))" >&2
}
load1() { awk '{print $1}' /proc/loadavg; }

# 142 words, each one Gemma-3 token both alone and after a space, none merging with the next.
WORDS=(the of and to in is was for that with as on by at from his her which this are be or an
had it not but were they have one all their has been who also other more when there first its
after two new some into only these would time may over most such than many people state world
year years city during made between school system under while used known part three both name
through found later however well where each life work called because being same number
including before music since those small great several government family history against early
high place area war four around group home large another law water company long until series
land best still public game second film team album song book river church house party power
death line north south east west)
NW=${#WORDS[@]}

# text NWORDS OFFSET -> NWORDS words starting at OFFSET (cyclic), space separated
text() {
  local n=$1 off=$2 i s=""
  for ((i = 0; i < n; i++)); do s+="${WORDS[$(((off + i) % NW))]} "; done
  printf '%s' "${s% }"
}
# write COUNT lines of NTOK-token texts (NTOK-2 words) to FILE, no trailing newline
make_input() {
  local file=$1 count=$2 ntok=$3 k
  : > "$file"
  for ((k = 0; k < count; k++)); do
    text $((ntok - 2)) $((k * 37)) >> "$file"
    ((k + 1 < count)) && printf '\n' >> "$file"
  done
  return 0
}

COMMON=(-m "$MODEL" -t "$THREADS" -fa "$FA" -lv 4 --log-timestamps)

# check FILE COUNT NTOK ARGS... : every prompt tokenises to NTOK tokens (also warms the page cache)
check_tokens() {
  local file=$1 count=$2 ntok=$3; shift 3
  "$EMB" "${COMMON[@]}" "$@" -f "$file" --verbose-prompt > "$WORK/check.out" 2> "$WORK/check.err" || {
    echo "llama-embedding failed; see $WORK/check.err" >&2; exit 1; }
  local got
  got=$(grep -o 'number of tokens in prompt = [0-9]*' "$WORK/check.err" | awk '{print $NF}' | sort | uniq -c | awk '{printf "%s x %s;", $1, $2}')
  if [[ "$got" != "$count x $ntok;" ]]; then
    echo "token count check failed for $file: got [$got], want [$count x $ntok;]" >&2; exit 1
  fi
}

# run NAME ARGS... : one timed llama-embedding run; leaves $WORK/NAME.{out,err,time,wall}
run_embd() {
  local name=$1; shift
  local t0 t1
  wait_idle "$name"
  t0=$(date +%s%N)
  /usr/bin/time -v -o "$WORK/$name.time" "${NICE_CMD[@]}" "$EMB" "${COMMON[@]}" "$@" \
    > "$WORK/$name.out" 2> "$WORK/$name.err" || { echo "llama-embedding failed; see $WORK/$name.err" >&2; exit 1; }
  t1=$(date +%s%N)
  echo $(((t1 - t0) / 1000)) > "$WORK/$name.wall"   # microseconds
}

# seconds of a log timestamp "M.SS.mmm.uuu"
TS_AWK='function ts(s,  a) { split(s, a, "."); return a[1]*60 + a[2] + a[3]/1e3 + a[4]/1e6 }'
# per-decode durations (ms), one per line: from one "batch_decode:" line to the next (the
# last decode of a run has no next one and is dropped)
decode_ms() {
  awk "$TS_AWK"'
    /batch_decode: n_tokens/ { t = ts($1); if (open) printf "%.3f\n", (t - start) * 1000; start = t; open = 1 }' "$1"
}
# total ms from the first "batch_decode:" line to the llama_perf_context_print lines, which
# come right after the last decode (and the printing of the embeddings, a few ms at most)
span_ms() {
  awk "$TS_AWK"'
    /batch_decode: n_tokens/ && !started { first = ts($1); started = 1 }
    /llama_perf_context_print/ && started && !done { last = ts($1); done = 1 }
    END { printf "%.3f\n", (last - first) * 1000 }' "$1"
}
cpu_pct() { awk -F': ' '/Percent of CPU this job got/ {sub("%", "", $2); print $2}' "$1"; }
rss_mib() { awk -F': ' '/Maximum resident set size/ {printf "%.1f\n", $2/1024}' "$1"; }
wall_ms() { awk '{printf "%.1f\n", $1/1000}' "$1"; }
# median / pNN of numbers on stdin
median() { sort -g | awk '{a[NR]=$1} END {if (NR==0) {print "nan"; exit} if (NR%2) print a[(NR+1)/2]; else printf "%.3f\n", (a[NR/2]+a[NR/2+1])/2}'; }
pct() { sort -g | awk -v p="$1" '{a[NR]=$1} END {i=int(p/100*NR + 0.999999); if (i<1) i=1; if (i>NR) i=NR; print a[i]}'; }

echo "# model $MODEL, label $LABEL, threads $THREADS, fa $FA, runs $RUNS, nice ${NICE_CMD[*]:-none}" >&2
out loadavg_start "$(load1)"
echo "# uptime: $(uptime)" >&2

# ---------------------------------------------------------------- (a) batch 64 x 128
make_input "$WORK/batch.txt" 64 128
check_tokens "$WORK/batch.txt" 64 128 -c "$BATCH_CTX" -b "$BATCH_CTX"
for ((r = 1; r <= RUNS; r++)); do
  run_embd "batch$r" -c "$BATCH_CTX" -b "$BATCH_CTX" -f "$WORK/batch.txt"
  echo "# batch run $r: $(span_ms "$WORK/batch$r.err") ms, cpu $(cpu_pct "$WORK/batch$r.time")%, load $(load1)" >&2
done
bms=$(for ((r = 1; r <= RUNS; r++)); do span_ms "$WORK/batch$r.err"; done | median)
out batch_ms "$bms"
out batch_tokens_per_s "$(awk -v ms="$bms" 'BEGIN {printf "%.1f", 64*128/(ms/1000)}')"
bwall=$(for ((r = 1; r <= RUNS; r++)); do wall_ms "$WORK/batch$r.wall"; done | median)
out batch_wall_ms "$bwall"
out batch_wall_tokens_per_s "$(awk -v ms="$bwall" 'BEGIN {printf "%.1f", 64*128/(ms/1000)}')"
out batch_ctx "$BATCH_CTX"
out batch_cpu_pct "$(for ((r = 1; r <= RUNS; r++)); do cpu_pct "$WORK/batch$r.time"; done | median)"
out batch_peak_rss_mib "$(for ((r = 1; r <= RUNS; r++)); do rss_mib "$WORK/batch$r.time"; done | sort -g | tail -1)"

# ---------------------------------------------------------------- (b) query 16 tokens
make_input "$WORK/query.txt" "$QUERIES" 16
make_input "$WORK/query1.txt" 1 16
check_tokens "$WORK/query.txt" "$QUERIES" 16 -c 16 -b 16 -np 2
: > "$WORK/query_all.ms"
for ((r = 1; r <= RUNS; r++)); do
  run_embd "query$r" -c 16 -b 16 -np 2 -f "$WORK/query.txt"
  decode_ms "$WORK/query$r.err" > "$WORK/query$r.ms"
  cat "$WORK/query$r.ms" >> "$WORK/query_all.ms"
  echo "# query run $r: median $(median < "$WORK/query$r.ms") ms over $(wc -l < "$WORK/query$r.ms") decodes, cpu $(cpu_pct "$WORK/query$r.time")%, load $(load1)" >&2
done
out query_ms_median "$(for ((r = 1; r <= RUNS; r++)); do median < "$WORK/query$r.ms"; done | median)"
out query_ms_p99 "$(pct 99 < "$WORK/query_all.ms")"
out query_samples "$(wc -l < "$WORK/query_all.ms")"
for ((r = 1; r <= RUNS; r++)); do
  run_embd "query1_$r" -c 16 -b 16 -np 2 -f "$WORK/query1.txt"
done
out query_wall_ms "$(for ((r = 1; r <= RUNS; r++)); do wall_ms "$WORK/query1_$r.wall"; done | median)"
out query_peak_rss_mib "$(for ((r = 1; r <= RUNS; r++)); do rss_mib "$WORK/query$r.time"; rss_mib "$WORK/query1_$r.time"; done | sort -g | tail -1)"

# ---------------------------------------------------------------- (c) document 2048 tokens
make_input "$WORK/doc.txt" 1 2048
check_tokens "$WORK/doc.txt" 1 2048 -c 2048 -b 2048
for ((r = 1; r <= RUNS; r++)); do
  run_embd "doc$r" -c 2048 -b 2048 -f "$WORK/doc.txt"
  echo "# doc run $r: $(span_ms "$WORK/doc$r.err") ms, cpu $(cpu_pct "$WORK/doc$r.time")%, load $(load1)" >&2
done
out doc_ms "$(for ((r = 1; r <= RUNS; r++)); do span_ms "$WORK/doc$r.err"; done | median)"
out doc_cpu_pct "$(for ((r = 1; r <= RUNS; r++)); do cpu_pct "$WORK/doc$r.time"; done | median)"
out doc_wall_ms "$(for ((r = 1; r <= RUNS; r++)); do wall_ms "$WORK/doc$r.wall"; done | median)"
out doc_peak_rss_mib "$(for ((r = 1; r <= RUNS; r++)); do rss_mib "$WORK/doc$r.time"; done | sort -g | tail -1)"

# ---------------------------------------------------------------- llama-bench cross-check
if [[ "$XCHECK" == 1 && -x "$LBENCH" ]]; then
  # samples_ns: one value per repetition (after llama-bench's own warm-up run)
  samples() { tr -d '\n ' < "$1" | grep -o '"samples_ns":\[[0-9,]*\]' | head -1 | sed 's/.*\[//; s/\]//' | tr ',' '\n' | awk '{printf "%.3f\n", $1/1e6}'; }
  wait_idle bench_query
  "${NICE_CMD[@]}" "$LBENCH" -m "$MODEL" -t "$THREADS" -fa "$FA" -embd 1 -n 0 -p 16 -b 16 -ub 16 -r $((RUNS * 30)) -o json \
    > "$WORK/bench_q.json" 2> "$WORK/bench_q.err" || echo "llama-bench failed; see $WORK/bench_q.err" >&2
  if [[ -s "$WORK/bench_q.json" ]]; then
    out bench_query_ms_median "$(samples "$WORK/bench_q.json" | median)"
    out bench_query_ms_p99 "$(samples "$WORK/bench_q.json" | pct 99)"
  fi
  wait_idle bench_doc
  "${NICE_CMD[@]}" "$LBENCH" -m "$MODEL" -t "$THREADS" -fa "$FA" -embd 1 -n 0 -p 2048 -b 2048 -ub 2048 -r "$RUNS" -o json \
    > "$WORK/bench_d.json" 2> "$WORK/bench_d.err" || echo "llama-bench failed; see $WORK/bench_d.err" >&2
  if [[ -s "$WORK/bench_d.json" ]]; then
    out bench_doc_ms_median "$(samples "$WORK/bench_d.json" | median)"
  fi
fi

out loadavg_end "$(load1)"
echo "# uptime: $(uptime)" >&2
