#!/usr/bin/env bash
# finfuzz check on every real Linux capture of tests/pcaps/linux (README.md
# there explains each file), with the expected verdict of every flow under
# the linux and rfc9293 profiles (and rfc1337 where it differs), the exit
# codes, and the frame numbers compared with tshark's when tshark is here.
#
# Needs: $FINFUZZ, $BUILD/check-tools/check_capdump (mk/check.mk), python3.
set -u
cd "$(dirname "$0")/.."
FINFUZZ=${FINFUZZ:-build/finfuzz}
BUILD=${BUILD:-build}
CAPDUMP=$BUILD/check-tools/check_capdump
P=tests/pcaps/linux
command -v python3 >/dev/null || { echo "python3 not installed"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
die() { echo "FAIL: $*"; fail=1; }

# One line per flow: "FILE FLOW[#N] VERDICT [invariant@frame/endpoint,...]";
# a file with more than 5 flows is summarised as "FILE N×VERDICT ...".
summarise() {
    python3 -c '
import json, sys, os, collections
doc = json.load(sys.stdin)
for f in doc["files"]:
    name = os.path.basename(f["file"]).rsplit(".", 1)[0]
    flows = f["flows"]
    if len(flows) > 5:
        c = collections.Counter(fl["verdict"] for fl in flows)
        print(name, " ".join("%d*%s" % (n, v) for v, n in sorted(c.items())))
        continue
    for fl in flows:
        inc = "#%d" % fl["incarnation"] if fl.get("incarnation", 1) > 1 else ""
        vs = ",".join("%s@%d/%s" % (v["invariant"], v["frame"], v["endpoint"]) for v in fl["violations"])
        print(name, fl["flow"] + inc, fl["verdict"], vs)
    for e in f["errors"]:
        print(name, "ERROR", e)
'
}

run_profile() { # PROFILE EXPECTED_EXIT
    local profile=$1 want_rc=$2
    "$FINFUZZ" check --json --profile "$profile" "$P"/*.pcap >"$tmp/$profile.json" 2>"$tmp/$profile.err"
    local rc=$?
    [ "$rc" -eq "$want_rc" ] || die "--profile $profile: exit $rc, expected $want_rc ($(head -3 "$tmp/$profile.err"))"
    summarise <"$tmp/$profile.json" >"$tmp/$profile.got" || die "--profile $profile: JSON did not parse"
    if ! diff -u "$tmp/$profile.want" "$tmp/$profile.got"; then
        die "--profile $profile: flows differ from the expected results (diff above: - expected, + got)"
    fi
}

# ---- linux: every flow conforms -------------------------------------------
# h: the client's TIME-WAIT ACKs every probe for 60 s (Linux's fixed
#    TIME-WAIT, restarted by the retransmitted FIN #11) and RSTs the FIN #19
#    at 61.5 s: as the linux profile expects.
# h2: the SYN #11 to the server's TIME-WAIT is answered with SYN-ACK, so it
#    starts incarnation #2; the old incarnation sees #11-#12 and accepts the
#    reuse (the new ISN lies above the old sequence space).
# i_rfc1337_0: tcp_rfc1337=0 lets the RST #11 end TIME-WAIT, which the linux
#    profile accepts; the client then RSTs the retransmitted FIN #12.
cat >"$tmp/linux.want" <<'EOF'
a_client_active_close 192.0.2.1:41001-192.0.2.2:8080 pass 
b_server_active_close [2001:db8::1]:41002-[2001:db8::2]:8080 pass 
c_simultaneous_close 192.0.2.1:41003-192.0.2.2:8080 pass 
d_half_close [2001:db8::1]:41004-[2001:db8::2]:8080 pass 
e_close_unread_rst 192.0.2.1:41005-192.0.2.2:8080 pass 
f_linger0_rst 192.0.2.1:41006-192.0.2.2:8080 pass 
g_fin_retransmit 192.0.2.1:41007-192.0.2.2:8080 pass 
h2_timewait_syn_reuse 192.0.2.1:41009-192.0.2.2:8080 pass 
h2_timewait_syn_reuse 192.0.2.1:41009-192.0.2.2:8080#2 pass 
h_timewait_probes 192.0.2.1:41008-192.0.2.2:8080 pass 
i_rfc1337_0 192.0.2.1:41010-192.0.2.2:8080 pass 
i_rfc1337_1 192.0.2.1:41011-192.0.2.2:8080 pass 
j_many_connections 200*pass
EOF
run_profile linux 0

# ---- rfc9293: differs from linux only in h ---------------------------------
# h: RFC 9293 wants TIME-WAIT to last 2*MSL (240 s with the default MSL of
#    120 s); the RST at frame 20, 61.5 s after the last restart, shows the
#    client's TIME-WAIT ended early: time-wait-duration, blamed on A (the
#    client, which sent the first SYN).
# i_rfc1337_0: still a pass: RFC 9293 §3.10.7.4 lets an acceptable RST close
#    TIME-WAIT ("enter the CLOSED state"); only RFC 1337's fix forbids it.
sed -e 's/^h_timewait_probes .*/h_timewait_probes 192.0.2.1:41008-192.0.2.2:8080 fail time-wait-duration@20\/A/' \
    "$tmp/linux.want" >"$tmp/rfc9293.want"
run_profile rfc9293 1

# ---- rfc1337: i_rfc1337_0 fails too -----------------------------------------
# i_rfc1337_0: the RST #11 assassinated the client's TIME-WAIT; RFC 1337's
#    fix would have kept it and ACKed the FIN #12, but the client answered
#    with RST #13: rst-in-time-wait at frame 13. i_rfc1337_1 (tcp_rfc1337=1)
#    ACKs it and passes.
sed -e 's/^i_rfc1337_0 .*/i_rfc1337_0 192.0.2.1:41010-192.0.2.2:8080 fail rst-in-time-wait@13\/A/' \
    "$tmp/rfc9293.want" >"$tmp/rfc1337.want"
run_profile rfc1337 1

# ---- text output agrees with the JSON ----------------------------------------
"$FINFUZZ" check --profile rfc9293 "$P/h_timewait_probes.pcap" >"$tmp/h.txt" 2>&1
grep -q "frame 20, endpoint A: time-wait-duration \[RFC 9293" "$tmp/h.txt" ||
    die "text output lacks the violation line: $(cat "$tmp/h.txt")"
grep -q "files 1, packets 20, flows 1: 0 passed, 1 failed, 0 incomplete (profile rfc9293" "$tmp/h.txt" ||
    die "text output lacks the summary line"

# ---- frame numbers agree with tshark ------------------------------------------
if command -v tshark >/dev/null && [ -x "$CAPDUMP" ]; then
    for f in "$P"/*.pcap; do
        "$CAPDUMP" "$f" >"$tmp/ours" || die "check_capdump $f failed"
        tshark -n -r "$f" -T fields -e frame.number -e tcp.flags -e tcp.seq_raw -e tcp.ack_raw \
            -e tcp.len 2>/dev/null |
            awk '{ if ($2 == "") print $1, "-"; else print $1, "0x" substr($2, 4), $3, $4, $5 }' \
                >"$tmp/theirs"
        cmp -s "$tmp/ours" "$tmp/theirs" || { die "$f: frames differ from tshark"; diff "$tmp/theirs" "$tmp/ours" | head -5; }
    done
    # The violation's frame is the client's RST in tshark's numbering too.
    got=$(tshark -n -r "$P/h_timewait_probes.pcap" -Y frame.number==20 -T fields -e ip.src -e tcp.flags 2>/dev/null)
    [ "$got" = "$(printf '192.0.2.1\t0x0004')" ] || die "tshark frame 20 of h is '$got', not the client's RST"
else
    echo "note: tshark or check_capdump missing; frame numbers not compared with tshark"
fi

[ $fail -eq 0 ] && echo "e2e_check_linux: all expected results"
exit $fail
