/* Two model endpoints over harness/link: whole lifecycles with and without
 * loss, determinism, and the opens the other suites do not drive.
 *
 * Read RFC 9293 §3.5 (opening), §3.6 (closing) and harness/link.h first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "harness/event.h"
#include "harness/link.h"
#include "stack/tcp.h"
#include "support/tcp_builders.h"

#define SEC            1000000ull
#define REQUEST_BYTES  120u
#define RESPONSE_BYTES 900u

static void lifecycle_config(struct tcp_config *a, struct tcp_config *b)
{
    tb_config(a);
    a->fin_wait_2_timeout_usecs = 60 * SEC;
    a->isn_seed = 0x1234567800001000ull;
    *b = *a;
    b->isn_seed = 0x8765432100005000ull;
}

/* Step until cond holds or nothing is due before limit. */
#define RUN_UNTIL(l, cond, limit)                                                                  \
    do {                                                                                           \
        while (!(cond) && link_step((l), (limit)))                                                 \
            ;                                                                                      \
    } while (0)

/* A client (A) connects, sends a request, reads the response and closes
 * after the server (B) closed. Returns true when both end CLOSED. */
static bool run_lifecycle(struct link *l, struct ev_tee *tee, uint32_t loss_seed,
                          unsigned per_mille)
{
    struct tcp_config ca, cb;
    lifecycle_config(&ca, &cb);
    link_init(l, &ca, &cb, tee);
    if (per_mille)
        link_set_loss(l, loss_seed, per_mille);
    uint64_t limit = 600 * SEC;
    link_app(l, EP_B, APP_LISTEN, 0);
    link_app(l, EP_A, APP_CONNECT, 0);
    RUN_UNTIL(l, tcp_get_state(&l->ep[EP_A]) != TCP_SYN_SENT, limit);
    link_app(l, EP_A, APP_SEND, REQUEST_BYTES);
    RUN_UNTIL(l, l->delivered[EP_B] == REQUEST_BYTES || tcp_get_state(&l->ep[EP_B]) == TCP_CLOSED,
              limit);
    link_app(l, EP_B, APP_SEND, RESPONSE_BYTES);
    link_app(l, EP_B, APP_CLOSE, 0);
    RUN_UNTIL(l, l->eof_seen[EP_A] || tcp_get_state(&l->ep[EP_A]) == TCP_CLOSED, limit);
    link_app(l, EP_A, APP_CLOSE, 0);
    link_run_until(l, l->now_usecs + limit);
    return tcp_get_state(&l->ep[EP_A]) == TCP_CLOSED && tcp_get_state(&l->ep[EP_B]) == TCP_CLOSED;
}

/* ==== the whole lifecycle on a fair network ==== */

struct state_log {
    unsigned n;
    struct {
        uint8_t ep;
        enum tcp_state from, to;
    } t[64];
    unsigned segments, drops;
};

static void log_push(void *ctx, uint64_t index, const struct ev *e)
{
    (void)index;
    struct state_log *s = ctx;
    if (e->kind == EV_SEGMENT)
        s->segments++;
    if (e->kind == EV_DROP)
        s->drops++;
    if (e->kind != EV_STATE || s->n >= 64)
        return;
    s->t[s->n].ep = e->endpoint;
    s->t[s->n].from = e->u.state.from;
    s->t[s->n].to = e->u.state.to;
    s->n++;
}

