/* The per-record fast path of capture.c, inline so that a reader's loop
 * (check.c) costs no call per record but libpcap's: decoding a plain
 * Ethernet/IPv4/IPv6 TCP record in one pass. Read
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
#include "seg_record.h"

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
 * pass, filling *ip and *s exactly as seg_decode_ip would, or, for the
 * checker, straight into its own form of a segment (struct
 * cap_fast_segment). The TCP options are read here only in the two layouts
 * that make up nearly all segments: none, and NOP NOP timestamps (Linux's
 * on every segment after the handshake); any other options go to the
 * codec's seg_parse_options. Any other shape, and any header that fails a
 * check, returns false and goes the general way, which then finds the same
 * error. With FINFUZZ_VERIFY_FAST (sanitizer builds) cap_next() and
 * cap_next_fast() compare the two on every record. */

/* A plain TCP segment in the form finfuzz check's fast path reads it
 * (cap_record_fast(), capture.h): what the flow table and the oracle read
 * of it and no more, the oracle's part already as a flow's log keeps it,
 * so that logging it is a copy. Decoding a record into this rather than a
 * whole struct seg saves a tenth of the checker's own work per record. */
struct cap_fast_segment {
    /* seq, ack, payload_len, ts_val (0 without timestamps), window, flags,
     * wscale (0 without the option) and the HAS_TS and HAS_WSCALE bits;
     * time_delta, frame_delta and the FROM_B bit are left to the logger. */
    struct seg_record rec;
    uint64_t frame, time_usecs;
    uint16_t sport, dport;
    /* The version and the addresses (IPv4: the first 4 bytes of each);
     * IPv6 fills the rest as seg_decode_ip() does, IPv4 leaves it alone. */
    struct seg_ip ip;
};

/* The shape of the TCP header at t, len bytes of segment (header and
 * payload) as the IP header counts them: its length, and whether its
 * options are exactly NOP NOP timestamps; false if the codec must decide. */
CAP_HOT bool cap_fast_tcp_shape(const uint8_t *t, size_t len, size_t *hdr_len, bool *ts_layout)
{
    if (len < SEG_TCP_HDR_MIN)
        return false;
    *hdr_len = (size_t)(t[12] >> 4) * 4;
    if (*hdr_len < SEG_TCP_HDR_MIN || *hdr_len > len)
        return false;
    *ts_layout = *hdr_len == SEG_TCP_HDR_MIN + 12 && cap_rd32be(t + 20) == 0x0101080au;
    return true;
}

/* The TCP header at t (len bytes of segment) into *s, whole. */
CAP_HOT bool cap_fast_tcp(const uint8_t *t, size_t len, struct seg *s)
{
    size_t hdr_len;
    bool ts_layout;
    if (!cap_fast_tcp_shape(t, len, &hdr_len, &ts_layout))
        return false;
    size_t opt_len = hdr_len - SEG_TCP_HDR_MIN;
    if (opt_len != 0 && !ts_layout) {
        if (seg_parse_options(t + SEG_TCP_HDR_MIN, opt_len, &s->opts) != SEG_OK)
            return false;
    } else {
        memset(&s->opts, 0, sizeof s->opts);
        if (ts_layout) {
            s->opts.has_ts = true;
            s->opts.ts_val = cap_rd32be(t + 24);
            s->opts.ts_ecr = cap_rd32be(t + 28);
            s->opts.raw_len = 12;
            memcpy(s->opts.raw, t + 20, 12);
        }
    }
    s->sport = cap_rd16be(t);
    s->dport = cap_rd16be(t + 2);
    s->seq = cap_rd32be(t + 4);
    s->ack = cap_rd32be(t + 8);
    s->flags = t[13];
    s->window = cap_rd16be(t + 14);
    s->payload_len = (uint32_t)(len - hdr_len);
    s->reserved_bits = t[12] & 0x0f;
    s->urg_ptr = cap_rd16be(t + 18);
    s->payload = len > hdr_len ? t + hdr_len : NULL;
    return true;
}

/* The TCP header at t (len bytes of segment) straight into the checker's
 * form of it (struct cap_fast_segment, capture.h): what the flow table and
 * the oracle read, no more. */
