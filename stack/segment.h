/* TCP segments and their wire format (IPv4 or IPv6 + TCP).
 *
 * Read RFC 9293 §3.1 (header format, options) and §3.1 "Checksum"
 * (pseudo-header), RFC 791 (IPv4) and RFC 8200 (IPv6) first.
 *
 * struct seg is the parsed form every part of finfuzz shares: the model stack
 * emits and consumes it, the oracle judges it, the pcap reader produces it.
 * The codec checks lengths once and never reads or writes outside the buffers
 * it is given; malformed input is rejected with an exact seg_err. */
#ifndef FINFUZZ_SEGMENT_H
#define FINFUZZ_SEGMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* TCP header flag bits, as on the wire. */
enum {
    TCP_FIN = 0x01,
    TCP_SYN = 0x02,
    TCP_RST = 0x04,
    TCP_PSH = 0x08,
    TCP_ACK = 0x10,
    TCP_URG = 0x20,
    TCP_ECE = 0x40,
    TCP_CWR = 0x80,
};

#define SEG_TCP_HDR_MIN  20u /* bytes, data offset 5 */
#define SEG_TCP_OPT_MAX  40u /* bytes of options at most (data offset 15) */
#define SEG_IPV4_HDR_MIN 20u /* bytes, IHL 5 */
#define SEG_IPV6_HDR_LEN 40u /* fixed IPv6 header */

/* TCP options finfuzz understands. Unknown options are kept in raw[] only. */
struct seg_opts {
    bool has_mss;        /* kind 2 */
    uint16_t mss;        /* bytes */
    bool has_wscale;     /* kind 3 */
    uint8_t wscale;      /* shift count */
    bool sack_permitted; /* kind 4 */
    bool has_ts;         /* kind 8 */
    uint32_t ts_val, ts_ecr;
    /* The option bytes exactly as decoded (including NOP/EOL padding), so
     * that decode followed by encode gives back the same bytes. When raw_len
     * is 0 the encoder builds the options from the fields above instead. */
    uint8_t raw_len;
    uint8_t raw[SEG_TCP_OPT_MAX];
};

/* A TCP segment without its IP header. */
struct seg {
    uint16_t sport, dport;
    uint32_t seq, ack;
    uint8_t flags;   /* TCP_* bits */
    uint16_t window; /* as on the wire, not scaled */
    uint16_t urg_ptr;
    struct seg_opts opts;
    uint32_t payload_len;   /* bytes of data after the header */
    const uint8_t *payload; /* payload_len bytes, or NULL (encoder writes zeros) */
    /* The 4 header bits between the data offset and the flags (reserved, and
     * AE of RFC 3168/9293); 0 normally, kept so decode->encode round-trips. */
    uint8_t reserved_bits;
};

/* The network-layer envelope of a segment: enough for the pseudo-header and
 * for writing a capture. For IPv6 with a routing header that has segments
 * left, the decoder stores the final destination in dst (the address the
 * pseudo-header uses, RFC 8200 §8.1), not the header's current one. */
struct seg_ip {
    uint8_t version; /* 4 or 6 */
    uint8_t ttl;     /* IPv4 TTL or IPv6 hop limit */
    uint8_t src[16]; /* IPv4 uses the first 4 bytes */
    uint8_t dst[16];
    uint16_t ip_id; /* IPv4 identification; 0 for IPv6 */
};

/* Why a buffer was rejected. Every value names one exact reason. */
enum seg_err {
    SEG_OK = 0,
    SEG_ERR_TRUNCATED,        /* buffer ends before a fixed header does */
    SEG_ERR_IP_VERSION,       /* version nibble is neither 4 nor 6 */
    SEG_ERR_IPV4_IHL,         /* IPv4 header length field below 5 */
    SEG_ERR_IPV4_IHL_OVERRUN, /* IPv4 header length past the buffer */
    SEG_ERR_IP_TOTLEN,        /* IP total/payload length larger than the buffer or
                                 smaller than the header */
    SEG_ERR_IPV4_CHECKSUM,    /* IPv4 header checksum wrong */
    SEG_ERR_IP_FRAGMENT,      /* a fragment (IPv4 MF/offset or IPv6 fragment header) */
    SEG_ERR_IPV6_EXT_OVERRUN, /* an IPv6 extension header runs past the packet */
    SEG_ERR_NOT_TCP,          /* upper-layer protocol is not TCP */
    SEG_ERR_TCP_DOFF_SMALL,   /* TCP data offset below 5 */
    SEG_ERR_TCP_DOFF_OVERRUN, /* TCP data offset past the end of the segment */
    SEG_ERR_TCP_OPT_LEN,      /* an option length byte below 2 (or wrong for its kind) */
    SEG_ERR_TCP_OPT_OVERRUN,  /* an option runs past the TCP header */
    SEG_ERR_TCP_CHECKSUM,     /* TCP checksum (with pseudo-header) wrong */
    SEG_ERR_NO_ROOM,          /* encoder: output buffer too small */
    SEG_ERR_COUNT
};

