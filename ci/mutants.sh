#!/usr/bin/env bash
# ci/mutants.sh: how much can the harness catch? (`make mutants`)
#
# For each deliberate fault in stack/mutants.h (FINFUZZ_MUTANT_LIST), builds
# the stack with -DFINFUZZ_MUTANT_<NAME> in build/mutants/<name>/ (test
# builds only) and hunts it:
#   1. replay the seed corpus through the mutant's reproducers: a seed that
#      breaks an invariant catches it at 0 s;
#   2. otherwise fuzz the program targets (close_endpoint and close_pair,
#      side by side, one core each) from the seeds for MUTANT_SECONDS (60 s).
# A mutant is caught by an input that fails on the mutant and passes on the
# unmutated stack (the "control", built first in build/mutants/control/):
# an input that fails on both shows a bug of the stack or the oracle, not the
# fault, so the hunt goes on past it (libFuzzer -fork=1 -ignore_crashes=1).
# The control itself is fuzzed for the same time, and should find nothing.
#
# Prints a table (caught or not, by which target, which invariant, how fast)
# and the score caught/total. Exit status: 0 every mutant caught and the
# control clean; 1 otherwise; 2 bad usage or a build failure.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

seconds=${MUTANT_SECONDS:-60}
only=""
targets_opt=close_endpoint,close_pair
while [ $# -gt 0 ]; do
    case $1 in
    --seconds) seconds=${2:-}; shift 2 ;;
    --mutants) only=${2:-}; shift 2 ;;
    --targets) targets_opt=${2:-}; shift 2 ;;
    -h | --help)
        cat <<'EOF'
usage: ci/mutants.sh [--seconds N] [--mutants A,B] [--targets a,b]
  --seconds N    fuzzing time limit per mutant (default $MUTANT_SECONDS or 60)
  --mutants A,B  only these mutants (names from stack/mutants.h)
  --targets a,b  targets that hunt them (default close_endpoint,close_pair)
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
fmt_secs() { [ "$1" = - ] && echo - || awk -v ms="$1" 'BEGIN { printf "%.1f s", ms / 1000 }'; }

# build DIR DEFINE: libFuzzer targets (ASan+UBSan) and plain reproducers + finfuzz.
build_one() {
    local dir=$1 define=$2 bins=() t
    for t in "${targets[@]}"; do bins+=("$dir/fuzz-libfuzzer/fuzz_$t"); done
    make --no-print-directory -s -j2 FUZZ_LF_DIR="$dir/fuzz-libfuzzer" FUZZ_EXTRA_CFLAGS="$define" "${bins[@]}" &&
        make --no-print-directory -s -j2 BUILD="$dir" SANITIZE= CFLAGS="-O1 -g $define" all repro-build
}

# The invariant id in a report (or the sanitizer's error).
kind_in() {
    local k
    k=$(grep -a -m1 -E 'finfuzz.*violation' "$1" | grep -o -E 'violation[: ]+[A-Za-z0-9_-]+' | head -n 1 |
        sed -E 's/violation[: ]+//')
    [ -n "$k" ] || k=$(grep -a -o -m1 -E 'ERROR: [A-Za-z]+Sanitizer: [a-z-]+|runtime error' "$1")
    echo "${k:-crash}"
}

# Does input $2 break an invariant of the control's target $1? (ASan+UBSan
# libFuzzer build, so a sanitizer error counts as on the mutant.)
fails_on_control() {
    "$out/control/fuzz-libfuzzer/fuzz_$1" -runs=1 "$2" >/dev/null 2>&1
    [ $? -ne 0 ]
}

# The first seed (name order) of target $2 that fails on the build in $1; ""
# if none. Leaves the reproducer's output in $3.
failing_seed() {
    local dir=$1 t=$2 log=$3
    [ -d "corpus/$t" ] || return 0
    { "$dir/repro/fuzz_$t" "corpus/$t" >"$log" 2>&1; } 2>/dev/null && return 0
    sed -n 's/^repro: running \(.*\) ([0-9]* bytes)$/\1/p' "$log" | tail -n 1
}

