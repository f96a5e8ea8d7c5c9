#!/usr/bin/env bash
# ci/fuzz.sh: a time-boxed fuzzing campaign over every fuzz target.
#
# Builds the targets, fuzzes each in turn from corpus/<target>/ (libFuzzer by
# default, AFL++ with --engine afl), merges what it learnt into a corpus
# folder, turns every crash into a finding folder (minimized input, annotated
# trace, pcap, SVG, the one command that reproduces it), de-duplicates
# findings by invariant id and stack, and prints a summary table.
#
# Exit status: 0 no new finding; 1 at least one new finding (one not already
# recorded in corpus/regressions/<target>/); 2 bad usage or a build/engine
# failure; 130 interrupted (crash files found so far are kept).
#
# `make fuzz` runs this with --check-captures; see docs/fuzzing-in-ci.md.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

usage() {
    cat <<'EOF'
usage: ci/fuzz.sh [options]
  --seconds N          fuzzing time per target (default $FUZZ_SECONDS or 60)
  --targets a,b        only these targets (names as in targets/fuzz_<name>.c)
  --engine E           libfuzzer (default) or afl
  --jobs N             parallel fuzzing processes per target (AFL: -M/-S
                       instances; libFuzzer: -fork=N); default 1
  --out DIR            output folder (default build/fuzz-out; emptied first)
  --merge-into-corpus  add new coverage to corpus/<target>/ (default: only to
                       OUT/corpus/<target>/, the git tree stays clean)
  --mutant NAME        build the stack with -DFINFUZZ_MUTANT_NAME (a
                       deliberate fault from stack/mutants.h) in build/mutants/
  --minimize-seconds N time to minimize each finding (default 10)
  --check-captures     also run finfuzz check --profile linux on tests/pcaps/linux
  --no-build           use the binaries already built
  -h, --help
EOF
}

seconds=${FUZZ_SECONDS:-60}
targets_opt=""
engine=libfuzzer
jobs=1
out=build/fuzz-out
merge_into_corpus=0
mutant=""
minimize_seconds=10
check_captures=0
do_build=1
progress_every_secs=${FUZZ_PROGRESS_SECS:-5}
max_classify=${FUZZ_MAX_CLASSIFY:-40}

die_usage() { echo "ci/fuzz.sh: $*" >&2; echo "try ci/fuzz.sh --help" >&2; exit 2; }
while [ $# -gt 0 ]; do
    case $1 in
    --seconds) seconds=${2:-}; shift 2 ;;
    --targets) targets_opt=${2:-}; shift 2 ;;
    --engine) engine=${2:-}; shift 2 ;;
    --jobs) jobs=${2:-}; shift 2 ;;
    --out) out=${2:-}; shift 2 ;;
    --merge-into-corpus) merge_into_corpus=1; shift ;;
    --mutant) mutant=${2:-}; shift 2 ;;
    --minimize-seconds) minimize_seconds=${2:-}; shift 2 ;;
    --check-captures) check_captures=1; shift ;;
    --no-build) do_build=0; shift ;;
    -h | --help) usage; exit 0 ;;
    *) die_usage "unknown option '$1'" ;;
    esac
done
[[ $seconds =~ ^[0-9]+$ && $seconds -ge 1 ]] || die_usage "--seconds needs a whole number >= 1"
[[ $jobs =~ ^[0-9]+$ && $jobs -ge 1 ]] || die_usage "--jobs needs a whole number >= 1"
[[ $minimize_seconds =~ ^[0-9]+$ ]] || die_usage "--minimize-seconds needs a whole number"
case $engine in libfuzzer | afl) ;; *) die_usage "--engine is libfuzzer or afl" ;; esac
[ -n "$out" ] || die_usage "--out needs a folder"
ncpu=$(nproc 2>/dev/null || echo 1)
if [ "$jobs" -gt "$ncpu" ]; then
    echo "ci/fuzz.sh: --jobs $jobs > $ncpu cores; using $ncpu" >&2
    jobs=$ncpu
fi

# The environment of an OSS-Fuzz build would switch mk/fuzz.mk to its mode.
unset LIB_FUZZING_ENGINE