/* A stable, human-readable reason ("TCP data offset below 5"). */
const char *seg_err_str(enum seg_err err);

/* Flags that relax decoding. */
enum {
    SEG_DECODE_NO_CHECKSUM = 1u << 0, /* do not verify IPv4/TCP checksums */
};

/* Decode an IPv4 or IPv6 packet that carries TCP.
 * In: pkt/len, the whole IP packet; flags, SEG_DECODE_*.
 * IPv4 options are skipped. IPv6 hop-by-hop, routing, destination-options
 * and AH headers are walked; a fragment header gives SEG_ERR_IP_FRAGMENT.
 * Checks run in header order: IP structure and lengths, IPv4 header
 * checksum, fragment, protocol, then TCP (data offset, TCP checksum,
 * options). Option lengths must match their kind (MSS 4, window scale 3,
 * SACK-permitted 2, timestamps 10, SACK 2 + 8n with n >= 1).
 * Out: *ip and *s (s->payload points into pkt). On error *ip and *s are
 * unspecified. The IP length fields decide the packet's end; bytes beyond
 * it (link-layer padding) are ignored. */
enum seg_err seg_decode_ip(const uint8_t *pkt, size_t len, unsigned flags, struct seg_ip *ip,
                           struct seg *s);

/* Decode a TCP header plus payload (len bytes). When ip is not NULL the
 * checksum is verified against its pseudo-header. s->payload is NULL when
 * payload_len is 0. */
enum seg_err seg_decode_tcp(const uint8_t *buf, size_t len, const struct seg_ip *ip, struct seg *s);

/* Parse TCP option bytes into *opts (also copies them to opts->raw).
 * More than SEG_TCP_OPT_MAX bytes gives SEG_ERR_TCP_OPT_OVERRUN. Parsing
 * stops at EOL; what follows stays in raw. A repeated option: the last wins. */
enum seg_err seg_parse_options(const uint8_t *buf, size_t len, struct seg_opts *opts);

/* Bytes of TCP options that seg_encode_* will write for s (a multiple of 4). */
size_t seg_options_len(const struct seg *s);

/* Encode TCP header + options + payload with a correct checksum for ip
 * (ip NULL: checksum field 0). Options come from s->opts.raw when raw_len
 * > 0 (EOL-padded to a multiple of 4), else from the fields in Linux's SYN
 * layout (MSS, SACK-permitted/NOP NOP, timestamps, NOP window scale).
 * Returns the number of bytes written, or 0 if cap is too small. */
size_t seg_encode_tcp(const struct seg_ip *ip, const struct seg *s, uint8_t *out, size_t cap);

/* Encode a whole IP packet (IPv4 without options, DF set, TOS 0, ip->ttl and
 * ip->ip_id; or IPv6 without extension headers, traffic class and flow label
 * 0) with correct checksums. Returns bytes written, or 0 if cap is too small,
 * the version is not 4 or 6, or the packet would not fit the 16-bit length. */
size_t seg_encode_ip(const struct seg_ip *ip, const struct seg *s, uint8_t *out, size_t cap);

/* Sequence space a segment occupies: payload + 1 for SYN + 1 for FIN. */
static inline uint32_t seg_len(const struct seg *s)
{
    return s->payload_len + ((s->flags & TCP_SYN) ? 1u : 0u) + ((s->flags & TCP_FIN) ? 1u : 0u);
}

/* Write the flags as tcpdump does ("F.", "S", "R.", "P.", ...; order F S R P
 * . U E W; "none" for no flags) into buf (at least 9 bytes). Returns buf. */
char *seg_flags_str(uint8_t flags, char *buf);

/* The 16-bit ones'-complement Internet checksum over data, starting from a
 * 32-bit partial sum (RFC 1071). seg_csum_partial adds big-endian 16-bit
 * words (an odd last byte is padded with zero); chain calls with an even
 * len. seg_csum_fold folds the carries and returns the complement: the value
 * to write in a checksum field, and 0 when summing data that already
 * contains a correct checksum. */
uint32_t seg_csum_partial(const uint8_t *data, size_t len, uint32_t sum);
uint16_t seg_csum_fold(uint32_t sum);

#endif
