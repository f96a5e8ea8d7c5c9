/* Capture reader tests: every link type over IPv4 and IPv6, pcap and pcapng,
 * both byte orders, micro- and nanosecond timestamps; frame numbering;
 * fragments; the BPF filter; and every hostile input of issue 5 (empty file,
 * cut global header, caplen over the snap length or past the end of the
 * file, unknown link type, IHL < 5, TCP data offset < 5 or past the packet,
 * records cut by the snap length). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "harness/capture.h"
#include "harness/event.h"
#include "support/pcap_craft.h"

#define T0 (1700000000ull * 1000000u)

/* ---- helpers ---- */

/* One record's outcome as cap_next reported it. */
struct got {
    enum cap_status st;
    struct cap_segment cs;
    char note[320];
};

static void open_reader(struct cap_reader *r, const char *path, const char *filter)
{
    char err[320];
    bool ok = cap_open(r, path, err, sizeof err);
    if (!ok)
        fprintf(stderr, "%s\n", err);
    assert_true(ok);
    if (filter)
        assert_true(cap_set_filter(r, filter, err, sizeof err));
}

/* The checker's reader (cap_next_fast) must report every record exactly as
 * cap_next does, whether it decoded it in the checker's form (struct
 * cap_fast_segment: only what the checker reads) or not: read path again
 * that way and compare with g[0..n). */
static void expect_same_with_cap_next_fast(const char *path, const char *filter,
                                           const struct got *g, size_t n)
{
    struct cap_reader r;
    open_reader(&r, path, filter);
    struct cap_fast_segment fs;
    memset(&fs, 0, sizeof fs);
    for (size_t i = 0; i < n; i++) {
        struct got x;
        memset(&x, 0, sizeof x);
        bool in_fast;
        x.st = cap_next_fast(&r, &fs, &x.cs, &in_fast, x.note, sizeof x.note);
        if (in_fast) {
            assert_int_equal(x.st, CAP_SEGMENT);
            assert_int_equal(g[i].st, CAP_SEGMENT);
            assert_string_equal(g[i].note, "");
            assert_int_equal(fs.frame, g[i].cs.frame);
            assert_int_equal(fs.time_usecs, g[i].cs.time_usecs);
            assert_false(g[i].cs.payload_cut);
            struct cap_fast_segment want;
            memset(&want, 0, sizeof want);
            cap_fast_segment_of(&g[i].cs.ip, &g[i].cs.seg, &want);
            assert_true(cap_fast_segment_equal(&want, &fs));
            /* Expanded again, it is the segment in all the checker reads
             * (and, in the sanitizer builds, poison in the rest). */
            struct cap_segment back;
            memset(&back, 0, sizeof back);
            cap_fast_segment_expand(&fs, &back);
            const struct seg *a = &back.seg, *b = &g[i].cs.seg;
            assert_int_equal(back.frame, g[i].cs.frame);
            assert_int_equal(back.ip.version, g[i].cs.ip.version);
            assert_memory_equal(back.ip.src, g[i].cs.ip.src, back.ip.version == 4 ? 4 : 16);
            assert_memory_equal(back.ip.dst, g[i].cs.ip.dst, back.ip.version == 4 ? 4 : 16);
            assert_true(a->sport == b->sport && a->dport == b->dport && a->seq == b->seq &&
                        a->ack == b->ack && a->flags == b->flags && a->window == b->window &&
                        a->payload_len == b->payload_len &&
                        a->opts.has_wscale == b->opts.has_wscale &&
                        a->opts.has_ts == b->opts.has_ts &&
                        (!a->opts.has_ts || a->opts.ts_val == b->opts.ts_val) &&
                        (!a->opts.has_wscale || a->opts.wscale == b->opts.wscale));
            if (FINFUZZ_VERIFY_FAST && back.ip.version == 4) {
                assert_int_equal(a->urg_ptr, 0xa5a5);
                assert_int_equal(back.ip.ttl, 0xa5);
                assert_ptr_equal(a->payload, (const uint8_t *)(uintptr_t)0xa5);
            }
            continue;
        }
        assert_int_equal(x.st, g[i].st);
        assert_string_equal(x.note, g[i].note);
        if (x.st != CAP_SEGMENT)
            continue;
        assert_int_equal(x.cs.frame, g[i].cs.frame);
        assert_int_equal(x.cs.time_usecs, g[i].cs.time_usecs);
        assert_int_equal(x.cs.payload_cut, g[i].cs.payload_cut);
        assert_true(cap_seg_ip_equal(&x.cs.ip, &g[i].cs.ip));
        /* Two readers: the payloads lie in different buffers. */
        assert_int_equal(x.cs.seg.payload == NULL, g[i].cs.seg.payload == NULL);
        struct seg a = x.cs.seg, b = g[i].cs.seg;
        a.payload = b.payload = NULL;
        assert_true(cap_seg_equal(&a, &b));
    }
    cap_close(&r);
}

