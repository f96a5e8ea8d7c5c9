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

/* What a test segment changes from the plain one conv_send() makes. */
struct conv_twist {
    int32_t seq_delta; /* moves its seq (and what follows it) */
    const struct seg_opts *opts;
    uint64_t after_usecs; /* sent this long after the previous one (0: 1 ms) */
};

/* ep sends flags/len at its next seq (moved by t->seq_delta), acknowledging
 * the peer's next seq (ack_delta moves that ACK). Returns whether the fast
 * path took it, asked on a copy of the oracle before the real push. */
static bool conv_twisted(struct conv *c, uint8_t ep, uint8_t flags, uint32_t len, int32_t ack_delta,
                         const struct conv_twist *t)
{
    struct ev e;
    memset(&e, 0, sizeof e);
    e.kind = EV_SEGMENT;
    e.time_usecs = c->now_usecs += (t && t->after_usecs) ? t->after_usecs : 1000;
    e.frame = c->index + 1;
    e.endpoint = ep;
    struct seg *g = &e.u.segment.seg;
    g->flags = flags;
    c->nxt[ep] += t ? (uint32_t)t->seq_delta : 0;
    g->seq = c->nxt[ep];
    g->ack = (flags & TCP_ACK) ? c->nxt[ep ^ 1] + (uint32_t)ack_delta : 0;
    g->window = 1000;
    g->payload_len = len;
    if (t && t->opts)
        g->opts = *t->opts;
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

static bool conv_send(struct conv *c, uint8_t ep, uint8_t flags, uint32_t len, int32_t ack_delta)
{
    return conv_twisted(c, ep, flags, len, ack_delta, NULL);
}

static struct conv *conv_new(void)
{
    struct conv *c = malloc(sizeof *c);
    assert_non_null(c);
    conv_init(c);
    return c;
}

static enum tcp_state state_of(const struct conv *c, enum ev_endpoint ep)
{
    struct oracle_endpoint_view v = oracle_view(&c->o, ep);
    assert_true(v.state_known);
    return v.state;
}

/* The handshake, every segment of it on the fast path. */
static void conv_open_fast(struct conv *c)
{
    assert_true(conv_send(c, EP_A, TCP_SYN, 0, 0));
    assert_int_equal(state_of(c, EP_A), TCP_SYN_SENT);
    assert_int_equal(state_of(c, EP_B), TCP_LISTEN);
    assert_true(conv_send(c, EP_B, TCP_SYN | TCP_ACK, 0, 0));
    assert_int_equal(state_of(c, EP_B), TCP_SYN_RECEIVED);
    assert_true(conv_send(c, EP_A, TCP_ACK, 0, 0)); /* ends the handshake */
    assert_int_equal(state_of(c, EP_A), TCP_ESTABLISHED);
    assert_int_equal(state_of(c, EP_B), TCP_ESTABLISHED);
}

static bool has_violation(const struct conv *c, const char *id)
{
    size_t n;
    const struct oracle_violation *v = oracle_violations(&c->o, &n);
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i].inv->id, id) == 0)
            return true;
    return false;
}

static void test_oracle_fast_path_takes_ordinary_segments(void **state)
{
    (void)state;
    assert_int_equal(FINFUZZ_VERIFY_FAST, 1); /* tests run with the comparison on */
    struct conv *c = conv_new();
    conv_open_fast(c);
    for (int i = 0; i < 3; i++) {
        assert_true(conv_send(c, EP_A, TCP_ACK | TCP_PSH, 500, 0));
        assert_true(conv_send(c, EP_B, TCP_ACK, 0, 0));
        assert_true(conv_send(c, EP_B, TCP_ACK | TCP_PSH, 300, 0));
        assert_true(conv_send(c, EP_A, TCP_ACK, 0, 0));
    }
    /* The four-way close, A first. */
    assert_true(conv_send(c, EP_A, TCP_ACK | TCP_FIN, 0, 0));
    assert_int_equal(state_of(c, EP_A), TCP_FIN_WAIT_1);
    assert_int_equal(state_of(c, EP_B), TCP_CLOSE_WAIT);
    assert_true(conv_send(c, EP_B, TCP_ACK, 0, 0));
    assert_int_equal(state_of(c, EP_A), TCP_FIN_WAIT_2);
    assert_true(conv_send(c, EP_B, TCP_ACK | TCP_FIN, 0, 0));
    assert_int_equal(state_of(c, EP_B), TCP_LAST_ACK);
    assert_int_equal(state_of(c, EP_A), TCP_TIME_WAIT);
    assert_true(conv_send(c, EP_A, TCP_ACK, 0, 0));
    assert_int_equal(state_of(c, EP_B), TCP_CLOSED);
    oracle_finish(&c->o, c->now_usecs + 70000000ull);
    assert_int_equal(oracle_verdict(&c->o), VERDICT_PASS);
    free(c);
}

