#!/usr/bin/env bash
# lwip_endpoint fuzzing throughput: libFuzzer + ASan + UBSan, one core, as
# the campaign builds it (target: >= 20,000 inputs/s). Three figures, each
# over BENCH_LWIP_SECONDS (default 20) of fuzzing from the close_endpoint
# seeds:
#  1. uninterrupted: every finding ignored (FINFUZZ_LWIP_IGNORE lists every
#     invariant, every filed finding and "lwip-assert"): the engine's own
#     exec/s and inputs / wall time of one process;
#  2. campaign, filed findings ignored: -fork=1 -ignore_crashes=1, only new
#     findings abort (each costs a process restart): inputs / wall time;
#  3. campaign, every finding aborts (FINFUZZ_LWIP_IGNORE unset), as a
#     plain `ci/fuzz.sh --targets lwip_endpoint` runs: inputs / wall time,
#     restarts included.
# Each line also gives inputs per CPU-second (user+sys of the fuzzer and its
# children): wall-clock rates halve when the shared machine is busy, CPU
# time much less so.
# lwIP's assertions no longer end a process: the adapter catches them and
# the target reports them like violations (harness/sut_lwip.h).
# Figure 1 is given twice when /dev/shm is a writable tmpfs: with the
# fuzzer's corpus folder under $TMPDIR (as a campaign keeps it on disk) and
# on tmpfs. Every input that adds coverage is a new file there, and on a
# busy ext4 /tmp creating one took about 1 ms (perf: ext4_create,
# find_inode_bit), a sixth of the run at the start of a campaign: the tmpfs
# line is what lwIP, the adapter, the oracle and libFuzzer cost.
# BENCH_LWIP_AFL=1 adds AFL++ figures (see afl() below).
# BENCH_LWIP_NOCMP=1 adds figure 1 for a build without -fsanitize-coverage
# trace-cmp (in build/bench-lwip-nocmp), to show what that instrumentation
# costs. BENCH_LWIP_NOALIGN=1 adds figure 1 for a build without UBSan's
# alignment check (build/bench-lwip-noalign; the rest of UBSan kept): with
# trace-cmp every checked pointer dereference is also a comparison
# callback, and each check adds a counter libFuzzer scans every run. BENCH_LWIP_BIN=PATH measures another build of the target (say, of
# an older commit) instead of building $BIN. Figures only; machines are
# noisy and shared, nothing is asserted.
set -u
cd "$(dirname "$0")/.."
SECS=${BENCH_LWIP_SECONDS:-20}
BIN=build/fuzz-libfuzzer/fuzz_lwip_endpoint
if [ -n "${BENCH_LWIP_BIN:-}" ]; then
    BIN=$BENCH_LWIP_BIN
    [ -x "$BIN" ] || { echo "bench_lwip: $BIN is not an executable"; exit 1; }
else
    make --no-print-directory "$BIN" >/dev/null 2>&1 || { echo "bench_lwip: cannot build $BIN"; exit 1; }
fi
tmp=$(mktemp -d)
shm=
if [ -d /dev/shm ] && [ -w /dev/shm ] && [ "$(stat -f -c %T /dev/shm 2>/dev/null)" = tmpfs ]; then
    shm=$(mktemp -d -p /dev/shm)
