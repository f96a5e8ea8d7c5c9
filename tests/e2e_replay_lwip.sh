#!/usr/bin/env bash
# finfuzz replay against the in-process targets (model, lwIP) over the shipped
# Linux captures: the --json shape of DESIGN.md, the exit codes, the --pcap
# output, and lwIP's known answers pinned as differences (if lwIP or the
# replay changes, this shows it). The Linux target is tests/e2e_replay_linux.sh.
set -u
cd "$(dirname "$0")/.."
FINFUZZ=${FINFUZZ:-build/finfuzz}
P=tests/pcaps/linux
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
die() { echo "FAIL: $*"; fail=1; }
command -v jq >/dev/null || { echo "skip: jq is needed to read the JSON"; exit 77; }

for t in model lwip; do
    for f in "$P"/*.pcap; do
        "$FINFUZZ" replay --target "$t" --json "$f" >"$tmp/out.json" 2>"$tmp/err"
        rc=$?
        [ $rc -eq 0 ] || die "$t $(basename "$f"): exit $rc, expected 0: $(head -2 "$tmp/err")"
        jq -e --arg t "$t" '.target == $t and (.flows | length) > 0 and
            all(.flows[]; (.flow | type) == "string" and
                (.verdict | IN("pass", "fail", "incomplete")) and
                (.violations | type) == "array" and
                all(.differences[]; (.frame | type) == "number" and
                    (.expected | type) == "string" and (.got | type) == "string"))' \
            "$tmp/out.json" >/dev/null || die "$t $(basename "$f"): JSON shape: $(head -c 300 "$tmp/out.json")"
    done
done

diffs() { "$FINFUZZ" replay --target "$1" --json "$2" | jq -c '.flows[0].differences'; }

# The model answers a plain close exactly as Linux did.
[ "$(diffs model "$P/a_client_active_close.pcap")" = "[]" ] || die "model differs from Linux on a"

# lwIP delays its ACK of data (fast timer, 250 ms) and sends it with its FIN.
want='[{"frame":7,"expected":"[.] seq 121 ack 901 len 0","got":"nothing"}]'
got=$(diffs lwip "$P/a_client_active_close.pcap")
[ "$got" = "$want" ] || die "lwip a: differences $got, expected $want"
# lwIP ignores an RST in TIME-WAIT (RFC 1337, named by the lwip profile):
# Linux (tcp_rfc1337=0) died and answered the retransmitted FIN with RST.
got=$(diffs lwip "$P/i_rfc1337_0.pcap")
echo "$got" | grep -q '{"frame":13,"expected":"\[R\] seq 122 len 0","got":"\[.\] seq 122 ack 902 len 0"}' ||
    die "lwip i_rfc1337_0: expected lwIP to ACK the FIN at frame 13: $got"
# 200 connections, all judged, all conform.
n=$("$FINFUZZ" replay --target lwip --json "$P/j_many_connections.pcap" | jq '[.flows[] | select(.verdict == "pass")] | length')
[ "$n" = 200 ] || die "lwip j: $n of 200 flows pass"

# --pcap writes the live exchange: 5 segments from lwIP, 5 from the script.
"$FINFUZZ" replay --target lwip --pcap "$tmp/live.pcap" "$P/a_client_active_close.pcap" >/dev/null ||
    die "--pcap run failed"
if command -v tshark >/dev/null; then
    n=$(tshark -n -r "$tmp/live.pcap" 2>/dev/null | wc -l)
    [ "$n" = 10 ] || die "--pcap: $n packets, expected 10"
fi

# Bad usage and bad input: exit 2 with a reason.
"$FINFUZZ" replay --target nosuch "$P/a_client_active_close.pcap" >/dev/null 2>"$tmp/err"
[ $? -eq 2 ] && grep -q "unknown target" "$tmp/err" || die "unknown target not refused"
"$FINFUZZ" replay "$P/a_client_active_close.pcap" >/dev/null 2>&1
[ $? -eq 2 ] || die "missing --target not refused"
printf 'not a capture' >"$tmp/bad.pcap"
"$FINFUZZ" replay --target lwip "$tmp/bad.pcap" >/dev/null 2>"$tmp/err"
[ $? -eq 2 ] && grep -q "bad.pcap" "$tmp/err" || die "unreadable capture not refused: $(cat "$tmp/err")"

[ $fail -eq 0 ] && echo "ok: replay against model and lwip"
exit $fail
