/* The segment codec: IPv4/IPv6 + TCP to and from struct seg.
 *
 * Read RFC 9293 §3.1 (header, options, checksum pseudo-header), RFC 791 §3.1
 * (IPv4 header), RFC 8200 §4 and §8.1 (IPv6 extension headers and the
 * upper-layer checksum), RFC 7323 §2-3 (window scale, timestamps) and
 * RFC 2018 (SACK) first.
 *
 * Every decoder first checks the lengths it relies on, then reads through
 * struct rd, whose accessors return 0 instead of reading past the end; so a
 * mistake in a length check gives a wrong field, never an over-read. Writers
 * check the capacity once and write through struct wr the same way. */
#include "segment.h"

#include <string.h>

enum {
    IPPROTO_TCP_NUM = 6,
    IPV6_NH_HOP_BY_HOP = 0,
    IPV6_NH_ROUTING = 43,
    IPV6_NH_FRAGMENT = 44,
    IPV6_NH_AH = 51,
    IPV6_NH_DEST_OPTS = 60,
    IPV4_FLAG_DF = 0x4000,
    IPV4_FLAG_MF = 0x2000,
    IPV4_FRAG_OFFSET_MASK = 0x1fff,
    TCPOPT_EOL = 0,
    TCPOPT_NOP = 1,
    TCPOPT_MSS = 2,
    TCPOPT_WSCALE = 3,
    TCPOPT_SACK_PERMITTED = 4,
    TCPOPT_SACK = 5,
    TCPOPT_TS = 8,
};

/* ---- bounded big-endian readers and writers ---- */

struct rd {
    const uint8_t *p;
    size_t len;
};

static struct rd rd_make(const uint8_t *p, size_t len)
{
    struct rd r = {p, len};
    return r;
}

static bool rd_has(struct rd r, size_t off, size_t n)
{
    return off <= r.len && n <= r.len - off;
}

static uint8_t rd_u8(struct rd r, size_t off)
{
    return rd_has(r, off, 1) ? r.p[off] : 0;
}

static uint16_t rd_be16(struct rd r, size_t off)
{
    if (!rd_has(r, off, 2))
        return 0;
    return (uint16_t)((unsigned)r.p[off] << 8 | r.p[off + 1]);
}

static uint32_t rd_be32(struct rd r, size_t off)
{
    if (!rd_has(r, off, 4))
        return 0;
    return (uint32_t)r.p[off] << 24 | (uint32_t)r.p[off + 1] << 16 | (uint32_t)r.p[off + 2] << 8 |
           r.p[off + 3];
}

/* The sub-range [off, off + n), empty if it does not fit. */
static struct rd rd_sub(struct rd r, size_t off, size_t n)
{
    return rd_has(r, off, n) ? rd_make(r.p + off, n) : rd_make(r.p, 0);
}

static void rd_copy(struct rd r, size_t off, void *dst, size_t n)
{
    if (n == 0)
        return; /* r.p may be NULL for an empty range */
    if (rd_has(r, off, n))
        memcpy(dst, r.p + off, n);
    else
        memset(dst, 0, n);
}

struct wr {
    uint8_t *p;
    size_t cap;
};

static bool wr_has(struct wr w, size_t off, size_t n)
{
    return off <= w.cap && n <= w.cap - off;
}

static void wr_u8(struct wr w, size_t off, uint8_t v)
{
    if (wr_has(w, off, 1))
        w.p[off] = v;
}

static void wr_be16(struct wr w, size_t off, uint16_t v)
{
    if (wr_has(w, off, 2)) {
        w.p[off] = (uint8_t)(v >> 8);
        w.p[off + 1] = (uint8_t)v;
    }
}

static void wr_be32(struct wr w, size_t off, uint32_t v)
{
    if (wr_has(w, off, 4)) {
        w.p[off] = (uint8_t)(v >> 24);
        w.p[off + 1] = (uint8_t)(v >> 16);
        w.p[off + 2] = (uint8_t)(v >> 8);
        w.p[off + 3] = (uint8_t)v;
    }
}

static void wr_bytes(struct wr w, size_t off, const void *src, size_t n)
{
    if (n > 0 && wr_has(w, off, n)) {
        if (src != NULL)
            memcpy(w.p + off, src, n);
        else
            memset(w.p + off, 0, n);
    }
}