/* B closes first; A sends text in CLOSE-WAIT and answers B's FIN with its
 * own FIN on the same segment as the ACK (no ACK of its own before). */
static void test_oracle_fast_path_takes_passive_close_shapes(void **state)
{
    (void)state;
    struct conv *c = conv_new();
    conv_open_fast(c);
    assert_true(conv_send(c, EP_B, TCP_ACK | TCP_FIN, 0, 0));
    assert_int_equal(state_of(c, EP_B), TCP_FIN_WAIT_1);
    assert_int_equal(state_of(c, EP_A), TCP_CLOSE_WAIT);
    assert_true(conv_send(c, EP_A, TCP_ACK | TCP_PSH, 200, 0)); /* text in CLOSE-WAIT */
    assert_int_equal(state_of(c, EP_B), TCP_FIN_WAIT_2);
    assert_true(conv_send(c, EP_B, TCP_ACK, 0, 0)); /* from FIN-WAIT-2 */
    assert_true(conv_send(c, EP_A, TCP_ACK | TCP_FIN, 0, 0));
    assert_int_equal(state_of(c, EP_A), TCP_LAST_ACK);
    assert_int_equal(state_of(c, EP_B), TCP_TIME_WAIT);
    assert_true(conv_send(c, EP_B, TCP_ACK, 0, 0));
    assert_int_equal(state_of(c, EP_A), TCP_CLOSED);
    oracle_finish(&c->o, c->now_usecs + 70000000ull);
    assert_int_equal(oracle_verdict(&c->o), VERDICT_PASS);
    free(c);

    /* A's FIN is answered by B's FIN+ACK at once: A goes through
     * FIN-WAIT-2 to TIME-WAIT on one segment. */
    c = conv_new();
    conv_open_fast(c);
    assert_true(conv_send(c, EP_A, TCP_ACK | TCP_FIN, 0, 0));
    assert_true(conv_send(c, EP_B, TCP_ACK | TCP_FIN, 0, 0));
    assert_int_equal(state_of(c, EP_A), TCP_TIME_WAIT);
    assert_int_equal(state_of(c, EP_B), TCP_LAST_ACK);
    assert_true(conv_send(c, EP_A, TCP_ACK, 0, 0));
    assert_int_equal(state_of(c, EP_B), TCP_CLOSED);
    oracle_finish(&c->o, c->now_usecs + 70000000ull);
    assert_int_equal(oracle_verdict(&c->o), VERDICT_PASS);
    free(c);
}

static void test_oracle_fast_path_leaves_violations_to_the_observer(void **state)
{
    (void)state;
    struct conv *c = conv_new();
    conv_open_fast(c);
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
    assert_true(has_violation(c, "ack-monotonic"));
    assert_true(has_violation(c, "window-respected"));
    free(c);
}