# ---- which build -------------------------------------------------------------
lf_dir=build/fuzz-libfuzzer
afl_dir=build/fuzz-afl
ff_build=build
extra_cflags=""
if [ -n "$mutant" ]; then
    [[ $mutant =~ ^[A-Z0-9_]+$ ]] || die_usage "--mutant takes a NAME from stack/mutants.h (upper case)"
    grep -Eq "X\($mutant," stack/mutants.h 2>/dev/null ||
        die_usage "no mutant '$mutant' in stack/mutants.h"
    mdir=build/mutants/$(echo "$mutant" | tr 'A-Z' 'a-z')
    lf_dir=$mdir/fuzz-libfuzzer
    afl_dir=$mdir/fuzz-afl
    ff_build=$mdir
    extra_cflags="-DFINFUZZ_MUTANT_$mutant"
    # A mutant folder may hold objects built with other flags or older
    # headers (ci/mutants.sh builds there too): build it from scratch.
    [ "$do_build" = 1 ] && rm -rf "$mdir"
fi
FINFUZZ=$ff_build/finfuzz

all_targets=()
for f in targets/fuzz_*.c; do
    [ -f "$f" ] || continue
    n=${f#targets/fuzz_}
    all_targets+=("${n%.c}")
done
[ ${#all_targets[@]} -gt 0 ] || { echo "ci/fuzz.sh: no fuzz targets (targets/fuzz_*.c)" >&2; exit 2; }
if [ -n "$targets_opt" ]; then
    IFS=, read -r -a targets <<<"$targets_opt"
    for t in "${targets[@]}"; do
        [ -f "targets/fuzz_$t.c" ] || die_usage "no target '$t' (have: ${all_targets[*]})"
    done
else
    targets=("${all_targets[@]}")
fi

make_q() { make --no-print-directory -s -j"$ncpu" "$@"; }
if [ $do_build -eq 1 ]; then
    echo "== building ($engine${mutant:+, mutant $mutant})"
    bins=()
    for t in "${targets[@]}"; do bins+=("$lf_dir/fuzz_$t"); done
    make_q FUZZ_LF_DIR="$lf_dir" FUZZ_EXTRA_CFLAGS="$extra_cflags" "${bins[@]}" ||
        { echo "ci/fuzz.sh: libFuzzer build failed" >&2; exit 2; }
    if [ "$engine" = afl ]; then
        bins=()
        for t in "${targets[@]}"; do bins+=("$afl_dir/fuzz_$t"); done
        make_q FUZZ_AFL_DIR="$afl_dir" FUZZ_EXTRA_CFLAGS="$extra_cflags" "${bins[@]}" ||
            { echo "ci/fuzz.sh: AFL++ build failed" >&2; exit 2; }
    fi
    # The command (and reproducers) with the same stack, for traces.
    if [ -n "$mutant" ]; then
        make_q BUILD="$ff_build" CFLAGS="-O1 -g $extra_cflags" all repro-build
    else
        make_q all repro-build
    fi || { echo "ci/fuzz.sh: build of finfuzz failed" >&2; exit 2; }
fi

# ---- output folder -------------------------------------------------------------
case $out in /*) ;; *) out=$ROOT/$out ;; esac
# Emptied first, but only if it is an earlier output of this script (or
# empty): --out . must not wipe a checkout.
if [ -d "$out" ] && [ -n "$(ls -A "$out")" ] && [ ! -f "$out/.finfuzz-fuzz-out" ] &&
    ! { [ -d "$out/crashes" ] && [ -d "$out/logs" ]; }; then
    echo "ci/fuzz.sh: $out exists and is not an earlier ci/fuzz.sh output; choose another --out" >&2
    exit 2
fi
rm -rf "$out"
mkdir -p "$out"/{work,corpus,crashes,findings,logs}
touch "$out/.finfuzz-fuzz-out"
rel() { local p=$1; echo "${p#"$ROOT"/}"; }

# The campaign runs copies of the binaries: a rebuild of build/ while it runs
# (by make, or by someone else in the same checkout) cannot change them.
lf_run=$out/bin/libfuzzer
afl_run=$out/bin/afl
mkdir -p "$lf_run" "$afl_run"
for t in "${targets[@]}"; do
    cp "$lf_dir/fuzz_$t" "$lf_run/" || { echo "ci/fuzz.sh: no $lf_dir/fuzz_$t (build it, or drop --no-build)" >&2; exit 2; }
    if [ "$engine" = afl ]; then
        cp "$afl_dir/fuzz_$t" "$afl_run/" || { echo "ci/fuzz.sh: no $afl_dir/fuzz_$t" >&2; exit 2; }
    fi
done

interrupted=0
child_pids=()
on_signal() {
    interrupted=1
    echo
    echo "ci/fuzz.sh: interrupted; stopping the fuzzers (crash files stay in $(rel "$out")/crashes)" >&2
    for p in "${child_pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
}
trap on_signal INT TERM

now() { date +%s; }

# Prints a progress line every few seconds while process $1 runs.
# $2: target, $3: start time, $4: seconds, $5: a function that prints status.
watch_progress() {
    local pid=$1 t=$2 start=$3 secs=$4 status_fn=$5 next
    # On multiples of the period since the target's start (a restarted
    # engine keeps the rhythm).
    next=$((start + progress_every_secs * (($(now) - start) / progress_every_secs + 1)))
    while kill -0 "$pid" 2>/dev/null; do
        sleep 1
        if [ "$(now)" -ge "$next" ] && kill -0 "$pid" 2>/dev/null; then
            printf '  [%s %3ds/%ds] %s\n' "$t" $(($(now) - start)) "$secs" "$($status_fn)"
            next=$((start + progress_every_secs * (($(now) - start) / progress_every_secs + 1)))
        fi
    done
}

# The seed folder of a target: corpus/<target>/; the lwIP target reads the
# same programs as close_endpoint and starts from its seeds when it has none.
seeds_of() {
    if [ -d "corpus/$1" ]; then
        echo "corpus/$1"
    else
        case $1 in lwip_*) [ -d corpus/close_endpoint ] && echo corpus/close_endpoint ;; esac
    fi
}

# The dictionary of a target: corpus/dict/<target>.dict, else close_endpoint's
# for the targets that read the same programs.
dict_of() {
    local d=corpus/dict/$1.dict
    case $1 in close_pair | lwip_*) [ -f "$d" ] || d=corpus/dict/close_endpoint.dict ;; esac
    [ -f "$d" ] && echo "$d"
}

# ---- libFuzzer -------------------------------------------------------------------
lf_log=""
lf_status() {
    local line
    line=$(grep -a '^#[0-9]' "$lf_log" 2>/dev/null | tail -n 1)
    echo "${line:-starting}  crashes: $(ls "$cur_art" 2>/dev/null | grep -c -E '^(crash|leak|timeout|oom)-')"
}

# Fuzzes target $1 for $seconds; sets t_runs.
run_libfuzzer() {
    local t=$1 bin=$lf_run/fuzz_$1 work=$out/work/$1 start deadline left rc runs
    local -a args seeds=()
    cur_art=$out/crashes/$t
    mkdir -p "$work" "$cur_art"
    [ -n "$(seeds_of "$t")" ] && seeds=("$(seeds_of "$t")")
    args=(-timeout=10 -artifact_prefix="$cur_art/" -print_final_stats=1)
    [ -n "$(dict_of "$t")" ] && args+=(-dict="$(dict_of "$t")")
    # Fork mode (-fork=N) keeps fuzzing past crashes; it is used for --jobs
    # N > 1 and, after a first crash, for the rest of the time.
    local fork=(-fork="$jobs" -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1) mode=plain
    [ "$jobs" -gt 1 ] && mode=fork
    start=$(now)
    deadline=$((start + seconds))
    t_runs=0
    local attempt=0
    while [ $interrupted -eq 0 ]; do
        left=$((deadline - $(now)))
        [ $left -ge 1 ] || break
        attempt=$((attempt + 1))
        lf_log=$out/logs/$t.libfuzzer.$attempt.log
        local modeargs=()
        [ $mode = fork ] && modeargs=("${fork[@]}")
        "$bin" -max_total_time=$left "${args[@]}" "${modeargs[@]}" "$work" "${seeds[@]}" >"$lf_log" 2>&1 &
        local pid=$!
        child_pids=("$pid")
        watch_progress "$pid" "$t" "$start" "$seconds" lf_status
        wait "$pid"
        rc=$?
        child_pids=()
        runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$lf_log" | tail -n 1)
        [ -n "$runs" ] || runs=$(grep -ao '^#[0-9]*' "$lf_log" | tail -n 1 | tr -d '#')
        t_runs=$((t_runs + ${runs:-0}))
        [ $rc -eq 0 ] || [ $interrupted -eq 1 ] || [ $mode = fork ] && break
        if ! grep -q 'Test unit written to' "$lf_log"; then
            echo "ci/fuzz.sh: $bin exited $rc without a crash file; see $(rel "$lf_log"):" >&2
            tail -n 5 "$lf_log" >&2
            engine_errors=$((engine_errors + 1))
            break
        fi
        # A crash stops plain libFuzzer: fuzz on past crashes for the time left.
        mode=fork
    done
    t_secs=$(($(now) - start))
}

# Merges the inputs found in OUT/work/<t> into the corpus folder.
merge_libfuzzer() {
    local t=$1 bin=$lf_run/fuzz_$1 dest=$2
    mkdir -p "$dest"
    "$bin" -merge=1 -timeout=10 -artifact_prefix="$out/crashes/$t/" "$dest" "$out/work/$t" \
        >"$out/logs/$t.merge.log" 2>&1 ||
        echo "ci/fuzz.sh: merge of $t failed; see $(rel "$out/logs/$t.merge.log")" >&2
}

# ---- AFL++ -------------------------------------------------------------------------
afl_out=""
afl_status() {
    local f=$afl_out/main/fuzzer_stats
    [ -f "$f" ] || { echo starting; return; }
    awk -F' *: *' '$1=="execs_done"{e=$2} $1=="execs_per_sec"{s=$2} $1=="corpus_count"{c=$2}
                   $1=="saved_crashes"||$1=="unique_crashes"{k=$2} $1=="bitmap_cvg"{b=$2}
                   END{printf "main: execs %s (%s/s) corpus %s map %s crashes %s", e, s, c, b, k}' "$f"
}

run_afl() {
    local t=$1 bin=$afl_run/fuzz_$1 start i seeds
    seeds=$(seeds_of "$1")
    local -a common pids=()
    afl_out=$out/afl/$t
    cur_art=$out/crashes/$t
    mkdir -p "$afl_out" "$cur_art"
    if [ -z "$(ls -A "$seeds" 2>/dev/null)" ]; then
        seeds=$out/work/$t.empty-seed
        mkdir -p "$seeds" && printf '\0' >"$seeds/empty"
    fi
    common=(-i "$seeds" -o "$afl_out" -V "$seconds" -m none -t 10000)
    [ -n "$(dict_of "$t")" ] && common+=(-x "$(dict_of "$t")")
    start=$(now)
    for ((i = 0; i < jobs; i++)); do
        local role=(-M main)
        [ $i -gt 0 ] && role=(-S "s$i")
        AFL_SKIP_CPUFREQ=1 AFL_NO_UI=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_AFFINITY=1 \
            afl-fuzz "${role[@]}" "${common[@]}" -- "$bin" >"$out/logs/$t.afl.$i.log" 2>&1 &
        pids+=($!)
    done
    child_pids=("${pids[@]}")
    watch_progress "${pids[0]}" "$t" "$start" "$seconds" afl_status
    for p in "${pids[@]}"; do wait "$p"; done
    child_pids=()
    t_secs=$(($(now) - start))
    t_runs=$(cat "$afl_out"/*/fuzzer_stats 2>/dev/null | awk -F' *: *' '$1=="execs_done"{s+=$2} END{print s+0}')
    if [ ! -f "$afl_out/main/fuzzer_stats" ]; then
        echo "ci/fuzz.sh: afl-fuzz did not run for $t; see $(rel "$out/logs/$t.afl.0.log"):" >&2
        tail -n 5 "$out/logs/$t.afl.0.log" >&2
        engine_errors=$((engine_errors + 1))
    fi
    # Crash files: copied under names without ':' (kept in afl/ as well).
    local c inst
    for c in "$afl_out"/*/crashes/id:*; do
        [ -f "$c" ] || continue
        inst=$(basename "$(dirname "$(dirname "$c")")")
        cp "$c" "$cur_art/crash-afl-$inst-$(basename "$c" | cut -d, -f1 | tr -d ':')"
    done
    # The queue becomes the work corpus (for merge and coverage).
    mkdir -p "$out/work/$t"
    for c in "$afl_out"/*/queue/id:*; do
        [ -f "$c" ] && cp "$c" "$out/work/$t/$(sha1sum <"$c" | cut -c1-40)"
    done
}

# afl-cmin of seeds + queue into $2 (new coverage only when $2 has files).
merge_afl() {
    local t=$1 dest=$2 tmp_in=$out/work/$t.cmin-in tmp_out=$out/work/$t.cmin-out f
    rm -rf "$tmp_in" "$tmp_out"
    mkdir -p "$tmp_in" "$dest"
    cp "$out/work/$t"/* "$tmp_in/" 2>/dev/null
    [ -n "$(seeds_of "$t")" ] && cp "$(seeds_of "$t")"/* "$tmp_in/" 2>/dev/null
    [ -n "$(ls -A "$dest")" ] && cp "$dest"/* "$tmp_in/" 2>/dev/null
    if AFL_ALLOW_TMP=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 \
        afl-cmin -i "$tmp_in" -o "$tmp_out" -m none -t 10000 -- "$afl_run/fuzz_$t" \
        >"$out/logs/$t.cmin.log" 2>&1; then
        # Add what the folder lacks (by content); never remove from it.
        local -A have=()
        local h name
        while read -r h name; do have[$h]=1; done < <(cd "$dest" && find . -maxdepth 1 -type f -exec sha1sum {} +)
        while read -r h name; do
            [ -n "${have[$h]:-}" ] || { cp "$tmp_out/$name" "$dest/$h"; have[$h]=1; }
        done < <(cd "$tmp_out" && find . -maxdepth 1 -type f -exec sha1sum {} +)
    else
        echo "ci/fuzz.sh: afl-cmin of $t failed (see $(rel "$out/logs/$t.cmin.log")); merging with libFuzzer" >&2
        merge_libfuzzer "$t" "$dest"
    fi
    rm -rf "$tmp_in" "$tmp_out"
}

# ---- findings ----------------------------------------------------------------------
# Runs the libFuzzer build on one input; prints its report.
replay_one() {
    ASAN_OPTIONS=${ASAN_OPTIONS:-}:dedup_token_length=3 UBSAN_OPTIONS=print_stacktrace=1 \
        timeout 60 "$lf_run/fuzz_$1" -runs=1 -timeout=10 "$2" 2>&1
}

# The invariant id (or sanitizer error) of a report on stdin.
kind_of_report() {
    awk '
        /finfuzz/ && match($0, /violation[: ]+[A-Za-z0-9_-]+/) && !k {
            s = substr($0, RSTART, RLENGTH); sub(/violation[: ]+/, "", s); k = s }
        match($0, /Assertion "[^"]*" failed/) && !k {
            s = tolower(substr($0, RSTART + 11, RLENGTH - 19)); gsub(/[^a-z0-9]+/, "-", s)
            gsub(/^-|-$/, "", s); k = "assert-" s }
        /ERROR: LeakSanitizer/ && !k { k = "leak" }
        match($0, /ERROR: AddressSanitizer: [a-z-]+/) && !k { s = substr($0, RSTART + 25, RLENGTH - 25); k = "asan-" s }
        /runtime error:/ && !k { k = "ubsan" }
        /ERROR: libFuzzer: timeout/ && !k { k = "timeout" }
        /ERROR: libFuzzer: out-of-memory/ && !k { k = "oom" }
        END { print (k ? k : "crash") }'
}

# The top of the first stack in a report: up to three frames of our code
# (sanitizer, libFuzzer and libc frames skipped), "f1<f2<f3".
stack_of_report() {
    awk '
        /^ *#[0-9]+ 0x[0-9a-f]+ in / {
            started = 1
            if (n >= 3) next
            f = $4
            if (f ~ /^(__sanitizer|__asan|__ubsan|__interceptor|fuzzer::|__pthread|pthread_kill|raise|abort|__libc|__GI_|_start|main)/) next
            sub(/\(.*/, "", f)
            st = st (n ? "<" : "") f; n++
            next
        }
        started && !/^ *#[0-9]+/ { exit }
        END { print (st ? st : "?") }'
}