/* ---- names ---- */

const char *seg_err_str(enum seg_err err)
{
    static const char *const names[SEG_ERR_COUNT] = {
        [SEG_OK] = "ok",
        [SEG_ERR_TRUNCATED] = "buffer ends before a fixed header does",
        [SEG_ERR_IP_VERSION] = "IP version is neither 4 nor 6",
        [SEG_ERR_IPV4_IHL] = "IPv4 header length below 5",
        [SEG_ERR_IPV4_IHL_OVERRUN] = "IPv4 header length past the buffer",
        [SEG_ERR_IP_TOTLEN] = "IP length field disagrees with the buffer",
        [SEG_ERR_IPV4_CHECKSUM] = "IPv4 header checksum wrong",
        [SEG_ERR_IP_FRAGMENT] = "IP fragment",
        [SEG_ERR_IPV6_EXT_OVERRUN] = "IPv6 extension header runs past the packet",
        [SEG_ERR_NOT_TCP] = "upper-layer protocol is not TCP",
        [SEG_ERR_TCP_DOFF_SMALL] = "TCP data offset below 5",
        [SEG_ERR_TCP_DOFF_OVERRUN] = "TCP data offset past the end of the segment",
        [SEG_ERR_TCP_OPT_LEN] = "TCP option length wrong for its kind",
        [SEG_ERR_TCP_OPT_OVERRUN] = "TCP option runs past the TCP header",
        [SEG_ERR_TCP_CHECKSUM] = "TCP checksum wrong",
        [SEG_ERR_NO_ROOM] = "output buffer too small",
    };
    return (unsigned)err < SEG_ERR_COUNT ? names[err] : "unknown segment error";
}

char *seg_flags_str(uint8_t flags, char *buf)
{
    /* tcpdump's order: the ACK dot comes after P and before U. */
    static const struct {
        uint8_t bit;
        char c;
    } order[] = {
        {TCP_FIN, 'F'}, {TCP_SYN, 'S'}, {TCP_RST, 'R'}, {TCP_PSH, 'P'},
        {TCP_ACK, '.'}, {TCP_URG, 'U'}, {TCP_ECE, 'E'}, {TCP_CWR, 'W'},
    };
    size_t n = 0;
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
        if (flags & order[i].bit)
            buf[n++] = order[i].c;
    if (n == 0)
        memcpy(buf, "none", 5);
    else
        buf[n] = '\0';
    return buf;
}

/* ---- checksums (RFC 1071) ---- */

/* w as loaded from big-endian bytes, in host order. */
static inline uint32_t be32_value(uint32_t w)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    return w;
#else
    return __builtin_bswap32(w);
#endif
}

/* Not instrumented for fuzzing coverage: the loop's compare per 16-bit word
 * cost a sanitizer callback each (a fifth of lwip_endpoint's time went to
 * checksumming 1460-byte segments) and its coverage says nothing. */
#if defined(__clang__)
__attribute__((no_sanitize("coverage")))
#endif
uint32_t
seg_csum_partial(const uint8_t *data, size_t len, uint32_t sum)
{
    /* Add 16-bit big-endian words in 64 bits; folding the carries back in
     * keeps the value mod 0xffff because 2^32 = 1 (mod 0xffff). */
    uint64_t acc = sum;
    size_t i = 0;
    /* Four bytes per load: a big-endian 32-bit word is its first 16-bit
     * word times 2^16 plus its second, and 2^16 = 1 (mod 0xffff), so adding
     * it adds both. A quarter of the loads, each of which a sanitizer build
     * checks. */
    for (; i + 4 <= len; i += 4) {
        uint32_t w;
        memcpy(&w, data + i, sizeof w);
        acc += be32_value(w);
    }
    for (; i + 1 < len; i += 2)
        acc += (uint32_t)data[i] << 8 | data[i + 1];
    if (i < len)
        acc += (uint32_t)data[i] << 8;
    while (acc >> 32)
        acc = (acc & 0xffffffffu) + (acc >> 32);
    return (uint32_t)acc;
}

uint16_t seg_csum_fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffffu) + (sum >> 16);
    return (uint16_t)~sum;
}

/* The pseudo-header sum for TCP over ip, for a TCP segment of tcp_len bytes
 * (RFC 9293 §3.1; RFC 8200 §8.1 for IPv6). */
