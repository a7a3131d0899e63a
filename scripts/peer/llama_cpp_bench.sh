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
# Progress and where the raw llama.cpp logs are go to stderr.
#
# Workloads (token counts include <bos> and <eos>; llama-embedding adds both because the
# GGUF has add_bos_token = add_eos_token = true):
#   (a) batch: 64 texts x 128 tokens in one llama-embedding process -> batch_tokens_per_s
#   (b) one query of 16 tokens                                       -> query_ms_median, _p99
#   (c) one document of 2048 tokens                                  -> doc_ms
#   (d) peak RSS of the llama-embedding processes (/usr/bin/time -v) -> *_peak_rss_mib
# The inputs are English words that are each exactly one Gemma-3 token (with or without a
# leading space), so N-2 words make N tokens. Before anything is timed, every input is run
# once through llama-embedding --verbose-prompt and the script stops unless each prompt has
# exactly N tokens. (That run also puts the model file in the page cache.)
#
# Which clock:
#   * *_ms and *_tokens_per_s: llama.cpp's own log timestamps (--log-timestamps, to the
#     microsecond). llama-embedding logs a "batch_decode:" line right before each
#     llama_decode(), and llama_perf_context_print writes its lines right after the last
#     decode and the printing of the results. A decode's time runs from its line to the next
#     decode's line, or to the perf lines for the last decode. That covers llama_decode (24
#     layers, mean pooling, both Dense layers) and llama.cpp's L2 normalisation. It leaves out
#     model load and tokenisation. The last decode's time also covers printing the results,
#     which takes a few ms at most.
#     We do not use the "prompt eval time" that llama_perf_context_print prints. With
#     llama-embedding in this llama.cpp, it leaves out the time of the run's first llama_decode
#     but still counts its tokens. For example, it printed 0.00 ms for 2048 tokens sent in
#     one decode. That makes its tokens/s too high. It is kept in the raw logs.
#   * Warm and cold. Like gembed bench, which times Embed calls after warm-up calls of the
#     same shape, the main figures are warm. For (a) and (c), the input file holds the
#     workload twice and only the second copy is timed. The first copy is printed as
#     *_cold_ms: the first decodes of a process pay one-time costs, for example first touches
#     of the compute buffers, about +0.5 s on a 1024-token decode and +1 s on a 2048-token one.
#   * *_wall_ms: separate one-shot processes that run the workload once. Each is timed with
#     date +%s%N around the command: model load from the page cache, tokenisation, compute,
#     printing and exit. This is how long a CLI user waits.
#   * bench_*: llama-bench -embd 1, llama.cpp's own benchmark tool. It uses random token
#     ids, one sequence, a warm-up run, and samples_ns for each repetition. It cross-checks
#     (b) and (c). It has no multi-sequence mode, so it cannot run (a).
#
# (a) batch: llama-embedding packs whole sequences into llama_decode calls of at most
#     BATCH_CTX tokens (-c = -b = -ub = BATCH_CTX; this model is non-causal, so llama.cpp
#     needs ubatch = batch >= the longest sequence). Each decode runs attention over all of
#     its tokens, with a mask that keeps sequences apart, so very large decodes waste work.
#     For example, 8192 tokens in one decode was about 1.5-2x slower here. The default
#     BATCH_CTX=1024 (8 sequences per decode) and 2048 were the fastest of 256/512/1024/2048/8192
#     and within noise of each other; set BATCH_CTX to try others.
# (b) query: QUERIES different 16-token texts in one process with -c 16 -b 16, so each text
#     gets its own llama_decode. -np 2 is needed: with the default -np 1, llama-embedding sets
#     n_seq_max = 256 > n_batch and trips GGML_ASSERT(n_outputs_max <= cparams.n_outputs_max).
#     The median and p99 are taken over the per-decode times of all runs. Each run's first
#     decode is dropped (cold, see above) and so is its last (it includes printing).
#     query_wall_ms is a separate process with one text, model load included.
# (c) doc: -c 2048 -b 2048.
#
# Each workload runs RUNS times (default 3) and the median over runs is printed. The
# 1-minute load average is printed before and after. While a run is on, the load includes its
# own 2 threads, so about 2 is normal. Runs go under `nice -n $NICE` (default -5; that needs
# root, and without it the script runs at normal priority). Threads: -t $THREADS (default 2).
# Flash attention: llama.cpp's default, -fa auto, which turns it on for this CPU build. FA=off
# or FA=on forces it.
# *_cpu_pct is /usr/bin/time's "Percent of CPU this job got" (median of the runs). It stays
# below 200 even on a quiet machine because model load and tokenisation use one thread. Two
# runs of one workload that differ a lot in it point to interference from other processes.
# Shared machine: set IDLE_MIN (e.g. 0.9) and each timed run first waits until the CPUs were
# at least that fraction idle over one second (/proc/stat). It waits at most IDLE_WAIT seconds
# (default 600). On 2 cores, a llama.cpp thread that loses its core to another process stalls
# the other thread at every graph barrier, so a compile running next to the benchmark can
# make it several times slower.
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
QUERIES=${QUERIES:-102}
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
load1() { awk '{print $1}' /proc/loadavg; }
# idle fraction of all CPUs over one second
idle_frac() {
  local a b
  a=$(awk '/^cpu / {print $2+$3+$4+$5+$6+$7+$8+$9, $5+$6}' /proc/stat); sleep 1
  b=$(awk '/^cpu / {print $2+$3+$4+$5+$6+$7+$8+$9, $5+$6}' /proc/stat)
  awk -v a="$a" -v b="$b" 'BEGIN {split(a, x, " "); split(b, y, " "); t = y[1] - x[1]; printf "%.2f\n", (t > 0 ? (y[2] - x[2]) / t : 0)}'
}
wait_idle() {
  [[ -n "$IDLE_MIN" ]] || return 0
  local t0=$SECONDS f
  while :; do
    f=$(idle_frac)
    if awk -v f="$f" -v m="$IDLE_MIN" 'BEGIN {exit !(f >= m)}'; then break; fi
    if ((SECONDS - t0 >= IDLE_WAIT)); then echo "# still busy (idle $f) after ${IDLE_WAIT}s; measuring anyway" >&2; break; fi
  done
  echo "# idle $f before $1 (load $(load1))" >&2
}

