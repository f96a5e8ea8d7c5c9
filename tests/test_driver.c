/* The fuzz driver: determinism, the states a hand-written program reaches,
 * how the peer's segments are built, fault ordering, and that a broken SUT
 * is caught through the oracle. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harness/driver.h"
#include "harness/sut_model.h"
#include "harness/trace.h"

static struct driver drv;
static struct sut_model model;
static struct link net;
static const struct sut model_sut = {.ops = &sut_model_ops, .self = &model};

static size_t encode(const struct program *p, uint8_t *buf)
{
    size_t n = program_encode(p, buf, PROGRAM_MAX_BYTES);
    assert_true(n > 0);
    return n;
}

/* A connects, B answers, A closes first, B acks and closes, 2*MSL. */
static void textbook(struct program *p)
{
    program_init(p, PROG_F_ACTIVE, 77);
    p->msl_choice = 6; /* MSL 1 s */
    program_seg(p, TCP_SYN | TCP_ACK, 0, 0, 0);
    program_seg(p, TCP_PSH | TCP_ACK, 0, 0, 100);
    program_app(p, EP_A, APP_RECV, 0);
    program_app(p, EP_A, APP_CLOSE, 0);
    program_seg(p, TCP_ACK, 0, 0, 0);
    program_seg(p, TCP_FIN | TCP_ACK, 0, 0, 0);
    program_clock(p, PROG_CLOCK_HALF_MSL, 4);
}

/* Run data and return the trace printer's text (malloc'd). */
static char *run_traced(const uint8_t *data, size_t len, int *rc)
{
    char *text = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&text, &size);
    assert_non_null(f);
    struct trace_printer tp;
    trace_init(&tp, f, &drv.oracle);
    struct ev_sink sink = trace_sink(&tp);
    *rc = driver_run(&drv, &model_sut, data, len, &sink, 1);
    trace_finish(&tp);
    fclose(f);
    return text;
}

/* ---- determinism ---- */

static void test_driver_same_input_same_trace(void **state)
{
    (void)state;
    struct program p;
    textbook(&p);
    uint8_t buf[PROGRAM_MAX_BYTES];
    size_t n = encode(&p, buf);
    int rc1, rc2;
    char *t1 = run_traced(buf, n, &rc1);
    /* Something else in between, so leftover state would show. */
    uint8_t other[] = {PROGRAM_MAGIC_V1, 0, 0, 0, 0, 9, 9, 9, 9, 0x00, 0x02, 0, 0, 0, 0, 0, 0};
    driver_run(&drv, &model_sut, other, sizeof other, NULL, 0);
    char *t2 = run_traced(buf, n, &rc2);
    assert_int_equal(rc1, DRIVER_PASS);
    assert_int_equal(rc2, rc1);
    assert_string_equal(t1, t2);
    assert_non_null(strstr(t1, "TIME-WAIT -> CLOSED"));
    free(t1);
    free(t2);
}

static void test_driver_random_inputs_deterministic(void **state)
{
    (void)state;
    uint32_t seed = 99;
    uint8_t in[300];
    for (int iter = 0; iter < 300; iter++) {
        for (size_t i = 0; i < sizeof in; i++) {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            in[i] = (uint8_t)seed;
        }
        in[0] = PROGRAM_MAGIC_V1;
        size_t len = 1 + seed % (sizeof in - 1);
        int rc1, rc2;
        char *t1 = run_traced(in, len, &rc1);
        char *t2 = run_traced(in, len, &rc2);
        assert_int_equal(rc1, rc2);
        assert_string_equal(t1, t2);
        free(t1);
        free(t2);
    }
}

/* ---- states ---- */

static void run_program(const struct program *p, int want_rc)
{
    uint8_t buf[PROGRAM_MAX_BYTES];
    size_t n = encode(p, buf);
    int rc = driver_run(&drv, &model_sut, buf, n, NULL, 0);
    if (rc != want_rc && driver_violation(&drv))
        fprintf(stderr, "violation %s: %s\n", driver_violation(&drv)->id,
                driver_violation(&drv)->message);
    assert_int_equal(rc, want_rc);
}

