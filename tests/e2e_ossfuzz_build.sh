#!/usr/bin/env bash
# .clusterfuzzlite/build.sh as OSS-Fuzz and ClusterFuzzLite run it, without
# docker: the script gets their environment (CC, CFLAGS, LIB_FUZZING_ENGINE,
# SRC, OUT, WORK) for libFuzzer, and for AFL++ where its driver is installed,
# builds into a temporary $OUT, and every binary it produced then replays its
# unzipped seed corpus. Prints what $OUT holds (binaries, seed corpora,
# dictionaries, shipped libraries).
set -u
cd "$(dirname "$0")/.."
ROOT=$PWD

targets=()
for f in targets/fuzz_*.c; do
    [ -f "$f" ] || continue
    n=${f#targets/fuzz_}
    targets+=("${n%.c}")
done
[ ${#targets[@]} -gt 0 ] || { echo "no fuzz targets yet"; exit 77; }
command -v clang >/dev/null || { echo "no clang"; exit 77; }
command -v zip >/dev/null && command -v unzip >/dev/null || { echo "no zip/unzip"; exit 77; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/src"
ln -s "$ROOT" "$tmp/src/finfuzz"
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# run_engine NAME CC CFLAGS LIB_FUZZING_ENGINE
run_engine() {
    local name=$1 out=$tmp/out-$1 work=$tmp/work-$1 t bin seeds n_in
    mkdir -p "$out" "$work"
    echo "== $name: CC=$2 CFLAGS=\"$3\" LIB_FUZZING_ENGINE=$4"
    if ! env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL CC="$2" CXX=clang++ CFLAGS="$3" LIB_FUZZING_ENGINE="$4" \
        SRC="$tmp/src" OUT="$out" WORK="$work" FUZZING_ENGINE="$name" \
        bash .clusterfuzzlite/build.sh >"$tmp/$name.log" 2>&1; then
        fail "$name: build.sh failed:"
        tail -n 20 "$tmp/$name.log"
        return
    fi
    (cd "$out" && find . -type f | sed 's|^\./||' | LC_ALL=C sort | sed 's/^/   OUT\//')
    for t in "${targets[@]}"; do
        bin=$out/fuzz_$t
        [ -x "$bin" ] || { fail "$name: no $bin"; continue; }
        seeds=$tmp/seeds-$name-$t
        mkdir -p "$seeds"
        if ls corpus/"$t"/* >/dev/null 2>&1 || { [[ $t == lwip_* ]] && ls corpus/close_endpoint/* >/dev/null 2>&1; }; then
            [ -f "$out/fuzz_${t}_seed_corpus.zip" ] || fail "$name: no fuzz_${t}_seed_corpus.zip"
        fi
        if { [ -f "corpus/dict/$t.dict" ] || { [[ $t == close_pair || $t == lwip_* ]] && [ -f corpus/dict/close_endpoint.dict ]; }; } &&
            [ ! -f "$out/fuzz_$t.dict" ]; then
            fail "$name: corpus/dict/$t.dict not installed as fuzz_$t.dict"
        fi
        [ -f "$out/fuzz_${t}_seed_corpus.zip" ] && unzip -q -o "$out/fuzz_${t}_seed_corpus.zip" -d "$seeds"
        n_in=$(find "$seeds" -type f | wc -l)
        if [ "$n_in" -eq 0 ]; then
            echo "   fuzz_$t: no seeds to replay"
            continue
        fi
        if [ "$name" != afl ]; then
            "$bin" -runs=0 -artifact_prefix="$tmp/" "$seeds" >"$tmp/$name-$t.run" 2>&1
        else
            # The AFL++ driver, outside afl-fuzz, runs the files it is given.
            "$bin" $(find "$seeds" -type f | LC_ALL=C sort) >"$tmp/$name-$t.run" 2>&1
        fi
        local rc=$?
        if [ $rc -ne 0 ]; then
            fail "$name: fuzz_$t exit $rc on its seed corpus:"
            grep -a -m3 -E 'violation|ERROR|error' "$tmp/$name-$t.run"
        else
            echo "   fuzz_$t: replayed $n_in seed(s), no crash"
        fi
    done
}

run_engine libfuzzer clang "-O1 -fno-omit-frame-pointer -gline-tables-only -fsanitize=address,fuzzer-no-link" \
    -fsanitize=fuzzer
if [ -f /usr/lib/afl/libAFLDriver.a ] && command -v afl-clang-fast >/dev/null; then
    run_engine afl afl-clang-fast "-O1 -fno-omit-frame-pointer -gline-tables-only -fsanitize=address" \
        /usr/lib/afl/libAFLDriver.a
else
    echo "== afl: skipped (no /usr/lib/afl/libAFLDriver.a or afl-clang-fast)"
fi
[ $failures -eq 0 ] && echo "build.sh: every binary built and replayed its seed corpus"

# The replay must be able to fail: with a deliberate fault in the stack
# (CFLAGS of the build, as a sanitizer flag would come), close_endpoint's
# textbook-close seeds must crash the binary.
if grep -q 'X(FIN_ACK_NO_PLUS_ONE,' stack/mutants.h 2>/dev/null && [ -d corpus/close_endpoint ]; then
    before=$failures
    run_engine mutant clang "-O1 -gline-tables-only -fsanitize=address,fuzzer-no-link -DFINFUZZ_MUTANT_FIN_ACK_NO_PLUS_ONE" \
        -fsanitize=fuzzer >"$tmp/mutant.out" 2>&1
    if grep -q 'FAIL: mutant: fuzz_close_endpoint exit .* on its seed corpus' "$tmp/mutant.out"; then
        echo "== mutant FIN_ACK_NO_PLUS_ONE: the seed replay fails as it must: $(grep -a -m1 'violation' "$tmp/mutant.out")"
    else
        echo "FAIL: the seed replay did not catch mutant FIN_ACK_NO_PLUS_ONE:"
        cat "$tmp/mutant.out"
        before=$((before + 1))
    fi
    failures=$before
fi
[ $failures -eq 0 ]