/* Read every record of path (at most max); returns how many results. Each
 * file is read a second time with cap_next_fast, which must agree. */
static size_t read_all(const char *path, const char *filter, struct got *g, size_t max)
{
    struct cap_reader r;
    open_reader(&r, path, filter);
    size_t n = 0;
    while (n < max) {
        g[n].st = cap_next(&r, &g[n].cs, g[n].note, sizeof g[n].note);
        n++;
        if (g[n - 1].st == CAP_EOF || g[n - 1].st == CAP_ERROR)
            break;
    }
    cap_close(&r);
    expect_same_with_cap_next_fast(path, filter, g, n);
    return n;
}

/* An IPv4/UDP packet (28 bytes): not TCP. */
static size_t udp4(uint8_t *out)
{
    static const uint8_t p[28] = {0x45, 0, 0,   28, 0, 1, 0,    0,    64, 17, 0, 0, 192, 0,
                                  2,    1, 192, 0,  2, 2, 0x30, 0x39, 0,  53, 0, 8, 0,   0};
    memcpy(out, p, sizeof p);
    return sizeof p;
}

/* An IPv6/UDP packet (48 bytes). */
static size_t udp6(uint8_t *out)
{
    memset(out, 0, 48);
    out[0] = 0x60;
    out[5] = 8;  /* payload length */
    out[6] = 17; /* next header UDP */
    out[7] = 64;
    out[8] = 0x20, out[9] = 0x01, out[10] = 0x0d, out[11] = 0xb8, out[23] = 1;
    out[24] = 0x20, out[25] = 0x01, out[26] = 0x0d, out[27] = 0xb8, out[39] = 2;
    out[41] = 53;
    out[45] = 8;
    return 48;
}

/* The IP packet of a TCP segment from the conversation's A side. */
static size_t tcp_packet(const struct craft_conn *k, int ep, uint8_t flags, uint32_t seq,
                         uint32_t len, uint8_t *out, size_t cap)
{
    struct seg s;
    memset(&s, 0, sizeof s);
    s.sport = k->port[ep];
    s.dport = k->port[1 - ep];
    s.seq = seq;
    s.ack = (flags & TCP_ACK) ? 1000 : 0;
    s.flags = flags;
    s.window = 1000;
    s.payload_len = len;
    return seg_encode_ip(&k->ip[ep], &s, out, cap);
}

static void write_frame(struct craft *c, uint64_t t, const uint8_t *ip, size_t len)
{
    uint8_t frame[2000];
    size_t n = craft_link_frame(c, ip, len, frame, sizeof frame);
    craft_record(c, t, frame, n);
}

/* ---- link types, formats, byte orders, timestamps ---- */

struct variant {
    struct craft_opts o;
    int version; /* 0: both */
    const char *what;
};

static const struct variant variants[] = {
    {{.linktype = CRAFT_LT_ETHERNET}, 0, "Ethernet"},
    {{.linktype = CRAFT_LT_ETHERNET, .vlan_tags = 1}, 0, "Ethernet 802.1Q"},
    {{.linktype = CRAFT_LT_ETHERNET, .vlan_tags = 2}, 0, "Ethernet QinQ"},
    {{.linktype = CRAFT_LT_ETHERNET, .vlan_tags = 3}, 0, "Ethernet three tags"},
    {{.linktype = CRAFT_LT_SLL}, 0, "Linux cooked v1"},
    {{.linktype = CRAFT_LT_SLL2}, 0, "Linux cooked v2"},
    {{.linktype = CRAFT_LT_RAW}, 0, "raw IP (LINKTYPE 101)"},
    {{.linktype = CRAFT_LT_IPV4}, 4, "raw IPv4"},
    {{.linktype = CRAFT_LT_IPV6}, 6, "raw IPv6"},
    {{.linktype = CRAFT_LT_NULL}, 0, "NULL, AF in file order"},
    {{.linktype = CRAFT_LT_NULL, .null_swapped = true}, 0, "NULL, AF in the other order"},
    {{.linktype = CRAFT_LT_LOOP}, 0, "LOOP"},
};

