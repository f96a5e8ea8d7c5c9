#!/usr/bin/env bash
# lwip_endpoint fuzzing throughput: libFuzzer + ASan + UBSan, one core, as
# the campaign runs it (target: >= 20,000 inputs/s). Two figures:
#  - live fuzzing from the close_endpoint seeds for BENCH_LWIP_SECONDS
#    (default 20), every oracle invariant ignored (FINFUZZ_LWIP_IGNORE) so
#    that filed lwIP findings do not stop the run; an lwIP assertion still
#    ends it early (the figure is then the rate up to that point);
#  - replaying the corpus that run produced (-runs=0), inputs/s.
# Figures only; machines are noisy and shared, nothing is asserted.
set -u
cd "$(dirname "$0")/.."
SECS=${BENCH_LWIP_SECONDS:-20}
BIN=build/fuzz-libfuzzer/fuzz_lwip_endpoint
make --no-print-directory "$BIN" >/dev/null 2>&1 || { echo "bench_lwip: cannot build $BIN"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/corpus" "$tmp/art"
cp corpus/close_endpoint/* "$tmp/corpus/" 2>/dev/null
ids=$(grep -o '{"[a-z0-9-]*", "RFC' harness/oracle_catalog.c | sed 's/{"\([^"]*\)".*/\1/' | paste -sd, -)
export FINFUZZ_LWIP_IGNORE="$ids,close-completes,half-close-delivery"
export ASAN_OPTIONS=detect_leaks=0
pin() { taskset -c 0 "$@" 2>/dev/null || "$@"; }
# lwIP's own assertions (corpus/regressions/third-party) end a run within
# seconds, so the figure is taken over several runs (different -seed), each
# until its time limit or its first crash: total inputs / total time, and
# libFuzzer's own exec/s at the end of each run.
total=0 secs_total=0 rates=""
for seed in 1 2 3 4 5; do
    rm -rf "$tmp/art"/*
    start=$(date +%s.%N)
    pin "$BIN" -seed=$seed -max_total_time="$SECS" -artifact_prefix="$tmp/art/" "$tmp/corpus" >"$tmp/log" 2>&1
    end=$(date +%s.%N)
    execs=$(grep -o '^#[0-9]*' "$tmp/log" | tail -1 | tr -d '#')
    rate=$(grep -o 'exec/s: [0-9]*' "$tmp/log" | tail -1 | sed 's/exec\/s: //')
    why=limit
    grep -q 'Assertion' "$tmp/log" && why=$(grep -m1 -o 'Assertion "[^"]*"' "$tmp/log")
    total=$((total + ${execs:-0}))
    secs_total=$(awk -v a="$secs_total" -v s="$start" -v t="$end" 'BEGIN { print a + t - s }')
    rates="$rates ${rate:-0}"
    echo "run $seed: ${execs:-0} inputs, libFuzzer ${rate:-0} exec/s, ended by $why"
done
awk -v e="$total" -v s="$secs_total" -v r="$rates" 'BEGIN {
    n = split(r, a, " "); m = 0; for (i = 1; i <= n; i++) m += a[i]; m /= n
    printf "live fuzzing: %d inputs in %.1f s = %.0f inputs/s incl. start-up; mean libFuzzer exec/s %.0f; vs target %.2fx of 20000\n",
        e, s, e / s, m, m / 20000 }'
n=$(ls "$tmp/corpus" | wc -l)
start=$(date +%s.%N)
pin "$BIN" -runs=0 "$tmp/corpus" >"$tmp/replay" 2>&1
end=$(date +%s.%N)
awk -v n="$n" -v s="$start" -v t="$end" 'BEGIN {
    printf "corpus replay: %d inputs in %.2f s = %.0f inputs/s (incl. process start)\n", n, t - s, n / (t - s) }'
