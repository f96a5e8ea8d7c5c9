#!/bin/bash -eu
set -eu -o pipefail
# ClusterFuzzLite / OSS-Fuzz build script for finfuzz.
#
# Honours the conventions of both: $CC, $CFLAGS and $LIB_FUZZING_ENGINE say
# how to compile and link (libFuzzer, AFL++ or honggfuzz; any sanitizer),
# the sources are in $SRC/finfuzz (or $FINFUZZ_SRC), objects go under $WORK,
# and every fuzz target lands in $OUT as fuzz_<name> with
# fuzz_<name>_seed_corpus.zip (corpus/<name>/ + corpus/regressions/<name>/)
# and fuzz_<name>.dict (corpus/dict/<name>.dict) next to it (lwIP and
# close_pair share close_endpoint's program format, seeds and dictionary). The shared
# libraries the targets need (libpcap, lwIP, json-c, libxml2 and theirs) are
# copied to $OUT/lib, which the binaries find through an $ORIGIN rpath: the
# runner image has none of them.
#
# tests/e2e_ossfuzz_build.sh runs this script outside docker.

src_dir=${FINFUZZ_SRC:-$SRC/finfuzz}
work_dir=${WORK:-/tmp}/finfuzz-fuzz-build
cd "$src_dir"

# A make above us (make test) must not leak its variables into this build.
unset MAKEFLAGS MFLAGS MAKELEVEL
export CC CFLAGS LIB_FUZZING_ENGINE

make -j"$(nproc)" FUZZ_LF_DIR="$work_dir" fuzz-build

mkdir -p "$OUT/lib"
for bin in "$work_dir"/fuzz_*; do
    [ -x "$bin" ] || continue
    name=$(basename "$bin")
    target=${name#fuzz_}
    cp "$bin" "$OUT/$name"

    # The program targets share close_endpoint's format: lwip_* starts from
    # its seeds when it has none, close_pair and lwip_* use its dictionary.
    seed_dir=corpus/$target
    case $target in lwip_*) [ -d "$seed_dir" ] || seed_dir=corpus/close_endpoint ;; esac
    dict=corpus/dict/$target.dict
    case $target in close_pair | lwip_*) [ -f "$dict" ] || dict=corpus/dict/close_endpoint.dict ;; esac

    seeds=()
    for d in "$seed_dir" "corpus/regressions/$target"; do
        [ -d "$d" ] && [ -n "$(ls -A "$d")" ] && seeds+=("$d")
    done
    rm -f "$OUT/${name}_seed_corpus.zip"
    if [ ${#seeds[@]} -gt 0 ]; then
        # -j: flat names; a regression named like a seed would clash, so
        # regressions keep a prefix.
        tmp=$(mktemp -d)
        for d in "${seeds[@]}"; do
            prefix=""
            case $d in corpus/regressions/*) prefix=regression- ;; esac
            for f in "$d"/*; do [ -f "$f" ] && cp "$f" "$tmp/$prefix$(basename "$f")"; done
        done
        (cd "$tmp" && zip -q -r "$OUT/${name}_seed_corpus.zip" .)
        rm -rf "$tmp"
    fi
    if [ -f "$dict" ]; then
        cp "$dict" "$OUT/$name.dict"
    fi

    # Shared libraries outside the C runtime go along in $OUT/lib: those
    # linked, and for the lwIP target the liblwip.so.0 it dlmopen()s (found
    # through the same rpath) with what that needs.
    libs=("$bin")
    case $target in
    lwip_*)
        lwip=$(pkg-config --variable=libdir lwip 2>/dev/null)/liblwip.so.0
        [ -f "$lwip" ] || lwip=$(ldconfig -p | awk '$1 == "liblwip.so.0" { print $NF; exit }')
        [ -f "$lwip" ] && { cp -L "$lwip" "$OUT/lib/"; libs+=("$lwip"); }
        ;;
    esac
    ldd "${libs[@]}" | awk '$2 == "=>" && $3 ~ /^\// { print $3 }' | sort -u | while read -r lib; do
        case $(basename "$lib") in
        libc.so* | libm.so* | libpthread.so* | libdl.so* | librt.so* | ld-linux* | libgcc_s.so* | libstdc++.so*) ;;
        *) cp -L "$lib" "$OUT/lib/" ;;
        esac
    done
done