/* Frame 1 is UDP, 2 a SYN, 3 a SYN-ACK with 100 bytes: read back exactly. */
static void check_variant(const struct variant *v, int version, bool pcapng, bool big_endian,
                          bool nsec)
{
    char path[CRAFT_PATH_MAX];
    craft_path(path, "variant.pcap");
    struct craft c;
    struct craft_opts o = v->o;
    o.pcapng = pcapng;
    o.big_endian = big_endian;
    o.nsec = nsec;
    assert_true(craft_open(&c, path, &o));
    struct craft_conn k;
    craft_conn_init(&k, &c, version, 40000, 80, 1000, 5000, 0);
    uint8_t ip[200];
    write_frame(&c, T0, ip, version == 4 ? udp4(ip) : udp6(ip));
    craft_send(&k, 1, EP_A, TCP_SYN, 0);
    craft_send(&k, 1234567, EP_B, TCP_SYN | TCP_ACK, 100);
    craft_close(&c);

    struct got g[5];
    size_t n = read_all(path, NULL, g, 5);
    if (n != 4 || g[0].st != CAP_SKIP || g[1].st != CAP_SEGMENT || g[2].st != CAP_SEGMENT ||
        g[3].st != CAP_EOF)
        fail_msg("%s IPv%d %s %s %s: got %zu results (%d %d %d)", v->what, version,
                 pcapng ? "pcapng" : "pcap", big_endian ? "BE" : "LE", nsec ? "ns" : "us", n,
                 g[0].st, g[1].st, g[2].st);
    assert_int_equal(g[1].cs.frame, 2);
    assert_int_equal(g[2].cs.frame, 3);
    assert_int_equal(g[1].cs.ip.version, version);
    assert_int_equal(g[1].cs.seg.sport, 40000);
    assert_int_equal(g[1].cs.seg.dport, 80);
    assert_int_equal(g[1].cs.seg.flags, TCP_SYN);
    assert_int_equal(g[1].cs.seg.seq, 1000);
    assert_int_equal(g[2].cs.seg.flags, TCP_SYN | TCP_ACK);
    assert_int_equal(g[2].cs.seg.payload_len, 100);
    assert_int_equal(g[2].cs.seg.ack, 1001);
    assert_false(g[2].cs.payload_cut);
    assert_int_equal(g[1].cs.time_usecs, k.now_usecs - 1234567);
    assert_int_equal(g[2].cs.time_usecs, k.now_usecs);
    assert_string_equal(g[1].note, "");
}

static void test_every_link_type_format_and_byte_order(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof variants / sizeof variants[0]; i++)
        for (int version = 4; version <= 6; version += 2) {
            if (variants[i].version && variants[i].version != version)
                continue;
            for (int fmt = 0; fmt < 8; fmt++)
                check_variant(&variants[i], version, fmt & 1, fmt & 2, fmt & 4);
        }
}

static void test_link_names(void **state)
{
    (void)state;
    assert_string_equal(cap_link_name(DLT_RAW), "raw IP");
    assert_string_equal(cap_link_name(DLT_EN10MB), "Ethernet");
    assert_null(cap_link_name(147));
}

/* ---- frames that carry no TCP ---- */

static void test_non_ip_ethernet_frame_is_skipped_and_counted(void **state)
{
    (void)state;
    char path[CRAFT_PATH_MAX];
    craft_path(path, "arp.pcap");
    struct craft c;
    assert_true(craft_open(&c, path, &(struct craft_opts){.linktype = CRAFT_LT_ETHERNET}));
    uint8_t arp[42] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 1, 0x08, 0x06};
    craft_record(&c, T0, arp, sizeof arp);
    uint8_t llc[60] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 1, 0x00, 0x2e};
    craft_record(&c, T0, llc, sizeof llc);
    struct craft_conn k;
    craft_conn_init(&k, &c, 4, 1, 2, 3, 4, 0);
    craft_send(&k, 1, EP_A, TCP_SYN, 0);
    craft_close(&c);
    struct got g[4];
    assert_int_equal(read_all(path, NULL, g, 4), 4);
    assert_int_equal(g[0].st, CAP_SKIP);
    assert_string_equal(g[0].note, "");
    assert_int_equal(g[1].st, CAP_SKIP);
    assert_int_equal(g[2].st, CAP_SEGMENT);
    assert_int_equal(g[2].cs.frame, 3);
}

