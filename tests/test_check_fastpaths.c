/* The checker's fast paths (capture.c's IPv4/TCP decoder, oracle_fast.c):
 * each must give exactly what the general path gives, take the ordinary
 * records and segments it exists for (or the speed silently goes), and leave
 * every other one to the general path.
 *
 * In this (sanitizer) build FINFUZZ_VERIFY_FAST is on, so every segment the
 * oracle's fast path takes below, and in every other test that runs a
 * capture, is also run through the observer and compared. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harness/capture.h"
#include "harness/event.h"
#include "harness/fast_verify.h"
#include "harness/oracle.h"
#include "harness/oracle_fast.h"
#include "stack/segment.h"

/* ---- decoding ---- */

static struct seg_ip ip4(void)
{
    struct seg_ip ip = {.version = 4, .ttl = 64, .ip_id = 0x1234};
    const uint8_t a[4] = {192, 0, 2, 1}, b[4] = {198, 51, 100, 7};
    memcpy(ip.src, a, 4);
    memcpy(ip.dst, b, 4);
    return ip;
}

static struct seg seg_of(uint8_t flags, uint32_t len)
{
    static const uint8_t payload[1400];
    struct seg s = {.sport = 41000,
                    .dport = 443,
                    .seq = 0xfffffff0u,
                    .ack = 77,
                    .flags = flags,
                    .window = 29200,
                    .payload_len = len,
                    .payload = len ? payload : NULL};
    return s;
}

/* The fast decoder and the codec agree on pkt; returns whether the fast
 * path took it (when it declines, the codec decides alone). */
static bool decode_both(const uint8_t *pkt, size_t len, enum seg_err *codec_err)
{
    struct seg_ip a, b;
    struct seg x, y;
    bool fast = cap_decode_ipv4_fast(pkt, len, &a, &x);
    *codec_err = seg_decode_ip(pkt, len, SEG_DECODE_NO_CHECKSUM, &b, &y);
    if (fast) {
        assert_int_equal(*codec_err, SEG_OK);
        assert_true(cap_seg_ip_equal(&a, &b));
        assert_true(cap_seg_equal(&x, &y));
    }
    return fast;
}

static void test_decode_fast_takes_plain_ipv4(void **state)
{
    (void)state;
    uint8_t pkt[1600];
    struct seg_ip ip = ip4();
    enum seg_err err;
    /* Bare ACK, data, FIN, SYN with Linux's options, timestamps on data. */
    struct seg cases[5] = {seg_of(TCP_ACK, 0), seg_of(TCP_ACK | TCP_PSH, 1400),
                           seg_of(TCP_ACK | TCP_FIN, 0), seg_of(TCP_SYN, 0), seg_of(TCP_ACK, 100)};
    cases[3].opts = (struct seg_opts){.has_mss = true,
                                      .mss = 1460,
                                      .sack_permitted = true,
                                      .has_ts = true,
                                      .ts_val = 1,
                                      .ts_ecr = 0,
                                      .has_wscale = true,
                                      .wscale = 7};
    cases[4].opts = (struct seg_opts){.has_ts = true, .ts_val = 0xdeadbeef, .ts_ecr = 42};
    for (size_t i = 0; i < 5; i++) {
        size_t n = seg_encode_ip(&ip, &cases[i], pkt, sizeof pkt);
        assert_true(n > 0);
        assert_true(decode_both(pkt, n, &err));
        /* Link-layer padding after the IP packet is ignored by both. */
        memset(pkt + n, 0xee, 6);
        assert_true(decode_both(pkt, n + 6, &err));
    }
}