static void test_link_lifecycle_no_loss(void **state)
{
    (void)state;
    struct link *l = test_malloc(sizeof *l);
    struct state_log log = {0};
    struct ev_tee tee;
    ev_tee_init(&tee);
    ev_tee_add(&tee, (struct ev_sink){.ctx = &log, .push = log_push});
    assert_true(run_lifecycle(l, &tee, 0, 0));
    assert_int_equal(l->delivered[EP_B], REQUEST_BYTES);
    assert_int_equal(l->delivered[EP_A], RESPONSE_BYTES);
    assert_true(l->eof_seen[EP_A]);
    assert_true(l->eof_seen[EP_B]);
    assert_int_equal(log.drops, 0);
    /* B closed first and goes through TIME-WAIT; A closes as soon as it
     * sees end-of-stream, so its LAST-ACK comes before B hears the ACK. */
    static const struct {
        uint8_t ep;
        enum tcp_state from, to;
    } want[] = {
        {EP_B, TCP_CLOSED, TCP_LISTEN},
        {EP_A, TCP_CLOSED, TCP_SYN_SENT},
        {EP_B, TCP_LISTEN, TCP_SYN_RECEIVED},
        {EP_A, TCP_SYN_SENT, TCP_ESTABLISHED},
        {EP_B, TCP_SYN_RECEIVED, TCP_ESTABLISHED},
        {EP_B, TCP_ESTABLISHED, TCP_FIN_WAIT_1},
        {EP_A, TCP_ESTABLISHED, TCP_CLOSE_WAIT},
        {EP_A, TCP_CLOSE_WAIT, TCP_LAST_ACK},
        {EP_B, TCP_FIN_WAIT_1, TCP_FIN_WAIT_2},
        {EP_B, TCP_FIN_WAIT_2, TCP_TIME_WAIT},
        {EP_A, TCP_LAST_ACK, TCP_CLOSED},
        {EP_B, TCP_TIME_WAIT, TCP_CLOSED},
    };
    assert_int_equal(log.n, sizeof want / sizeof want[0]);
    for (unsigned i = 0; i < log.n; i++) {
        if (log.t[i].ep != want[i].ep || log.t[i].from != want[i].from || log.t[i].to != want[i].to)
            fail_msg("transition %u: %c %s -> %s, want %c %s -> %s", i, "AB"[log.t[i].ep],
                     tcp_state_name(log.t[i].from), tcp_state_name(log.t[i].to), "AB"[want[i].ep],
                     tcp_state_name(want[i].from), tcp_state_name(want[i].to));
    }
    test_free(l);
}

/* ==== with loss ==== */

/* 100 runs at 10% loss: every run ends with both sides CLOSED, and an
 * application that saw end-of-stream had read every byte sent before the
 * FIN (half-close-delivery). */
static void test_link_lifecycle_with_loss(void **state)
{
    (void)state;
    struct link *l = test_malloc(sizeof *l);
    unsigned complete = 0, dropped = 0;
    for (uint32_t seed = 1; seed <= 100; seed++) {
        struct state_log log = {0};
        struct ev_tee tee;
        ev_tee_init(&tee);
        ev_tee_add(&tee, (struct ev_sink){.ctx = &log, .push = log_push});
        if (!run_lifecycle(l, &tee, seed, 100))
            fail_msg("seed %u: A %s, B %s", seed, tcp_state_name(tcp_get_state(&l->ep[EP_A])),
                     tcp_state_name(tcp_get_state(&l->ep[EP_B])));
        if (l->eof_seen[EP_A])
            assert_int_equal(l->delivered[EP_A], RESPONSE_BYTES);
        if (l->eof_seen[EP_B])
            assert_int_equal(l->delivered[EP_B], REQUEST_BYTES);
        complete += l->eof_seen[EP_A] && l->eof_seen[EP_B];
        dropped += log.drops;
    }
    print_message("  100 runs at 10%% loss: %u complete, %u segments lost\n", complete, dropped);
    assert_true(dropped > 50);   /* the loss really happened */
    assert_true(complete >= 95); /* and TCP recovered from it */
    test_free(l);
}

/* A filter that drops B's first FIN: A must get it by retransmission. */
static enum link_fate drop_first_fin(void *ctx, const struct link_packet *p, uint64_t *extra)
{
    (void)extra;
    unsigned *dropped = ctx;
    if (p->src == EP_B && (p->seg.flags & TCP_FIN) && *dropped == 0) {
        (*dropped)++;
        return LINK_DROP;
    }
    return LINK_DELIVER;
}

static void test_link_fin_lost_retransmitted(void **state)
{
    (void)state;
    struct link *l = test_malloc(sizeof *l);
    struct tcp_config ca, cb;
    lifecycle_config(&ca, &cb);
    link_init(l, &ca, &cb, NULL);
    unsigned dropped = 0;
    link_set_filter(l, drop_first_fin, &dropped);
    link_app(l, EP_B, APP_LISTEN, 0);
    link_app(l, EP_A, APP_CONNECT, 0);
    link_run_until(l, 10000);
    link_app(l, EP_B, APP_CLOSE, 0);
    link_run_until(l, 20000);
    assert_int_equal(dropped, 1);
    assert_int_equal(tcp_get_state(&l->ep[EP_A]), TCP_ESTABLISHED);
    assert_int_equal(tcp_get_state(&l->ep[EP_B]), TCP_FIN_WAIT_1);
    /* RTO 1 s after the FIN at 10 ms, one-way delay 1 ms each way. */
    link_run_until(l, 10000 + SEC + 1000);
    assert_int_equal(tcp_get_state(&l->ep[EP_A]), TCP_CLOSE_WAIT);
    link_run_until(l, 10000 + SEC + 2000);
    assert_int_equal(tcp_get_state(&l->ep[EP_A]), TCP_CLOSE_WAIT);
    assert_int_equal(tcp_get_state(&l->ep[EP_B]), TCP_FIN_WAIT_2);
    test_free(l);
}