static void test_ipv4_fragment_is_noted_and_skipped(void **state)
{
    (void)state;
    char path[CRAFT_PATH_MAX];
    craft_path(path, "frag.pcap");
    struct craft c;
    assert_true(craft_open(&c, path, &(struct craft_opts){.linktype = CRAFT_LT_RAW}));
    struct craft_conn k;
    craft_conn_init(&k, &c, 4, 1, 2, 3, 4, 0);
    uint8_t ip[200];
    size_t n = tcp_packet(&k, EP_A, TCP_ACK, 10, 40, ip, sizeof ip);
    ip[6] |= 0x20; /* more fragments */
    write_frame(&c, T0, ip, n);
    craft_send(&k, 1, EP_A, TCP_SYN, 0);
    craft_close(&c);
    struct got g[3];
    read_all(path, NULL, g, 3);
    assert_int_equal(g[0].st, CAP_SKIP);
    assert_non_null(strstr(g[0].note, "frame 1: IP fragment"));
    assert_non_null(strstr(g[0].note, path));
    assert_int_equal(g[1].st, CAP_SEGMENT);
}

/* ---- malformed headers: a message naming file and frame, then go on ---- */

static void malformed_then_good(const char *name, void (*spoil)(uint8_t *ip, size_t *len),
                                const char *expect)
{
    char path[CRAFT_PATH_MAX];
    craft_path(path, name);
    struct craft c;
    assert_true(craft_open(&c, path, &(struct craft_opts){.linktype = CRAFT_LT_ETHERNET}));
    struct craft_conn k;
    craft_conn_init(&k, &c, 4, 1, 2, 3, 4, 0);
    craft_send(&k, 1, EP_A, TCP_SYN, 0);
    uint8_t ip[200];
    size_t n = tcp_packet(&k, EP_B, TCP_SYN | TCP_ACK, 10, 0, ip, sizeof ip);
    spoil(ip, &n);
    write_frame(&c, T0, ip, n);
    craft_send(&k, 1, EP_A, TCP_ACK, 0);
    craft_close(&c);
    struct got g[4];
    assert_int_equal(read_all(path, NULL, g, 4), 4);
    assert_int_equal(g[0].st, CAP_SEGMENT);
    assert_int_equal(g[1].st, CAP_SKIP);
    char want[400];
    snprintf(want, sizeof want, "%s: frame 2: %s", path, expect);
    if (!strstr(g[1].note, want))
        fail_msg("note '%s' lacks '%s'", g[1].note, want);
    assert_int_equal(g[2].st, CAP_SEGMENT);
    assert_int_equal(g[2].cs.frame, 3);
}

static void ihl_4(uint8_t *ip, size_t *len)
{
    (void)len;
    ip[0] = 0x44;
}
static void doff_4(uint8_t *ip, size_t *len)
{
    (void)len;
    ip[20 + 12] = 0x40;
}
static void doff_past(uint8_t *ip, size_t *len)
{
    (void)len;
    ip[20 + 12] = 0xf0; /* 60 bytes of header in a 20-byte segment */
}
static void not_ip_version(uint8_t *ip, size_t *len)
{
    (void)len;
    ip[0] = 0x55;
}

static void test_ipv4_ihl_below_5(void **state)
{
    (void)state;
    malformed_then_good("ihl.pcap", ihl_4, seg_err_str(SEG_ERR_IPV4_IHL));
}
static void test_tcp_doff_below_5(void **state)
{
    (void)state;
    malformed_then_good("doff.pcap", doff_4, seg_err_str(SEG_ERR_TCP_DOFF_SMALL));
}
static void test_tcp_doff_past_packet(void **state)
{
    (void)state;
    malformed_then_good("doff2.pcap", doff_past, seg_err_str(SEG_ERR_TCP_DOFF_OVERRUN));
}
static void test_bad_ip_version(void **state)
{
    (void)state;
    malformed_then_good("ver.pcap", not_ip_version, seg_err_str(SEG_ERR_IP_VERSION));
}

