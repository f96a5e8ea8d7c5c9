#!/usr/bin/env bash
# Replays corpus/ and corpus/regressions/ through every target's reproducer
# (built under ASan+UBSan by `make test` into $BUILD/repro) twice and checks
# that nothing breaks an invariant and both runs agree (ci/regress.sh).
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build/asan}
FINFUZZ=${FINFUZZ:-$BUILD/finfuzz}
if ! ls corpus/*/* >/dev/null 2>&1; then
    echo "no corpus yet: nothing to replay"
    exit 77
fi
if [ ! -f targets/repro_main.c ]; then
    echo "no targets/repro_main.c: no reproducers to replay with"
    exit 77
fi
exec ./ci/regress.sh --no-build --build "$BUILD" --finfuzz "$FINFUZZ"