static void test_driver_programs_reach_every_close_state(void **state)
{
    (void)state;
    struct program p;
    cov_reset(&drv.cov);
    textbook(&p); /* FIN-WAIT-1, FIN-WAIT-2, TIME-WAIT */
    run_program(&p, DRIVER_PASS);
    /* A passive, B closes first: CLOSE-WAIT, LAST-ACK. */
    program_init(&p, 0, 5);
    program_seg(&p, TCP_SYN, 0, 0, 0);
    program_seg(&p, TCP_ACK, 0, 0, 0);
    program_seg(&p, TCP_FIN | TCP_ACK, 0, 0, 0);
    program_app(&p, EP_A, APP_CLOSE, 0);
    program_seg(&p, TCP_ACK, 0, 0, 0);
    run_program(&p, DRIVER_PASS);
    assert_int_equal(drv.cov.state_hits[TCP_CLOSING], 0);
    /* FINs cross: CLOSING. */
    program_init(&p, PROG_F_ACTIVE, 6);
    program_seg(&p, TCP_SYN | TCP_ACK, 0, 0, 0);
    program_app(&p, EP_A, APP_CLOSE, 0);
    program_seg(&p, TCP_FIN | TCP_ACK, 0, -1, 0);
    program_seg(&p, TCP_ACK, 0, 0, 0);
    run_program(&p, DRIVER_PASS);
    static const enum tcp_state close_states[] = {TCP_FIN_WAIT_1, TCP_FIN_WAIT_2, TCP_CLOSING,
                                                  TCP_TIME_WAIT,  TCP_CLOSE_WAIT, TCP_LAST_ACK};
    for (size_t i = 0; i < sizeof close_states / sizeof close_states[0]; i++)
        assert_true(drv.cov.state_hits[close_states[i]] > 0);
    struct cov_edge e = {TCP_FIN_WAIT_1, TCP_CLOSING, TCP_CAUSE_RCV_FIN, ""};
    assert_int_equal(cov_edge_hits(&drv.cov, &e), 1);
    assert_int_equal(drv.cov.runs, 3);
}

/* ---- the peer's segments ---- */

struct capture {
    unsigned n;
    struct ev ev[64];
};

static void capture_push(void *ctx, uint64_t index, const struct ev *e)
{
    struct capture *c = ctx;
    (void)index;
    if (c->n < 64)
        c->ev[c->n++] = *e;
}

static void test_driver_peer_offsets_follow_the_wire(void **state)
{
    (void)state;
    struct program p;
    program_init(&p, PROG_F_ACTIVE, 3);
    program_seg(&p, TCP_SYN | TCP_ACK, 0, 0, 0);
    program_seg(&p, TCP_ACK, 5, -2, 0);
    uint8_t buf[PROGRAM_MAX_BYTES];
    size_t n = encode(&p, buf);
    static struct capture cap;
    cap.n = 0;
    struct ev_sink sink = {.ctx = &cap, .push = capture_push};
    driver_run(&drv, &model_sut, buf, n, &sink, 1);
    const struct seg *a_syn = NULL, *b_synack = NULL, *b_ack = NULL;
    for (unsigned i = 0; i < cap.n; i++) {
        if (cap.ev[i].kind != EV_SEGMENT)
            continue;
        const struct seg *s = &cap.ev[i].u.segment.seg;
        if (cap.ev[i].endpoint == EP_A && !a_syn)
            a_syn = s;
        else if (cap.ev[i].endpoint == EP_B && !b_synack)
            b_synack = s;
        else if (cap.ev[i].endpoint == EP_B)
            b_ack = s;
    }
    assert_non_null(a_syn);
    assert_non_null(b_synack);
    assert_non_null(b_ack);
    assert_int_equal(b_synack->seq, driver_peer_iss(3));
    assert_int_equal(b_synack->ack, a_syn->seq + 1);
    assert_int_equal(b_ack->seq, driver_peer_iss(3) + 1 + 5);
    assert_int_equal(b_ack->ack, a_syn->seq + 1 - 2);
    assert_int_equal(b_ack->sport, 8080);
    assert_int_equal(b_ack->dport, 40000);
}

