#!/usr/bin/env bash
# Run every benchmark: the binaries built from bench/bench_*.c and the
# scripts bench/bench_*.sh. Each prints its own figures (as ratios where a
# baseline exists); machines are noisy, so nothing here asserts a time.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build/bench-build}
export BUILD FINFUZZ="$BUILD/finfuzz"
status=0
for b in "$BUILD"/bench/bench_*; do
    [ -x "$b" ] || continue
    echo "=== $(basename "$b")"
    "$b" || status=1
done
for s in bench/bench_*.sh; do
    [ -f "$s" ] || continue
    echo "=== $(basename "$s")"
    bash "$s" || status=1
done
exit $status