/* ==== determinism ==== */

struct trace {
    char buf[65536];
    size_t len;
    unsigned events;
};

static void trace_push(void *ctx, uint64_t index, const struct ev *e)
{
    struct trace *t = ctx;
    char line[200];
    int n = 0;
    switch (e->kind) {
    case EV_SEGMENT: {
        char seg[160];
        n = snprintf(line, sizeof line, "%llu %llu %c %s\n", (unsigned long long)index,
                     (unsigned long long)e->time_usecs, "AB"[e->endpoint & 1],
                     tb_format_seg(&e->u.segment.seg, seg, sizeof seg));
        break;
    }
    case EV_DROP:
        n = snprintf(line, sizeof line, "%llu %llu drop %llu\n", (unsigned long long)index,
                     (unsigned long long)e->time_usecs, (unsigned long long)e->u.drop.index);
        break;
    case EV_STATE:
        n = snprintf(line, sizeof line, "%llu %llu %c %s -> %s (%s)\n", (unsigned long long)index,
                     (unsigned long long)e->time_usecs, "AB"[e->endpoint & 1],
                     tcp_state_name(e->u.state.from), tcp_state_name(e->u.state.to),
                     e -> u.state.cause);
        break;
    case EV_APP:
        n = snprintf(line, sizeof line, "%llu %llu %c %s %u %u\n", (unsigned long long)index,
                     (unsigned long long)e->time_usecs, "AB"[e->endpoint & 1],
                     ev_app_call_name(e->u.app.call), e -> u.app.len, e->u.app.done);
        break;
    case EV_CLOCK:
        n = snprintf(line, sizeof line, "%llu clock %llu\n", (unsigned long long)index,
                     (unsigned long long)e->time_usecs);
        break;
    }
    if (n > 0 && t->len + (size_t)n < sizeof t->buf) {
        memcpy(t->buf + t->len, line, (size_t)n);
        t->len += (size_t)n;
    }
    t->events++;
}

static void traced_run(struct link *l, struct trace *t, uint32_t seed)
{
    memset(t, 0, sizeof *t);
    struct ev_tee tee;
    ev_tee_init(&tee);
    ev_tee_add(&tee, (struct ev_sink){.ctx = t, .push = trace_push});
    run_lifecycle(l, &tee, seed, 150);
}

static void test_link_determinism(void **state)
{
    (void)state;
    struct link *l = test_malloc(sizeof *l);
    struct trace *t1 = test_malloc(sizeof *t1), *t2 = test_malloc(sizeof *t2);
    traced_run(l, t1, 42);
    traced_run(l, t2, 42);
    assert_true(t1->events > 20);
    assert_true(strstr(t1->buf, "drop") != NULL); /* the loss path is in the trace */
    assert_int_equal(t1->len, t2->len);
    assert_memory_equal(t1->buf, t2->buf, t1->len);
    /* Another seed gives another trace: the comparison can fail. */
    traced_run(l, t2, 43);
    assert_true(t1->len != t2->len || memcmp(t1->buf, t2->buf, t1->len) != 0);
    test_free(t1);
    test_free(t2);
    test_free(l);
}

/* ==== opens ==== */

