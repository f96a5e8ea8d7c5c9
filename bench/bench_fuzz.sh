#!/usr/bin/env bash
# Fuzzing throughput of close_endpoint on one core: the per-input work of the
# target (bench/fuzz_speed.c over mutated seeds) built plain (-O2) and with
# ASan+UBSan (-O2, as the libFuzzer build), plus the ratio between the two.
# Targets (DESIGN.md): >= 200,000 inputs/s plain, >= 50,000/s sanitized.
# Figures only; machines are noisy and shared, nothing is asserted.
set -u
cd "$(dirname "$0")/.."
SECS=${BENCH_FUZZ_SECONDS:-3}
out=${BUILD:-build/bench-build}/bench-fuzz
mkdir -p "$out"
CC=${CC:-clang}
PKG="$(pkg-config --cflags --libs libpcap lwip json-c libxml-2.0 2>/dev/null)"
src=(bench/fuzz_speed.c stack/*.c $(ls harness/*.c | grep -v '^harness/main.c$'))
build() { # name flags...
    local name=$1; shift
    if ! $CC -std=c11 -D_GNU_SOURCE -I. "$@" "${src[@]}" $PKG -lm -o "$out/$name" 2>"$out/$name.log"; then
        echo "bench_fuzz: cannot build $name:"; head -5 "$out/$name.log"; return 1
    fi
}
build plain -O2 -g || exit 1
build asan -O2 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined || exit 1
plain=$(taskset -c 0 "$out/plain" corpus/close_endpoint "$SECS" 2>/dev/null || "$out/plain" corpus/close_endpoint "$SECS")
asan=$(ASAN_OPTIONS=detect_leaks=0 taskset -c 0 "$out/asan" corpus/close_endpoint "$SECS" 2>/dev/null \
    || ASAN_OPTIONS=detect_leaks=0 "$out/asan" corpus/close_endpoint "$SECS")
echo "plain -O2:      $plain"
echo "ASan+UBSan -O2: $asan"
p=$(echo "$plain" | sed -n 's/.*= \([0-9]*\) inputs\/s.*/\1/p')
a=$(echo "$asan" | sed -n 's/.*= \([0-9]*\) inputs\/s.*/\1/p')
if [ -n "$p" ] && [ -n "$a" ] && [ "$a" -gt 0 ]; then
    awk -v p="$p" -v a="$a" 'BEGIN { printf "ratio plain/sanitized: %.2f; vs targets: plain %.2fx of 200000, sanitized %.2fx of 50000\n", p / a, p / 200000, a / 50000 }'
fi
