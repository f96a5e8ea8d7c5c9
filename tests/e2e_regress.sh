#!/usr/bin/env bash
# Replays corpus/ and corpus/regressions/ through every target's reproducer
# (built under ASan+UBSan by `make test` into $BUILD/repro) twice and checks
# that nothing breaks an invariant and both runs agree (ci/regress.sh).
# Then checks that ci/regress.sh does fail: on a reproducer that aborts on
# one input, and on a `finfuzz repro` whose trace changes between runs.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build/asan}
FINFUZZ=${FINFUZZ:-$BUILD/finfuzz}
if ! ls corpus/close_endpoint/* >/dev/null 2>&1; then
    echo "no corpus yet: nothing to replay"
    exit 77
fi
if [ ! -f targets/repro_main.c ]; then
    echo "no targets/repro_main.c: no reproducers to replay with"
    exit 77
fi
failed=0

echo "--- the corpus and regressions, twice"
./ci/regress.sh --no-build --build "$BUILD" --finfuzz "$FINFUZZ" || failed=1

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
victim=$(ls corpus/close_endpoint/* | head -n 1)

# A build folder whose close_endpoint reproducer aborts on one seed the way
# a fuzz target does, and whose other reproducers are the real ones.
mkdir -p "$tmp/bad-repro/repro"
for r in "$BUILD"/repro/fuzz_*; do ln -s "$PWD/$r" "$tmp/bad-repro/repro/"; done
rm -f "$tmp/bad-repro/repro/fuzz_close_endpoint"
cat >"$tmp/bad-repro/repro/fuzz_close_endpoint" <<EOS
#!/usr/bin/env bash
for f in "\$@"; do
    for g in "\$f" "\$f"/*; do
        [ -f "\$g" ] || continue
        echo "repro: running \$g (1 bytes)" >&2
        if [ "\$g" = "$victim" ]; then
            echo "finfuzz: violation fin-ack-plus-one: injected by the test" >&2
            kill -ABRT \$\$
        fi
    done
done
EOS
chmod +x "$tmp/bad-repro/repro/fuzz_close_endpoint"
echo "--- a reproducer that aborts on $victim must fail the replay"
./ci/regress.sh --no-build --build "$tmp/bad-repro" --finfuzz "$FINFUZZ" >"$tmp/out1" 2>&1
rc=$?
if [ $rc -eq 1 ] && grep -q "FAIL close_endpoint: $victim (run 1): finfuzz: violation fin-ack-plus-one" "$tmp/out1"; then
    echo "ok: $(grep -m1 "FAIL close_endpoint" "$tmp/out1")"
else
    echo "FAILED: ci/regress.sh exit $rc did not name $victim:"; cat "$tmp/out1"; failed=1
fi

# A finfuzz whose repro output differs from one run to the next.
cat >"$tmp/flaky-finfuzz" <<EOS
#!/usr/bin/env bash
"$PWD/$FINFUZZ" "\$@"
rc=\$?
[ "\$1" = repro ] && echo "run \$(date +%s%N)"
exit \$rc
EOS
chmod +x "$tmp/flaky-finfuzz"
echo "--- a trace that changes between runs must fail the determinism check"
./ci/regress.sh --no-build --build "$BUILD" --finfuzz "$tmp/flaky-finfuzz" >"$tmp/out2" 2>&1
rc=$?
if [ $rc -eq 1 ] && grep -q "two replays gave different traces (not deterministic)" "$tmp/out2"; then
    echo "ok: $(grep -m1 'not deterministic' "$tmp/out2")"
else
    echo "FAILED: ci/regress.sh exit $rc did not report the difference:"; tail -n 20 "$tmp/out2"; failed=1
fi
exit $failed