# 142 words; each is one Gemma-3 token alone and after a space, and none merges with the next.
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

# text NWORDS OFFSET: NWORDS words starting at OFFSET (cyclic), separated by spaces
text() {
  local n=$1 off=$2 i s=""
  for ((i = 0; i < n; i++)); do s+="${WORDS[$(((off + i) % NW))]} "; done
  printf '%s' "${s% }"
}
# make_input FILE COUNT NTOK [COPIES]: COUNT texts of NTOK tokens, one a line, the whole set
# COPIES times (default 1), no newline at the end (llama-embedding would read an empty prompt)
make_input() {
  local file=$1 count=$2 ntok=$3 copies=${4:-1} c k
  : > "$file"
  for ((c = 0; c < copies; c++)); do
    for ((k = 0; k < count; k++)); do
      ((c + k > 0)) && printf '\n' >> "$file"
      text $((ntok - 2)) $((k * 37)) >> "$file"
    done
  done
  return 0
}

COMMON=(-m "$MODEL" -t "$THREADS" -fa "$FA" -lv 4 --log-timestamps)

# check_tokens FILE COUNT NTOK ARGS...: every prompt in FILE must tokenise to NTOK tokens
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

# run_embd NAME ARGS...: one timed llama-embedding run; leaves $WORK/NAME.{out,err,time,wall}
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

# Timestamps of the "batch_decode:" lines, then of the first perf line, in seconds, one a line.
# Each log timestamp is M.SS.mmm.uuu.
marks() {
  awk 'function ts(s,  a) { split(s, a, "."); return a[1]*60 + a[2] + a[3]/1e3 + a[4]/1e6 }
    /batch_decode: n_tokens/ { printf "%.6f\n", ts($1) }
    /llama_perf_context_print/ { printf "%.6f\n", ts($1); exit }' "$1"
}
# n_decodes LOG
n_decodes() { grep -c 'batch_decode: n_tokens' "$1"; }
# span_ms LOG I J: ms from mark I to mark J (1-based; decode k starts at mark k, the perf
# line is mark n_decodes+1)
span_ms() { marks "$1" | awk -v i="$2" -v j="$3" '{m[NR] = $1} END {printf "%.3f\n", (m[j] - m[i]) * 1000}'; }
# decode_ms LOG: the time of each decode except the first and the last, in ms, one a line
decode_ms() { marks "$1" | awk '{m[NR] = $1} END {for (k = 2; k < NR - 1; k++) printf "%.3f\n", (m[k+1] - m[k]) * 1000}'; }
cpu_pct() { awk -F': ' '/Percent of CPU this job got/ {sub("%", "", $2); print $2}' "$1"; }
rss_mib() { awk -F': ' '/Maximum resident set size/ {printf "%.1f\n", $2/1024}' "$1"; }
wall_ms() { awk '{printf "%.1f\n", $1/1000}' "$1"; }
# median / pNN of the numbers on stdin
median() { sort -g | awk '{a[NR] = $1} END {if (NR == 0) {print "nan"; exit} if (NR % 2) print a[(NR+1)/2]; else printf "%.3f\n", (a[NR/2] + a[NR/2+1]) / 2}'; }
pct() { sort -g | awk -v p="$1" '{a[NR] = $1} END {i = int(p/100*NR + 0.999999); if (i < 1) i = 1; if (i > NR) i = NR; print a[i]}'; }
tps() { awk -v n="$1" -v ms="$2" 'BEGIN {printf "%.1f\n", n / (ms / 1000)}'; }
each() { local f=$1 name=$2 r; for ((r = 1; r <= RUNS; r++)); do "$f" "$WORK/$name$r.${3:-err}"; done; }

