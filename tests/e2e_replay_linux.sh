#!/usr/bin/env bash
# finfuzz replay --target linux: the running kernel, through TUN in a private
# network namespace, answers the shipped Linux captures as the captured
# kernel did. Needs root and /dev/net/tun (CI runs as root); skips without.
# The captures that need a full 60 s TIME-WAIT (h, h2, i) run only with
# FINFUZZ_SLOW=1.
set -u
cd "$(dirname "$0")/.."
FINFUZZ=${FINFUZZ:-build/finfuzz}
P=tests/pcaps/linux
if [ "$(id -u)" != 0 ]; then echo "skip: the linux target needs root (network namespace, TUN)"; exit 77; fi
if [ ! -c /dev/net/tun ]; then echo "skip: /dev/net/tun is missing"; exit 77; fi
command -v jq >/dev/null || { echo "skip: jq is needed to read the JSON"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
die() { echo "FAIL: $*"; fail=1; }

files="a_client_active_close b_server_active_close c_simultaneous_close d_half_close
       e_close_unread_rst f_linger0_rst g_fin_retransmit"
[ "${FINFUZZ_SLOW:-0}" = 1 ] && files="$files h_timewait_probes h2_timewait_syn_reuse i_rfc1337_0"
for name in $files; do
    "$FINFUZZ" replay --target linux --json "$P/$name.pcap" >"$tmp/out.json" 2>"$tmp/err"
    rc=$?
    [ $rc -eq 0 ] || die "$name: exit $rc, expected 0: $(head -2 "$tmp/err")"
    jq -e '.target == "linux" and all(.flows[]; .verdict == "pass")' "$tmp/out.json" >/dev/null ||
        die "$name: not every flow passes: $(head -c 400 "$tmp/out.json")"
    # A kernel answers a kernel's capture exactly, except the simultaneous
    # close (c), whose crossing FINs needed a queue delay the replay lacks.
    case $name in
    c_*) ;;
    *) [ "$(jq -c '[.flows[].differences[]]' "$tmp/out.json")" = "[]" ] ||
        die "$name: the kernel answered differently: $(jq -c '[.flows[].differences[]]' "$tmp/out.json")" ;;
    esac
done

# A kernel that is late, as on a loaded machine: g with everything after the
# FIN moved 110 ms earlier, so the capture shows the retransmission ~100 ms
# after the FIN while this kernel waits its minimum RTO (200 ms). On the
# capture's clock the server's ACK would come first, acknowledge the FIN,
# and no retransmission would follow; the replay holds the ACK until the
# kernel has retransmitted (and never longer than a few seconds).
if command -v python3 >/dev/null; then
    python3 - "$P/g_fin_retransmit.pcap" "$tmp/g_late.pcap" <<'EOF'
import struct, sys
d = open(sys.argv[1], 'rb').read()
out, off, frame = bytearray(d[:24]), 24, 0
while off < len(d):
    sec, usec, incl, orig = struct.unpack('<IIII', d[off:off + 16])
    frame += 1
    t = sec * 1000000 + usec - (110000 if frame >= 9 else 0)
    out += struct.pack('<IIII', t // 1000000, t % 1000000, incl, orig) + d[off + 16:off + 16 + incl]
    off += 16 + incl
open(sys.argv[2], 'wb').write(out)
EOF
    "$FINFUZZ" replay --target linux --json "$tmp/g_late.pcap" >"$tmp/g_late.json" 2>"$tmp/err" ||
        die "g (late kernel): exit $?: $(head -2 "$tmp/err")"
    jq -e 'all(.flows[]; .verdict == "pass")' "$tmp/g_late.json" >/dev/null &&
        [ "$(jq -c '[.flows[].differences[]]' "$tmp/g_late.json")" = "[]" ] ||
        die "g (late kernel): the replay did not wait for the retransmission: $(jq -c '[.flows[].differences[]]' "$tmp/g_late.json")"
fi

# 200 connections (captured within 0.8 s) replayed at once on the capture's
# clock: all pass, all answered as captured, with most of them running at
# the same time (one after another, each would see 1 running). Counted, not
# timed: a stall of the loaded machine (once 40 s, hitting an unchanged
# replay running beside it too) says nothing about the replay.
"$FINFUZZ" replay --target linux --json "$P/j_many_connections.pcap" >"$tmp/j.json" 2>"$tmp/err" ||
    die "j: exit $?: $(head -2 "$tmp/err")"
[ "$(jq '[.flows[] | select(.verdict == "pass")] | length' "$tmp/j.json")" = 200 ] ||
    die "j: not every one of 200 flows passes"
[ "$(jq '[.flows[].differences[]] | length' "$tmp/j.json")" = 0 ] || die "j: the kernel answered differently"
at_once=$(jq '[.flows[].running_at_open] | max' "$tmp/j.json")
[ "${at_once:-0}" -ge 50 ] || die "j: at most ${at_once:-?} flows ran at once: they did not run together"
"$FINFUZZ" replay --target model --json "$P/a_client_active_close.pcap" | jq -e '.flows[0].running_at_open == 1' >/dev/null ||
    die "model: running_at_open of one flow is not 1"

# Captured with tcp_rfc1337=1: with the rfc1337 profile the namespace sets
# it too and the kernel answers as captured.
if [ "${FINFUZZ_SLOW:-0}" = 1 ]; then
    "$FINFUZZ" replay --target linux --profile rfc1337 --json "$P/i_rfc1337_1.pcap" >"$tmp/i1.json" ||
        die "i_rfc1337_1 --profile rfc1337: exit $?"
    [ "$(jq -c '[.flows[].differences[]]' "$tmp/i1.json")" = "[]" ] ||
        die "i_rfc1337_1: $(jq -c '[.flows[].differences[]]' "$tmp/i1.json")"
fi

# Without root: a clear reason and exit 2 (setpriv drops to nobody).
if command -v setpriv >/dev/null; then
    setpriv --reuid=65534 --regid=65534 --clear-groups "$FINFUZZ" replay --target linux \
        "$P/a_client_active_close.pcap" >/dev/null 2>"$tmp/err"
    rc=$?
    [ $rc -eq 2 ] && grep -q "needs root" "$tmp/err" || die "without root: exit $rc: $(cat "$tmp/err")"
fi

# The live exchange as a pcap: both directions of a's 11 segments.
"$FINFUZZ" replay --target linux --pcap "$tmp/live.pcap" "$P/a_client_active_close.pcap" >/dev/null ||
    die "--pcap run failed"
if command -v tshark >/dev/null; then
    n=$(tshark -n -r "$tmp/live.pcap" 2>/dev/null | wc -l)
    [ "$n" = 11 ] || die "--pcap: $n packets, expected 11"
fi
# Nothing is left on the host: the namespace and its device died with the process.
ip link show ffz0 >/dev/null 2>&1 && die "the TUN device leaked into the host namespace"

[ $fail -eq 0 ] && echo "ok: the kernel answers the Linux captures as captured"
exit $fail
