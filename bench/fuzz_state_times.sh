#!/usr/bin/env bash
# Time for libFuzzer (ASan+UBSan, one core) to reach each state of the model
# from an EMPTY corpus (no seeds, no dictionary), measured by
# bench/fuzz_state_times.c. Not run by `make bench` (60 s); run by hand:
#   bash bench/fuzz_state_times.sh [SECONDS]
set -u
cd "$(dirname "$0")/.."
SECS=${1:-60}
out=${BUILD:-build}/state-times
mkdir -p "$out"
rm -rf "$out/corpus" && mkdir -p "$out/corpus"
PKG="$(pkg-config --cflags --libs libpcap lwip json-c libxml-2.0 2>/dev/null)"
clang -std=c11 -D_GNU_SOURCE -I. -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    bench/fuzz_state_times.c stack/*.c $(ls harness/*.c | grep -v '^harness/main.c$') $PKG -lm \
    -o "$out/fuzz_state_times" || exit 1
taskset -c 0 "$out/fuzz_state_times" -max_total_time="$SECS" -print_final_stats=1 "$out/corpus" 2>&1 \
    | grep -E "finfuzz-state|stat::number_of_executed_units|stat::average_exec_per_sec|DONE"
