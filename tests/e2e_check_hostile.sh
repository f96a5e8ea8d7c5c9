#!/usr/bin/env bash
# finfuzz check on bad input (issue 5 part 4) and bad usage: each gets a
# clear one-line message naming the file (and frame), the other files are
# still checked and reported, the exit status is 2, and nothing crashes
# (this runs the ASan+UBSan build under make test). Also: --junit writes
# well-formed XML, --flow keeps Wireshark's frame numbers, --help works.
set -u
cd "$(dirname "$0")/.."
FINFUZZ=${FINFUZZ:-build/finfuzz}
P=tests/pcaps/linux
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
die() { echo "FAIL: $*"; fail=1; }
good=$P/a_client_active_close.pcap

# expect_bad NAME FILE PATTERN: checking FILE next to a good capture exits 2,
# says PATTERN (with the file name) on stderr, and still reports the good
# file's flow in the JSON.
expect_bad() {
    local name=$1 file=$2 pattern=$3
    "$FINFUZZ" check --json "$file" "$good" >"$tmp/out.json" 2>"$tmp/err"
    local rc=$?
    [ $rc -eq 2 ] || die "$name: exit $rc, expected 2"
    grep -q -- "$file: .*$pattern\|$file: $pattern" "$tmp/err" ||
        die "$name: stderr lacks '$file: ... $pattern': $(head -2 "$tmp/err")"
    grep -q '"flow":"192.0.2.1:41001-192.0.2.2:8080","verdict":"pass"' "$tmp/out.json" ||
        die "$name: the good file was not reported"
    if command -v python3 >/dev/null; then
        python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$tmp/out.json" ||
            die "$name: output is not JSON"
    fi
}