# hunt DIR: sets r_caught (yes/no), r_by, r_kind, r_ms, r_input, and
# r_preexisting (crash files that fail on the control too).
hunt() {
    local dir=$1 t start pid c seed
    r_caught=no r_by=- r_kind=- r_ms=- r_input=- r_preexisting=0 r_slow=0
    # 1. Seeds (the control's seeds all pass; checked before the mutants).
    for t in "${targets[@]}"; do
        seed=$(failing_seed "$dir" "$t" "$dir/seeds-$t.log")
        if [ -n "$seed" ]; then
            r_caught=yes r_by="$t (seed)" r_ms=0 r_input=$seed
            r_kind=$(kind_in "$dir/seeds-$t.log")
            return
        fi
    done
    # 2. Fuzz every target side by side; check each crash file on the control.
    local -A pids=() seen=()
    start=$(now_ms)
    for t in "${targets[@]}"; do
        rm -rf "$dir/work-$t" "$dir/crashes-$t"
        mkdir -p "$dir/work-$t" "$dir/crashes-$t"
        local seeds=() dict=()
        [ -d "corpus/$t" ] && seeds=("corpus/$t")
        [ -f "corpus/dict/$t.dict" ] && dict=(-dict="corpus/dict/$t.dict")
        [ ${#dict[@]} -eq 0 ] && [ -f corpus/dict/close_endpoint.dict ] && dict=(-dict=corpus/dict/close_endpoint.dict)
        "$dir/fuzz-libfuzzer/fuzz_$t" -max_total_time="$seconds" -timeout=10 "${dict[@]}" \
            -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
            -artifact_prefix="$dir/crashes-$t/" "$dir/work-$t" "${seeds[@]}" >"$dir/fuzz-$t.log" 2>&1 &
        pids[$t]=$!
    done
    child_pids=("${pids[@]}")
    while [ ${#pids[@]} -gt 0 ]; do
        sleep 0.2
        # Fork mode may overrun -max_total_time: the limit is ours.
        [ $(($(now_ms) - start)) -gt $((seconds * 1000 + 2000)) ] && break
        for t in "${!pids[@]}"; do
            for c in "$dir/crashes-$t"/*; do
                [ -f "$c" ] && [ -z "${seen[$c]:-}" ] || continue
                seen[$c]=1
                # A slow input (libFuzzer's 10 s timeout under ASan) or an
                # OOM is no violation: it never counts as a catch.
                case ${c##*/} in timeout-* | oom-*) r_slow=$((r_slow + 1)); continue ;; esac
                if fails_on_control "$t" "$c"; then
                    r_preexisting=$((r_preexisting + 1))
                    continue
                fi
                r_caught=yes r_by=$t r_ms=$(($(now_ms) - start)) r_input=$c
                { "$dir/repro/fuzz_$t" "$c" >"$dir/caught.log" 2>&1; } 2>/dev/null
                r_kind=$(kind_in "$dir/caught.log")
                case $(basename "$c") in timeout-*) r_kind=timeout ;; oom-*) r_kind=oom ;; esac
                break 2
            done
            kill -0 "${pids[$t]}" 2>/dev/null || { wait "${pids[$t]}"; unset "pids[$t]"; }
        done
        [ "$r_caught" = yes ] && break
    done
    # Caught (or out of time): stop the fuzzers.
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null; done
    child_pids=()
}

echo "== mutants: ${#mutants[@]} from stack/mutants.h; hunters: ${targets[*]}; ${seconds} s of fuzzing each at most"
t0=$(date +%s)

# ---- the control: the unmutated stack ------------------------------------------
cdir=$out/control
# Every build starts from scratch: objects left by ci/fuzz.sh --mutant or an
# older tree were built with other flags or headers (a stale struct layout
# crashes the mutant and passes for a catch).
rm -rf "$cdir"
mkdir -p "$cdir"
printf -- '-- %-22s building... ' control
build_one "$cdir" "" >"$cdir/build.log" 2>&1 || { echo "build failed"; tail -n 5 "$cdir/build.log"; exit 2; }
control_ok=1
control_notes=()
for t in "${targets[@]}"; do
    seed=$(failing_seed "$cdir" "$t" "$cdir/seeds-$t.log")
    if [ -n "$seed" ]; then
        control_ok=0
        control_notes+=("seed $seed fails on the unmutated stack: $(kind_in "$cdir/seeds-$t.log")")
    fi
