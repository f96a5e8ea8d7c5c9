#!/usr/bin/env bash
# ci/mutants.sh: how much can the harness catch? (`make mutants`)
#
# For each deliberate fault in stack/mutants.h (FINFUZZ_MUTANT_LIST), builds
# the stack with -DFINFUZZ_MUTANT_<NAME> in build/mutants/<name>/ (test
# builds only) and tries to catch it:
#   1. replay the seed corpus through the reproducers: a violation there is
#      caught at 0 s;
#   2. otherwise fuzz the program targets (close_endpoint and close_pair, one
#      core each, side by side) from the seeds for MUTANT_SECONDS (60 s) and
#      stop at the first violation.
# The unmutated stack ("control") must go through the same replay and fuzzing
# time without any finding. Prints a table (caught or not, by which target,
# which invariant, how fast) and the score caught/total.
#
# Exit status: 0 every mutant caught and the control clean; 1 otherwise;
# 2 bad usage or a build failure.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

seconds=${MUTANT_SECONDS:-60}
only=""
targets_opt=close_endpoint,close_pair
control=1
while [ $# -gt 0 ]; do
    case $1 in
    --seconds) seconds=${2:-}; shift 2 ;;
    --mutants) only=${2:-}; shift 2 ;;
    --targets) targets_opt=${2:-}; shift 2 ;;
    --no-control) control=0; shift ;;
    -h | --help)
        cat <<'EOF'
usage: ci/mutants.sh [--seconds N] [--mutants A,B] [--targets a,b] [--no-control]
  --seconds N    fuzzing time limit per mutant (default $MUTANT_SECONDS or 60)
  --mutants A,B  only these mutants (names from stack/mutants.h)
  --targets a,b  targets that hunt them (default close_endpoint,close_pair)
  --no-control   skip the unmutated control run
EOF
        exit 0
        ;;
    *) echo "ci/mutants.sh: unknown option '$1'" >&2; exit 2 ;;
    esac
done
[[ $seconds =~ ^[0-9]+$ && $seconds -ge 1 ]] || { echo "ci/mutants.sh: --seconds needs a number >= 1" >&2; exit 2; }
unset LIB_FUZZING_ENGINE

[ -f stack/mutants.h ] || { echo "ci/mutants.sh: no stack/mutants.h" >&2; exit 2; }
# X(NAME, "what it breaks") entries of FINFUZZ_MUTANT_LIST.
mapfile -t all_mutants < <(sed -n 's/^[[:space:]]*X(\([A-Z0-9_]*\),.*/\1/p' stack/mutants.h)
declare -A what=()
while IFS=$'\t' read -r n d; do what[$n]=$d; done < <(
    sed -n 's/^[[:space:]]*X(\([A-Z0-9_]*\), *"\(.*\)").*/\1\t\2/p' stack/mutants.h)