static uint32_t pseudo_header_sum(const struct seg_ip *ip, size_t tcp_len)
{
    uint8_t ph[40];
    size_t n;
    if (ip->version == 6) {
        memcpy(ph, ip->src, 16);
        memcpy(ph + 16, ip->dst, 16);
        struct wr w = {ph, sizeof ph};
        wr_be32(w, 32, (uint32_t)tcp_len);
        wr_be32(w, 36, IPPROTO_TCP_NUM);
        n = 40;
    } else {
        memcpy(ph, ip->src, 4);
        memcpy(ph + 4, ip->dst, 4);
        struct wr w = {ph, sizeof ph};
        wr_u8(w, 8, 0);
        wr_u8(w, 9, IPPROTO_TCP_NUM);
        wr_be16(w, 10, (uint16_t)tcp_len);
        n = 12;
    }
    return seg_csum_partial(ph, n, 0);
}

/* ---- TCP options ---- */

/* The one length each fixed-size option must have; 0 for variable ones. */
static uint8_t option_fixed_len(uint8_t kind)
{
    switch (kind) {
    case TCPOPT_MSS:
        return 4;
    case TCPOPT_WSCALE:
        return 3;
    case TCPOPT_SACK_PERMITTED:
        return 2;
    case TCPOPT_TS:
        return 10;
    default:
        return 0;
    }
}

enum seg_err seg_parse_options(const uint8_t *buf, size_t len, struct seg_opts *opts)
{
    memset(opts, 0, sizeof *opts);
    /* Options never exceed 40 bytes (data offset 15); more cannot be kept. */
    if (len > SEG_TCP_OPT_MAX)
        return SEG_ERR_TCP_OPT_OVERRUN;
    struct rd r = rd_make(buf, len);
    rd_copy(r, 0, opts->raw, len);
    opts->raw_len = (uint8_t)len;

    size_t i = 0;
    while (i < len) {
        uint8_t kind = rd_u8(r, i);
        if (kind == TCPOPT_EOL)
            break; /* the rest is padding, kept in raw only */
        if (kind == TCPOPT_NOP) {
            i++;
            continue;
        }
        if (!rd_has(r, i, 2))
            return SEG_ERR_TCP_OPT_OVERRUN; /* no room for the length byte */
        uint8_t olen = rd_u8(r, i + 1);
        if (olen < 2)
            return SEG_ERR_TCP_OPT_LEN;
        if (!rd_has(r, i, olen))
            return SEG_ERR_TCP_OPT_OVERRUN;
        uint8_t fixed = option_fixed_len(kind);
        if (fixed != 0 && olen != fixed)
            return SEG_ERR_TCP_OPT_LEN;
        /* RFC 2018 §3: SACK is 2 bytes plus 8 per block, at least one block. */
        if (kind == TCPOPT_SACK && (olen < 10 || (olen - 2) % 8 != 0))
            return SEG_ERR_TCP_OPT_LEN;
        struct rd o = rd_sub(r, i, olen);
        switch (kind) {
        case TCPOPT_MSS:
            opts->has_mss = true;
            opts->mss = rd_be16(o, 2);
            break;
        case TCPOPT_WSCALE:
            opts->has_wscale = true;
            opts->wscale = rd_u8(o, 2);
            break;
        case TCPOPT_SACK_PERMITTED:
            opts->sack_permitted = true;
            break;
        case TCPOPT_TS:
            opts->has_ts = true;
            opts->ts_val = rd_be32(o, 2);
            opts->ts_ecr = rd_be32(o, 6);
            break;
        default:
            break; /* SACK blocks and unknown kinds stay in raw only */
        }
        i += olen;
    }
    return SEG_OK;
}

/* Bytes the options occupy when built from the fields, before padding. The
 * layout is Linux's SYN layout: MSS, SACK-permitted + timestamps, window
 * scale, with NOPs so that each multi-byte value is aligned. */
static size_t fields_options_len(const struct seg_opts *o)
{
    size_t n = 0;
    if (o->has_mss)
        n += 4;
    if (o->has_ts)
        n += 12; /* SACK-permitted (or NOP NOP) + timestamps */
    else if (o->sack_permitted)
        n += 4; /* NOP NOP SACK-permitted */
    if (o->has_wscale)
        n += 4; /* NOP + window scale */
    return n;
}