fi
trap 'rm -rf "$tmp" ${shm:+"$shm"}' EXIT
# Every invariant id of the catalog (an entry may break its line after the id).
ids=$(grep -o '] = {"[a-z0-9-]*"' harness/oracle_catalog.c | sed 's/.*{"\([^"]*\)"/\1/' | paste -sd, -)
filed="lwip-assert-insane-offset,lwip-assert-oversize-vs-space,lwip-assert-mss-local-too-small"
filed="$filed,lwip-assert-persist-empty-buffer,lwip-rst-ack-syn-fin,lwip-text-without-ack"
filed="$filed,lwip-ooseq-fin-moved,lwip-syn-received-ignores-syn"
filed="$filed,lwip-time-wait-counts-from-close,lwip-fin-wait-2-timeout-from-close"
filed="$filed,lwip-text-with-unacceptable-ack,lwip-time-wait-restart-any-fin"
filed="$filed,lwip-assert-ooseq-not-trimmed,lwip-fin-on-window-split"
all="$ids,close-completes,half-close-delivery,$filed,lwip-assert"
export ASAN_OPTIONS=detect_leaks=0
TIMEFORMAT='%U %S' # `time`: user and system CPU seconds, children included
# One core when taskset works here (the fuzzer's own stderr is the log).
if taskset -c 0 true 2>/dev/null; then pin() { taskset -c 0 "$@"; }; else pin() { "$@"; }; fi
# The corpus folder: under $tmp, or $CORPUS_DIR when set (tmpfs).
seeds() {
    corpus=${CORPUS_DIR:-$tmp/corpus}
    rm -rf "$corpus" "$tmp/art" && mkdir -p "$corpus" "$tmp/art" && cp corpus/close_endpoint/* "$corpus/" 2>/dev/null
}
now() { date +%s.%N; }

# uninterrupted BIN LABEL
uninterrupted() {
    seeds
    local start end
    start=$(now)
    {
        time FINFUZZ_LWIP_IGNORE="$all" pin "$1" -seed=1 -max_total_time="$SECS" \
            -artifact_prefix="$tmp/art/" "$corpus" >"$tmp/log" 2>&1
    } 2>"$tmp/cpu"
    end=$(now)
    local execs rate why=limit
    execs=$(grep -o '^#[0-9][0-9]*' "$tmp/log" | tail -1 | tr -d '#')
    rate=$(grep -o 'exec/s: [0-9]*' "$tmp/log" | tail -1 | sed 's/exec\/s: //')
    grep -q 'deadly signal\|ERROR: ' "$tmp/log" && why="a crash: $(grep -m1 'finfuzz:\|ERROR:' "$tmp/log")"
    awk -v e="${execs:-0}" -v s="$start" -v t="$end" -v r="${rate:-0}" -v w="$why" -v l="$2" \
        -v cpu="$(cat "$tmp/cpu")" 'BEGIN {
        split(cpu, c, " "); busy = c[1] + c[2]
        printf "%s: %d inputs in %.1f s = %.0f inputs/s incl. start-up; libFuzzer exec/s %d (%.2fx of 20000); %.0f inputs per CPU-second (user+sys %.1f s: what an idle core gives); ended by %s\n",
            l, e, t - s, e / (t - s), r, r / 20000, (busy > 0 ? e / busy : 0), busy, w }'
}

# campaign IGNORE LABEL: fork mode, crashes restart the child.
campaign() {
    seeds
    local start end
    start=$(now)
    {
        time FINFUZZ_LWIP_IGNORE="$1" pin "$BIN" -fork=1 -ignore_crashes=1 -seed=1 \
            -max_total_time="$SECS" -artifact_prefix="$tmp/art/" "$corpus" >"$tmp/log" 2>&1
    } 2>"$tmp/cpu"
    end=$(now)
    local execs crashes
    execs=$(grep -o '^#[0-9][0-9]*:' "$tmp/log" | tail -1 | tr -d '#:')
    crashes=$(ls "$tmp/art" | grep -c '^crash-')
    awk -v e="${execs:-0}" -v s="$start" -v t="$end" -v c="$crashes" -v l="$2" \
        -v cpu="$(cat "$tmp/cpu")" 'BEGIN {
        split(cpu, u, " "); busy = u[1] + u[2]
        printf "%s: %d inputs in %.1f s = %.0f inputs/s incl. %d restarts after findings (%.2fx of 20000); %.0f inputs per CPU-second\n",
            l, e, t - s, e / (t - s), c, e / (t - s) / 20000, (busy > 0 ? e / busy : 0) }'
}

echo "lwip_endpoint, libFuzzer, ASan+UBSan, one core, ${SECS} s each (shared machine: +-30%): $BIN"
uninterrupted "$BIN" "1. uninterrupted"
if [ -n "$shm" ]; then
    CORPUS_DIR=$shm/corpus uninterrupted "$BIN" "1t. uninterrupted, corpus on tmpfs"
fi
campaign "$filed" "2. campaign, filed findings ignored"
unset FINFUZZ_LWIP_IGNORE
campaign "" "3. campaign, every finding aborts"
# variant DIR CFLAGS: the target built into DIR as the campaign builds it,
# plus CFLAGS (after the campaign's, so they win); prints its path.
variant() {
    make --no-print-directory FUZZ_LF_DIR="$1" FUZZ_EXTRA_CFLAGS="$2" "$1/fuzz_lwip_endpoint" \
        >/dev/null 2>&1 || { echo "bench_lwip: cannot build $1" >&2; return 1; }
    echo "$1/fuzz_lwip_endpoint"
}
if [ "${BENCH_LWIP_NOCMP:-0}" = 1 ]; then
    NB=$(variant build/bench-lwip-nocmp -fno-sanitize-coverage=trace-cmp) || exit 1
    uninterrupted "$NB" "1'. uninterrupted, built without trace-cmp"
fi
if [ "${BENCH_LWIP_NOALIGN:-0}" = 1 ]; then
    NA=$(variant build/bench-lwip-noalign -fno-sanitize=alignment) || exit 1
    uninterrupted "$NA" "1a. uninterrupted, built without UBSan's alignment check"
    if [ -n "$shm" ]; then
        CORPUS_DIR=$shm/corpus uninterrupted "$NA" \
            "1at. uninterrupted, built without UBSan's alignment check, corpus on tmpfs"
    fi
fi
# BENCH_LWIP_AFL=1: AFL++ (build/fuzz-afl, persistent mode, ASan: the AFL
# build has no UBSan, see mk/fuzz.mk) for the same time from the same seeds,
# once with every finding ignored and once with the filed ones ignored (a
# new finding is a saved crash; AFL++ goes on). Figures from its
# fuzzer_stats: execs_done / run_time.
afl() {
    local out=$tmp/afl-$2
    rm -rf "$out" && mkdir -p "$out"
    FINFUZZ_LWIP_IGNORE="$1" AFL_SKIP_CPUFREQ=1 AFL_NO_UI=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 \
        AFL_NO_AFFINITY=1 ASAN_OPTIONS=detect_leaks=0:abort_on_error=1:symbolize=0 \
        pin afl-fuzz -M main -i corpus/close_endpoint -o "$out" -V "$SECS" -m none -t 10000 \
        -x corpus/dict/close_endpoint.dict -- "$AB" >"$tmp/afl.log" 2>&1
    awk -F' *: *' -v l="$3" '{v[$1] = $2} END {
        if (!v["run_time"]) { print l ": afl-fuzz did not run"; exit }
        printf "%s: %d execs in %d s = %.0f execs/s (%.2fx of 20000); %d saved crashes, stability %s\n",
            l, v["execs_done"], v["run_time"], v["execs_done"] / v["run_time"],
            v["execs_done"] / v["run_time"] / 20000, v["saved_crashes"], v["stability"] }' \
        "$out/main/fuzzer_stats" 2>/dev/null || echo "$3: afl-fuzz did not run (see its log)"
}
if [ "${BENCH_LWIP_AFL:-0}" = 1 ]; then
    AB=build/fuzz-afl/fuzz_lwip_endpoint
    if ! command -v afl-fuzz >/dev/null || ! make --no-print-directory "$AB" >/dev/null 2>&1; then
        echo "bench_lwip: no afl-fuzz or cannot build $AB"
    else
        afl "$all" all "4. AFL++ (ASan), uninterrupted"
        afl "$filed" filed "5. AFL++ (ASan), filed findings ignored"
    fi
fi
