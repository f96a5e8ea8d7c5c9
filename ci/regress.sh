#!/usr/bin/env bash
# ci/regress.sh: replay every corpus and regression input, twice.
#
# For each fuzz target with a reproducer ($BUILD/repro/fuzz_<name>, built
# from targets/repro_main.c under ASan+UBSan), runs corpus/<name>/ and
# corpus/regressions/<name>/ through it twice, and for the program targets
# (close_*, lwip_*) also prints each input's annotated trace with
# `finfuzz repro` twice. Fails if any input breaks an invariant or a
# sanitizer check, or if the two runs differ (the determinism check of
# DESIGN.md: the same input gives the same trace, byte for byte).
#
# Exit status: 0 all inputs pass and both runs agree; 1 a violation or a
# difference (each named, with the command that shows it); 2 bad usage or a
# build failure. tests/e2e_regress.sh runs this in `make test`.
set -uo pipefail
cd "$(dirname "$0")/.."

build=build/asan
finfuzz=""
do_build=1
while [ $# -gt 0 ]; do
    case $1 in
    --build) build=${2:-}; shift 2 ;;
    --finfuzz) finfuzz=${2:-}; shift 2 ;;
    --no-build) do_build=0; shift ;;
    -h | --help)
        echo "usage: ci/regress.sh [--build DIR (default build/asan)] [--finfuzz PATH] [--no-build]"
        exit 0
        ;;
    *) echo "ci/regress.sh: unknown option '$1'" >&2; exit 2 ;;
    esac
done
finfuzz=${finfuzz:-$build/finfuzz}

if [ $do_build -eq 1 ]; then
    make --no-print-directory -s -j"$(nproc)" BUILD="$build" SANITIZE=address,undefined all repro-build ||
        { echo "ci/regress.sh: build failed" >&2; exit 2; }
fi
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

failures=0
fail() { echo "FAIL $*"; failures=$((failures + 1)); }

# The `finfuzz repro` options for a target's inputs, or nothing when its
# inputs are not programs.
repro_opts_of() {
    case $1 in
    close_*) echo "--fuzz-target $1" ;;
    lwip_*) echo "--target lwip" ;;
    *) return 1 ;;
    esac
}

# Inputs of a target: the files of its corpus and regression folders.
inputs_of() {
    local d f
    for d in "corpus/$1" "corpus/regressions/$1"; do
        [ -d "$d" ] || continue
        for f in "$d"/*; do [ -f "$f" ] && echo "$f"; done
    done | LC_ALL=C sort
}

# Does this build's `finfuzz repro` understand the given options? (It exits
# 2 on bad usage.) Probed once with a seed input.
repro_works() {
    local probe=$1; shift
    "$finfuzz" repro "$@" "$probe" >/dev/null 2>&1
    [ $? -ne 2 ]
}

total_inputs=0
checked_targets=0
for src in targets/fuzz_*.c; do
    [ -f "$src" ] || continue
    t=${src#targets/fuzz_}
    t=${t%.c}
    bin=$build/repro/fuzz_$t
    mapfile -t inputs < <(inputs_of "$t")
    if [ ${#inputs[@]} -eq 0 ]; then
        echo "-- $t: no corpus or regressions yet"
        continue
    fi
    if [ ! -x "$bin" ]; then
        fail "$t: no reproducer $bin (make BUILD=$build SANITIZE=address,undefined repro-build)"
        continue
    fi
    checked_targets=$((checked_targets + 1))
    total_inputs=$((total_inputs + ${#inputs[@]}))

    # 1. The reproducer, twice over all inputs.
    ok=1
    for run in 1 2; do
        if ! "$bin" "${inputs[@]}" >"$tmp/$t.repro.$run" 2>&1; then
            ok=0
            # Name the input: the last one the reproducer started.
            culprit=$(sed -n 's/^repro: running \(.*\) ([0-9]* bytes)$/\1/p' "$tmp/$t.repro.$run" | tail -n 1)
            why=$(grep -a -m1 -E 'finfuzz.*violation|ERROR: [A-Za-z]*Sanitizer|runtime error:' "$tmp/$t.repro.$run")
            fail "$t: ${culprit:-an input} (run $run): ${why:-crashed}"
            echo "     reproduce: $bin ${culprit:-${inputs[*]}}"
            break
        fi
    done
    if [ $ok -eq 1 ] && ! cmp -s "$tmp/$t.repro.1" "$tmp/$t.repro.2"; then
        fail "$t: the reproducer's two runs printed different output:"
        diff "$tmp/$t.repro.1" "$tmp/$t.repro.2" | head -n 10
    fi

    # 2. The annotated traces, twice, for program inputs.
    traces="-"
    if opts=$(repro_opts_of "$t"); then
        read -r -a optv <<<"$opts"
        if ! repro_works "${inputs[0]}" "${optv[@]}"; then
            # An older command without target selection: plain repro.
            optv=()
            repro_works "${inputs[0]}" || optv=(unusable)
        fi
        if [ "${optv[*]-}" = unusable ]; then
            fail "$t: $finfuzz repro cannot replay ${inputs[0]} (exit 2)"
        else
            differ=0 violations=0
            for f in "${inputs[@]}"; do
                "$finfuzz" repro "${optv[@]}" "$f" >"$tmp/trace.1" 2>&1
                rc1=$?
                "$finfuzz" repro "${optv[@]}" "$f" >"$tmp/trace.2" 2>&1
                rc2=$?
                if [ $rc1 -ne 0 ] || [ $rc2 -ne 0 ]; then
                    violations=$((violations + 1))
                    fail "$t: $f: finfuzz repro exit $rc1/$rc2: $(grep -a -m1 -iE 'violation|error' "$tmp/trace.1")"
                    echo "     reproduce: $finfuzz repro ${optv[*]} $f"
                elif ! cmp -s "$tmp/trace.1" "$tmp/trace.2"; then
                    differ=$((differ + 1))
                    fail "$t: $f: two replays gave different traces (not deterministic):"
                    diff "$tmp/trace.1" "$tmp/trace.2" | head -n 10
                fi
            done
            traces="${#inputs[@]} traces compared, $differ differ, $violations violate"
        fi
    fi
    echo "-- $t: ${#inputs[@]} inputs replayed twice; $traces"
done

echo "regress: $checked_targets target(s), $total_inputs input(s), $failures failure(s)"
[ $failures -eq 0 ] || exit 1
[ $checked_targets -gt 0 ] || echo "regress: nothing to replay yet (no corpus/<target>/ folders)"
exit 0