# A copy of the good capture with bytes [OFF, OFF+len) replaced by HEX.
patched() { # OUT OFF HEX
    cp "$good" "$1" && chmod u+w "$1"
    printf "$3" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

: >"$tmp/empty.pcap"
expect_bad "zero-length file" "$tmp/empty.pcap" "empty file"

head -c 10 "$good" >"$tmp/hdr.pcap"
expect_bad "truncated global header" "$tmp/hdr.pcap" "truncated global header (10 of 24 bytes)"

echo "not a capture at all, just some words of text" >"$tmp/text.pcap"
expect_bad "not a capture" "$tmp/text.pcap" ""

expect_bad "missing file" "$tmp/missing.pcap" "No such file"

patched "$tmp/user0.pcap" 20 '\x93\x00\x00\x00' # link type 147 (USER0)
expect_bad "unknown link type" "$tmp/user0.pcap" "unknown link type 147"

# Cut inside frame 3's data: libpcap reports a short read at frame 3, the
# two frames before it are still checked.
head -c 250 "$good" >"$tmp/cut.pcap"
expect_bad "caplen past the end of the file" "$tmp/cut.pcap" "frame 3: truncated dump file"
grep -q '"packets":2' "$tmp/out.json" || die "cut file: the two whole frames were not counted"

# Frame 1's caplen (at offset 24+8) set to 0x1000 with a snap length of 262144
# left in place reads past the end of the file.
patched "$tmp/huge.pcap" 32 '\x00\x00\x01\x00'
expect_bad "caplen over the rest of the file" "$tmp/huge.pcap" "frame 1: "

# IPv4 IHL 4 in frame 2 (IP header at 24 + 16 + 74 + 14) and TCP data offset 4
# in frame 3 (at 24 + 16*3 + 74*2 + 14 + 20 + 12): messages, then go on.
off2=$((24 + 16 + 74 + 16 + 14))
patched "$tmp/ihl.pcap" $off2 '\x44'
"$FINFUZZ" check "$tmp/ihl.pcap" >"$tmp/out" 2>"$tmp/err"
grep -q "$tmp/ihl.pcap: frame 2: IPv4 header length" "$tmp/err" ||
    die "IHL < 5: no message naming frame 2: $(cat "$tmp/err")"
grep -q "11 packets" "$tmp/out" || die "IHL < 5: the rest of the file was not read"

off3=$((24 + 16 + 74 + 16 + 74 + 16 + 14 + 20 + 12))
patched "$tmp/doff.pcap" $off3 '\x40'
"$FINFUZZ" check "$tmp/doff.pcap" >"$tmp/out" 2>"$tmp/err"
grep -q "$tmp/doff.pcap: frame 3: TCP data offset" "$tmp/err" ||
    die "TCP doff < 5: no message naming frame 3: $(cat "$tmp/err")"

# ---- usage ----------------------------------------------------------------
"$FINFUZZ" check >/dev/null 2>"$tmp/err"
[ $? -eq 2 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] || die "no file: want exit 2 and one line"
"$FINFUZZ" check --profile bsd "$good" >/dev/null 2>"$tmp/err"
[ $? -eq 2 ] && grep -q "unknown profile 'bsd'" "$tmp/err" || die "bad profile not refused"
"$FINFUZZ" check --msl -3 "$good" >/dev/null 2>"$tmp/err"
[ $? -eq 2 ] || die "negative --msl not refused"
"$FINFUZZ" check --flow "tcp port port" "$good" >/dev/null 2>"$tmp/err"
[ $? -eq 2 ] && grep -q "bad --flow filter" "$tmp/err" || die "bad BPF filter not refused"
"$FINFUZZ" check --bogus "$good" >/dev/null 2>&1
[ $? -eq 2 ] || die "unknown option not refused"
"$FINFUZZ" check --help | grep -q -- "--junit FILE" || die "--help lacks --junit"

# ---- --flow keeps frame numbers; --msl changes the verdict ------------------
# Port 50150's connection spans frames 1753-1784 of the file (tshark -Y).
"$FINFUZZ" check --json --flow "tcp port 50150" "$P/j_many_connections.pcap" >"$tmp/f.json"
grep -q '"flow":"192.0.2.1:50150-192.0.2.2:9000","verdict":"pass"' "$tmp/f.json" ||
    die "--flow: the chosen flow is missing"
[ "$(grep -o '"flow":' "$tmp/f.json" | wc -l)" -eq 1 ] || die "--flow: other flows were checked"
grep -q '"first_frame":1753,"last_frame":1784,' "$tmp/f.json" ||
    die "--flow: frame numbers are not the file's: $(grep -o '"first_frame":[0-9]*' "$tmp/f.json")"
grep -q '"packets":2204' "$tmp/f.json" || die "--flow: packets must count every frame"
"$FINFUZZ" check --msl 30 "$P/h_timewait_probes.pcap" >/dev/null ||
    die "--msl 30 (TIME-WAIT 60 s) should accept h_timewait_probes"

# ---- --junit ----------------------------------------------------------------
"$FINFUZZ" check --profile rfc9293 --junit "$tmp/j.xml" "$P/h_timewait_probes.pcap" "$good" \
    "$tmp/empty.pcap" >/dev/null 2>&1
[ $? -eq 2 ] || die "--junit run: exit should be 2 (an unreadable file)"
if command -v xmllint >/dev/null; then
    xmllint --noout "$tmp/j.xml" || die "--junit: not well-formed XML"
fi
grep -q '<failure message="1 violation(s); first: time-wait-duration at frame 20"' "$tmp/j.xml" ||
    die "--junit: the failure is missing"
[ "$(grep -c '<testcase ' "$tmp/j.xml")" -eq 3 ] || die "--junit: want 2 flows + 1 read error"
"$FINFUZZ" check --junit /nonexistent/dir/j.xml "$good" >/dev/null 2>&1
[ $? -eq 2 ] || die "--junit into a missing folder should be exit 2"

[ $fail -eq 0 ] && echo "e2e_check_hostile: all bad input handled"
exit $fail
