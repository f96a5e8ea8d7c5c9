#!/usr/bin/env bash
# finfuzz check throughput and memory against a bare libpcap loop.
#
# Generates (at bench time, in $BUILD/bench-check/, deleted afterwards) two
# synthetic captures of interleaved TCP flows (500 open at once, each a
# handshake, 3 request/ACK rounds and a four-way close: 13 packets; one packet
# every 500 us of capture time), of 2.5 and 5 million packets. For each, in
# one run of this script: the bare pcap_next_ex loop's packets/s, finfuzz
# check's packets/s (--profile linux, text output to /dev/null), their ratio,
# and the peak RSS of each; each side runs 7 times, alternating with the
# other, and its median run counts (the ratio's range run by run is printed
# too). Memory must stay flat as the file doubles: it is bounded by the
# flows held (open ones plus closed ones inside TIME-WAIT, 60 s here), not by
# the packets. If tshark is installed, its packets/s for its TCP analysis on a
# 200,000-packet file of the same traffic. The bare loop opens the file as
# finfuzz check does (same stdio buffer size, stdio locking off), so the ratio measures what
# checking adds, not a difference in I/O buffering. Target (DESIGN.md): checker >= 50%
# of the bare loop. Rates are packets per second of CPU time (user + system)
# of each process, which a loaded machine disturbs less than wall time; the
# wall-clock rates are printed too. finfuzz check reads records with
# pcap_dispatch; the same bare loop with pcap_dispatch is printed too, for
# information (the target is against the pcap_next_ex loop).
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build/bench-build}
FINFUZZ=${FINFUZZ:-$BUILD/finfuzz}
T=$BUILD/check-tools
for b in check_gen check_bareloop check_measure; do
    [ -x "$T/$b" ] || { echo "bench_check: $T/$b missing (make bench builds it)"; exit 1; }
done
dir=$BUILD/bench-check
mkdir -p "$dir"
trap 'rm -rf "$dir"' EXIT

# measure OUT CMD...: runs CMD (stdout discarded), leaves "WALL_S KB CPU_S" in OUT.
measure() {
    local out=$1
    shift
    "$T/check_measure" "$@" >/dev/null 3>"$out"
}

pps() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.0f", n / s }'; }

# One run's CPU time varies by several percent on a shared machine, most of
# it in the kernel's copying of the file, which both sides pay alike: each
# side runs RUNS times, alternating, and the median run of each counts.
RUNS=${BENCH_CHECK_RUNS:-7}

# median_of FILE: the line of FILE ("WALL_S KB CPU_S" lines) whose CPU time
# is the median.
median_of() { sort -n -k3 "$1" | awk '{ l[NR] = $0 } END { print l[int((NR + 1) / 2)] }'; }

# measure_both BARE_OUT CHECK_OUT FILE [check args...]: RUNS alternating runs
# of the bare loop and of finfuzz check on FILE; leaves each side's median
# run in its OUT file, and the ratio's range over the runs in $dir/spread.
measure_both() {
    local bo=$1 co=$2 f=$3
    shift 3
    : >"$bo.all"
    : >"$co.all"
    for _ in $(seq "$RUNS"); do
        measure "$bo" "$T/check_bareloop" "$f" || status=1
        cat "$bo" >>"$bo.all"
        measure "$co" "$FINFUZZ" check --profile linux "$@" "$f" || status=1
        cat "$co" >>"$co.all"
    done
    median_of "$bo.all" >"$bo"
    median_of "$co.all" >"$co"
    paste -d' ' "$bo.all" "$co.all" | awk '{ r = 100 * $3 / $6; if (NR == 1 || r < lo) lo = r; if (NR == 1 || r > hi) hi = r }
        END { printf "%.1f-%.1f%%", lo, hi }' >"$dir/spread"
}

status=0
echo "medians of $RUNS alternating runs of each (BENCH_CHECK_RUNS); 'runs' is the range of the ratio run by run"
printf "%-9s %13s %13s %6s %10s %13s %13s %6s %11s %11s\n" packets "bare pkt/cpu" "check pkt/cpu" ratio runs \
    "bare pkt/s" "check pkt/s" ratio "bare RSS" "check RSS"
for n in 2500000 5000000; do
    f=$dir/flows-$n.pcap
    "$T/check_gen" "$n" "$f" 500 500 2>/dev/null || { echo "check_gen failed"; exit 1; }
    "$T/check_bareloop" "$f" >/dev/null # warm the page cache for both
    measure_both "$dir/bare" "$dir/check" "$f"
    read -r bs bk bc <"$dir/bare"
    read -r cs ck cc <"$dir/check"
    printf "%-9s %13s %13s %5.1f%% %10s %13s %13s %5.1f%% %8s KB %8s KB\n" "$n" \
        "$(pps "$n" "$bc")" "$(pps "$n" "$cc")" "$(awk -v a="$bc" -v b="$cc" 'BEGIN { print 100 * a / b }')" \
        "$(cat "$dir/spread")" \
        "$(pps "$n" "$bs")" "$(pps "$n" "$cs")" "$(awk -v a="$bs" -v b="$cs" 'BEGIN { print 100 * a / b }')" \
        "$bk" "$ck"
    if [ "$n" = 5000000 ]; then
        # finfuzz check reads with libpcap's own loop (pcap_dispatch), which
        # costs libpcap less per record than the baseline's pcap_next_ex: the
        # same bare loop that way, for information.
        measure "$dir/bared" "$T/check_bareloop" --dispatch "$f" || status=1
        read -r ds dk dc <"$dir/bared"
        dispatch_line="bare pcap_dispatch loop (how finfuzz check reads), $n packets: $(pps "$n" "$dc") pkt/cpu-s; check at $(awk -v a="$dc" -v b="$cc" 'BEGIN { printf "%.0f", 100 * a / b }')% of it"
    fi
    rm -f "$f"
done
echo "${dispatch_line:-}"

# Informational, not the target's traffic: the same at 2.5 million packets
# with 20 request/ACK rounds per flow (43 packets) instead of 3, where most
# segments are ordinary data and ACKs (the oracle's fast path) and per-flow
# costs (handshake, close, report line) weigh less.
n=2500000
f=$dir/flows-long-$n.pcap
if "$T/check_gen" "$n" "$f" 500 500 20 2>/dev/null; then
    "$T/check_bareloop" "$f" >/dev/null
    measure_both "$dir/bare" "$dir/check" "$f"
    read -r bs bk bc <"$dir/bare"
    read -r cs ck cc <"$dir/check"
    echo "longer flows (43 packets each, informational), $n packets: bare $(pps "$n" "$bc")," \
        "check $(pps "$n" "$cc") pkt/cpu-s: $(awk -v a="$bc" -v b="$cc" 'BEGIN { printf "%.1f", 100 * a / b }')%" \
        "(runs $(cat "$dir/spread")); check RSS $ck KB"
    rm -f "$f"
fi

if command -v tshark >/dev/null; then
    n=200000
    f=$dir/flows-$n.pcap
    "$T/check_gen" "$n" "$f" 500 500 2>/dev/null
    measure "$dir/ts" tshark -n -r "$f" -q -z expert,note 2>/dev/null
    measure "$dir/check" "$FINFUZZ" check --profile linux "$f"
    read -r ts tk tc <"$dir/ts"
    read -r cs ck cc <"$dir/check"
    echo "tshark TCP analysis (-z expert) on $n packets: $(pps $n "$tc") pkt/cpu-s, $tk KB;" \
        "finfuzz check on the same file: $(pps $n "$cc") pkt/cpu-s, $ck KB"
else
    echo "tshark not installed: no tshark figure"
fi
exit $status