static void test_driver_drop_follows_the_state_change(void **state)
{
    (void)state;
    struct program p;
    program_init(&p, PROG_F_ACTIVE, 4);
    program_seg(&p, TCP_SYN | TCP_ACK, 0, 0, 0);
    program_fault(&p, EP_A, PROG_FATE_DROP, 0);
    program_app(&p, EP_A, APP_CLOSE, 0);
    uint8_t buf[PROGRAM_MAX_BYTES];
    size_t n = encode(&p, buf);
    static struct capture cap;
    cap.n = 0;
    struct ev_sink sink = {.ctx = &cap, .push = capture_push};
    driver_run(&drv, &model_sut, buf, n, &sink, 1);
    /* app close, FIN, state FIN-WAIT-1, then the drop naming the FIN */
    unsigned i = 0;
    while (i < cap.n && !(cap.ev[i].kind == EV_APP && cap.ev[i].u.app.call == APP_CLOSE))
        i++;
    assert_true(i + 3 < cap.n + 1);
    assert_int_equal(cap.ev[i + 1].kind, EV_SEGMENT);
    assert_true(cap.ev[i + 1].u.segment.seg.flags & TCP_FIN);
    assert_int_equal(cap.ev[i + 2].kind, EV_STATE);
    assert_int_equal(cap.ev[i + 2].u.state.to, TCP_FIN_WAIT_1);
    assert_int_equal(cap.ev[i + 3].kind, EV_DROP);
    assert_int_equal(cap.ev[i + 3].u.drop.index, i + 1);
}

/* ---- rejection ---- */

static void test_driver_rejects_non_programs(void **state)
{
    (void)state;
    const uint8_t bad[] = {0x42, 1, 2, 3};
    assert_int_equal(driver_run(&drv, &model_sut, bad, sizeof bad, NULL, 0), DRIVER_REJECTED);
    assert_non_null(strstr(driver_error(&drv), "version"));
    assert_int_equal(driver_run(&drv, &model_sut, bad, 0, NULL, 0), DRIVER_REJECTED);
    assert_null(driver_violation(&drv));
}

/* ---- a broken SUT is caught ---- */

/* The model, except that every ACK of the peer's FIN says FIN.seq + 2. */
struct liar {
    struct sut_model inner;
    struct sut_callbacks outer;
};

static void liar_segment_out(void *ctx, const struct seg_ip *ip, const struct seg *s)
{
    struct liar *l = ctx;
    struct seg copy = *s;
    if ((copy.flags & TCP_ACK) && l->inner.conn.peer_fin)
        copy.ack += 1;
    l->outer.segment_out(l->outer.ctx, ip, &copy);
}

static void liar_state_change(void *ctx, enum tcp_state from, enum tcp_state to, const char *cause)
{
    struct liar *l = ctx;
    l->outer.state_change(l->outer.ctx, from, to, cause);
}

static int liar_open(void *self, const struct sut_open *how, const struct sut_callbacks *cb,
                     char *err, unsigned errlen)
{
    struct liar *l = self;
    l->outer = *cb;
    struct sut_callbacks mine = {.ctx = l,
                                 .segment_out = liar_segment_out,
                                 .state_change = liar_state_change,
                                 .data_in = cb->data_in};
    mine.data_in = NULL;
    return sut_model_ops.open(&l->inner, how, &mine, err, errlen);
}
static long liar_app(void *self, enum ev_app_call c, uint32_t len, uint64_t now)
{
    return sut_model_ops.app(&((struct liar *)self)->inner, c, len, now);
}
static void liar_deliver(void *self, const struct seg_ip *ip, const struct seg *s, uint64_t now)
{
    sut_model_ops.deliver(&((struct liar *)self)->inner, ip, s, now);
}
static void liar_advance(void *self, uint64_t now)
{
    sut_model_ops.advance(&((struct liar *)self)->inner, now);
}
static uint64_t liar_next_deadline(void *self)
{
    return sut_model_ops.next_deadline(&((struct liar *)self)->inner);
}
static void liar_close(void *self)
{
    sut_model_ops.close(&((struct liar *)self)->inner);
}

static const struct sut_ops liar_ops = {
    .name = "liar",
    .reports_states = true,
    .open = liar_open,
    .app = liar_app,
    .deliver = liar_deliver,
    .advance = liar_advance,
    .next_deadline = liar_next_deadline,
    .close = liar_close,
};