echo "# model $MODEL, label $LABEL, threads $THREADS, fa $FA, runs $RUNS, nice ${NICE_CMD[*]:-none}" >&2
out loadavg_start "$(load1)"
echo "# uptime: $(uptime)" >&2

# ---------------------------------------------------------------- (a) batch 64 x 128
make_input "$WORK/batch.txt" 64 128
make_input "$WORK/batch2.txt" 64 128 2
check_tokens "$WORK/batch2.txt" 128 128 -c "$BATCH_CTX" -b "$BATCH_CTX"
: > "$WORK/batch_warm.ms"; : > "$WORK/batch_cold.ms"
for ((r = 1; r <= RUNS; r++)); do
  run_embd "batch$r" -c "$BATCH_CTX" -b "$BATCH_CTX" -f "$WORK/batch2.txt"
  n=$(n_decodes "$WORK/batch$r.err"); h=$((n / 2))
  span_ms "$WORK/batch$r.err" $((h + 1)) $((n + 1)) >> "$WORK/batch_warm.ms"
  span_ms "$WORK/batch$r.err" 1 $((h + 1)) >> "$WORK/batch_cold.ms"
  echo "# batch run $r: warm $(tail -1 "$WORK/batch_warm.ms") ms, cold $(tail -1 "$WORK/batch_cold.ms") ms ($h decodes each), cpu $(cpu_pct "$WORK/batch$r.time")%, load $(load1)" >&2
done
for ((r = 1; r <= RUNS; r++)); do
  run_embd "batch1p$r" -c "$BATCH_CTX" -b "$BATCH_CTX" -f "$WORK/batch.txt"
done
bms=$(median < "$WORK/batch_warm.ms"); bcold=$(median < "$WORK/batch_cold.ms"); bwall=$(each wall_ms batch1p wall | median)
out batch_ms "$bms"
out batch_tokens_per_s "$(tps 8192 "$bms")"
out batch_cold_ms "$bcold"
out batch_cold_tokens_per_s "$(tps 8192 "$bcold")"
out batch_wall_ms "$bwall"
out batch_wall_tokens_per_s "$(tps 8192 "$bwall")"
out batch_ctx "$BATCH_CTX"
out batch_cpu_pct "$(each cpu_pct batch time | median)"
out batch_peak_rss_mib "$( (each rss_mib batch1p time; each rss_mib batch time) | sort -g | tail -1)"

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
for ((r = 1; r <= RUNS; r++)); do
  run_embd "query1p$r" -c 16 -b 16 -np 2 -f "$WORK/query1.txt"
done
out query_ms_median "$(median < "$WORK/query_all.ms")"
out query_ms_p99 "$(pct 99 < "$WORK/query_all.ms")"
out query_samples "$(wc -l < "$WORK/query_all.ms")"
out query_wall_ms "$(each wall_ms query1p wall | median)"
out query_peak_rss_mib "$( (each rss_mib query time; each rss_mib query1p time) | sort -g | tail -1)"

# ---------------------------------------------------------------- (c) document 2048 tokens
make_input "$WORK/doc.txt" 1 2048
make_input "$WORK/doc2.txt" 1 2048 2
check_tokens "$WORK/doc2.txt" 2 2048 -c 2048 -b 2048
: > "$WORK/doc_warm.ms"; : > "$WORK/doc_cold.ms"
for ((r = 1; r <= RUNS; r++)); do
  run_embd "doc$r" -c 2048 -b 2048 -f "$WORK/doc2.txt"
  span_ms "$WORK/doc$r.err" 2 3 >> "$WORK/doc_warm.ms"
  span_ms "$WORK/doc$r.err" 1 2 >> "$WORK/doc_cold.ms"
  echo "# doc run $r: warm $(tail -1 "$WORK/doc_warm.ms") ms, cold $(tail -1 "$WORK/doc_cold.ms") ms, cpu $(cpu_pct "$WORK/doc$r.time")%, load $(load1)" >&2
done
for ((r = 1; r <= RUNS; r++)); do
  run_embd "doc1p$r" -c 2048 -b 2048 -f "$WORK/doc.txt"
done
out doc_ms "$(median < "$WORK/doc_warm.ms")"
out doc_cold_ms "$(median < "$WORK/doc_cold.ms")"
out doc_wall_ms "$(each wall_ms doc1p wall | median)"
out doc_cpu_pct "$(each cpu_pct doc time | median)"
out doc_peak_rss_mib "$( (each rss_mib doc time; each rss_mib doc1p time) | sort -g | tail -1)"

# ---------------------------------------------------------------- llama-bench cross-check
if [[ "$XCHECK" == 1 && -x "$LBENCH" ]]; then
  # samples_ns: one value per repetition, after llama-bench's own warm-up run
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