static void test_ethernet_header_cut_short(void **state)
{
    (void)state;
    char path[CRAFT_PATH_MAX];
    craft_path(path, "eth5.pcap");
    struct craft c;
    assert_true(craft_open(&c, path, &(struct craft_opts){.linktype = CRAFT_LT_ETHERNET}));
    uint8_t five[5] = {1, 2, 3, 4, 5};
    craft_record(&c, T0, five, sizeof five);
    uint8_t vlan_cut[16] = {[12] = 0x81, [13] = 0x00};
    craft_record(&c, T0, vlan_cut, sizeof vlan_cut);
    craft_close(&c);
    struct got g[3];
    assert_int_equal(read_all(path, NULL, g, 3), 3);
    assert_non_null(strstr(g[0].note, "frame 1: link-layer header cut short"));
    assert_non_null(strstr(g[1].note, "frame 2: link-layer header cut short"));
    assert_int_equal(g[2].st, CAP_EOF);
}

/* ---- the snap length ---- */

static void test_snap_cut_payload_keeps_headers(void **state)
{
    (void)state;
    char path[CRAFT_PATH_MAX];
    craft_path(path, "snap.pcap");
    struct craft c;
    assert_true(
        craft_open(&c, path, &(struct craft_opts){.linktype = CRAFT_LT_ETHERNET, .snaplen = 96}));
    struct craft_conn k;
    craft_conn_init(&k, &c, 6, 1, 2, 3, 4, 0);
    craft_send(&k, 1, EP_A, TCP_ACK | TCP_PSH, 1000);
    craft_close(&c);
    struct got g[2];
    read_all(path, NULL, g, 2);
    assert_int_equal(g[0].st, CAP_SEGMENT);
    assert_true(g[0].cs.payload_cut);
    assert_null(g[0].cs.seg.payload);
    assert_int_equal(g[0].cs.seg.payload_len, 1000);
    assert_int_equal(g[0].cs.seg.seq, 3);
}

static void test_snap_cut_tcp_header_is_skipped(void **state)
{
    (void)state;
    char path[CRAFT_PATH_MAX];
    craft_path(path, "snap2.pcap");
    struct craft c;
    /* 14 Ethernet + 20 IPv4 + 6 bytes of TCP. */
    assert_true(
        craft_open(&c, path, &(struct craft_opts){.linktype = CRAFT_LT_ETHERNET, .snaplen = 40}));
    struct craft_conn k;
    craft_conn_init(&k, &c, 4, 1, 2, 3, 4, 0);
    craft_send(&k, 1, EP_A, TCP_ACK, 100);
    craft_send(&k, 1, EP_A, TCP_FIN | TCP_ACK, 0);
    craft_close(&c);
    struct got g[3];
    read_all(path, NULL, g, 3);
    assert_int_equal(g[0].st, CAP_SKIP);
    assert_non_null(strstr(g[0].note, "frame 1: the snap length (40 bytes) cut the IP/TCP header"));
    assert_int_equal(g[1].st, CAP_SKIP);
    assert_non_null(strstr(g[1].note, "frame 2:"));
}

/* ---- hostile files ---- */

static void expect_open_error(const char *path, const char *want)
{
    struct cap_reader r;
    char err[320];
    assert_false(cap_open(&r, path, err, sizeof err));
    if (!strstr(err, want) || !strstr(err, path))
        fail_msg("error '%s' lacks '%s' or the file name", err, want);
}

static void test_empty_file(void **state)
{
    (void)state;
    char path[CRAFT_PATH_MAX];
    FILE *fp = fopen(craft_path(path, "empty.pcap"), "wb");
    fclose(fp);
    expect_open_error(path, "empty file");
}

static void test_truncated_global_header(void **state)
{
    (void)state;
    char path[CRAFT_PATH_MAX];
    FILE *fp = fopen(craft_path(path, "hdr.pcap"), "wb");
    static const uint8_t part[10] = {0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0};
    fwrite(part, 1, sizeof part, fp);
    fclose(fp);
    expect_open_error(path, "truncated global header (10 of 24 bytes)");
    fp = fopen(path, "wb");
    fwrite(part, 1, 3, fp);
    fclose(fp);
    expect_open_error(path, "truncated global header");
}