static void test_driver_catches_wrong_fin_ack(void **state)
{
    (void)state;
    static struct liar liar;
    const struct sut sut = {.ops = &liar_ops, .self = &liar};
    struct program p;
    textbook(&p);
    uint8_t buf[PROGRAM_MAX_BYTES];
    size_t n = encode(&p, buf);
    assert_int_equal(driver_run(&drv, &model_sut, buf, n, NULL, 0), DRIVER_PASS);
    assert_int_equal(driver_run(&drv, &sut, buf, n, NULL, 0), DRIVER_VIOLATION);
    const struct driver_violation *v = driver_violation(&drv);
    assert_non_null(v);
    assert_string_equal(v->id, "fin-ack-plus-one");
    assert_int_equal(v->endpoint, EP_A);
}

/* A fuzzed close_endpoint program (48 bytes): A reports TIME-WAIT, then the
 * peer's junk FIN (beyond its first, with text) is only acknowledged. The
 * oracle must not take that FIN as a new start of TIME-WAIT: the model's
 * 2*MSL from its report is right. */
static const uint8_t junk_fin_in_tw_input[] = {
    0xf1, 0xc4, 0x18, 0x00, 0x09, 0x00, 0x12, 0x02, 0x00, 0x00, 0x02, 0x3f, 0x00, 0xff, 0x00, 0x10,
    0x0d, 0x02, 0x05, 0x00, 0x00, 0x10, 0x00, 0xff, 0x14, 0x0a, 0x00, 0xf1, 0x00, 0x11, 0x00, 0x00,
    0x00, 0x00, 0x25, 0x25, 0x25, 0x25, 0x00, 0xf1, 0x00, 0x00, 0x00, 0x12, 0x00, 0x00, 0x01, 0x00,
};

static void test_driver_junk_fin_does_not_move_time_wait(void **state)
{
    (void)state;
    int rc =
        driver_run(&drv, &model_sut, junk_fin_in_tw_input, sizeof junk_fin_in_tw_input, NULL, 0);
    if (rc != DRIVER_PASS && driver_violation(&drv))
        fprintf(stderr, "%s: %s\n", driver_violation(&drv)->id, driver_violation(&drv)->message);
    assert_int_equal(rc, DRIVER_PASS);
}

/* A fuzzed close_endpoint program (52 bytes): the peer's byte at 101 is lost
 * in the network, then its FIN comes at 101 (RCV.NXT) and again at 61 ms.
 * The lost byte never arrived, so that FIN sits inside no data received: it
 * is the peer's FIN and its retransmission restarts TIME-WAIT. */
static const uint8_t fin_over_lost_byte_input[] = {
    0xf1, 0x05, 0x06, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x00, 0x12, 0x00, 0x00,
    0xff, 0x64, 0x08, 0x00, 0x02, 0x3c, 0xff, 0xff, 0x00, 0x0f, 0x00, 0x00, 0x18,
    0x00, 0x00, 0xff, 0x01, 0xc4, 0x00, 0x00, 0x11, 0x00, 0x00, 0x00, 0x00, 0xff,
    0x64, 0x3d, 0x3d, 0x08, 0x11, 0x00, 0x00, 0xff, 0x00, 0x00, 0x00, 0x01, 0xc4,
};

static void test_driver_fin_over_lost_byte_restarts_time_wait(void **state)
{
    (void)state;
    int rc = driver_run(&drv, &model_sut, fin_over_lost_byte_input, sizeof fin_over_lost_byte_input,
                        NULL, 0);
    if (rc != DRIVER_PASS && driver_violation(&drv))
        fprintf(stderr, "%s: %s\n", driver_violation(&drv)->id, driver_violation(&drv)->message);
    assert_int_equal(rc, DRIVER_PASS);
}

/* ---- close_pair ---- */

