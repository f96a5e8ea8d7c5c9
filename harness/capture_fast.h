/* The per-record fast path of capture.c, inline so that a reader's loop
 * (check.c) costs no call per record but libpcap's: decoding a plain
 * Ethernet/IPv4/IPv6 TCP record in one pass, and cap_next_ev(). Read
 * capture.h for the contract; nothing here is meant for other callers. */
#ifndef FINFUZZ_CAPTURE_FAST_H
#define FINFUZZ_CAPTURE_FAST_H

#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "../stack/segment.h"
#include "event.h"
#include "fast_verify.h"

#define CAP_HOT static inline __attribute__((always_inline))

/* Big-endian loads, as one load and a byte swap each. */
CAP_HOT uint16_t cap_rd16be(const uint8_t *p)
{
    uint16_t v;
    memcpy(&v, p, 2);
    return __builtin_bswap16(v);
}

CAP_HOT uint32_t cap_rd32be(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return __builtin_bswap32(v);
}

/* ---- the fast path: plain IPv4/IPv6 TCP ----
 *
 * Almost every record of a capture is an IPv4 packet without options or
 * fragmentation (or an IPv6 packet without extension headers) carrying one
 * TCP segment, often behind a plain Ethernet header. The general path
 * (link_ip_start, then the codec's seg_decode_ip, seg_decode_tcp and
 * seg_parse_options) costs several hundred instructions per record, as much
 * as libpcap's own reading; this checks that common shape directly in one
 * pass, filling *ip and *s exactly as seg_decode_ip would (or, for the
 * checker's events, only what the checker reads: cap_fill). The TCP options
 * are read here only in the two layouts that make up nearly all segments:
 * none, and NOP NOP timestamps (Linux's on every segment after the
 * handshake); any other options go to the codec's seg_parse_options. Any
 * other shape, and any header that fails a check, returns false and goes
 * the general way, which then finds the same error. With
 * FINFUZZ_VERIFY_FAST (sanitizer builds) cap_next() and cap_next_ev()
 * compare the two on every record (in what was filled), and cap_next_ev()
 * first poisons what it will not fill (cap_poison_unfilled()). */

/* What a fast decoder fills. CAP_FILL_ALL: everything seg_decode_ip()
 * does. CAP_FILL_CHECK: only what finfuzz check reads of a segment (the
 * flow table and the oracle), for cap_record_ev(), which decodes every
 * record into one reused event: of *ip its version and the IPv4 addresses'
 * first 4 bytes (IPv6: all of it); of *s the ports, seq, ack, flags,
 * window, payload_len and, of the options, has_wscale, wscale, has_ts and
 * ts_val (all of them when the codec parses the options). The other fields
 * (ttl, ip_id, urg_ptr, reserved_bits, payload, the other options and the
 * raw option bytes) keep what they held: a record costs about 25
 * instructions less, a tenth of the checker's own work per record. A
 * reader of the checker's events that needs more must widen this. */
enum cap_fill { CAP_FILL_ALL, CAP_FILL_CHECK };

/* The TCP header at t, len bytes of segment (header and payload) as the IP
 * header counts them; false if the codec must decide. */