/* Near misses of the handshake shapes: each goes the general way. */
static void test_oracle_fast_path_leaves_odd_handshakes(void **state)
{
    (void)state;
    /* A SYN with a window scale above 14 (the observer clamps it). */
    const struct seg_opts wscale15 = {.has_wscale = true, .wscale = 15};
    const struct conv_twist odd = {.opts = &wscale15};
    struct conv *c = conv_new();
    assert_false(conv_twisted(c, EP_A, TCP_SYN, 0, 0, &odd));
    /* ... answered by an ordinary SYN-ACK, which the fast path takes. */
    assert_true(conv_send(c, EP_B, TCP_SYN | TCP_ACK, 0, 0));
    free(c);

    /* Ordinary options (MSS, SACK, timestamps, a scale of 7) are taken. */
    const struct seg_opts linux_syn = {.has_mss = true,
                                       .mss = 1460,
                                       .sack_permitted = true,
                                       .has_ts = true,
                                       .ts_val = 7,
                                       .has_wscale = true,
                                       .wscale = 7};
    const struct conv_twist plain = {.opts = &linux_syn};
    c = conv_new();
    assert_true(conv_twisted(c, EP_A, TCP_SYN, 0, 0, &plain));
    assert_true(conv_twisted(c, EP_B, TCP_SYN | TCP_ACK, 0, 0, &plain));
    assert_true(conv_send(c, EP_A, TCP_ACK, 0, 0));
    free(c);

    /* A SYN with text; a SYN with FIN. */
    c = conv_new();
    assert_false(conv_send(c, EP_A, TCP_SYN, 10, 0));
    free(c);
    c = conv_new();
    assert_false(conv_send(c, EP_A, TCP_SYN | TCP_FIN, 0, 0));
    free(c);

    /* A retransmitted SYN, and a SYN-ACK answering it twice. */
    c = conv_new();
    assert_true(conv_send(c, EP_A, TCP_SYN, 0, 0));
    const struct conv_twist again = {.seq_delta = -1};
    assert_false(conv_twisted(c, EP_A, TCP_SYN, 0, 0, &again));
    assert_true(conv_send(c, EP_B, TCP_SYN | TCP_ACK, 0, 0));
    assert_false(conv_twisted(c, EP_B, TCP_SYN | TCP_ACK, 0, 0, &again));
    free(c);

    /* A SYN-ACK that acknowledges one more or one less than the SYN, one
     * with text, one with a scale above 14. */
    const int32_t off[2] = {1, -1};
    for (unsigned i = 0; i < 2; i++) {
        c = conv_new();
        assert_true(conv_send(c, EP_A, TCP_SYN, 0, 0));
        assert_false(conv_send(c, EP_B, TCP_SYN | TCP_ACK, 0, off[i]));
        free(c);
    }
    c = conv_new();
    assert_true(conv_send(c, EP_A, TCP_SYN, 0, 0));
    assert_false(conv_send(c, EP_B, TCP_SYN | TCP_ACK, 5, 0));
    free(c);
    c = conv_new();
    assert_true(conv_send(c, EP_A, TCP_SYN, 0, 0));
    assert_false(conv_twisted(c, EP_B, TCP_SYN | TCP_ACK, 0, 0, &odd));
    free(c);

    /* Simultaneous open: B's SYN without ACK after A's. */
    c = conv_new();
    assert_true(conv_send(c, EP_A, TCP_SYN, 0, 0));
    assert_false(conv_send(c, EP_B, TCP_SYN, 0, 0));
    free(c);
}