CAP_HOT bool cap_fast_tcp_record(const uint8_t *t, size_t len, struct cap_fast_segment *fs)
{
    size_t hdr_len;
    bool ts_layout;
    if (!cap_fast_tcp_shape(t, len, &hdr_len, &ts_layout))
        return false;
    struct seg_record *r = &fs->rec;
    size_t opt_len = hdr_len - SEG_TCP_HDR_MIN;
    if (opt_len != 0 && !ts_layout) {
        struct seg_opts o;
        if (seg_parse_options(t + SEG_TCP_HDR_MIN, opt_len, &o) != SEG_OK)
            return false;
        seg_record_set_opts(r, &o);
    } else {
        r->ts_val = ts_layout ? cap_rd32be(t + 24) : 0;
        r->wscale = 0;
        r->bits = ts_layout ? SEG_RECORD_HAS_TS : 0;
    }
    fs->sport = cap_rd16be(t);
    fs->dport = cap_rd16be(t + 2);
    r->seq = cap_rd32be(t + 4);
    r->ack = cap_rd32be(t + 8);
    r->flags = t[13];
    r->window = cap_rd16be(t + 14);
    r->payload_len = (uint32_t)(len - hdr_len);
    return true;
}

/* The IPv4 header at p (len bytes of packet) if it is plain (no options,
 * no fragment, TCP inside): where its TCP segment starts and how long it
 * is. */
CAP_HOT bool cap_fast_ipv4_shape(const uint8_t *p, size_t len, size_t *tcp_len)
{
    if (len < SEG_IPV4_HDR_MIN + SEG_TCP_HDR_MIN || p[0] != 0x45)
        return false; /* not IPv4, IPv4 options, or too short for TCP */
    size_t total = cap_rd16be(p + 2);
    /* Fragment bits (MF and the offset) and the protocol in one test. */
    if (total > len || total < SEG_IPV4_HDR_MIN + SEG_TCP_HDR_MIN || (cap_rd16be(p + 6) & 0x3fff) ||
        p[9] != 6)
        return false;
    *tcp_len = total - SEG_IPV4_HDR_MIN;
    return true;
}

CAP_HOT bool cap_fast_ipv4(const uint8_t *p, size_t len, struct seg_ip *ip, struct seg *s)
{
    size_t tcp_len;
    if (!cap_fast_ipv4_shape(p, len, &tcp_len) || !cap_fast_tcp(p + SEG_IPV4_HDR_MIN, tcp_len, s))
        return false;
    memset(ip, 0, sizeof *ip);
    ip->ttl = p[8];
    ip->ip_id = cap_rd16be(p + 4);
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
    if (!cap_fast_tcp(p + SEG_IPV6_HDR_LEN, payload, s))
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
/* The same into the checker's form (of ip, only the version and
 * addresses). */
bool cap_fast_ipv6_record(const uint8_t *p, size_t len, struct cap_fast_segment *fs);

/* The IP packet at p (len bytes), IPv4 or IPv6, whole; false if the codec
 * must decide. */
CAP_HOT bool cap_fast_ip(const uint8_t *p, size_t len, struct seg_ip *ip, struct seg *s)
{
    if (__builtin_expect(len && p[0] == 0x45, 1))
        return cap_fast_ipv4(p, len, ip, s);
    return cap_fast_ipv6_call(p, len, ip, s);
}

/* The same into the checker's form: of the IPv4 header only the version
 * and the addresses (in the first 4 bytes of src and dst) are written. */
CAP_HOT bool cap_fast_ip_record(const uint8_t *p, size_t len, struct cap_fast_segment *fs)
{
    if (__builtin_expect(len && p[0] == 0x45, 1)) {
        size_t tcp_len;
        if (!cap_fast_ipv4_shape(p, len, &tcp_len) ||
            !cap_fast_tcp_record(p + SEG_IPV4_HDR_MIN, tcp_len, fs))
            return false;
        fs->ip.version = 4;
        memcpy(fs->ip.src, p + 12, 4);
        memcpy(fs->ip.dst, p + 16, 4);
        return true;
    }
    return cap_fast_ipv6_record(p, len, fs);
}

#endif
