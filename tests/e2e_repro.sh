#!/usr/bin/env bash
# finfuzz repro end to end: exit codes (0 conforms, 1 violation, 2 bad usage
# or input), the printed program/trace/verdict, determinism of the output,
# and --pcap/--svg outputs (the pcap read by tshark -n without malformed or
# expert warnings when tshark exists; the SVG well-formed XML).
set -u
cd "$(dirname "$0")/.."
FINFUZZ=${FINFUZZ:-build/finfuzz}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
check() { # name expected-exit cmd...
    local name=$1 want=$2; shift 2
    "$@" >"$tmp/out" 2>"$tmp/err"
    local rc=$?
    if [ "$rc" -ne "$want" ]; then
        echo "FAIL $name: exit $rc, want $want"; sed 's/^/  | /' "$tmp/err" | head -5; fail=1
    else
        echo "ok   $name"
    fi
}
seed=corpus/close_endpoint/close-simultaneous.bin

check "a seed conforms" 0 "$FINFUZZ" repro "$seed"
grep -q "FIN-WAIT-1 -> CLOSING (rcv-fin)" "$tmp/out" || { echo "FAIL trace lacks the CLOSING transition"; fail=1; }
grep -q "^program v1: A connects" "$tmp/out" || { echo "FAIL no decoded program"; fail=1; }
grep -q "^result: pass" "$tmp/out" || { echo "FAIL no pass line"; fail=1; }

check "same output twice" 0 "$FINFUZZ" repro "$seed"
cp "$tmp/out" "$tmp/out1"
"$FINFUZZ" repro "$seed" >"$tmp/out2" 2>/dev/null
cmp -s "$tmp/out1" "$tmp/out2" || { echo "FAIL repro output differs between two runs"; fail=1; }

# The model keeps TIME-WAIT at 2*MSL (2 s here); the linux profile wants 60 s.
check "violation exits 1" 1 "$FINFUZZ" repro --profile linux corpus/close_endpoint/close-client-first.bin
grep -q "^result: VIOLATION time-wait-duration (RFC 9293" "$tmp/out" \
    || { echo "FAIL violation line (invariant id + RFC section) missing"; cat "$tmp/out" | tail -3; fail=1; }
grep -q "VIOLATION time-wait-duration" <(sed -n '/^trace:/,/^result/p' "$tmp/out") \
    || { echo "FAIL violation not annotated in the trace"; fail=1; }

check "close_pair folder detected" 0 "$FINFUZZ" repro --quiet corpus/close_pair/close-half-close.bin
grep -q "close_pair on two model endpoints" "$tmp/out" || { echo "FAIL close_pair not detected from the path"; fail=1; }

check "no file" 2 "$FINFUZZ" repro
check "missing file" 2 "$FINFUZZ" repro "$tmp/nope.bin"
printf '\x42\x01\x02' >"$tmp/notprog.bin"
check "unknown version" 2 "$FINFUZZ" repro "$tmp/notprog.bin"
grep -q "unknown version" "$tmp/err" || { echo "FAIL no reason for the rejected input"; fail=1; }
: >"$tmp/empty.bin"
check "empty file" 2 "$FINFUZZ" repro "$tmp/empty.bin"
check "unknown target" 2 "$FINFUZZ" repro --target nosuch "$seed"
check "unknown option" 2 "$FINFUZZ" repro --bogus "$seed"
check "--pcap with two files" 2 "$FINFUZZ" repro --pcap "$tmp/x.pcap" "$seed" "$seed"
check "--help" 0 "$FINFUZZ" repro --help

check "--pcap and --svg" 0 "$FINFUZZ" repro --pcap "$tmp/run.pcap" --svg "$tmp/run.svg" \
    corpus/close_endpoint/close-half-close.bin
[ -s "$tmp/run.pcap" ] || { echo "FAIL no pcap written"; fail=1; }
if command -v xmllint >/dev/null; then
    xmllint --noout "$tmp/run.svg" || { echo "FAIL SVG is not well-formed XML"; fail=1; }
fi
if command -v tshark >/dev/null; then
    n=$(tshark -n -r "$tmp/run.pcap" 2>/dev/null | wc -l)
    [ "$n" -gt 5 ] || { echo "FAIL tshark reads $n packets"; fail=1; }
    if tshark -n -r "$tmp/run.pcap" -Y '_ws.malformed || _ws.expert.severity >= warning' 2>/dev/null | grep -q .; then
        echo "FAIL tshark reports malformed packets or warnings:"
        tshark -n -r "$tmp/run.pcap" -Y '_ws.malformed || _ws.expert.severity >= warning' 2>/dev/null | head -5
        fail=1
    else
        echo "ok   tshark: $n packets, no malformed/warning"
    fi
else
    echo "(tshark not installed: pcap check skipped)"
fi
# --packetdrill: one script line per segment of the run, the kernel's (A's)
# segments expected (">"), the peer's injected ("<"), the calls as syscalls.
check "--packetdrill" 0 "$FINFUZZ" repro --packetdrill "$tmp/run.pkt" corpus/close_endpoint/close-client-first.bin
grep -q '^+0.000000 close(3) = 0$' "$tmp/run.pkt" || { echo "FAIL packetdrill script lacks close()"; fail=1; }
grep -q '^+[0-9.]* > F\. 161:161(0) ack 101$' "$tmp/run.pkt" || { echo "FAIL packetdrill script lacks A's FIN"; fail=1; }
grep -q '^+[0-9.]* < F\. 101:101(0) ack 162 ' "$tmp/run.pkt" || { echo "FAIL packetdrill script lacks B's FIN"; fail=1; }
check "--packetdrill refuses close_pair" 2 "$FINFUZZ" repro --pair --packetdrill "$tmp/x.pkt" corpus/close_pair/"$(ls corpus/close_pair | head -1)"
check "--packetdrill unwritable" 2 "$FINFUZZ" repro --packetdrill /nonexistent/dir/x.pkt corpus/close_endpoint/close-client-first.bin
exit $fail