CAP_HOT bool cap_fast_tcp(const uint8_t *t, size_t len, struct seg *s, enum cap_fill fill)
{
    if (len < SEG_TCP_HDR_MIN)
        return false;
    size_t hdr_len = (size_t)(t[12] >> 4) * 4;
    if (hdr_len < SEG_TCP_HDR_MIN || hdr_len > len)
        return false;
    size_t opt_len = hdr_len - SEG_TCP_HDR_MIN;
    bool ts_layout = opt_len == 12 && cap_rd32be(t + 20) == 0x0101080au;
    if (opt_len != 0 && !ts_layout) {
        if (seg_parse_options(t + SEG_TCP_HDR_MIN, opt_len, &s->opts) != SEG_OK)
            return false;
    } else if (fill == CAP_FILL_ALL) {
        memset(&s->opts, 0, sizeof s->opts);
        if (ts_layout) {
            s->opts.has_ts = true;
            s->opts.ts_val = cap_rd32be(t + 24);
            s->opts.ts_ecr = cap_rd32be(t + 28);
            s->opts.raw_len = 12;
            memcpy(s->opts.raw, t + 20, 12);
        }
    } else {
        s->opts.has_wscale = false;
        s->opts.wscale = 0;
        s->opts.has_ts = ts_layout;
        if (ts_layout)
            s->opts.ts_val = cap_rd32be(t + 24);
    }
    s->sport = cap_rd16be(t);
    s->dport = cap_rd16be(t + 2);
    s->seq = cap_rd32be(t + 4);
    s->ack = cap_rd32be(t + 8);
    s->flags = t[13];
    s->window = cap_rd16be(t + 14);
    s->payload_len = (uint32_t)(len - hdr_len);
    if (fill == CAP_FILL_ALL) {
        s->reserved_bits = t[12] & 0x0f;
        s->urg_ptr = cap_rd16be(t + 18);
        s->payload = len > hdr_len ? t + hdr_len : NULL;
    }
    return true;
}

CAP_HOT bool cap_fast_ipv4(const uint8_t *p, size_t len, struct seg_ip *ip, struct seg *s,
                           enum cap_fill fill)
{
    if (len < SEG_IPV4_HDR_MIN + SEG_TCP_HDR_MIN || p[0] != 0x45)
        return false; /* not IPv4, IPv4 options, or too short for TCP */
    size_t total = cap_rd16be(p + 2);
    /* Fragment bits (MF and the offset) and the protocol in one test. */
    if (total > len || total < SEG_IPV4_HDR_MIN + SEG_TCP_HDR_MIN || (cap_rd16be(p + 6) & 0x3fff) ||
        p[9] != 6)
        return false;
    if (!cap_fast_tcp(p + SEG_IPV4_HDR_MIN, total - SEG_IPV4_HDR_MIN, s, fill))
        return false;
    if (fill == CAP_FILL_ALL) {
        memset(ip, 0, sizeof *ip);
        ip->ttl = p[8];
        ip->ip_id = cap_rd16be(p + 4);
    }
    ip->version = 4;
    memcpy(ip->src, p + 12, 4);
    memcpy(ip->dst, p + 16, 4);
    return true;
}

/* The same for IPv6 whose next header is TCP (no extension headers). */
CAP_HOT bool cap_fast_ipv6(const uint8_t *p, size_t len, struct seg_ip *ip, struct seg *s)
{
    if (len < SEG_IPV6_HDR_LEN + SEG_TCP_HDR_MIN || (p[0] >> 4) != 6 || p[6] != 6)
        return false;
    size_t payload = cap_rd16be(p + 4);
    if (SEG_IPV6_HDR_LEN + payload > len)
        return false;
    if (!cap_fast_tcp(p + SEG_IPV6_HDR_LEN, payload, s, CAP_FILL_ALL))
        return false;
    memset(ip, 0, sizeof *ip);
    ip->version = 6;
    ip->ttl = p[7];
    memcpy(ip->src, p + 8, 16);
    memcpy(ip->dst, p + 24, 16);
    return true;
}

/* cap_fast_ipv6(), out of line (capture.c): inline, it would crowd the
 * IPv4 path's registers in the reader's loop. */
bool cap_fast_ipv6_call(const uint8_t *p, size_t len, struct seg_ip *ip, struct seg *s);

/* The IP packet at p (len bytes), IPv4 or IPv6; false if the codec must
 * decide. (IPv6 fills all, whatever fill says.) */
CAP_HOT bool cap_fast_ip(const uint8_t *p, size_t len, struct seg_ip *ip, struct seg *s,
                         enum cap_fill fill)
{
    if (__builtin_expect(len && p[0] == 0x45, 1))
        return cap_fast_ipv4(p, len, ip, s, fill);
    return cap_fast_ipv6_call(p, len, ip, s);
}

#endif
