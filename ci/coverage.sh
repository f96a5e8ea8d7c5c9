#!/usr/bin/env bash
# ci/coverage.sh: what the corpus reaches (`make coverage`).
#
# 1. The state machine: `finfuzz coverage corpus/<target>` for each program
#    target, with the state diagram (hit counts on the edges) as DOT and as
#    SVG rendered by Graphviz: build/coverage/<target>-states.{txt,dot,svg}
#    (close_endpoint's also as build/coverage/states.{dot,svg}).
# 2. Source lines: the reproducers built with clang's source-based coverage
#    (-fprofile-instr-generate -fcoverage-mapping) in build/coverage-build/
#    replay corpus/<target>/ and corpus/regressions/<target>/ of every
#    target; llvm-profdata merges the profiles and llvm-cov writes HTML of
#    stack/ and harness/ to build/coverage/html/ and prints its report.
# Everything lands under build/ (the HTML holds absolute paths: never commit
# it). Exit status: 0 done; 1 a step failed; 2 bad usage.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

case ${1:-} in
-h | --help) echo "usage: ci/coverage.sh   (writes build/coverage/)"; exit 0 ;;
"") ;;
*) echo "ci/coverage.sh: no arguments expected" >&2; exit 2 ;;
esac

llvm_suffix=-14
command -v llvm-cov$llvm_suffix >/dev/null || llvm_suffix=""
out=build/coverage
rm -rf "$out"
mkdir -p "$out/profiles"
status=0

make --no-print-directory -s -j"$(nproc)" all || { echo "ci/coverage.sh: build failed" >&2; exit 1; }

targets=()
for f in targets/fuzz_*.c; do
    [ -f "$f" ] || continue
    n=${f#targets/fuzz_}
    targets+=("${n%.c}")
done

# ---- 1. states and transitions ------------------------------------------------
echo "== state-machine coverage (finfuzz coverage)"
for t in "${targets[@]}"; do
    # The model's program targets (finfuzz coverage runs them on the model).
    case $t in close_endpoint | close_pair) ;; *) continue ;; esac
    [ -d "corpus/$t" ] || { echo "-- $t: no corpus/$t"; continue; }
    echo "-- $t: build/finfuzz coverage --fuzz-target $t corpus/$t --dot $out/$t-states.dot"
    if build/finfuzz coverage --fuzz-target "$t" "corpus/$t" --dot "$out/$t-states.dot" >"$out/$t-states.txt" 2>&1; then
        # The summary and whatever is never reached; the counts are in the file.
        grep -a '^summary' "$out/$t-states.txt" | sed 's/^/   /'
        never=$(grep -a -c 'NEVER' "$out/$t-states.txt")
        if [ "$never" -gt 0 ]; then
            echo "   never reached ($never):"
            grep -a 'NEVER' "$out/$t-states.txt" | head -n 8 | sed 's/^ */     /'
            [ "$never" -gt 8 ] && echo "     ..."
        fi
        echo "   full report: $out/$t-states.txt"
        if dot -Tsvg "$out/$t-states.dot" -o "$out/$t-states.svg"; then
            echo "   diagram: $out/$t-states.svg"
        else
            echo "   dot could not render $out/$t-states.dot"
            status=1
        fi
    else
        echo "   finfuzz coverage failed:"
        sed 's/^/   /' "$out/$t-states.txt"
        status=1
    fi
done
if [ -f "$out/close_endpoint-states.dot" ]; then
    cp "$out/close_endpoint-states.dot" "$out/states.dot"
    [ -f "$out/close_endpoint-states.svg" ] && cp "$out/close_endpoint-states.svg" "$out/states.svg"
fi

# ---- 2. source lines -------------------------------------------------------------
echo
echo "== line coverage of stack/ and harness/ (llvm-cov, corpus + regressions replayed)"
cov_flags="-O0 -g -fprofile-instr-generate -fcoverage-mapping"
if ! make --no-print-directory -s -j"$(nproc)" BUILD=build/coverage-build SANITIZE= CFLAGS="$cov_flags" \
    LDFLAGS="-fprofile-instr-generate" repro-build; then
    echo "ci/coverage.sh: coverage build failed" >&2
    exit 1
fi
objects=()
for t in "${targets[@]}"; do
    bin=build/coverage-build/repro/fuzz_$t
    [ -x "$bin" ] || continue
    inputs=()
    for d in "corpus/$t" "corpus/regressions/$t"; do [ -d "$d" ] && inputs+=("$d"); done
    [ ${#inputs[@]} -gt 0 ] || continue
    # A violation aborts the replay and loses the profile: report it and go on.
    if ! LLVM_PROFILE_FILE="$ROOT/$out/profiles/$t-%p.profraw" "$bin" "${inputs[@]}" >"$out/$t-replay.log" 2>&1; then
        echo "-- $t: the replay stopped (a violation?): $(grep -a -m1 -E 'violation|ERROR' "$out/$t-replay.log")"
        status=1
    fi
    echo "-- $t: $(grep -a -o '[0-9]* inputs ran' "$out/$t-replay.log" | tail -n 1)"
    objects+=("$bin")
done
if [ ${#objects[@]} -eq 0 ] || ! ls "$out"/profiles/*.profraw >/dev/null 2>&1; then
    echo "ci/coverage.sh: no profiles (no corpus or no reproducer)" >&2
    exit 1
fi
llvm-profdata$llvm_suffix merge -sparse "$out"/profiles/*.profraw -o "$out/corpus.profdata" || exit 1
objargs=("${objects[0]}")
for o in "${objects[@]:1}"; do objargs+=(-object "$o"); done
llvm-cov$llvm_suffix show -format=html -output-dir="$out/html" -instr-profile="$out/corpus.profdata" \
    -show-line-counts-or-regions "${objargs[@]}" "$ROOT/stack" "$ROOT/harness" || status=1
llvm-cov$llvm_suffix report -show-region-summary=false -show-branch-summary=false \
    -instr-profile="$out/corpus.profdata" "${objargs[@]}" "$ROOT/stack" "$ROOT/harness" |
    sed "s|$ROOT/||" || status=1
echo
echo "HTML: $out/html/index.html   state diagram: $out/states.svg"
exit $status