# Does this build's `finfuzz repro` write SVG? (Probed once: exit 2 is bad usage.)
svg_opt_cache=""
svg_opt() {
    local dir=$1 seed
    if [ -z "$svg_opt_cache" ]; then
        svg_opt_cache=no
        seed=$(ls corpus/close_endpoint/* 2>/dev/null | head -n 1)
        if [ -n "$seed" ]; then
            "$FINFUZZ" repro --fuzz-target close_endpoint --svg "$out/logs/svg-probe.svg" "$seed" >/dev/null 2>&1
            [ $? -ne 2 ] && svg_opt_cache=yes
        fi
    fi
    [ "$svg_opt_cache" = yes ] && echo " --svg $(rel "$dir")/ladder.svg"
}

# The command that reproduces an input of target $1 ($2: input, $3: finding dir).
repro_command() {
    local t=$1 in=$2 dir=$3
    case $t in
    close_*) echo "$(rel "$ROOT/$FINFUZZ") repro --fuzz-target $t --pcap $(rel "$dir")/run.pcap$(svg_opt "$dir") $(rel "$in")" ;;
    lwip_*) echo "$(rel "$ROOT/$FINFUZZ") repro --target lwip --pcap $(rel "$dir")/run.pcap$(svg_opt "$dir") $(rel "$in")" ;;
    pcap_*) echo "$(rel "$ROOT/$FINFUZZ") check $(rel "$in")" ;;
    *)
        if [ -x "$ff_build/repro/fuzz_$t" ]; then
            echo "$ff_build/repro/fuzz_$t $(rel "$in")"
        else
            echo "$lf_dir/fuzz_$t $(rel "$in")"
        fi
        ;;
    esac
}

# The recorded inputs of target $1: corpus/regressions/<target>/, and for the
# lwIP target the third-party findings (corpus/regressions/third-party/,
# lwIP's own bugs, expected to fail).
regression_files() {
    local f
    for f in corpus/regressions/"$1"/*; do [ -f "$f" ] && echo "$f"; done
    case $1 in lwip_*) for f in corpus/regressions/third-party/*.bin; do [ -f "$f" ] && echo "$f"; done ;; esac
}

# Signatures that count as known: only those of the third-party findings
# (lwIP's open bugs, expected to fail). Our own regressions must pass: one
# that fails again is a bug come back, and a finding with its signature is
# new (unless it is byte for byte a recorded input, see is_known_input).
known_signatures() {
    local t=$1 f report
    case $t in lwip_*) ;; *) return 0 ;; esac
    for f in corpus/regressions/third-party/*.bin; do [ -f "$f" ] && echo "$f"; done | while read -r f; do
        report=$(replay_one "$t" "$f")
        if grep -q -E 'finfuzz.*violation|ERROR: (Address|Leak)Sanitizer|runtime error:|deadly signal' <<<"$report"; then
            echo "$(kind_of_report <<<"$report")|$(stack_of_report <<<"$report")"
        fi
    done | sort -u
}

is_known_input() {
    local t=$1 h=$2 f
    while read -r f; do
        [ "$(sha1sum <"$f" | cut -c1-40)" = "$h" ] && return 0
    done < <(regression_files "$t")
    return 1
}

# Groups the crash files of target $1 by (kind, stack), minimizes one per
# group and writes its finding folder. Appends to findings_lines.
process_crashes() {
    local t=$1 art=$out/crashes/$1 c kind stack key
    declare -A rep=() count=()
    local -a keys=()
    # Fork mode writes the same bug many times: the smallest files are
    # classified (at most FUZZ_MAX_CLASSIFY per target); the rest stay in
    # crashes/ and are counted.
    local n_files=0 skipped=0
    while read -r c; do
        n_files=$((n_files + 1))
        if [ $n_files -gt "$max_classify" ]; then
            skipped=$((skipped + 1))
            continue
        fi
        local report
        case $(basename "$c") in
        timeout-* | oom-*)
            # A hang or an OOM: no report to read, and replaying it is slow.
            kind=${c##*/}
            kind=${kind%%-*}
            stack=-
            ;;
        *)
        report=$(replay_one "$t" "$c")
        kind=$(kind_of_report <<<"$report")
        # An input that crashed under the fuzzer but not alone: once more, then
        # it stays "crash" (state leaking between runs of the target?).
        if [ "$kind" = crash ]; then
            report=$(replay_one "$t" "$c")
            kind=$(kind_of_report <<<"$report")
        fi
        stack=$(stack_of_report <<<"$report")
            ;;
        esac
        key="$kind|$stack"
        if [ -z "${rep[$key]:-}" ]; then
            keys+=("$key")
            rep[$key]=$c
            count[$key]=1
        else
            count[$key]=$((count[$key] + 1))
            # The smallest input of the group stands for it.
            [ "$(stat -c %s "$c")" -lt "$(stat -c %s "${rep[$key]}")" ] && rep[$key]=$c
        fi
    done < <(find "$art" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) \
        -printf '%s %p\n' | sort -n | cut -d' ' -f2-)
    [ $skipped -gt 0 ] && echo "  $t: $skipped more crash file(s) not classified (FUZZ_MAX_CLASSIFY=$max_classify); they stay in $(rel "$art")/"
    [ ${#keys[@]} -gt 0 ] || return 0
    local known
    known=$(known_signatures "$t")
    for key in "${keys[@]}"; do
        c=${rep[$key]}
        kind=${key%%|*}
        local h dir min
        h=$(sha1sum <"$c" | cut -c1-8)
        dir=$out/findings/$t-$kind-$h
        mkdir -p "$dir"
        cp "$c" "$dir/original-$(basename "$c")"
        min=$dir/input.bin
        cp "$c" "$min"
        if [ $interrupted -eq 0 ] && [ "$minimize_seconds" -gt 0 ] && [ "$kind" != timeout ] && [ "$kind" != oom ] &&
            [ "$engine" = afl ]; then
            AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 timeout $((minimize_seconds + 30)) \
                afl-tmin -i "$c" -o "$dir/minimized.tmp" -m none -t 10000 -- "$afl_run/fuzz_$t" \
                >"$dir/minimize.log" 2>&1
            if [ -s "$dir/minimized.tmp" ] &&
                [ "$(replay_one "$t" "$dir/minimized.tmp" | kind_of_report)" = "$kind" ]; then
                mv "$dir/minimized.tmp" "$min"
            fi
            rm -f "$dir/minimized.tmp"
        fi
        # libFuzzer minimizes further (or alone, for the libFuzzer engine).
        if [ $interrupted -eq 0 ] && [ "$minimize_seconds" -gt 0 ] && [ "$kind" != timeout ] && [ "$kind" != oom ]; then
            ASAN_OPTIONS=dedup_token_length=3 timeout $((minimize_seconds + 30)) \
                "$lf_run/fuzz_$t" -minimize_crash=1 -max_total_time="$minimize_seconds" \
                -exact_artifact_path="$dir/minimized.tmp" "$min" >>"$dir/minimize.log" 2>&1
            # Keep the minimized input only if it still breaks the same invariant.
            if [ -s "$dir/minimized.tmp" ] &&
                [ "$(replay_one "$t" "$dir/minimized.tmp" | kind_of_report)" = "$kind" ]; then
                mv "$dir/minimized.tmp" "$min"
            fi
            rm -f "$dir/minimized.tmp"
        fi
        replay_one "$t" "$min" >"$dir/crash.txt"
        local cmd status=new
        # trace.txt: the annotated trace (programs) or the command's output;
        # reproduce.sh: the one command that shows the failure. A sanitizer
        # error needs the sanitized fuzz binary, which takes the input as is.
        local trace_cmd repro_rc note=""
        trace_cmd=$(repro_command "$t" "$min" "$dir")
        case $kind in
        asan-* | ubsan | leak) cmd="$(rel "$lf_dir")/fuzz_$t $(rel "$min")" ;;
        timeout | oom) cmd="$(rel "$lf_dir")/fuzz_$t -timeout=10 -rss_limit_mb=2048 $(rel "$min")" ;;
        *) cmd=$trace_cmd ;;
        esac
        echo "$cmd" >"$dir/reproduce.sh"
        chmod +x "$dir/reproduce.sh"
        { (cd "$ROOT" && timeout 60 bash -c "$trace_cmd") >"$dir/trace.txt" 2>&1; } 2>/dev/null
        repro_rc=$?
        # The fuzz binary failed on this input; a trace command that exits 0
        # does not show it (the target and the command disagree).
        if [ $repro_rc -eq 0 ] && [ "$cmd" = "$trace_cmd" ]; then
            note=" (NOTE: exits 0 on this input, does not reproduce; crash.txt has the fuzz binary's report"
            [ -x "$ff_build/repro/fuzz_$t" ] && note="$note; try $ff_build/repro/fuzz_$t $(rel "$min")"
            note="$note)"
            echo "${note# }" >"$dir/NOTE"
        fi
        case $t in pcap_*) cp "$min" "$dir/run.pcap" ;; esac
        if is_known_input "$t" "$(sha1sum <"$min" | cut -c1-40)" || is_known_input "$t" "$(sha1sum <"$c" | cut -c1-40)" ||
            grep -qxF -- "$key" <<<"$known" ||
            { case $kind in crash | timeout | oom | leak | ubsan | asan-*) false ;; *) grep -qxF -- "$kind" < <(cut -d'|' -f1 <<<"$known") ;; esac; }; then
            status=known
        fi
        echo "$status" >"$dir/status"
        [ $status = new ] && new_findings=$((new_findings + 1))
        findings_lines+=("$(printf '%-5s %s %s (%d crash file(s), %d bytes, stack %s)\n        folder:    %s\n        reproduce: %s' \
            "${status^^}" "$t" "$kind" "${count[$key]}" "$(stat -c %s "$min")" "${key#*|}" "$(rel "$dir")/" "$cmd$note")")
        t_findings=$((t_findings + 1))
    done
}

# States and transitions a corpus folder reaches, as "s/S t/T" (or "- -"),
# from the summary line of `finfuzz coverage` ("summary: 11/11 states, 50/50
# RFC transitions reached"). Only the model's program targets have one.
coverage_of() {
    local t=$1 dir=$2 line s e
    case $t in close_endpoint | close_pair) ;; *) echo "- -"; return ;; esac
    line=$("$FINFUZZ" coverage --fuzz-target "$t" "$dir" 2>/dev/null | grep -a '^summary:')
    s=$(grep -o -E '[0-9]+/[0-9]+ states' <<<"$line" | cut -d' ' -f1)
    e=$(grep -o -E '[0-9]+/[0-9]+ [A-Za-z ]*transitions' <<<"$line" | cut -d' ' -f1)
    echo "${s:--} ${e:--}"
}

