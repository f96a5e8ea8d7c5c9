#!/usr/bin/env bash
# Run every test: the cmocka binaries in $BUILD/tests and the end-to-end
# scripts tests/e2e_*.sh (which get BUILD and FINFUZZ in the environment).
# Prints each suite's own output, then one summary line. Exit 1 if any failed.
# A script exits 77 to say "skipped" (with its reason on stdout).
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build/asan}
export BUILD FINFUZZ="$BUILD/finfuzz"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

passed=0 failed=0 skipped=0 failed_names=()
run_one() {
    local name=$1; shift
    echo "=== $name"
    "$@"
    local rc=$?
    if [ $rc -eq 0 ]; then
        passed=$((passed + 1))
    elif [ $rc -eq 77 ]; then
        skipped=$((skipped + 1)); echo "--- $name: skipped"
    else
        failed=$((failed + 1)); failed_names+=("$name"); echo "--- $name: FAILED (exit $rc)"
    fi
}

for t in "$BUILD"/tests/test_*; do
    [ -x "$t" ] || continue
    run_one "$(basename "$t")" "$t"
done
for s in tests/e2e_*.sh; do
    [ -f "$s" ] || continue
    run_one "$(basename "$s")" bash "$s"
done

echo
[ ${#failed_names[@]} -gt 0 ] && echo "failed suites: ${failed_names[*]}"
echo "suites: $passed passed, $failed failed, $skipped skipped"
[ $failed -eq 0 ]