static void test_driver_pair_textbook_passes_and_counts_both(void **state)
{
    (void)state;
    struct program p;
    program_init(&p, PROG_F_ACTIVE, 8);
    p.msl_choice = 6;
    program_clock(&p, PROG_CLOCK_MS, 10);
    program_app(&p, EP_A, APP_SEND, 10);
    program_app(&p, EP_A, APP_CLOSE, 0);
    program_clock(&p, PROG_CLOCK_MS, 10);
    uint8_t buf[PROGRAM_MAX_BYTES];
    size_t n = encode(&p, buf);
    cov_reset(&drv.cov);
    assert_int_equal(driver_run_pair(&drv, &net, buf, n, NULL, 0), DRIVER_PASS);
    /* The fair ending closed B too: both went through their close states. */
    assert_true(drv.cov.state_hits[TCP_TIME_WAIT] > 0);
    assert_true(drv.cov.state_hits[TCP_LAST_ACK] > 0);
    assert_int_equal(tcp_get_state(&net.ep[0]), TCP_CLOSED);
    assert_int_equal(tcp_get_state(&net.ep[1]), TCP_CLOSED);
    assert_int_equal(net.delivered[1], 160);
}

static void test_driver_pair_fair_ending_drains_a_never_reading_app(void **state)
{
    (void)state;
    /* B never reads and half-closes; A fills B's window and closes. A's FIN
     * is not acceptable at B's zero window (RFC 9293 §3.10.7.4), so the
     * close completes only because the fair ending's applications read. */
    struct program p;
    program_init(&p, PROG_F_B_NOREAD, 9);
    p.msl_choice = 6;
    program_clock(&p, PROG_CLOCK_MS, 10);
    program_app(&p, EP_A, APP_SEND, 255); /* 16-byte units: 8192 bytes in all */
    program_app(&p, EP_A, APP_SEND, 255);
    program_app(&p, EP_A, APP_SEND, 2);
    program_app(&p, EP_B, APP_SHUTDOWN, 0);
    program_clock(&p, PROG_CLOCK_MS, 10);
    uint8_t buf[PROGRAM_MAX_BYTES];
    size_t n = encode(&p, buf);
    int rc = driver_run_pair(&drv, &net, buf, n, NULL, 0);
    if (rc != DRIVER_PASS && driver_violation(&drv))
        fprintf(stderr, "%s: %s\n", driver_violation(&drv)->id, driver_violation(&drv)->message);
    assert_int_equal(rc, DRIVER_PASS);
    assert_int_equal(tcp_get_state(&net.ep[0]), TCP_CLOSED);
    assert_int_equal(tcp_get_state(&net.ep[1]), TCP_CLOSED);
    assert_int_equal(net.delivered[1], 8192);
}

/* A fuzzed close_pair program (105 bytes): B's zero-window probe is not
 * taken, its later segments are out of order, and with its RTO backed off to
 * the maximum it recovers one segment per 120 s timeout (RFC 6298 §5.5):
 * slow but conforming. The fair ending runs on while data still moves. */
static const uint8_t slow_recovery_input[] = {
    0xf1, 0xbd, 0x06, 0x00, 0x26, 0x6a, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x5d, 0x70,
    0x9c, 0xff, 0xff, 0xff, 0x1c, 0x9c, 0x9c, 0x9c, 0xff, 0x9c, 0x63, 0x04, 0x72, 0x2d, 0xfe,
    0xfe, 0xfe, 0x00, 0x00, 0x6a, 0x01, 0xe2, 0x72, 0x02, 0x02, 0x01, 0xf1, 0xfe, 0xfe, 0xfe,
    0xf8, 0xf1, 0x0a, 0x25, 0x01, 0x0a, 0x2c, 0x25, 0xfe, 0xfe, 0xfe, 0x0a, 0x3f, 0x3f, 0x3f,
    0x3f, 0x3f, 0x3f, 0x3f, 0x25, 0x0a, 0x02, 0x0b, 0x09, 0x30, 0x76, 0x82, 0x74, 0x99, 0x02,
    0x05, 0x00, 0x99, 0x99, 0xe3, 0xe3, 0xe1, 0xe3, 0x96, 0x96, 0x96, 0x96, 0x96, 0x96, 0x96,
    0x96, 0x96, 0x96, 0x96, 0x96, 0x96, 0x96, 0x96, 0x96, 0x96, 0x96, 0x73, 0x00, 0x03, 0x00,
};