static size_t raw_options_len(const struct seg_opts *o)
{
    return o->raw_len < SEG_TCP_OPT_MAX ? o->raw_len : SEG_TCP_OPT_MAX;
}

size_t seg_options_len(const struct seg *s)
{
    size_t n = s->opts.raw_len > 0 ? raw_options_len(&s->opts) : fields_options_len(&s->opts);
    return (n + 3) & ~(size_t)3;
}

/* Write the options of s at w[off...], padded with EOL to optlen bytes. */
static void write_options(struct wr w, size_t off, const struct seg_opts *o, size_t optlen)
{
    size_t i = off;
    if (o->raw_len > 0) {
        wr_bytes(w, i, o->raw, raw_options_len(o));
        i += raw_options_len(o);
    } else {
        if (o->has_mss) {
            wr_u8(w, i, TCPOPT_MSS);
            wr_u8(w, i + 1, 4);
            wr_be16(w, i + 2, o->mss);
            i += 4;
        }
        if (o->has_ts) {
            if (o->sack_permitted) {
                wr_u8(w, i, TCPOPT_SACK_PERMITTED);
                wr_u8(w, i + 1, 2);
            } else {
                wr_u8(w, i, TCPOPT_NOP);
                wr_u8(w, i + 1, TCPOPT_NOP);
            }
            wr_u8(w, i + 2, TCPOPT_TS);
            wr_u8(w, i + 3, 10);
            wr_be32(w, i + 4, o->ts_val);
            wr_be32(w, i + 8, o->ts_ecr);
            i += 12;
        } else if (o->sack_permitted) {
            wr_u8(w, i, TCPOPT_NOP);
            wr_u8(w, i + 1, TCPOPT_NOP);
            wr_u8(w, i + 2, TCPOPT_SACK_PERMITTED);
            wr_u8(w, i + 3, 2);
            i += 4;
        }
        if (o->has_wscale) {
            wr_u8(w, i, TCPOPT_NOP);
            wr_u8(w, i + 1, TCPOPT_WSCALE);
            wr_u8(w, i + 2, 3);
            wr_u8(w, i + 3, o->wscale);
            i += 4;
        }
    }
    for (; i < off + optlen; i++)
        wr_u8(w, i, TCPOPT_EOL);
}

/* ---- TCP ---- */

enum seg_err seg_decode_tcp(const uint8_t *buf, size_t len, const struct seg_ip *ip, struct seg *s)
{
    struct rd r = rd_make(buf, len);
    if (len < SEG_TCP_HDR_MIN)
        return SEG_ERR_TRUNCATED;
    uint8_t doff = rd_u8(r, 12) >> 4;
    if (doff < 5)
        return SEG_ERR_TCP_DOFF_SMALL;
    size_t hdr_len = (size_t)doff * 4;
    if (hdr_len > len)
        return SEG_ERR_TCP_DOFF_OVERRUN;
    if (ip != NULL) {
        uint32_t sum = pseudo_header_sum(ip, len);
        if (seg_csum_fold(seg_csum_partial(buf, len, sum)) != 0)
            return SEG_ERR_TCP_CHECKSUM;
    }
    memset(s, 0, sizeof *s);
    enum seg_err err =
        seg_parse_options(buf + SEG_TCP_HDR_MIN, hdr_len - SEG_TCP_HDR_MIN, &s->opts);
    if (err != SEG_OK)
        return err;
    s->sport = rd_be16(r, 0);
    s->dport = rd_be16(r, 2);
    s->seq = rd_be32(r, 4);
    s->ack = rd_be32(r, 8);
    s->reserved_bits = rd_u8(r, 12) & 0x0f;
    s->flags = rd_u8(r, 13);
    s->window = rd_be16(r, 14);
    s->urg_ptr = rd_be16(r, 18);
    s->payload_len = (uint32_t)(len - hdr_len);
    s->payload = s->payload_len > 0 ? buf + hdr_len : NULL;
    return SEG_OK;
}