static void test_decode_fast_declines_the_rest(void **state)
{
    (void)state;
    uint8_t pkt[1600], opt[1600];
    struct seg_ip ip = ip4();
    struct seg s = seg_of(TCP_ACK, 10);
    size_t n = seg_encode_ip(&ip, &s, pkt, sizeof pkt);
    enum seg_err err;

    /* IPv4 options (IHL 6): valid, the codec's job. */
    memcpy(opt, pkt, 20);
    memset(opt + 20, 1, 4); /* NOPs */
    memcpy(opt + 24, pkt + 20, n - 20);
    opt[0] = 0x46;
    opt[2] = (uint8_t)((n + 4) >> 8), opt[3] = (uint8_t)(n + 4);
    assert_false(decode_both(opt, n + 4, &err));
    assert_int_equal(err, SEG_OK);

    /* A fragment, UDP, a total length past the buffer (a snap cut). */
    memcpy(opt, pkt, n);
    opt[6] |= 0x20; /* MF */
    assert_false(decode_both(opt, n, &err));
    assert_int_equal(err, SEG_ERR_IP_FRAGMENT);
    memcpy(opt, pkt, n);
    opt[9] = 17;
    assert_false(decode_both(opt, n, &err));
    assert_int_equal(err, SEG_ERR_NOT_TCP);
    assert_false(decode_both(pkt, n - 1, &err));
    assert_int_equal(err, SEG_ERR_IP_TOTLEN);

    /* TCP data offset below 5 or past the segment; a bad option length. */
    memcpy(opt, pkt, n);
    opt[20 + 12] = 0x40;
    assert_false(decode_both(opt, n, &err));
    assert_int_equal(err, SEG_ERR_TCP_DOFF_SMALL);
    memcpy(opt, pkt, n);
    opt[20 + 12] = 0xf0;
    assert_false(decode_both(opt, n, &err));
    assert_int_equal(err, SEG_ERR_TCP_DOFF_OVERRUN);
    memcpy(opt, pkt, n);
    opt[20 + 12] = 0x60;      /* 4 option bytes: the first 4 payload bytes */
    opt[40] = 2, opt[41] = 3; /* MSS with length 3 */
    assert_false(decode_both(opt, n, &err));
    assert_int_equal(err, SEG_ERR_TCP_OPT_LEN);

    /* IPv6 goes the general way. */
    struct seg_ip ip6 = {.version = 6, .ttl = 64};
    ip6.src[15] = 1, ip6.dst[15] = 2;
    n = seg_encode_ip(&ip6, &s, pkt, sizeof pkt);
    assert_false(decode_both(pkt, n, &err));
    assert_int_equal(err, SEG_OK);
}

/* ---- the oracle ---- */

struct conv {
    struct oracle o;
    uint64_t index, now_usecs;
    uint32_t nxt[2];
};

static void conv_init(struct conv *c)
{
    struct oracle_config cfg;
    oracle_config_default(&cfg); /* as check.c: both judged, no states reported */
    cfg.profile = PROFILE_LINUX;
    oracle_init(&c->o, &cfg);
    c->index = 0;
    c->now_usecs = 1000000;
    c->nxt[EP_A] = 1000;
    c->nxt[EP_B] = 900000;
}

/* ep sends flags/len at its next seq, acknowledging the peer's next seq
 * (ack_delta moves that ACK). Returns whether the fast path took it,
 * asked on a copy of the oracle before the real push. */
static bool conv_send(struct conv *c, uint8_t ep, uint8_t flags, uint32_t len, int32_t ack_delta)
{
    struct ev e;
    memset(&e, 0, sizeof e);
    e.kind = EV_SEGMENT;
    e.time_usecs = c->now_usecs += 1000;
    e.frame = c->index + 1;
    e.endpoint = ep;
    struct seg *g = &e.u.segment.seg;
    g->flags = flags;
    g->seq = c->nxt[ep];
    g->ack = (flags & TCP_ACK) ? c->nxt[ep ^ 1] + (uint32_t)ack_delta : 0;
    g->window = 1000;
    g->payload_len = len;
    e.u.segment.ip = ip4();
    c->nxt[ep] += seg_len(g);
    struct oracle *copy = malloc(sizeof *copy);
    assert_non_null(copy);
    memcpy(copy, &c->o, sizeof *copy);
    bool fast = oracle_fast_segment(copy, c->index, &e);
    free(copy);
    oracle_push(&c->o, c->index++, &e);
    return fast;
}