static void test_driver_pair_fair_ending_waits_for_slow_recovery(void **state)
{
    (void)state;
    int rc = driver_run_pair(&drv, &net, slow_recovery_input, sizeof slow_recovery_input, NULL, 0);
    if (rc != DRIVER_PASS && driver_violation(&drv))
        fprintf(stderr, "%s: %s\n", driver_violation(&drv)->id, driver_violation(&drv)->message);
    assert_int_equal(rc, DRIVER_PASS);
    assert_int_equal(tcp_get_state(&net.ep[0]), TCP_CLOSED);
    assert_int_equal(tcp_get_state(&net.ep[1]), TCP_CLOSED);
}

/* ---- close_pair's end-of-run verdict ---- */

static struct driver_pair_end both_closed(void)
{
    struct driver_pair_end e = {.state = {TCP_CLOSED, TCP_CLOSED},
                                .eof_seen = {true, true},
                                .delivered = {30, 160},
                                .sent = {160, 30},
                                .now_usecs = 5000000};
    return e;
}

static void test_driver_pair_judge_passes_a_clean_end(void **state)
{
    (void)state;
    struct driver_pair_end e = both_closed();
    struct driver_violation v;
    assert_false(driver_pair_judge(&e, &v));
}

static void test_driver_pair_judge_endpoint_left_open(void **state)
{
    (void)state;
    struct driver_pair_end e = both_closed();
    e.state[1] = TCP_LAST_ACK;
    struct driver_violation v;
    assert_true(driver_pair_judge(&e, &v));
    assert_string_equal(v.id, "close-completes");
    assert_int_equal(v.endpoint, EP_B);
    assert_non_null(strstr(v.message, "B still in LAST-ACK at 5000 ms"));
}

static void test_driver_pair_judge_fin_wait_2_may_wait_for_a_vanished_peer(void **state)
{
    (void)state;
    struct driver_pair_end e = both_closed();
    e.state[0] = TCP_FIN_WAIT_2;
    struct driver_violation v;
    assert_false(driver_pair_judge(&e, &v)); /* RFC 9293: no FIN-WAIT-2 timer */
    e.fin_wait_2_timeout = true;
    assert_true(driver_pair_judge(&e, &v)); /* but a configured one must fire */
    assert_string_equal(v.id, "close-completes");
    e.fin_wait_2_timeout = false;
    e.state[1] = TCP_LAST_ACK; /* the peer is still there: A must get its FIN */
    assert_true(driver_pair_judge(&e, &v));
}

static void test_driver_pair_judge_eof_before_all_data(void **state)
{
    (void)state;
    struct driver_pair_end e = both_closed();
    e.delivered[1] = 159; /* B saw EOF one byte short of what A sent */
    struct driver_violation v;
    assert_true(driver_pair_judge(&e, &v));
    assert_string_equal(v.id, "half-close-delivery");
    assert_int_equal(v.endpoint, EP_B);
    e.lossy = true; /* after a reset, losing data is allowed */
    assert_false(driver_pair_judge(&e, &v));
    e.lossy = false;
    e.eof_seen[1] = false; /* no end-of-stream seen: nothing to judge */
    assert_false(driver_pair_judge(&e, &v));
}

int main(void)
{
    driver_init(&drv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_driver_same_input_same_trace),
        cmocka_unit_test(test_driver_random_inputs_deterministic),
        cmocka_unit_test(test_driver_programs_reach_every_close_state),
        cmocka_unit_test(test_driver_peer_offsets_follow_the_wire),
        cmocka_unit_test(test_driver_drop_follows_the_state_change),
        cmocka_unit_test(test_driver_rejects_non_programs),
        cmocka_unit_test(test_driver_catches_wrong_fin_ack),
        cmocka_unit_test(test_driver_pair_textbook_passes_and_counts_both),
        cmocka_unit_test(test_driver_junk_fin_does_not_move_time_wait),
        cmocka_unit_test(test_driver_fin_over_lost_byte_restarts_time_wait),
        cmocka_unit_test(test_driver_pair_fair_ending_drains_a_never_reading_app),
        cmocka_unit_test(test_driver_pair_fair_ending_waits_for_slow_recovery),
        cmocka_unit_test(test_driver_pair_judge_passes_a_clean_end),
        cmocka_unit_test(test_driver_pair_judge_endpoint_left_open),
        cmocka_unit_test(test_driver_pair_judge_fin_wait_2_may_wait_for_a_vanished_peer),
        cmocka_unit_test(test_driver_pair_judge_eof_before_all_data),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