/* Both sides connect at once: SYN-SENT -> SYN-RECEIVED -> ESTABLISHED. */
static void test_syn_sent_simultaneous_open(void **state)
{
    (void)state;
    struct link *l = test_malloc(sizeof *l);
    struct tcp_config ca, cb;
    lifecycle_config(&ca, &cb);
    struct state_log log = {0};
    struct ev_tee tee;
    ev_tee_init(&tee);
    ev_tee_add(&tee, (struct ev_sink){.ctx = &log, .push = log_push});
    link_init(l, &ca, &cb, &tee);
    link_app(l, EP_A, APP_CONNECT, 0);
    link_app(l, EP_B, APP_CONNECT, 0);
    link_run_until(l, 10000);
    assert_int_equal(tcp_get_state(&l->ep[EP_A]), TCP_ESTABLISHED);
    assert_int_equal(tcp_get_state(&l->ep[EP_B]), TCP_ESTABLISHED);
    for (unsigned ep = 0; ep < 2; ep++) {
        enum tcp_state path[3] = {TCP_SYN_SENT, TCP_SYN_RECEIVED, TCP_ESTABLISHED};
        unsigned k = 0;
        for (unsigned i = 0; i < log.n; i++)
            if (log.t[i].ep == ep)
                assert_int_equal(log.t[i].to, path[k++]);
        assert_int_equal(k, 3);
    }
    /* And a close both ways ends CLOSED. */
    link_app(l, EP_A, APP_CLOSE, 0);
    link_app(l, EP_B, APP_CLOSE, 0);
    link_run_until(l, 60 * SEC);
    assert_int_equal(tcp_get_state(&l->ep[EP_A]), TCP_CLOSED);
    assert_int_equal(tcp_get_state(&l->ep[EP_B]), TCP_CLOSED);
    test_free(l);
}

/* SEND in LISTEN turns the endpoint active (§3.10.2). */
static void test_listen_app_send_active(void **state)
{
    (void)state;
    struct link *l = test_malloc(sizeof *l);
    struct tcp_config ca, cb;
    lifecycle_config(&ca, &cb);
    link_init(l, &ca, &cb, NULL);
    link_app(l, EP_B, APP_LISTEN, 0);
    link_app(l, EP_A, APP_LISTEN, 0);
    link_app(l, EP_A, APP_SEND, 300);
    assert_int_equal(tcp_get_state(&l->ep[EP_A]), TCP_SYN_SENT);
    link_run_until(l, 10000);
    assert_int_equal(tcp_get_state(&l->ep[EP_A]), TCP_ESTABLISHED);
    assert_int_equal(l->delivered[EP_B], 300);
    test_free(l);
}

/* ==== zero window ==== */

/* B does not read: its buffer fills, the window closes, A probes; once B
 * reads, the window update lets A finish, and every byte arrives. */
static void test_established_zero_window(void **state)
{
    (void)state;
    struct link *l = test_malloc(sizeof *l);
    struct tcp_config ca, cb;
    lifecycle_config(&ca, &cb);
    link_init(l, &ca, &cb, NULL);
    link_set_reading(l, EP_B, false);
    link_app(l, EP_B, APP_LISTEN, 0);
    link_app(l, EP_A, APP_CONNECT, 0);
    link_run_until(l, 10000);
    link_app(l, EP_A, APP_SEND, 8192);
    link_run_until(l, 20000);
    link_app(l, EP_A, APP_SEND, 4000);
    link_run_until(l, 5 * SEC);
    assert_int_equal(tcp_unread(&l->ep[EP_B]), 8192);
    assert_int_equal(l->ep[EP_B].rcv_wnd, 0);
    assert_int_equal(tcp_get_state(&l->ep[EP_A]), TCP_ESTABLISHED);
    link_set_reading(l, EP_B, true);
    link_app(l, EP_B, APP_RECV, 8192);
    link_run_until(l, 60 * SEC);
    assert_int_equal(l->delivered[EP_B], 12192);
    test_free(l);
}

/* ==== what leaves the endpoint is fully defined ==== */

/* Fill the stack below the caller with 0xff, so that an output segment
 * built from an uninitialised local would carry it. */
static __attribute__((noinline)) void dirty_stack(void)
{
    volatile uint8_t junk[16384];
    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = 0xff;
}

/* Every member of every segment the model emits is set: the reserved bits
 * (AE included) are 0, however dirty the stack was (a determinism bug:
 * segments once carried stack garbage there). */
static void test_output_reserved_bits_zero(void **state)
{
    (void)state;
    struct tb *t = test_malloc(sizeof *t);
    struct tcp_config cfg;
    tb_config(&cfg);
    tb_init(t, &cfg, 1000, 5000);
    dirty_stack();
    assert_int_equal(tcp_connect(&t->c, 0), TCP_APP_OK);
    struct seg s = tb_seg(t, TCP_SYN | TCP_ACK, 5000, 1001, NULL, 0);
    dirty_stack();
    tb_input(t, &s);
    dirty_stack();
    assert_int_equal(tcp_send(&t->c, 0, NULL, 100), 100);
    dirty_stack();
    assert_int_equal(tcp_close(&t->c, 0), TCP_APP_OK);
    dirty_stack();
    tb_peer(t, TCP_RST, 4000, 0, 0); /* out of window: nothing */
    dirty_stack();
    tcp_abort(&t->c, 0); /* RST */
    dirty_stack();
    tb_peer(t, TCP_ACK, 5001, 1001, 0); /* closed port: RST */
    tb_expect_count(t, 6);
    for (unsigned i = 0; i < t->nout; i++)
        assert_int_equal(t->out[i].seg.reserved_bits, 0);
    test_free(t);
}