static void test_not_a_capture(void **state)
{
    (void)state;
    char path[CRAFT_PATH_MAX];
    FILE *fp = fopen(craft_path(path, "text.pcap"), "wb");
    fputs("this is not a capture file at all, just words\n", fp);
    fclose(fp);
    struct cap_reader r;
    char err[320];
    assert_false(cap_open(&r, path, err, sizeof err));
    assert_non_null(strstr(err, path));
}

static void test_missing_file(void **state)
{
    (void)state;
    expect_open_error("/nonexistent/x.pcap", "No such file");
}

static void test_unknown_link_type(void **state)
{
    (void)state;
    char path[CRAFT_PATH_MAX];
    craft_path(path, "user0.pcap");
    struct craft c;
    assert_true(craft_open(&c, path, &(struct craft_opts){.linktype = 147}));
    uint8_t b[20] = {0};
    craft_record(&c, T0, b, sizeof b);
    craft_close(&c);
    expect_open_error(path, "unknown link type 147");
}

static void test_caplen_over_snaplen(void **state)
{
    (void)state;
    char path[CRAFT_PATH_MAX];
    craft_path(path, "oversnap.pcap");
    struct craft c;
    assert_true(
        craft_open(&c, path, &(struct craft_opts){.linktype = CRAFT_LT_RAW, .snaplen = 100}));
    struct craft_conn k;
    craft_conn_init(&k, &c, 4, 1, 2, 3, 4, 0);
    uint8_t ip[300];
    size_t n = tcp_packet(&k, EP_A, TCP_ACK, 3, 160, ip, sizeof ip); /* 200 bytes */
    assert_int_equal(n, 200);
    craft_record_raw(&c, T0, 200, 200, ip, 200); /* stored past the snap length */
    craft_send(&k, 1, EP_A, TCP_FIN | TCP_ACK, 0);
    craft_close(&c);
    struct got g[3];
    read_all(path, NULL, g, 3);
    assert_non_null(strstr(g[0].note, "frame 1: record longer than the snap length (100 bytes)"));
    assert_int_equal(g[1].st, CAP_SEGMENT);
    assert_int_equal(g[1].cs.frame, 2);
    assert_int_equal(g[1].cs.seg.flags, TCP_FIN | TCP_ACK);
    assert_int_equal(g[2].st, CAP_EOF);
}

static void test_caplen_past_end_of_file(void **state)
{
    (void)state;
    char path[CRAFT_PATH_MAX];
    craft_path(path, "cut.pcap");
    struct craft c;
    assert_true(craft_open(&c, path, &(struct craft_opts){.linktype = CRAFT_LT_RAW}));
    struct craft_conn k;
    craft_conn_init(&k, &c, 4, 1, 2, 3, 4, 0);
    craft_send(&k, 1, EP_A, TCP_SYN, 0);
    uint8_t some[20] = {0x45};
    craft_record_raw(&c, T0, 500, 500, some, sizeof some);
    craft_close(&c);
    struct got g[3];
    assert_int_equal(read_all(path, NULL, g, 3), 2);
    assert_int_equal(g[0].st, CAP_SEGMENT);
    assert_int_equal(g[1].st, CAP_ERROR);
    char want[CRAFT_PATH_MAX + 20];
    snprintf(want, sizeof want, "%s: frame 2: ", path);
    if (!strstr(g[1].note, want))
        fail_msg("'%s' lacks '%s'", g[1].note, want);
}

static void test_record_header_cut(void **state)
{
    (void)state;
    char path[CRAFT_PATH_MAX];
    craft_path(path, "rechdr.pcap");
    struct craft c;
    assert_true(craft_open(&c, path, &(struct craft_opts){.linktype = CRAFT_LT_RAW}));
    struct craft_conn k;
    craft_conn_init(&k, &c, 4, 1, 2, 3, 4, 0);
    craft_send(&k, 1, EP_A, TCP_SYN, 0);
    uint8_t half[7] = {1, 2, 3, 4, 5, 6, 7};
    fwrite(half, 1, sizeof half, c.fp);
    craft_close(&c);
    struct got g[3];
    assert_int_equal(read_all(path, NULL, g, 3), 2);
    assert_int_equal(g[1].st, CAP_ERROR);
    assert_non_null(strstr(g[1].note, "frame 2: "));
}