size_t seg_encode_tcp(const struct seg_ip *ip, const struct seg *s, uint8_t *out, size_t cap)
{
    size_t optlen = seg_options_len(s);
    size_t hdr_len = SEG_TCP_HDR_MIN + optlen;
    size_t total = hdr_len + s->payload_len;
    if (total > cap)
        return 0;
    struct wr w = {out, cap};
    wr_be16(w, 0, s->sport);
    wr_be16(w, 2, s->dport);
    wr_be32(w, 4, s->seq);
    wr_be32(w, 8, s->ack);
    wr_u8(w, 12, (uint8_t)(hdr_len / 4 << 4 | (s->reserved_bits & 0x0f)));
    wr_u8(w, 13, s->flags);
    wr_be16(w, 14, s->window);
    wr_be16(w, 16, 0);
    wr_be16(w, 18, s->urg_ptr);
    write_options(w, SEG_TCP_HDR_MIN, &s->opts, optlen);
    wr_bytes(w, hdr_len, s->payload, s->payload_len);
    if (ip != NULL) {
        uint32_t sum = pseudo_header_sum(ip, total);
        wr_be16(w, 16, seg_csum_fold(seg_csum_partial(out, total, sum)));
    }
    return total;
}

/* ---- IP ---- */

static enum seg_err decode_ipv4(struct rd r, unsigned flags, struct seg_ip *ip, struct seg *s)
{
    if (r.len < SEG_IPV4_HDR_MIN)
        return SEG_ERR_TRUNCATED;
    size_t ihl = (size_t)(rd_u8(r, 0) & 0x0f) * 4;
    if (ihl < SEG_IPV4_HDR_MIN)
        return SEG_ERR_IPV4_IHL;
    if (ihl > r.len)
        return SEG_ERR_IPV4_IHL_OVERRUN;
    size_t total = rd_be16(r, 2);
    if (total > r.len || total < ihl)
        return SEG_ERR_IP_TOTLEN;
    if (!(flags & SEG_DECODE_NO_CHECKSUM) && seg_csum_fold(seg_csum_partial(r.p, ihl, 0)) != 0)
        return SEG_ERR_IPV4_CHECKSUM;
    uint16_t frag = rd_be16(r, 6);
    if (frag & (IPV4_FLAG_MF | IPV4_FRAG_OFFSET_MASK))
        return SEG_ERR_IP_FRAGMENT;
    if (rd_u8(r, 9) != IPPROTO_TCP_NUM)
        return SEG_ERR_NOT_TCP;
    memset(ip, 0, sizeof *ip);
    ip->version = 4;
    ip->ttl = rd_u8(r, 8);
    ip->ip_id = rd_be16(r, 4);
    rd_copy(r, 12, ip->src, 4);
    rd_copy(r, 16, ip->dst, 4);
    struct rd tcp = rd_sub(r, ihl, total - ihl);
    return seg_decode_tcp(tcp.p, tcp.len, (flags & SEG_DECODE_NO_CHECKSUM) ? NULL : ip, s);
}

/* A routing header with segments left names the final destination, which is
 * what the TCP pseudo-header uses (RFC 8200 §8.1). Types 0 (RFC 2460) and 2
 * (RFC 6275) list it last; type 4 (segment routing, RFC 8754) lists it first. */
static void routing_final_dst(struct rd ext, uint8_t dst[16])
{
    uint8_t type = rd_u8(ext, 2);
    uint8_t segments_left = rd_u8(ext, 3);
    if (segments_left == 0 || ext.len < 24)
        return;
    if (type == 0 || type == 2)
        rd_copy(ext, ext.len - 16, dst, 16);
    else if (type == 4)
        rd_copy(ext, 8, dst, 16);
}

static enum seg_err decode_ipv6(struct rd r, unsigned flags, struct seg_ip *ip, struct seg *s)
{
    if (r.len < SEG_IPV6_HDR_LEN)
        return SEG_ERR_TRUNCATED;
    size_t end = SEG_IPV6_HDR_LEN + rd_be16(r, 4);
    if (end > r.len)
        return SEG_ERR_IP_TOTLEN;
    memset(ip, 0, sizeof *ip);
    ip->version = 6;
    ip->ttl = rd_u8(r, 7);
    rd_copy(r, 8, ip->src, 16);
    rd_copy(r, 24, ip->dst, 16);