/* ==== no ACK war ==== */

/* An unacceptable pure ACK is answered with an ACK at most once per 500 ms,
 * so two desynchronized endpoints cannot answer each other's ACKs forever;
 * a segment that carries anything (here data) is always answered. */
static void test_established_unacceptable_ack_answers_throttled(void **state)
{
    (void)state;
    struct tb *t = test_malloc(sizeof *t);
    struct tcp_config cfg;
    tb_config(&cfg);
    tb_init(t, &cfg, 1000, 5000);
    tb_build(t, TCP_ESTABLISHED);
    /* B: Flags [.], seq 5001, ack 9999 (acknowledges what A never sent) */
    tb_peer(t, TCP_ACK, 5001, 9999, 0);
    tb_expect_count(t, 1);
    tb_expect_seg(t, 0, TCP_ACK, 1001, 5001, 0);
    /* The same at once, and one out of window: no more answers. */
    tb_peer(t, TCP_ACK, 5001, 9999, 0);
    tb_peer(t, TCP_ACK, 90000, 1001, 0);
    tb_expect_count(t, 1);
    /* Data out of window is still answered. */
    tb_peer(t, TCP_ACK, 90000, 1001, 10);
    tb_expect_count(t, 2);
    /* 500 ms after the last throttled answer, a pure ACK is answered again. */
    t->now_usecs = 499999;
    tb_peer(t, TCP_ACK, 5001, 9999, 0);
    tb_expect_count(t, 2);
    t->now_usecs = 500000;
    tb_peer(t, TCP_ACK, 5001, 9999, 0);
    tb_expect_count(t, 3);
    tb_expect_seg(t, 2, TCP_ACK, 1001, 5001, 0);
    test_free(t);
}

/* ==== passive and active SYN-RECEIVED ==== */

/* SYN-RECEIVED remembers how it was reached in its own member; the peer's
 * FIN sequence number stays 0 until a FIN arrives. */
static void test_syn_received_passive_open_flag(void **state)
{
    (void)state;
    struct tb *t = test_malloc(sizeof *t);
    struct tcp_config cfg;
    tb_config(&cfg);
    tb_init_server(t, &cfg, 1000, 5000);
    tb_build(t, TCP_SYN_RECEIVED);
    assert_true(t->c.passive_open);
    assert_false(t->c.peer_fin);
    assert_int_equal(t->c.peer_fin_seq, 0);
    /* RST at RCV.NXT: a passive open goes back to LISTEN, flag cleared. */
    tb_peer(t, TCP_RST, 5001, 0, 0);
    assert_int_equal(t->c.state, TCP_LISTEN);
    assert_false(t->c.passive_open);

    /* Simultaneous open: SYN-SENT, a bare SYN, SYN-RECEIVED actively. */
    tb_init(t, &cfg, 1000, 5000);
    tb_build(t, TCP_SYN_SENT);
    tb_peer(t, TCP_SYN, 5000, 0, 0);
    assert_int_equal(t->c.state, TCP_SYN_RECEIVED);
    assert_false(t->c.passive_open);
    /* RST at RCV.NXT: an active open is refused, CLOSED. */
    tb_peer(t, TCP_RST, 5001, 0, 0);
    assert_int_equal(t->c.state, TCP_CLOSED);
    test_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_link_lifecycle_no_loss),
        cmocka_unit_test(test_link_lifecycle_with_loss),
        cmocka_unit_test(test_link_fin_lost_retransmitted),
        cmocka_unit_test(test_link_determinism),
        cmocka_unit_test(test_syn_sent_simultaneous_open),
        cmocka_unit_test(test_listen_app_send_active),
        cmocka_unit_test(test_established_zero_window),
        cmocka_unit_test(test_output_reserved_bits_zero),
        cmocka_unit_test(test_syn_received_passive_open_flag),
        cmocka_unit_test(test_established_unacceptable_ack_answers_throttled),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