/* Near misses of the close shapes: each goes the general way. */
static void test_oracle_fast_path_leaves_odd_closes(void **state)
{
    (void)state;
    /* A FIN with text. */
    struct conv *c = conv_new();
    conv_open_fast(c);
    assert_false(conv_send(c, EP_A, TCP_ACK | TCP_FIN, 100, 0));
    assert_true(conv_send(c, EP_B, TCP_ACK, 0, 0)); /* its ACK is ordinary */
    free(c);

    /* A FIN beyond a hole, then its retransmission at the same place. */
    c = conv_new();
    conv_open_fast(c);
    const struct conv_twist hole = {.seq_delta = 100};
    assert_false(conv_twisted(c, EP_A, TCP_ACK | TCP_FIN, 0, 0, &hole));
    const struct conv_twist resend = {.seq_delta = -1};
    assert_false(conv_twisted(c, EP_A, TCP_ACK | TCP_FIN, 0, 0, &resend));
    free(c);

    /* A FIN sent again after its ACK; a FIN at another place (a second
     * FIN). */
    c = conv_new();
    conv_open_fast(c);
    assert_true(conv_send(c, EP_A, TCP_ACK | TCP_FIN, 0, 0));
    assert_true(conv_send(c, EP_B, TCP_ACK, 0, 0));
    assert_false(conv_twisted(c, EP_A, TCP_ACK | TCP_FIN, 0, 0, &resend));
    assert_false(conv_send(c, EP_A, TCP_ACK | TCP_FIN, 0, 0));
    assert_true(has_violation(c, "fin-seq-stable"));
    free(c);

    /* An ACK of the FIN that is one short (not the peer's snd_max) or one
     * beyond it (fin-ack-plus-one). */
    c = conv_new();
    conv_open_fast(c);
    assert_true(conv_send(c, EP_A, TCP_ACK | TCP_FIN, 0, 0));
    assert_false(conv_send(c, EP_B, TCP_ACK, 0, -1));
    assert_false(conv_send(c, EP_B, TCP_ACK, 0, 1));
    assert_true(has_violation(c, "fin-ack-plus-one"));
    free(c);

    /* Crossing FINs: B's FIN does not acknowledge A's (CLOSING). */
    c = conv_new();
    conv_open_fast(c);
    assert_true(conv_send(c, EP_A, TCP_ACK | TCP_FIN, 0, 0));
    assert_false(conv_send(c, EP_B, TCP_ACK | TCP_FIN, 0, -1));
    free(c);

    /* Text after its own FIN (no-data-after-fin). */
    c = conv_new();
    conv_open_fast(c);
    assert_true(conv_send(c, EP_A, TCP_ACK | TCP_FIN, 0, 0));
    assert_false(conv_send(c, EP_A, TCP_ACK, 10, 0));
    assert_true(has_violation(c, "no-data-after-fin"));
    free(c);

    /* A FIN before any handshake was seen (a capture that starts
     * mid-connection): the states are assumed, not seen. */
    c = conv_new();
    assert_false(conv_send(c, EP_A, TCP_ACK, 10, 0));
    assert_false(conv_send(c, EP_B, TCP_ACK, 0, 0));
    assert_false(conv_send(c, EP_A, TCP_ACK | TCP_FIN, 0, 0));
    free(c);

    /* TIME-WAIT: an ACK after 2*MSL (60 s on Linux) is late; a FIN from it
     * is a retransmission; an ACK from the CLOSED side is not silence. */
    c = conv_new();
    conv_open_fast(c);
    assert_true(conv_send(c, EP_A, TCP_ACK | TCP_FIN, 0, 0));
    assert_true(conv_send(c, EP_B, TCP_ACK | TCP_FIN, 0, 0));
    assert_true(conv_send(c, EP_A, TCP_ACK, 0, 0));
    assert_int_equal(state_of(c, EP_B), TCP_CLOSED);
    const struct conv_twist late = {.after_usecs = 61000000ull};
    assert_false(conv_twisted(c, EP_A, TCP_ACK, 0, 0, &late));
    assert_true(has_violation(c, "time-wait-duration"));
    assert_false(conv_send(c, EP_B, TCP_ACK, 0, 0));
    assert_true(has_violation(c, "closed-silence"));
    free(c);
    c = conv_new();
    conv_open_fast(c);
    assert_true(conv_send(c, EP_A, TCP_ACK | TCP_FIN, 0, 0));
    assert_true(conv_send(c, EP_B, TCP_ACK | TCP_FIN, 0, 0));
    assert_false(conv_twisted(c, EP_A, TCP_ACK | TCP_FIN, 0, 0, &resend));
    free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decode_fast_takes_plain_ipv4),
        cmocka_unit_test(test_decode_fast_declines_the_rest),
        cmocka_unit_test(test_oracle_fast_path_takes_ordinary_segments),
        cmocka_unit_test(test_oracle_fast_path_takes_passive_close_shapes),
        cmocka_unit_test(test_oracle_fast_path_leaves_violations_to_the_observer),
        cmocka_unit_test(test_oracle_fast_path_leaves_odd_handshakes),
        cmocka_unit_test(test_oracle_fast_path_leaves_odd_closes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