    /* Walk the extension headers (RFC 8200 §4.1). Each is at least 8 bytes,
     * so the walk ends within the packet. */
    struct rd pkt = rd_sub(r, 0, end);
    uint8_t next = rd_u8(r, 6);
    size_t off = SEG_IPV6_HDR_LEN;
    for (;;) {
        size_t ext_len;
        switch (next) {
        case IPPROTO_TCP_NUM: {
            struct rd tcp = rd_sub(pkt, off, end - off);
            return seg_decode_tcp(tcp.p, tcp.len, (flags & SEG_DECODE_NO_CHECKSUM) ? NULL : ip, s);
        }
        case IPV6_NH_FRAGMENT:
            return SEG_ERR_IP_FRAGMENT;
        case IPV6_NH_HOP_BY_HOP:
        case IPV6_NH_ROUTING:
        case IPV6_NH_DEST_OPTS:
        case IPV6_NH_AH:
            if (!rd_has(pkt, off, 2))
                return SEG_ERR_IPV6_EXT_OVERRUN;
            /* AH counts 4-byte units minus 2 (RFC 4302 §2.2); the others
             * 8-byte units not counting the first (RFC 8200 §4.3). */
            if (next == IPV6_NH_AH)
                ext_len = ((size_t)rd_u8(pkt, off + 1) + 2) * 4;
            else
                ext_len = ((size_t)rd_u8(pkt, off + 1) + 1) * 8;
            if (!rd_has(pkt, off, ext_len))
                return SEG_ERR_IPV6_EXT_OVERRUN;
            if (next == IPV6_NH_ROUTING)
                routing_final_dst(rd_sub(pkt, off, ext_len), ip->dst);
            next = rd_u8(pkt, off);
            off += ext_len;
            break;
        default:
            return SEG_ERR_NOT_TCP; /* includes ESP (50) and No Next Header (59) */
        }
    }
}

enum seg_err seg_decode_ip(const uint8_t *pkt, size_t len, unsigned flags, struct seg_ip *ip,
                           struct seg *s)
{
    struct rd r = rd_make(pkt, len);
    if (len < 1)
        return SEG_ERR_TRUNCATED;
    switch (rd_u8(r, 0) >> 4) {
    case 4:
        return decode_ipv4(r, flags, ip, s);
    case 6:
        return decode_ipv6(r, flags, ip, s);
    default:
        return SEG_ERR_IP_VERSION;
    }
}

size_t seg_encode_ip(const struct seg_ip *ip, const struct seg *s, uint8_t *out, size_t cap)
{
    size_t tcp_len = SEG_TCP_HDR_MIN + seg_options_len(s) + s->payload_len;
    size_t hdr_len;
    if (ip->version == 4)
        hdr_len = SEG_IPV4_HDR_MIN;
    else if (ip->version == 6)
        hdr_len = SEG_IPV6_HDR_LEN;
    else
        return 0;
    /* Both length fields are 16 bits: IPv4 counts the header, IPv6 not. */
    if ((ip->version == 4 ? hdr_len + tcp_len : tcp_len) > 0xffff)
        return 0;
    if (hdr_len + tcp_len > cap)
        return 0;
    struct wr w = {out, cap};
    if (ip->version == 4) {
        wr_u8(w, 0, 0x45);
        wr_u8(w, 1, 0);
        wr_be16(w, 2, (uint16_t)(hdr_len + tcp_len));
        wr_be16(w, 4, ip->ip_id);
        wr_be16(w, 6, IPV4_FLAG_DF);
        wr_u8(w, 8, ip->ttl);
        wr_u8(w, 9, IPPROTO_TCP_NUM);
        wr_be16(w, 10, 0);
        wr_bytes(w, 12, ip->src, 4);
        wr_bytes(w, 16, ip->dst, 4);
        wr_be16(w, 10, seg_csum_fold(seg_csum_partial(out, hdr_len, 0)));
    } else {
        wr_be32(w, 0, 0x60000000u); /* version 6, traffic class 0, flow label 0 */
        wr_be16(w, 4, (uint16_t)tcp_len);
        wr_u8(w, 6, IPPROTO_TCP_NUM);
        wr_u8(w, 7, ip->ttl);
        wr_bytes(w, 8, ip->src, 16);
        wr_bytes(w, 24, ip->dst, 16);
    }
    if (seg_encode_tcp(ip, s, out + hdr_len, cap - hdr_len) != tcp_len)
        return 0;
    return hdr_len + tcp_len;
}