done
printf 'fuzzing %s s... ' "$seconds"
# Fuzz the control like a mutant; every crash file fails on the control.
declare -A control_kinds=()
hunt "$cdir"
for t in "${targets[@]}"; do
    for c in "$cdir/crashes-$t"/*; do
        [ -f "$c" ] || continue
        { "$cdir/repro/fuzz_$t" "$c" >"$cdir/kind.log" 2>&1; } 2>/dev/null
        k="$t:$(kind_in "$cdir/kind.log")"
        case $(basename "$c") in timeout-*) k="$t:timeout" ;; oom-*) k="$t:oom" ;; esac
        [ -n "${control_kinds[$k]:-}" ] || control_kinds[$k]=$c
    done
done
control_slow=()
for k in $(printf '%s\n' "${!control_kinds[@]}" | sort); do
    case $k in
    *:timeout | *:oom)
        # Slow inputs are noted, not counted as findings of the control.
        control_slow+=("${k%%:*} has inputs slower than libFuzzer's 10 s timeout (ASan): ${control_kinds[$k]#"$ROOT"/}")
        unset "control_kinds[$k]"
        ;;
    esac
done
if [ ${#control_kinds[@]} -gt 0 ]; then
    control_ok=0
    echo "${#control_kinds[@]} finding(s)"
    for k in $(printf '%s\n' "${!control_kinds[@]}" | sort); do
        control_notes+=("fuzzing finds ${k#*:} in ${k%%:*} on the unmutated stack: ${cdir#"$ROOT"/}/finfuzz repro --fuzz-target ${k%%:*} ${control_kinds[$k]#"$ROOT"/}")
    done
else
    echo "clean${control_slow:+ (slow inputs noted)}"
fi

# ---- the mutants -------------------------------------------------------------------
rows=()
caught=0
for m in "${mutants[@]}"; do
    dir=$out/$(echo "$m" | tr 'A-Z' 'a-z')
    rm -rf "$dir"
    mkdir -p "$dir"
    printf -- '-- %-22s building... ' "$m"
    if ! build_one "$dir" "-DFINFUZZ_MUTANT_$m" >"$dir/build.log" 2>&1; then
        echo "build failed (see ${dir#"$ROOT"/}/build.log)"
        tail -n 5 "$dir/build.log"
        exit 2
    fi
    printf 'hunting... '
    hunt "$dir"
    pre=""
    [ "$r_preexisting" -gt 0 ] && pre=" ($r_preexisting crash file(s) that fail on the control too, skipped)"
    [ "$r_slow" -gt 0 ] && pre="$pre ($r_slow timeout/OOM file(s), not counted)"
    if [ "$r_caught" = yes ]; then
        caught=$((caught + 1))
        echo "caught by $r_by in $(fmt_secs "$r_ms"): $r_kind$pre"
        echo "   reproduce: ${dir#"$ROOT"/}/finfuzz repro --fuzz-target ${r_by% (seed)} ${r_input#"$ROOT"/}"
    else
        echo "NOT caught in ${seconds} s$pre"
    fi
    rows+=("$(printf '%-22s %-7s %-24s %-22s %9s  %s' "$m" "$r_caught" "$r_by" "$r_kind" "$(fmt_secs "$r_ms")" "${what[$m]}")")
done

echo
echo "== mutant score (seed replay, then up to ${seconds} s of libFuzzer on ${#targets[@]} cores; a catch is an input"
echo "   that fails on the mutant and passes on the unmutated stack; measured on a shared 2-core machine)"
printf '%-22s %-7s %-24s %-22s %9s  %s\n' mutant caught by invariant time what
for r in "${rows[@]}"; do echo "$r"; done
if [ $control_ok -eq 1 ]; then
    echo "control (no mutant): seeds pass, no finding in ${seconds} s of fuzzing per target"
else
    echo "control (no mutant): NOT clean — bugs of the stack or oracle, not of a mutant:"
    for n in "${control_notes[@]}"; do echo "   $n"; done
fi
for n in "${control_slow[@]}"; do echo "note: $n"; done
echo "score: $caught/${#mutants[@]} caught ($(($(date +%s) - t0)) s in all)"
[ "$caught" -eq ${#mutants[@]} ] && [ $control_ok -eq 1 ]