# ---- the campaign ----------------------------------------------------------------
engine_errors=0
new_findings=0
findings_lines=()
table=()
echo "== fuzzing ${#targets[@]} target(s) with $engine for ${seconds}s each, $jobs job(s)${mutant:+, mutant $mutant}; output in $(rel "$out")/"
for t in "${targets[@]}"; do
    [ $interrupted -eq 1 ] && break
    echo "-- $t"
    t_runs=0 t_secs=0 t_findings=0
    if [ "$engine" = afl ]; then run_afl "$t"; else run_libfuzzer "$t"; fi
    # Merge: into OUT/corpus/<t> (seeds + new), or into corpus/<t> on request.
    if [ $merge_into_corpus -eq 1 ]; then
        dest=corpus/$t
    else
        dest=$out/corpus/$t
        mkdir -p "$dest"
        [ -n "$(seeds_of "$t")" ] && cp "$(seeds_of "$t")"/* "$dest/" 2>/dev/null
    fi
    before=$(ls "$dest" 2>/dev/null | wc -l)
    if [ $interrupted -eq 0 ]; then
        if [ "$engine" = afl ]; then merge_afl "$t" "$dest"; else merge_libfuzzer "$t" "$dest"; fi
    fi
    after=$(ls "$dest" | wc -l)
    process_crashes "$t"
    cov=$(coverage_of "$t" "$dest")
    rate=0
    [ "$t_secs" -gt 0 ] && rate=$((t_runs / t_secs))
    table+=("$(printf '%-18s %12s %9s %7s %7s %8s %12s %8s' "$t" "$t_runs" "$rate" "$after" "+$((after - before))" \
        "${cov% *}" "${cov#* }" "$t_findings")")
done

# ---- captures ---------------------------------------------------------------------
captures_rc=-1
if [ $check_captures -eq 1 ] && [ $interrupted -eq 0 ]; then
    pcaps=(tests/pcaps/linux/*.pcap)
    "$FINFUZZ" check --profile linux "${pcaps[@]}" >"$out/captures.txt" 2>&1
    captures_rc=$?
fi

# ---- summary ------------------------------------------------------------------------
echo
echo "== summary ($engine, ${seconds}s per target${mutant:+, mutant $mutant})"
printf '%-18s %12s %9s %7s %7s %8s %12s %8s\n' target runs runs/s corpus new states transitions findings
for l in "${table[@]}"; do echo "$l"; done
echo "corpus folders: $( [ $merge_into_corpus -eq 1 ] && echo "corpus/<target>/ (merged in place)" || echo "$(rel "$out")/corpus/<target>/ (corpus/ untouched; MERGE_INTO_CORPUS=1 or --merge-into-corpus writes there)")"
if [ ${#findings_lines[@]} -gt 0 ]; then
    echo
    echo "findings (de-duplicated by invariant and stack; KNOWN = recorded in corpus/regressions/, or a filed lwIP bug):"
    for l in "${findings_lines[@]}"; do echo "  $l"; done
    echo "  each folder: input.bin (minimized), trace.txt, run.pcap, ladder.svg, crash.txt, reproduce.sh"
else
    echo "findings: none"
fi
if [ $captures_rc -ge 0 ]; then
    echo
    echo "== shipped captures: finfuzz check --profile linux tests/pcaps/linux/*.pcap (exit $captures_rc)"
    # One line per file (passing flows counted), every other line as is.
    awk '
        function flush() { if (file != "") printf "  %-48s %6s packets %4d flows pass\n", file, pk, pass; file = ""; pass = 0 }
        /^[^ ].*:$/ { flush(); file = substr($0, 1, length($0) - 1); next }
        /^  PASS/ { pass++; next }
        /^  [0-9]+ packets$/ { pk = $1; next }
        /^files [0-9]/ { flush(); print "  " $0; next }
        { flush(); print }
        END { flush() }' "$out/captures.txt"
    echo "  (full report: $(rel "$out")/captures.txt)"
    [ $captures_rc -eq 2 ] && engine_errors=$((engine_errors + 1))
fi

[ $interrupted -eq 1 ] && { echo "interrupted: crash files in $(rel "$out")/crashes/"; exit 130; }
[ $new_findings -gt 0 ] && { echo "$new_findings new finding(s)"; exit 1; }
[ $engine_errors -gt 0 ] && { echo "$engine_errors engine/build error(s)"; exit 2; }
exit 0