[ ${#all_mutants[@]} -gt 0 ] || { echo "ci/mutants.sh: no X(...) entries in stack/mutants.h" >&2; exit 2; }
if [ -n "$only" ]; then
    IFS=, read -r -a mutants <<<"$only"
    for m in "${mutants[@]}"; do
        [ -n "${what[$m]+x}" ] || { echo "ci/mutants.sh: no mutant '$m' (have: ${all_mutants[*]})" >&2; exit 2; }
    done
else
    mutants=("${all_mutants[@]}")
fi
IFS=, read -r -a targets <<<"$targets_opt"
for t in "${targets[@]}"; do
    [ -f "targets/fuzz_$t.c" ] || { echo "ci/mutants.sh: no target targets/fuzz_$t.c" >&2; exit 2; }
done

out=$ROOT/build/mutants
mkdir -p "$out"
child_pids=()
trap 'for p in "${child_pids[@]}"; do kill -TERM "$p" 2>/dev/null; done; echo "ci/mutants.sh: interrupted" >&2; exit 130' INT TERM

now_ms() { date +%s%3N; }

# build NAME DEFINE: the libFuzzer targets and the plain reproducers + finfuzz.
build_one() {
    local dir=$1 define=$2 bins=() t
    for t in "${targets[@]}"; do bins+=("$dir/fuzz-libfuzzer/fuzz_$t"); done
    make --no-print-directory -s -j2 FUZZ_LF_DIR="$dir/fuzz-libfuzzer" FUZZ_EXTRA_CFLAGS="$define" "${bins[@]}" &&
        make --no-print-directory -s -j2 BUILD="$dir" SANITIZE= CFLAGS="-O1 -g $define" all repro-build
}

# The invariant id in a log (or the sanitizer's error).
kind_in() {
    local k
    k=$(grep -a -m1 -E 'finfuzz.*violation' "$1" | grep -o -E 'violation[: ]+[A-Za-z0-9_-]+' | head -n 1 |
        sed -E 's/violation[: ]+//')
    [ -n "$k" ] || k=$(grep -a -o -m1 -E 'ERROR: [A-Za-z]+Sanitizer: [a-z-]+|runtime error' "$1")
    echo "${k:-crash}"
}

# hunt NAME DIR: sets r_caught (yes/no), r_by, r_kind, r_ms, r_input.
hunt() {
    local name=$1 dir=$2 t start log pid
    r_caught=no r_by=- r_kind=- r_ms=- r_input=-
    # 1. Seeds, in name order, through the plain reproducer.
    for t in "${targets[@]}"; do
        [ -d "corpus/$t" ] || continue
        log=$dir/seeds-$t.log
        if ! "$dir/repro/fuzz_$t" "corpus/$t" >"$log" 2>&1; then
            r_caught=yes r_by="$t (seed)" r_ms=0
            r_kind=$(kind_in "$log")
            r_input=$(sed -n 's/^repro: running \(.*\) ([0-9]* bytes)$/\1/p' "$log" | tail -n 1)
            return
        fi
    done
    # 2. Fuzz every target side by side from the seeds; the first crash wins.
    local -A pids=()
    start=$(now_ms)
    for t in "${targets[@]}"; do
        rm -rf "$dir/work-$t" "$dir/crashes-$t"
        mkdir -p "$dir/work-$t" "$dir/crashes-$t"
        local seeds=()
        [ -d "corpus/$t" ] && seeds=("corpus/$t")
        local dict=()
        [ -f "corpus/dict/$t.dict" ] && dict=(-dict="corpus/dict/$t.dict")
        [ ${#dict[@]} -eq 0 ] && [ -f corpus/dict/close_endpoint.dict ] && dict=(-dict=corpus/dict/close_endpoint.dict)
        "$dir/fuzz-libfuzzer/fuzz_$t" -max_total_time="$seconds" -timeout=10 "${dict[@]}" \
            -artifact_prefix="$dir/crashes-$t/" "$dir/work-$t" "${seeds[@]}" >"$dir/fuzz-$t.log" 2>&1 &
        pids[$t]=$!
    done
    child_pids=("${pids[@]}")
    local running=${#pids[@]}
    while [ "$running" -gt 0 ]; do
        sleep 0.2
        running=0
        for t in "${!pids[@]}"; do
            pid=${pids[$t]}
            if kill -0 "$pid" 2>/dev/null; then
                running=$((running + 1))
                continue
            fi
            wait "$pid"
            local rc=$?
            unset "pids[$t]"
            if [ $rc -ne 0 ] && [ "$r_caught" = no ] && ls "$dir/crashes-$t"/* >/dev/null 2>&1; then
                r_caught=yes r_by=$t r_ms=$(($(now_ms) - start))
                r_kind=$(kind_in "$dir/fuzz-$t.log")
                r_input=$(ls "$dir/crashes-$t"/* | head -n 1)
                # Caught: stop the others.
                for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
            fi
        done
    done
    child_pids=()
}

fmt_secs() { [ "$1" = - ] && echo - || awk -v ms="$1" 'BEGIN { printf "%.1f s", ms / 1000 }'; }

echo "== mutants: ${#mutants[@]} from stack/mutants.h; hunters: ${targets[*]}; ${seconds} s of fuzzing each at most"
rows=()
caught=0
t0=$(date +%s)
for m in "${mutants[@]}"; do
    dir=$out/$(echo "$m" | tr 'A-Z' 'a-z')
    mkdir -p "$dir"
    printf -- '-- %-22s building... ' "$m"
    if ! build_one "$dir" "-DFINFUZZ_MUTANT_$m" >"$dir/build.log" 2>&1; then
        echo "build failed (see ${dir#"$ROOT"/}/build.log)"
        tail -n 5 "$dir/build.log"
        exit 2
    fi
    printf 'hunting... '
    hunt "$m" "$dir"
    if [ "$r_caught" = yes ]; then
        caught=$((caught + 1))
        echo "caught by $r_by in $(fmt_secs "$r_ms"): $r_kind"
        echo "   reproduce: ${dir#"$ROOT"/}/finfuzz repro --fuzz-target ${r_by% (seed)} ${r_input#"$ROOT"/}"
    else
        echo "NOT caught in ${seconds} s"
    fi
    rows+=("$(printf '%-22s %-7s %-24s %-22s %9s  %s' "$m" "$r_caught" "$r_by" "$r_kind" "$(fmt_secs "$r_ms")" "${what[$m]}")")
done

control_ok=1
control_line=""
if [ $control -eq 1 ]; then
    dir=$out/control
    mkdir -p "$dir"
    printf -- '-- %-22s building... ' "control"
    build_one "$dir" "" >"$dir/build.log" 2>&1 || { echo "build failed"; tail -n 5 "$dir/build.log"; exit 2; }
    printf 'fuzzing %s s... ' "$seconds"
    hunt control "$dir"
    if [ "$r_caught" = yes ]; then
        control_ok=0
        control_line="control (no mutant): FINDING by $r_by in $(fmt_secs "$r_ms"): $r_kind — a false alarm or a real bug; reproduce: ${dir#"$ROOT"/}/finfuzz repro --fuzz-target $r_by ${r_input#"$ROOT"/}"
    else
        control_line="control (no mutant): seeds replay clean, no finding in ${seconds} s of fuzzing per target"
    fi
    echo "$([ $control_ok -eq 1 ] && echo clean || echo FINDING)"
fi

echo
echo "== mutant score (seed replay, then up to ${seconds} s of libFuzzer; measured on a shared 2-core machine)"
printf '%-22s %-7s %-24s %-22s %9s  %s\n' mutant caught by invariant time what
for r in "${rows[@]}"; do echo "$r"; done
[ -n "$control_line" ] && echo "$control_line"
echo "score: $caught/${#mutants[@]} caught ($(($(date +%s) - t0)) s in all)"
[ "$caught" -eq ${#mutants[@]} ] && [ $control_ok -eq 1 ]
