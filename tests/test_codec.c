/* Segment codec tests: round trips, real captured packets, one test per
 * seg_err with a minimal malformed packet, checksums, encoder limits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <glob.h>
#include <pcap/pcap.h>

#include "stack/segment.h"

/* ---- helpers ---- */

static struct seg_ip ipv4(void)
{
    struct seg_ip ip = {.version = 4, .ttl = 64, .ip_id = 0x1234};
    memcpy(ip.src, (uint8_t[]){192, 0, 2, 1}, 4);
    memcpy(ip.dst, (uint8_t[]){192, 0, 2, 2}, 4);
    return ip;
}

static struct seg_ip ipv6(void)
{
    struct seg_ip ip = {.version = 6, .ttl = 64};
    static const uint8_t a[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
    static const uint8_t b[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 2};
    memcpy(ip.src, a, 16);
    memcpy(ip.dst, b, 16);
    return ip;
}

/* A SYN carrying every option finfuzz understands. */
static struct seg syn_all_options(void)
{
    struct seg s = {
        .sport = 41001, .dport = 8080, .seq = 3472262988u, .flags = TCP_SYN, .window = 64240};
    s.opts.has_mss = true;
    s.opts.mss = 1460;
    s.opts.sack_permitted = true;
    s.opts.has_ts = true;
    s.opts.ts_val = 4124907482u;
    s.opts.has_wscale = true;
    s.opts.wscale = 10;
    return s;
}

/* A bare data segment: ACK|PSH with len bytes of 'Q'. */
static struct seg data_segment(const uint8_t *payload, uint32_t len)
{
    struct seg s = {.sport = 8080,
                    .dport = 41001,
                    .seq = 813627493u,
                    .ack = 3472262989u,
                    .flags = TCP_ACK | TCP_PSH,
                    .window = 64,
                    .payload = payload,
                    .payload_len = len};
    return s;
}

/* Recompute the IPv4 header checksum and the TCP checksum of an IPv4 packet
 * with a 20-byte IP header, after a test has edited it. */
static void fix_ipv4_checksums(uint8_t *pkt, size_t len)
{
    size_t ihl = (size_t)(pkt[0] & 0x0f) * 4;
    pkt[10] = pkt[11] = 0;
    uint16_t c = seg_csum_fold(seg_csum_partial(pkt, ihl, 0));
    pkt[10] = (uint8_t)(c >> 8);
    pkt[11] = (uint8_t)c;
    if (len < ihl + 18)
        return;
    uint8_t ph[12];
    memcpy(ph, pkt + 12, 8);
    ph[8] = 0;
    ph[9] = 6;
    ph[10] = (uint8_t)((len - ihl) >> 8);
    ph[11] = (uint8_t)(len - ihl);
    pkt[ihl + 16] = pkt[ihl + 17] = 0;
    c = seg_csum_fold(seg_csum_partial(pkt + ihl, len - ihl, seg_csum_partial(ph, 12, 0)));
    pkt[ihl + 16] = (uint8_t)(c >> 8);
    pkt[ihl + 17] = (uint8_t)c;
}

static size_t encode_v4(const struct seg *s, uint8_t *out, size_t cap)
{
    struct seg_ip ip = ipv4();
    size_t n = seg_encode_ip(&ip, s, out, cap);
    assert_true(n > 0);
    return n;
}

static void assert_decodes_to(const uint8_t *pkt, size_t len, unsigned flags, enum seg_err want)
{
    struct seg_ip ip;
    struct seg s;
    enum seg_err got = seg_decode_ip(pkt, len, flags, &ip, &s);
    if (got != want)
        fail_msg("decoded to \"%s\", want \"%s\"", seg_err_str(got), seg_err_str(want));
}

static void assert_seg_fields_equal(const struct seg *a, const struct seg *b)
{
    assert_int_equal(a->sport, b->sport);
    assert_int_equal(a->dport, b->dport);
    assert_int_equal(a->seq, b->seq);
    assert_int_equal(a->ack, b->ack);
    assert_int_equal(a->flags, b->flags);
    assert_int_equal(a->window, b->window);
    assert_int_equal(a->urg_ptr, b->urg_ptr);
    assert_int_equal(a->payload_len, b->payload_len);
    assert_int_equal(a->opts.has_mss, b->opts.has_mss);
    assert_int_equal(a->opts.mss, b->opts.mss);
    assert_int_equal(a->opts.has_wscale, b->opts.has_wscale);
    assert_int_equal(a->opts.wscale, b->opts.wscale);
    assert_int_equal(a->opts.sack_permitted, b->opts.sack_permitted);
    assert_int_equal(a->opts.has_ts, b->opts.has_ts);
    assert_int_equal(a->opts.ts_val, b->opts.ts_val);
    assert_int_equal(a->opts.ts_ecr, b->opts.ts_ecr);
}

/* Decode pkt with checksums verified, re-encode the result and expect the
 * same bytes back. */
static void assert_byte_round_trip(const uint8_t *pkt, size_t len)
{
    struct seg_ip ip;
    struct seg s;
    uint8_t out[2048];
    assert_int_equal(seg_decode_ip(pkt, len, 0, &ip, &s), SEG_OK);
    assert_int_equal(seg_encode_ip(&ip, &s, out, sizeof out), len);
    assert_memory_equal(out, pkt, len);
}

/* ---- packets from a real capture (tests/pcaps/linux) ---- */

/* a_client_active_close.pcap frame 1 (Ethernet header removed):
 * IP 192.0.2.1.41001 > 192.0.2.2.8080: Flags [S], seq 3472262988, win 64240,
 * options [mss 1460,sackOK,TS val 4124907482 ecr 0,nop,wscale 10], length 0 */
static const uint8_t linux_syn_v4[] = {
    0x45, 0x00, 0x00, 0x3c, 0x55, 0x6b, 0x40, 0x00, 0x40, 0x06, 0x61, 0x4d, 0xc0, 0x00, 0x02,
    0x01, 0xc0, 0x00, 0x02, 0x02, 0xa0, 0x29, 0x1f, 0x90, 0xce, 0xf6, 0x87, 0x4c, 0x00, 0x00,
    0x00, 0x00, 0xa0, 0x02, 0xfa, 0xf0, 0xa5, 0x53, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4, 0x04,
    0x02, 0x08, 0x0a, 0xf5, 0xdd, 0x17, 0xda, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x0a,
};

/* a_client_active_close.pcap frame 9:
 * IP 192.0.2.1.41001 > 192.0.2.2.8080: Flags [F.], seq 121, ack 901, win 66,
 * options [nop,nop,TS val 4124907632 ecr 3203014575], length 0
 * (tcpdump -n prints relative numbers; absolute seq 3472263109, ack 813628393) */
static const uint8_t linux_fin_v4[] = {
    0x45, 0x00, 0x00, 0x34, 0x55, 0x6f, 0x40, 0x00, 0x40, 0x06, 0x61, 0x51, 0xc0,
    0x00, 0x02, 0x01, 0xc0, 0x00, 0x02, 0x02, 0xa0, 0x29, 0x1f, 0x90, 0xce, 0xf6,
    0x87, 0xc5, 0x30, 0x7e, 0xfb, 0xe9, 0x80, 0x11, 0x00, 0x42, 0xc2, 0xb0, 0x00,
    0x00, 0x01, 0x01, 0x08, 0x0a, 0xf5, 0xdd, 0x18, 0x70, 0xbe, 0xea, 0x1f, 0xaf,
};

/* d_half_close.pcap frame 1:
 * IP6 2001:db8::1.41004 > 2001:db8::2.8080: Flags [S], seq 1217507262, win 64800,
 * options [mss 1440,sackOK,TS val 1377989376 ecr 0,nop,wscale 10], length 0
 * (flow label 0xbf1fe; seg_encode_ip writes flow label 0) */
static const uint8_t linux_syn_v6[] = {
    0x60, 0x0b, 0xf1, 0xfe, 0x00, 0x28, 0x06, 0x40, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0xa0, 0x2c, 0x1f, 0x90, 0x48, 0x91, 0xaf, 0xbe,
    0x00, 0x00, 0x00, 0x00, 0xa0, 0x02, 0xfd, 0x20, 0x72, 0x4c, 0x00, 0x00, 0x02, 0x04, 0x05, 0xa0,
    0x04, 0x02, 0x08, 0x0a, 0x52, 0x22, 0x73, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x0a,
};

static void test_codec_linux_syn_v4_decodes(void **state)
{
    (void)state;
    struct seg_ip ip;
    struct seg s;
    assert_int_equal(seg_decode_ip(linux_syn_v4, sizeof linux_syn_v4, 0, &ip, &s), SEG_OK);
    assert_int_equal(ip.version, 4);
    assert_int_equal(ip.ttl, 64);
    assert_int_equal(ip.ip_id, 0x556b);
    assert_memory_equal(ip.src, ((uint8_t[]){192, 0, 2, 1}), 4);
    assert_memory_equal(ip.dst, ((uint8_t[]){192, 0, 2, 2}), 4);
    assert_int_equal(s.sport, 41001);
    assert_int_equal(s.dport, 8080);
    assert_int_equal(s.seq, 3472262988u);
    assert_int_equal(s.ack, 0);
    assert_int_equal(s.flags, TCP_SYN);
    assert_int_equal(s.window, 64240);
    assert_true(s.opts.has_mss);
    assert_int_equal(s.opts.mss, 1460);
    assert_true(s.opts.sack_permitted);
    assert_true(s.opts.has_ts);
    assert_int_equal(s.opts.ts_val, 4124907482u);
    assert_int_equal(s.opts.ts_ecr, 0);
    assert_true(s.opts.has_wscale);
    assert_int_equal(s.opts.wscale, 10);
    assert_int_equal(s.opts.raw_len, 20);
    assert_int_equal(s.payload_len, 0);
    assert_null(s.payload);
    assert_int_equal(seg_len(&s), 1);
}

static void test_codec_linux_syn_v4_round_trips(void **state)
{
    (void)state;
    assert_byte_round_trip(linux_syn_v4, sizeof linux_syn_v4);
}

/* Linux lays out SYN options as the encoder does from fields: building the
 * SYN from its fields alone (raw_len 0) gives the captured bytes. */
static void test_codec_linux_syn_v4_from_fields(void **state)
{
    (void)state;
    struct seg_ip ip;
    struct seg s;
    uint8_t out[128];
    assert_int_equal(seg_decode_ip(linux_syn_v4, sizeof linux_syn_v4, 0, &ip, &s), SEG_OK);
    s.opts.raw_len = 0;
    assert_int_equal(seg_encode_ip(&ip, &s, out, sizeof out), sizeof linux_syn_v4);
    assert_memory_equal(out, linux_syn_v4, sizeof linux_syn_v4);
}

static void test_codec_linux_fin_v4(void **state)
{
    (void)state;
    struct seg_ip ip;
    struct seg s;
    char flags[9];
    assert_int_equal(seg_decode_ip(linux_fin_v4, sizeof linux_fin_v4, 0, &ip, &s), SEG_OK);
    assert_int_equal(s.seq, 3472263109u);
    assert_int_equal(s.ack, 813628393u);
    assert_string_equal(seg_flags_str(s.flags, flags), "F.");
    assert_int_equal(s.window, 66);
    assert_true(s.opts.has_ts);
    assert_int_equal(s.opts.ts_val, 4124907632u);
    assert_int_equal(s.opts.ts_ecr, 3203014575u);
    assert_false(s.opts.has_mss);
    assert_int_equal(seg_len(&s), 1);
    assert_byte_round_trip(linux_fin_v4, sizeof linux_fin_v4);
}

static void test_codec_linux_syn_v6(void **state)
{
    (void)state;
    struct seg_ip ip;
    struct seg s;
    uint8_t out[128];
    assert_int_equal(seg_decode_ip(linux_syn_v6, sizeof linux_syn_v6, 0, &ip, &s), SEG_OK);
    assert_int_equal(ip.version, 6);
    assert_int_equal(ip.ttl, 64);
    assert_int_equal(ip.dst[15], 2);
    assert_int_equal(s.sport, 41004);
    assert_int_equal(s.seq, 1217507262u);
    assert_int_equal(s.opts.mss, 1440);
    assert_int_equal(s.opts.ts_val, 1377989376u);
    /* Same bytes back except the flow label (bytes 1-3), which is not kept. */
    assert_int_equal(seg_encode_ip(&ip, &s, out, sizeof out), sizeof linux_syn_v6);
    assert_memory_equal(out + 4, linux_syn_v6 + 4, sizeof linux_syn_v6 - 4);
    assert_int_equal(out[0], 0x60);
    assert_int_equal(out[1] | out[2] | out[3], 0);
}

/* Every frame of every shipped Linux capture (Ethernet) decodes with
 * checksums verified and re-encodes to the same bytes; IPv6 packets differ
 * only in the flow label, which seg_encode_ip writes as 0. Run from the
 * repository root, as tests/run.sh does. */
static void test_codec_linux_captures_round_trip(void **state)
{
    (void)state;
    glob_t g;
    if (glob("tests/pcaps/linux/*.pcap", 0, NULL, &g) != 0)
        fail_msg("no tests/pcaps/linux/*.pcap: run from the repository root");
    unsigned frames = 0;
    static uint8_t out[65536 + 40];
    for (size_t f = 0; f < g.gl_pathc; f++) {
        char err[PCAP_ERRBUF_SIZE];
        pcap_t *p = pcap_open_offline(g.gl_pathv[f], err);
        if (p == NULL)
            fail_msg("%s", err);
        assert_int_equal(pcap_datalink(p), DLT_EN10MB);
        struct pcap_pkthdr *h;
        const u_char *d;
        for (unsigned n = 1; pcap_next_ex(p, &h, &d) == 1; n++, frames++) {
            struct seg_ip ip;
            struct seg s;
            assert_true(h->caplen > 14);
            const uint8_t *pkt = d + 14;
            size_t len = h->caplen - 14;
            enum seg_err e = seg_decode_ip(pkt, len, 0, &ip, &s);
            if (e != SEG_OK)
                fail_msg("%s frame %u: %s", g.gl_pathv[f], n, seg_err_str(e));
            size_t m = seg_encode_ip(&ip, &s, out, sizeof out);
            size_t skip = ip.version == 6 ? 4 : 0;
            if (m != len || memcmp(out + skip, pkt + skip, len - skip) != 0)
                fail_msg("%s frame %u: re-encoded bytes differ", g.gl_pathv[f], n);
        }
        pcap_close(p);
    }
    globfree(&g);
    assert_true(frames > 1000);
}

/* ---- round trips ---- */

static void test_codec_round_trip_ipv4_all_options_payload(void **state)
{
    (void)state;
    uint8_t payload[300], pkt[512];
    for (size_t i = 0; i < sizeof payload; i++)
        payload[i] = (uint8_t)(i * 7);
    struct seg in = syn_all_options();
    in.flags = TCP_SYN | TCP_ACK | TCP_PSH | TCP_URG;
    in.ack = 99;
    in.urg_ptr = 5;
    in.payload = payload;
    in.payload_len = sizeof payload;
    size_t n = encode_v4(&in, pkt, sizeof pkt);
    assert_int_equal(n, 20 + 20 + 20 + sizeof payload);
    assert_int_equal(seg_options_len(&in), 20);

    struct seg_ip ip;
    struct seg out;
    assert_int_equal(seg_decode_ip(pkt, n, 0, &ip, &out), SEG_OK);
    assert_seg_fields_equal(&in, &out);
    assert_memory_equal(out.payload, payload, sizeof payload);
    assert_int_equal(ip.ip_id, 0x1234);
    assert_int_equal(pkt[6], 0x40); /* DF */
    assert_byte_round_trip(pkt, n);
}

static void test_codec_round_trip_ipv6_all_options_payload(void **state)
{
    (void)state;
    uint8_t payload[33], pkt[256];
    memset(payload, 'Q', sizeof payload);
    struct seg in = syn_all_options();
    in.payload = payload;
    in.payload_len = sizeof payload;
    struct seg_ip ip = ipv6(), ip_out;
    size_t n = seg_encode_ip(&ip, &in, pkt, sizeof pkt);
    assert_int_equal(n, 40 + 40 + sizeof payload);

    struct seg out;
    assert_int_equal(seg_decode_ip(pkt, n, 0, &ip_out, &out), SEG_OK);
    assert_memory_equal(&ip_out, &ip, sizeof ip);
    assert_seg_fields_equal(&in, &out);
    assert_memory_equal(out.payload, payload, sizeof payload);
    assert_byte_round_trip(pkt, n);
}

/* Each option alone, built from its field: the length the encoder chooses,
 * and the decoder gives back exactly that option. */
static void test_codec_round_trip_each_option(void **state)
{
    (void)state;
    struct {
        const char *name;
        struct seg_opts opts;
        size_t len;
    } cases[] = {
        {"none", {0}, 0},
        {"mss", {.has_mss = true, .mss = 536}, 4},
        {"wscale", {.has_wscale = true, .wscale = 14}, 4},
        {"sack-permitted", {.sack_permitted = true}, 4},
        {"timestamps", {.has_ts = true, .ts_val = 0xfffffffeu, .ts_ecr = 7}, 12},
        {"sack-permitted+timestamps", {.sack_permitted = true, .has_ts = true, .ts_val = 1}, 12},
        {"mss+wscale", {.has_mss = true, .mss = 1, .has_wscale = true}, 8},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct seg in = data_segment(NULL, 3), out;
        in.opts = cases[i].opts;
        uint8_t pkt[128];
        struct seg_ip ip;
        assert_int_equal(seg_options_len(&in), cases[i].len);
        size_t n = encode_v4(&in, pkt, sizeof pkt);
        assert_int_equal(n, 40 + cases[i].len + 3);
        if (seg_decode_ip(pkt, n, 0, &ip, &out) != SEG_OK)
            fail_msg("option case %s does not decode", cases[i].name);
        assert_seg_fields_equal(&in, &out);
        assert_int_equal(out.opts.raw_len, cases[i].len);
        assert_memory_equal(out.payload, "\0\0\0", 3); /* NULL payload: zeros */
    }
}

/* SACK blocks, an unknown kind and EOL padding survive decode->encode byte
 * for byte, while the known options are still parsed. */
static void test_codec_round_trip_raw_options(void **state)
{
    (void)state;
    static const uint8_t opts[] = {
        1,  1, 8,    10,   0, 0, 0, 1,   0, 0, 0, 2,   /* NOP NOP TS 1 2 */
        1,  1, 5,    10,   0, 0, 0, 100, 0, 0, 0, 200, /* NOP NOP SACK 100-200 */
        30, 4, 0xab, 0xcd,                             /* unknown kind 30, len 4 */
        0,  0, 0,    0,                                /* EOL + padding */
    };
    struct seg in = data_segment(NULL, 0), out;
    memcpy(in.opts.raw, opts, sizeof opts);
    in.opts.raw_len = sizeof opts;
    uint8_t pkt[128];
    struct seg_ip ip;
    size_t n = encode_v4(&in, pkt, sizeof pkt);
    assert_int_equal(n, 40 + sizeof opts);
    assert_memory_equal(pkt + 40, opts, sizeof opts);
    assert_int_equal(seg_decode_ip(pkt, n, 0, &ip, &out), SEG_OK);
    assert_true(out.opts.has_ts);
    assert_int_equal(out.opts.ts_val, 1);
    assert_int_equal(out.opts.ts_ecr, 2);
    assert_false(out.opts.has_mss);
    assert_int_equal(out.opts.raw_len, sizeof opts);
    assert_memory_equal(out.opts.raw, opts, sizeof opts);
    assert_byte_round_trip(pkt, n);
}

/* Raw options that are not a multiple of 4 are padded with EOL. */
static void test_codec_raw_options_padded_with_eol(void **state)
{
    (void)state;
    struct seg in = data_segment(NULL, 0);
    memcpy(in.opts.raw, (uint8_t[]){3, 3, 7}, 3);
    in.opts.raw_len = 3;
    assert_int_equal(seg_options_len(&in), 4);
    uint8_t tcp[64];
    assert_int_equal(seg_encode_tcp(NULL, &in, tcp, sizeof tcp), 24);
    assert_memory_equal(tcp + 20, ((uint8_t[]){3, 3, 7, 0}), 4);
    assert_int_equal(tcp[12] >> 4, 6);
}

/* Reserved header bits are kept so arbitrary input round-trips. */
static void test_codec_round_trip_reserved_bits(void **state)
{
    (void)state;
    uint8_t pkt[64];
    size_t n = encode_v4(&(struct seg){.flags = TCP_ACK, .reserved_bits = 0x0b}, pkt, sizeof pkt);
    assert_int_equal(pkt[32], 0x5b);
    assert_byte_round_trip(pkt, n);
}

/* ---- what the decoder accepts beyond the plain case ---- */

static void test_codec_ipv4_options_skipped(void **state)
{
    (void)state;
    uint8_t base[64], pkt[64];
    size_t n =
        encode_v4(&(struct seg){.sport = 1, .dport = 2, .flags = TCP_RST}, base, sizeof base);
    /* IHL 6: four bytes of IP options (NOP NOP NOP EOL) before TCP. */
    memcpy(pkt, base, 20);
    memcpy(pkt + 20, (uint8_t[]){1, 1, 1, 0}, 4);
    memcpy(pkt + 24, base + 20, n - 20);
    pkt[0] = 0x46;
    pkt[3] = (uint8_t)(n + 4);
    fix_ipv4_checksums(pkt, n + 4);
    struct seg_ip ip;
    struct seg s;
    assert_int_equal(seg_decode_ip(pkt, n + 4, 0, &ip, &s), SEG_OK);
    assert_int_equal(s.sport, 1);
    assert_int_equal(s.flags, TCP_RST);
}

/* Ethernet pads short frames: bytes past the IP total length are ignored. */
static void test_codec_link_padding_ignored(void **state)
{
    (void)state;
    uint8_t pkt[64] = {0};
    size_t n = encode_v4(&(struct seg){.flags = TCP_ACK}, pkt, sizeof pkt);
    struct seg_ip ip;
    struct seg s;
    assert_int_equal(n, 40);
    assert_int_equal(seg_decode_ip(pkt, 46, 0, &ip, &s), SEG_OK);
    assert_int_equal(s.payload_len, 0);
}

/* Build an IPv6 packet with the given extension headers between the fixed
 * header and TCP (first_nh is the next-header value of the fixed header). */
static size_t ipv6_with_ext(const struct seg_ip *ip, uint8_t first_nh, const uint8_t *ext,
                            size_t ext_len, uint8_t *pkt, size_t cap)
{
    uint8_t plain[128];
    size_t n = seg_encode_ip(ip, &(struct seg){.sport = 7, .dport = 9, .flags = TCP_ACK}, plain,
                             sizeof plain);
    assert_true(n > 0 && n + ext_len <= cap);
    memcpy(pkt, plain, 40);
    memcpy(pkt + 40, ext, ext_len);
    memcpy(pkt + 40 + ext_len, plain + 40, n - 40);
    pkt[6] = first_nh;
    pkt[4] = (uint8_t)((n - 40 + ext_len) >> 8);
    pkt[5] = (uint8_t)(n - 40 + ext_len);
    return n + ext_len;
}

static void test_codec_ipv6_extension_headers_walked(void **state)
{
    (void)state;
    /* hop-by-hop (8 bytes, PadN) -> destination options (8) -> AH (12: len 1)
     * -> TCP */
    static const uint8_t ext[] = {
        60, 0, 1, 4, 0, 0, 0, 0,             /* hop-by-hop, next = dest opts */
        51, 0, 1, 4, 0, 0, 0, 0,             /* destination options, next = AH */
        6,  1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, /* AH (payload len 1: 12 bytes), next = TCP */
    };
    struct seg_ip ip = ipv6(), ip_out;
    uint8_t pkt[256];
    size_t n = ipv6_with_ext(&ip, 0, ext, sizeof ext, pkt, sizeof pkt);
    struct seg s;
    assert_int_equal(seg_decode_ip(pkt, n, 0, &ip_out, &s), SEG_OK);
    assert_int_equal(s.sport, 7);
    assert_int_equal(s.dport, 9);
}

/* With a routing header that has segments left, the checksum covers the
 * final destination (RFC 8200 §8.1), which the decoder reports as dst:
 * listed last in type 0 (and 2), first in type 4 (segment routing). */
static void test_codec_ipv6_routing_header_final_destination(void **state)
{
    (void)state;
    for (uint8_t type = 0; type <= 4; type += 4) {
        struct seg_ip final = ipv6(), ip_out;
        final.dst[15] = 0x99;
        uint8_t ext[40] = {6, 4, type, 2}; /* next TCP, 40 bytes, 2 segments left */
        memset(ext + 8, 0x77, 32);         /* another waypoint */
        memcpy(ext + (type == 4 ? 8 : 24), final.dst, 16);
        uint8_t pkt[256];
        size_t n = ipv6_with_ext(&final, 43, ext, sizeof ext, pkt, sizeof pkt);
        pkt[24 + 15] = 0x02; /* the header's dst is the next hop */
        struct seg s;
        assert_int_equal(seg_decode_ip(pkt, n, 0, &ip_out, &s), SEG_OK);
        assert_memory_equal(ip_out.dst, final.dst, 16);
    }
}

/* ---- one test per seg_err ---- */

static void test_codec_err_truncated(void **state)
{
    (void)state;
    uint8_t pkt[64];
    size_t n = encode_v4(&(struct seg){.flags = TCP_ACK}, pkt, sizeof pkt);
    assert_decodes_to(pkt, 0, 0, SEG_ERR_TRUNCATED);
    assert_decodes_to(pkt, 19, 0, SEG_ERR_TRUNCATED); /* IPv4 header cut */
    assert_decodes_to(linux_syn_v6, 39, 0, SEG_ERR_TRUNCATED);
    /* TCP header cut: IP total length 39 leaves 19 bytes of TCP. */
    pkt[3] = 39;
    fix_ipv4_checksums(pkt, 20);
    assert_decodes_to(pkt, n, SEG_DECODE_NO_CHECKSUM, SEG_ERR_TRUNCATED);
}

static void test_codec_err_ip_version(void **state)
{
    (void)state;
    uint8_t pkt[sizeof linux_syn_v4];
    memcpy(pkt, linux_syn_v4, sizeof pkt);
    pkt[0] = 0x55;
    assert_decodes_to(pkt, sizeof pkt, 0, SEG_ERR_IP_VERSION);
}

static void test_codec_err_ipv4_ihl(void **state)
{
    (void)state;
    uint8_t pkt[sizeof linux_syn_v4];
    memcpy(pkt, linux_syn_v4, sizeof pkt);
    pkt[0] = 0x44;
    assert_decodes_to(pkt, sizeof pkt, 0, SEG_ERR_IPV4_IHL);
}

static void test_codec_err_ipv4_ihl_overrun(void **state)
{
    (void)state;
    uint8_t pkt[sizeof linux_syn_v4];
    memcpy(pkt, linux_syn_v4, sizeof pkt);
    pkt[0] = 0x4f;                                           /* 60-byte header */
    assert_decodes_to(pkt, 40, 0, SEG_ERR_IPV4_IHL_OVERRUN); /* in a 40-byte buffer */
}

static void test_codec_err_ip_totlen(void **state)
{
    (void)state;
    uint8_t pkt[sizeof linux_syn_v4];
    memcpy(pkt, linux_syn_v4, sizeof pkt);
    pkt[3] = 0x3d; /* one more than the buffer */
    fix_ipv4_checksums(pkt, 20);
    assert_decodes_to(pkt, sizeof pkt, 0, SEG_ERR_IP_TOTLEN);
    pkt[3] = 19; /* less than the IP header */
    fix_ipv4_checksums(pkt, 20);
    assert_decodes_to(pkt, sizeof pkt, 0, SEG_ERR_IP_TOTLEN);

    uint8_t pkt6[sizeof linux_syn_v6];
    memcpy(pkt6, linux_syn_v6, sizeof pkt6);
    pkt6[5] = 41; /* IPv6 payload length one more than there is */
    assert_decodes_to(pkt6, sizeof pkt6, 0, SEG_ERR_IP_TOTLEN);
}

static void test_codec_err_ipv4_checksum(void **state)
{
    (void)state;
    uint8_t pkt[sizeof linux_syn_v4];
    memcpy(pkt, linux_syn_v4, sizeof pkt);
    pkt[8] = 63; /* TTL changed, checksum not updated */
    assert_decodes_to(pkt, sizeof pkt, 0, SEG_ERR_IPV4_CHECKSUM);
    assert_decodes_to(pkt, sizeof pkt, SEG_DECODE_NO_CHECKSUM, SEG_OK);
}

static void test_codec_err_ip_fragment(void **state)
{
    (void)state;
    uint8_t pkt[sizeof linux_syn_v4];
    memcpy(pkt, linux_syn_v4, sizeof pkt);
    pkt[6] = 0x20; /* MF */
    fix_ipv4_checksums(pkt, sizeof pkt);
    assert_decodes_to(pkt, sizeof pkt, 0, SEG_ERR_IP_FRAGMENT);
    pkt[6] = 0x40;
    pkt[7] = 0x01; /* DF, offset 8 bytes */
    fix_ipv4_checksums(pkt, sizeof pkt);
    assert_decodes_to(pkt, sizeof pkt, 0, SEG_ERR_IP_FRAGMENT);

    static const uint8_t frag[8] = {6, 0, 0, 0, 0, 0, 0, 1}; /* offset 0, M 0, id 1 */
    struct seg_ip ip = ipv6();
    uint8_t pkt6[256];
    size_t n = ipv6_with_ext(&ip, 44, frag, sizeof frag, pkt6, sizeof pkt6);
    assert_decodes_to(pkt6, n, 0, SEG_ERR_IP_FRAGMENT);
}

static void test_codec_err_ipv6_ext_overrun(void **state)
{
    (void)state;
    /* Packet: 40 fixed + 8 hop-by-hop + 20 TCP; the hop-by-hop header then
     * claims 32 bytes, past the 28 that remain. */
    uint8_t ext[8] = {6, 0, 1, 4, 0, 0, 0, 0};
    struct seg_ip ip = ipv6();
    uint8_t pkt[256];
    size_t n = ipv6_with_ext(&ip, 0, ext, sizeof ext, pkt, sizeof pkt);
    pkt[41] = 3;
    assert_decodes_to(pkt, n, 0, SEG_ERR_IPV6_EXT_OVERRUN);
    /* No room even for the two bytes of next header and length. */
    pkt[4] = 0;
    pkt[5] = 1;
    assert_decodes_to(pkt, 41, 0, SEG_ERR_IPV6_EXT_OVERRUN);
}

static void test_codec_err_not_tcp(void **state)
{
    (void)state;
    uint8_t pkt[sizeof linux_syn_v4];
    memcpy(pkt, linux_syn_v4, sizeof pkt);
    pkt[9] = 17; /* UDP */
    fix_ipv4_checksums(pkt, 20);
    assert_decodes_to(pkt, sizeof pkt, 0, SEG_ERR_NOT_TCP);

    uint8_t pkt6[sizeof linux_syn_v6];
    memcpy(pkt6, linux_syn_v6, sizeof pkt6);
    pkt6[6] = 59; /* No Next Header */
    assert_decodes_to(pkt6, sizeof pkt6, 0, SEG_ERR_NOT_TCP);
}

static void test_codec_err_tcp_doff_small(void **state)
{
    (void)state;
    uint8_t pkt[sizeof linux_syn_v4];
    memcpy(pkt, linux_syn_v4, sizeof pkt);
    pkt[32] = 0x40; /* data offset 4 */
    fix_ipv4_checksums(pkt, sizeof pkt);
    assert_decodes_to(pkt, sizeof pkt, 0, SEG_ERR_TCP_DOFF_SMALL);
}

static void test_codec_err_tcp_doff_overrun(void **state)
{
    (void)state;
    uint8_t pkt[sizeof linux_syn_v4];
    memcpy(pkt, linux_syn_v4, sizeof pkt);
    pkt[32] = 0xb0; /* data offset 11: 44 bytes, 40 present */
    fix_ipv4_checksums(pkt, sizeof pkt);
    assert_decodes_to(pkt, sizeof pkt, 0, SEG_ERR_TCP_DOFF_OVERRUN);
}

/* Replace the 20 option bytes of the Linux SYN and fix its checksums. */
static void syn_with_options(uint8_t pkt[60], const uint8_t opts[20])
{
    memcpy(pkt, linux_syn_v4, 60);
    memcpy(pkt + 40, opts, 20);
    fix_ipv4_checksums(pkt, 60);
}

static void test_codec_err_tcp_opt_len(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        uint8_t opts[20];
    } cases[] = {
        {"length 0", {30, 0}},
        {"length 1", {30, 1}},
        {"mss length 3", {2, 3, 5, 0}},
        {"mss length 6", {2, 6, 5, 0, 0, 0}},
        {"wscale length 4", {3, 4, 7, 0}},
        {"sack-permitted length 3", {4, 3, 0}},
        {"timestamps length 8", {8, 8, 0, 0, 0, 0, 0, 0}},
        {"sack length 9", {5, 9, 0, 0, 0, 0, 0, 0, 0}},
        {"sack length 2 (no block)", {5, 2}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t pkt[60];
        struct seg_ip ip;
        struct seg s;
        syn_with_options(pkt, cases[i].opts);
        enum seg_err got = seg_decode_ip(pkt, sizeof pkt, 0, &ip, &s);
        if (got != SEG_ERR_TCP_OPT_LEN)
            fail_msg("%s: got \"%s\"", cases[i].name, seg_err_str(got));
    }
}

static void test_codec_err_tcp_opt_overrun(void **state)
{
    (void)state;
    uint8_t pkt[60];
    /* Timestamps starting 14 bytes before the end of 20 bytes: fits... */
    syn_with_options(pkt, (uint8_t[20]){1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 8, 10});
    assert_decodes_to(pkt, sizeof pkt, 0, SEG_OK);
    /* ...starting 8 bytes before the end: runs 2 bytes past the header. */
    syn_with_options(pkt, (uint8_t[20]){1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 8, 10});
    assert_decodes_to(pkt, sizeof pkt, 0, SEG_ERR_TCP_OPT_OVERRUN);
    /* A kind byte as the last byte, no room for its length. */
    syn_with_options(pkt,
                     (uint8_t[20]){1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2});
    assert_decodes_to(pkt, sizeof pkt, 0, SEG_ERR_TCP_OPT_OVERRUN);
    /* seg_parse_options refuses more than 40 bytes. */
    uint8_t many[41] = {0};
    struct seg_opts o;
    assert_int_equal(seg_parse_options(many, sizeof many, &o), SEG_ERR_TCP_OPT_OVERRUN);
}

static void test_codec_err_tcp_checksum(void **state)
{
    (void)state;
    uint8_t pkt[sizeof linux_syn_v4];
    memcpy(pkt, linux_syn_v4, sizeof pkt);
    pkt[36] ^= 0x01; /* TCP checksum byte */
    assert_decodes_to(pkt, sizeof pkt, 0, SEG_ERR_TCP_CHECKSUM);
    assert_decodes_to(pkt, sizeof pkt, SEG_DECODE_NO_CHECKSUM, SEG_OK);

    /* The pseudo-header counts: same TCP bytes, other source address. */
    memcpy(pkt, linux_syn_v4, sizeof pkt);
    pkt[15] = 3;
    fix_ipv4_checksums(pkt, 20);
    assert_decodes_to(pkt, sizeof pkt, 0, SEG_ERR_TCP_CHECKSUM);

    uint8_t pkt6[sizeof linux_syn_v6];
    memcpy(pkt6, linux_syn_v6, sizeof pkt6);
    pkt6[23] = 3; /* IPv6 source changed: the pseudo-header sum breaks */
    assert_decodes_to(pkt6, sizeof pkt6, 0, SEG_ERR_TCP_CHECKSUM);
    assert_decodes_to(pkt6, sizeof pkt6, SEG_DECODE_NO_CHECKSUM, SEG_OK);
}

/* Encoders say "no room" by returning 0 and never write past cap. */
static void test_codec_err_no_room(void **state)
{
    (void)state;
    uint8_t payload[10] = {0};
    struct seg s = syn_all_options();
    s.payload = payload;
    s.payload_len = sizeof payload;
    struct seg_ip ip4 = ipv4(), ip6 = ipv6();
    uint8_t out[200];
    size_t tcp_len = 20 + 20 + sizeof payload;
    for (size_t cap = 0; cap < tcp_len; cap++) {
        memset(out, 0xee, sizeof out);
        assert_int_equal(seg_encode_tcp(&ip4, &s, out, cap), 0);
        assert_int_equal(out[cap], 0xee);
    }
    assert_int_equal(seg_encode_tcp(&ip4, &s, out, tcp_len), tcp_len);
    assert_int_equal(seg_encode_ip(&ip4, &s, out, 20 + tcp_len - 1), 0);
    assert_int_equal(seg_encode_ip(&ip4, &s, out, 20 + tcp_len), 20 + tcp_len);
    assert_int_equal(seg_encode_ip(&ip6, &s, out, 40 + tcp_len - 1), 0);
    assert_int_equal(seg_encode_ip(&ip6, &s, out, 40 + tcp_len), 40 + tcp_len);
    /* Too long for IPv4's 16-bit total length; a version that is not 4/6. */
    s.payload = NULL;
    s.payload_len = 65535 - 40 - 20 + 1;
    assert_int_equal(seg_encode_ip(&ip4, &s, out, SIZE_MAX), 0);
    struct seg_ip bad = ipv4();
    bad.version = 5;
    assert_int_equal(seg_encode_ip(&bad, &(struct seg){0}, out, sizeof out), 0);
    assert_string_equal(seg_err_str(SEG_ERR_NO_ROOM), "output buffer too small");
}

/* Every seg_err has its own, non-empty name. */
static void test_codec_err_names_distinct(void **state)
{
    (void)state;
    for (int i = 0; i < SEG_ERR_COUNT; i++) {
        assert_true(strlen(seg_err_str((enum seg_err)i)) > 0);
        for (int j = 0; j < i; j++)
            assert_string_not_equal(seg_err_str((enum seg_err)i), seg_err_str((enum seg_err)j));
    }
    assert_string_equal(seg_err_str(SEG_ERR_COUNT), "unknown segment error");
    assert_string_equal(seg_err_str(SEG_ERR_TCP_DOFF_SMALL), "TCP data offset below 5");
}

/* ---- checksum and flags helpers ---- */

/* RFC 1071 §3's numerical example: the folded sum is ddf2. */
static void test_codec_csum_rfc1071_example(void **state)
{
    (void)state;
    static const uint8_t words[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
    assert_int_equal(seg_csum_fold(seg_csum_partial(words, sizeof words, 0)), 0xffff & ~0xddf2);
    /* Split in two even parts gives the same sum; an odd tail is zero-padded. */
    uint32_t sum = seg_csum_partial(words + 4, 4, seg_csum_partial(words, 4, 0));
    assert_int_equal(seg_csum_fold(sum), 0xffff & ~0xddf2);
    assert_int_equal(seg_csum_fold(seg_csum_partial((uint8_t[]){0x12}, 1, 0)), 0xffff & ~0x1200);
}

static void test_codec_flags_str_like_tcpdump(void **state)
{
    (void)state;
    char buf[9];
    assert_string_equal(seg_flags_str(TCP_FIN | TCP_ACK, buf), "F.");
    assert_string_equal(seg_flags_str(TCP_SYN, buf), "S");
    assert_string_equal(seg_flags_str(TCP_SYN | TCP_ACK, buf), "S.");
    assert_string_equal(seg_flags_str(TCP_RST, buf), "R");
    assert_string_equal(seg_flags_str(TCP_RST | TCP_ACK, buf), "R.");
    assert_string_equal(seg_flags_str(TCP_PSH | TCP_ACK, buf), "P.");
    assert_string_equal(seg_flags_str(TCP_FIN | TCP_PSH | TCP_ACK, buf), "FP.");
    assert_string_equal(seg_flags_str(TCP_ACK, buf), ".");
    assert_string_equal(seg_flags_str(TCP_SYN | TCP_ECE | TCP_CWR, buf), "SEW");
    assert_string_equal(seg_flags_str(0xff, buf), "FSRP.UEW");
    assert_string_equal(seg_flags_str(0, buf), "none");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_codec_linux_syn_v4_decodes),
        cmocka_unit_test(test_codec_linux_syn_v4_round_trips),
        cmocka_unit_test(test_codec_linux_syn_v4_from_fields),
        cmocka_unit_test(test_codec_linux_fin_v4),
        cmocka_unit_test(test_codec_linux_syn_v6),
        cmocka_unit_test(test_codec_linux_captures_round_trip),
        cmocka_unit_test(test_codec_round_trip_ipv4_all_options_payload),
        cmocka_unit_test(test_codec_round_trip_ipv6_all_options_payload),
        cmocka_unit_test(test_codec_round_trip_each_option),
        cmocka_unit_test(test_codec_round_trip_raw_options),
        cmocka_unit_test(test_codec_raw_options_padded_with_eol),
        cmocka_unit_test(test_codec_round_trip_reserved_bits),
        cmocka_unit_test(test_codec_ipv4_options_skipped),
        cmocka_unit_test(test_codec_link_padding_ignored),
        cmocka_unit_test(test_codec_ipv6_extension_headers_walked),
        cmocka_unit_test(test_codec_ipv6_routing_header_final_destination),
        cmocka_unit_test(test_codec_err_truncated),
        cmocka_unit_test(test_codec_err_ip_version),
        cmocka_unit_test(test_codec_err_ipv4_ihl),
        cmocka_unit_test(test_codec_err_ipv4_ihl_overrun),
        cmocka_unit_test(test_codec_err_ip_totlen),
        cmocka_unit_test(test_codec_err_ipv4_checksum),
        cmocka_unit_test(test_codec_err_ip_fragment),
        cmocka_unit_test(test_codec_err_ipv6_ext_overrun),
        cmocka_unit_test(test_codec_err_not_tcp),
        cmocka_unit_test(test_codec_err_tcp_doff_small),
        cmocka_unit_test(test_codec_err_tcp_doff_overrun),
        cmocka_unit_test(test_codec_err_tcp_opt_len),
        cmocka_unit_test(test_codec_err_tcp_opt_overrun),
        cmocka_unit_test(test_codec_err_tcp_checksum),
        cmocka_unit_test(test_codec_err_no_room),
        cmocka_unit_test(test_codec_err_names_distinct),
        cmocka_unit_test(test_codec_csum_rfc1071_example),
        cmocka_unit_test(test_codec_flags_str_like_tcpdump),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
