#!/usr/bin/env bash
# The pcap writer's output opens in tshark with no malformed-packet or
# checksum complaints (IP and TCP checksum checks switched on). The sample
# capture (a four-way close over IPv4 with a resent segment, and an IPv6
# SYN/RST) comes from `test_pcap_writer --write`. A copy with one TCP
# checksum byte flipped must be flagged, so the check itself can fail.
set -u
BUILD=${BUILD:-build/asan}
writer="$BUILD/tests/test_pcap_writer"
command -v tshark >/dev/null || { echo "tshark not installed"; exit 77; }
[ -x "$writer" ] || { echo "$writer not built"; exit 1; }

tmp=$(mktemp -d /tmp/finfuzz-e2e-pcapw.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

expert() {
    tshark -n -r "$1" -o tcp.check_checksum:TRUE -o ip.check_checksum:TRUE -q -z expert 2>&1
}
# Complaints: any Error-severity item, or anything about malformed
# packets or checksums at any severity.
complaints() {
    grep -E -i '^Errors|malformed|checksum' <<<"$1"
}

"$writer" --write "$tmp/sample.pcap" || { echo "writing the sample failed"; exit 1; }
frames=$(tshark -n -r "$tmp/sample.pcap" 2>/dev/null | wc -l)
if [ "$frames" -ne 13 ]; then
    echo "expected 13 frames, tshark shows $frames"
    exit 1
fi
out=$(expert "$tmp/sample.pcap")
if complaints "$out"; then
    echo "tshark complains about the writer's capture:"
    echo "$out"
    exit 1
fi

# Frame 1's TCP checksum: 24-byte file header + 16-byte record header +
# 20-byte IPv4 header + 16.
cp "$tmp/sample.pcap" "$tmp/broken.pcap"
printf '\x00\x00' | dd of="$tmp/broken.pcap" bs=1 seek=76 conv=notrunc status=none
out=$(expert "$tmp/broken.pcap")
if ! complaints "$out" >/dev/null; then
    echo "tshark did not flag a capture with a broken TCP checksum; the check is blind:"
    echo "$out"
    exit 1
fi
echo "tshark: 13 frames, no malformed or checksum warnings; a broken checksum is flagged"