static void test_oracle_fast_path_takes_ordinary_segments(void **state)
{
    (void)state;
    assert_int_equal(FINFUZZ_VERIFY_FAST, 1); /* tests run with the comparison on */
    struct conv *c = malloc(sizeof *c);
    assert_non_null(c);
    conv_init(c);
    assert_false(conv_send(c, EP_A, TCP_SYN, 0, 0));
    assert_false(conv_send(c, EP_B, TCP_SYN | TCP_ACK, 0, 0));
    assert_true(conv_send(c, EP_A, TCP_ACK, 0, 0)); /* ends the handshake */
    assert_int_equal(oracle_view(&c->o, EP_A).state, TCP_ESTABLISHED);
    assert_int_equal(oracle_view(&c->o, EP_B).state, TCP_ESTABLISHED);
    for (int i = 0; i < 3; i++) {
        assert_true(conv_send(c, EP_A, TCP_ACK | TCP_PSH, 500, 0));
        assert_true(conv_send(c, EP_B, TCP_ACK, 0, 0));
        assert_true(conv_send(c, EP_B, TCP_ACK | TCP_PSH, 300, 0));
        assert_true(conv_send(c, EP_A, TCP_ACK, 0, 0));
    }
    /* The close goes the general way. */
    assert_false(conv_send(c, EP_A, TCP_ACK | TCP_FIN, 0, 0));
    assert_false(conv_send(c, EP_B, TCP_ACK, 0, 0));
    assert_false(conv_send(c, EP_B, TCP_ACK | TCP_FIN, 0, 0));
    assert_false(conv_send(c, EP_A, TCP_ACK, 0, 0));
    oracle_finish(&c->o, c->now_usecs + 70000000ull);
    assert_int_equal(oracle_verdict(&c->o), VERDICT_PASS);
    free(c);
}

static void test_oracle_fast_path_leaves_violations_to_the_observer(void **state)
{
    (void)state;
    struct conv *c = malloc(sizeof *c);
    assert_non_null(c);
    conv_init(c);
    conv_send(c, EP_A, TCP_SYN, 0, 0);
    conv_send(c, EP_B, TCP_SYN | TCP_ACK, 0, 0);
    conv_send(c, EP_A, TCP_ACK, 0, 0);
    assert_true(conv_send(c, EP_A, TCP_ACK, 100, 0));
    assert_true(conv_send(c, EP_B, TCP_ACK, 0, 0));
    /* An ACK that moves backwards, one ahead of what the peer sent, and
     * text beyond the window B advertised (1000 bytes) are not ordinary. */
    assert_false(conv_send(c, EP_B, TCP_ACK, 0, -50));
    assert_false(conv_send(c, EP_B, TCP_ACK, 0, 10));
    assert_false(conv_send(c, EP_A, TCP_ACK, 1500, 0));
    /* An RST, and a segment without ACK. */
    assert_false(conv_send(c, EP_A, 0, 10, 0));
    assert_false(conv_send(c, EP_A, TCP_RST, 0, 0));
    assert_int_equal(oracle_verdict(&c->o), VERDICT_FAIL);
    size_t n;
    const struct oracle_violation *v = oracle_violations(&c->o, &n);
    bool monotonic = false, window = false;
    for (size_t i = 0; i < n; i++) {
        monotonic = monotonic || strcmp(v[i].inv->id, "ack-monotonic") == 0;
        window = window || strcmp(v[i].inv->id, "window-respected") == 0;
    }
    assert_true(monotonic);
    assert_true(window);
    free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decode_fast_takes_plain_ipv4),
        cmocka_unit_test(test_decode_fast_declines_the_rest),
        cmocka_unit_test(test_oracle_fast_path_takes_ordinary_segments),
        cmocka_unit_test(test_oracle_fast_path_leaves_violations_to_the_observer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
