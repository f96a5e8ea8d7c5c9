#!/usr/bin/env bash
# The committed corpus: every seed and every regression input of the
# driver's targets replays without a violation (finfuzz repro exits 0), and
# the close_endpoint seeds alone reach all eleven states and every RFC edge
# (finfuzz coverage --require-all).
set -u
cd "$(dirname "$0")/.."
FINFUZZ=${FINFUZZ:-build/finfuzz}
fail=0
replay() { # target dir
    local target=$1 dir=$2
    [ -d "$dir" ] || return 0
    local files=("$dir"/*)
    [ -e "${files[0]}" ] || return 0
    for f in "${files[@]}"; do
        [ -f "$f" ] || continue
        case $f in *.md|*README*) continue;; esac
        if ! "$FINFUZZ" repro --quiet --fuzz-target "$target" "$f" >/tmp/e2e_corpus.$$ 2>&1; then
            echo "FAIL $f:"; grep -E "result|finfuzz" /tmp/e2e_corpus.$$ | head -3; fail=1
        fi
    done
    echo "replayed $dir"
}
replay close_endpoint corpus/close_endpoint
replay close_pair corpus/close_pair
replay close_endpoint corpus/regressions/close_endpoint
replay close_pair corpus/regressions/close_pair
rm -f /tmp/e2e_corpus.$$
if ! "$FINFUZZ" coverage --require-all corpus/close_endpoint >/tmp/e2e_cov.$$ 2>&1; then
    echo "FAIL coverage of corpus/close_endpoint:"; grep -A60 "summary" /tmp/e2e_cov.$$; fail=1
else
    grep "summary" /tmp/e2e_cov.$$
fi
rm -f /tmp/e2e_cov.$$
# The DOT diagram: written, and rendered by Graphviz when it is installed.
dot_out=$(mktemp)
if ! "$FINFUZZ" coverage --dot "$dot_out" corpus/close_endpoint >/dev/null 2>&1 \
    || ! grep -q '"FIN-WAIT-1" -> "CLOSING" \[label="rcv-fin' "$dot_out"; then
    echo "FAIL coverage --dot did not write the state diagram"; fail=1
elif command -v dot >/dev/null && ! dot -Tsvg "$dot_out" -o /dev/null; then
    echo "FAIL Graphviz cannot render the coverage DOT"; fail=1
else
    echo "coverage DOT ok"
fi
rm -f "$dot_out"
exit $fail