/* ---- the BPF filter keeps Wireshark's frame numbers ---- */

static void test_filter_keeps_frame_numbers(void **state)
{
    (void)state;
    char path[CRAFT_PATH_MAX];
    craft_path(path, "filter.pcap");
    struct craft c;
    assert_true(craft_open(&c, path, &(struct craft_opts){.linktype = CRAFT_LT_SLL2}));
    struct craft_conn k1, k2;
    craft_conn_init(&k1, &c, 4, 1000, 80, 1, 2, 0);
    craft_conn_init(&k2, &c, 6, 1001, 81, 1, 2, 0);
    craft_send(&k1, 1, EP_A, TCP_SYN, 0);
    craft_send(&k2, 1, EP_A, TCP_SYN, 0);
    craft_send(&k1, 1, EP_B, TCP_SYN | TCP_ACK, 0);
    craft_send(&k2, 1, EP_B, TCP_SYN | TCP_ACK, 0);
    craft_close(&c);
    struct got g[5];
    assert_int_equal(read_all(path, "tcp port 81", g, 5), 5);
    assert_int_equal(g[0].st, CAP_SKIP);
    assert_int_equal(g[1].st, CAP_SEGMENT);
    assert_int_equal(g[1].cs.frame, 2);
    assert_int_equal(g[2].st, CAP_SKIP);
    assert_int_equal(g[3].st, CAP_SEGMENT);
    assert_int_equal(g[3].cs.frame, 4);
    assert_int_equal(g[3].cs.ip.version, 6);
}

static void test_bad_filter_is_refused(void **state)
{
    (void)state;
    char path[CRAFT_PATH_MAX];
    craft_path(path, "f2.pcap");
    struct craft c;
    assert_true(craft_open(&c, path, &(struct craft_opts){.linktype = CRAFT_LT_RAW}));
    craft_close(&c);
    struct cap_reader r;
    char err[320];
    assert_true(cap_open(&r, path, err, sizeof err));
    assert_false(cap_set_filter(&r, "tcp port port", err, sizeof err));
    assert_non_null(strstr(err, "bad --flow filter"));
    cap_close(&r);
}

/* ---- a real capture: frame numbers as tshark prints them ---- */

static void test_linux_capture_frames(void **state)
{
    (void)state;
    struct got g[32];
    size_t n = read_all("tests/pcaps/linux/h_timewait_probes.pcap", NULL, g, 32);
    assert_int_equal(n, 21);
    /* README: #13 S>C SYN seq 801231248; #20 C>S RST seq 2987422886. */
    assert_int_equal(g[12].cs.frame, 13);
    assert_int_equal(g[12].cs.seg.flags, TCP_SYN);
    assert_int_equal(g[12].cs.seg.seq, 801231248u);
    assert_int_equal(g[19].cs.frame, 20);
    assert_int_equal(g[19].cs.seg.flags, TCP_RST);
    assert_int_equal(g[19].cs.seg.seq, 2987422886u);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_link_type_format_and_byte_order),
        cmocka_unit_test(test_link_names),
        cmocka_unit_test(test_non_ip_ethernet_frame_is_skipped_and_counted),
        cmocka_unit_test(test_ipv4_fragment_is_noted_and_skipped),
        cmocka_unit_test(test_ipv4_ihl_below_5),
        cmocka_unit_test(test_tcp_doff_below_5),
        cmocka_unit_test(test_tcp_doff_past_packet),
        cmocka_unit_test(test_bad_ip_version),
        cmocka_unit_test(test_ethernet_header_cut_short),
        cmocka_unit_test(test_snap_cut_payload_keeps_headers),
        cmocka_unit_test(test_snap_cut_tcp_header_is_skipped),
        cmocka_unit_test(test_empty_file),
        cmocka_unit_test(test_truncated_global_header),
        cmocka_unit_test(test_not_a_capture),
        cmocka_unit_test(test_missing_file),
        cmocka_unit_test(test_unknown_link_type),
        cmocka_unit_test(test_caplen_over_snaplen),
        cmocka_unit_test(test_caplen_past_end_of_file),
        cmocka_unit_test(test_record_header_cut),
        cmocka_unit_test(test_filter_keeps_frame_numbers),
        cmocka_unit_test(test_bad_filter_is_refused),
        cmocka_unit_test(test_linux_capture_frames),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
