#!/usr/bin/env bash
# finfuzz pcap2corpus on every Linux capture: one fuzz input per flow and
# side, each a valid program (program.h) that `finfuzz repro` replays on the
# model with a passing verdict (the captured behaviour is conforming Linux
# behaviour, and the model is held to the same oracle); the client side of
# a_client_active_close becomes "connect, send, read, shutdown".
set -u
cd "$(dirname "$0")/.."
FINFUZZ=${FINFUZZ:-build/finfuzz}
P=tests/pcaps/linux
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
die() { echo "FAIL: $*"; fail=1; }

for f in "$P"/*.pcap; do
    "$FINFUZZ" pcap2corpus "$f" "$tmp/corpus" >>"$tmp/log" 2>&1 || die "pcap2corpus $f failed: $(tail -2 "$tmp/log")"
done
# 212 flows (h2 has two incarnations, j has 200 connections), two sides each.
n=$(ls "$tmp/corpus" | wc -l)
[ "$n" -eq 424 ] || die "expected 424 inputs, got $n"
for f in "$tmp"/corpus/*; do
    [ "$(head -c 1 "$f" | od -An -tx1 | tr -d ' ')" = "f1" ] || { die "$f: not a version-1 program"; break; }
done

a="$tmp/corpus/a_client_active_close-192.0.2.1_41001-192.0.2.2_8080-sut-A.bin"
[ -f "$a" ] || die "missing $a"
"$FINFUZZ" repro "$a" >"$tmp/a.txt" 2>&1 || die "repro of the client side failed: $(tail -3 "$tmp/a.txt")"
grep -q "A connects" "$tmp/a.txt" || die "client side should connect"
grep -q "app   A shutdown" "$tmp/a.txt" || die "client side should shut down"
grep -q "FIN-WAIT-2 -> TIME-WAIT" "$tmp/a.txt" || die "client side should reach TIME-WAIT on the model"
b="$tmp/corpus/a_client_active_close-192.0.2.1_41001-192.0.2.2_8080-sut-B.bin"
"$FINFUZZ" repro "$b" >"$tmp/b.txt" 2>&1 || die "repro of the server side failed"
grep -q "A listens" "$tmp/b.txt" && grep -q "LAST-ACK -> CLOSED" "$tmp/b.txt" ||
    die "server side should listen and close through LAST-ACK"

"$FINFUZZ" repro --quiet "$tmp/corpus" >"$tmp/all.txt" 2>&1
rc=$?
[ $rc -eq 0 ] || die "repro of the whole corpus exit $rc: $(grep -v 'result: pass' "$tmp/all.txt" | grep result | head -3)"
[ "$(grep -c '^result: pass' "$tmp/all.txt")" -eq 424 ] || die "not every input replays with a pass"

# --side, bad input, bad usage.
"$FINFUZZ" pcap2corpus --side a "$P/a_client_active_close.pcap" "$tmp/one" >/dev/null || die "--side a"
[ "$(ls "$tmp/one" | wc -l)" -eq 1 ] || die "--side a should write one input"
: >"$tmp/empty.pcap"
"$FINFUZZ" pcap2corpus "$tmp/empty.pcap" "$tmp/x" >/dev/null 2>"$tmp/err"
[ $? -eq 2 ] && grep -q "empty file" "$tmp/err" || die "empty capture: want exit 2 and a reason"
"$FINFUZZ" pcap2corpus "$P/a_client_active_close.pcap" >/dev/null 2>&1
[ $? -eq 2 ] || die "missing DIR: want exit 2"

[ $fail -eq 0 ] && echo "e2e_check_pcap2corpus: 424 inputs, all replay"
exit $fail
