/* Timers on the virtual clock: retransmission with backoff, giving up,
 * TIME-WAIT and its restart, the FIN-WAIT-2 timeout.
 *
 * Read RFC 6298 §5, RFC 9293 §3.10.8 and §3.10.7.4 (TIME-WAIT) and
 * RFC 1122 4.2.3.5 first. The test configuration has RTO 1 s (max 60 s),
 * 8 retries and MSL 2 s, so TIME-WAIT is 4 s. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "stack/tcp.h"
#include "support/tcp_builders.h"

#define SEC 1000000ull

static struct tb *build_cfg(enum tcp_state st, const struct tcp_config *cfg)
{
    struct tb *t = test_malloc(sizeof *t);
    tb_init(t, cfg, 1000, 5000);
    tb_build(t, st);
    return t;
}

static struct tb *build(enum tcp_state st)
{
    struct tcp_config cfg;
    tb_config(&cfg);
    return build_cfg(st, &cfg);
}

/* ==== FIN-WAIT-1 ==== */

/* The FIN (sent at 0) is lost; it is retransmitted at 1, 3, 7, 15 s (RTO
 * doubling from 1 s), always at seq 1001; the ACK of it stops the timer. */
static void test_fin_wait_1_timeout_fin_retransmit_backoff(void **state)
{
    (void)state;
    struct tb *t = build(TCP_FIN_WAIT_1);
    static const uint64_t at[] = {1 * SEC, 3 * SEC, 7 * SEC, 15 * SEC};
    for (unsigned i = 0; i < 4; i++) {
        assert_int_equal(tcp_next_deadline(&t->c), at[i]);
        tb_advance_to(t, at[i] - 1);
        tb_expect_count(t, i);
        tb_advance_to(t, at[i]);
        /* A: 40000 > 8080: Flags [F.], seq 1001, ack 5001, length 0 */
        tb_expect_count(t, i + 1);
        tb_expect_seg(t, i, TCP_FIN | TCP_ACK, 1001, 5001, 0);
        assert_int_equal(t->out[i].time_usecs, at[i]);
    }
    assert_int_equal(t->c.stats.retransmits, 4);
    tb_peer(t, TCP_ACK, 5001, 1002, 0);
    assert_int_equal(t->c.state, TCP_FIN_WAIT_2);
    assert_int_equal(tcp_next_deadline(&t->c), UINT64_MAX);
    test_free(t);
}

/* The backoff stops at rto_max: with a 4 s cap, 1, 3, 7, 11, 15 s. */
static void test_fin_wait_1_timeout_backoff_capped(void **state)
{
    (void)state;
    struct tcp_config cfg;
    tb_config(&cfg);
    cfg.rto_max_usecs = 4 * SEC;
    struct tb *t = build_cfg(TCP_FIN_WAIT_1, &cfg);
    static const uint64_t at[] = {1 * SEC, 3 * SEC, 7 * SEC, 11 * SEC, 15 * SEC};
    for (unsigned i = 0; i < 5; i++) {
        assert_int_equal(tcp_next_deadline(&t->c), at[i]);
        tb_advance_to(t, at[i]);
        tb_expect_seg(t, i, TCP_FIN | TCP_ACK, 1001, 5001, 0);
    }
    test_free(t);
}

/* After max_retries (3) retransmissions the next timeout gives up: RST at
 * SND.NXT, CLOSED with cause timeout-retries. */
static void test_fin_wait_1_timeout_give_up(void **state)
{
    (void)state;
    struct tcp_config cfg;
    tb_config(&cfg);
    cfg.max_retries = 3;
    struct tb *t = build_cfg(TCP_FIN_WAIT_1, &cfg);
    tb_advance_to(t, 14 * SEC);
    tb_expect_count(t, 3); /* at 1, 3, 7 s */
    assert_int_equal(t->c.state, TCP_FIN_WAIT_1);
    tb_advance_to(t, 15 * SEC);
    tb_expect_count(t, 4);
    /* A: 40000 > 8080: Flags [R], seq 1002, length 0 */
    tb_expect_seg(t, 3, TCP_RST, 1002, 0, 0);
    tb_expect_trans(t, 0, TCP_FIN_WAIT_1, TCP_CLOSED, TCP_CAUSE_TIMEOUT_RETRIES);
    assert_int_equal(tcp_next_deadline(&t->c), UINT64_MAX);
    test_free(t);
}

/* ==== SYN-SENT ==== */

static void test_syn_sent_timeout_syn_retransmit(void **state)
{
    (void)state;
    struct tcp_config cfg;
    tb_config(&cfg);
    cfg.max_retries = 2;
    struct tb *t = build_cfg(TCP_SYN_SENT, &cfg);
    tb_advance_to(t, 1 * SEC);
    tb_advance_to(t, 3 * SEC);
    /* A: 40000 > 8080: Flags [S], seq 1000, options [mss 1460], length 0 */
    tb_expect_count(t, 2);
    tb_expect_seg(t, 0, TCP_SYN, 1000, 0, 0);
    tb_expect_seg(t, 1, TCP_SYN, 1000, 0, 0);
    assert_true(t->out[1].seg.opts.has_mss);
    tb_advance_to(t, 7 * SEC);
    tb_expect_count(t, 2); /* no RST: the peer never synchronized */
    tb_expect_trans(t, 0, TCP_SYN_SENT, TCP_CLOSED, TCP_CAUSE_TIMEOUT_RETRIES);
    test_free(t);
}

/* ==== ESTABLISHED ==== */

static void test_established_timeout_data_retransmit(void **state)
{
    (void)state;
    struct tb *t = build(TCP_ESTABLISHED);
    assert_int_equal(tcp_send(&t->c, 0, NULL, 100), 100);
    /* A: Flags [P.], seq 1001:1101, ack 5001, length 100 */
    tb_expect_seg(t, 0, TCP_ACK | TCP_PSH, 1001, 5001, 100);
    tb_advance_to(t, 1 * SEC);
    tb_expect_seg(t, 1, TCP_ACK | TCP_PSH, 1001, 5001, 100);
    assert_memory_equal(t->out[0].payload, t->out[1].payload, 100);
    /* A partial ACK of the retransmission restarts the timer from now, and
     * keeps the backed-off RTO of 2 s (Karn: no RTT sample). */
    t->now_usecs = 1500000;
    tb_peer(t, TCP_ACK, 5001, 1051, 0);
    assert_int_equal(tcp_next_deadline(&t->c), 3500000);
    tb_advance_to(t, 3500000);
    tb_expect_seg(t, 2, TCP_ACK | TCP_PSH, 1051, 5001, 50);
    t->now_usecs = 4 * SEC;
    tb_peer(t, TCP_ACK, 5001, 1101, 0);
    assert_int_equal(tcp_next_deadline(&t->c), UINT64_MAX);
    /* New data still runs on the backed-off RTO (now 4 s)... */
    assert_int_equal(tcp_send(&t->c, t->now_usecs, NULL, 10), 10);
    assert_int_equal(tcp_next_deadline(&t->c), 8 * SEC);
    /* ...until a segment sent once is acknowledged: back to 1 s. */
    t->now_usecs = 4100000;
    tb_peer(t, TCP_ACK, 5001, 1111, 0);
    assert_int_equal(tcp_send(&t->c, 5 * SEC, NULL, 10), 10);
    assert_int_equal(tcp_next_deadline(&t->c), 6 * SEC);
    test_free(t);
}

/* §3.10.7.4 fifth: only an ACK in [SND.UNA, SND.NXT] updates the send
 * window; an old one's window is measured from an older edge. */
static void test_established_rcv_old_ack_no_window_update(void **state)
{
    (void)state;
    struct tb *t = build(TCP_ESTABLISHED);
    assert_int_equal(tcp_send(&t->c, 0, NULL, 100), 100);
    tb_peer(t, TCP_ACK, 5001, 1101, 0);
    struct seg s = tb_seg(t, TCP_ACK, 5001, 1051, NULL, 0); /* old ACK, tiny window */
    s.window = 10;
    tb_input(t, &s);
    assert_int_equal(t->c.snd_wnd, 65535);
    assert_int_equal(tcp_send(&t->c, 0, NULL, 200), 200);
    tb_expect_seg(t, 1, TCP_ACK | TCP_PSH, 1101, 5001, 200);
    test_free(t);
}

/* A retransmitted segment (older sequence number than the one that last
 * set the window) that acknowledges new data brings its window: measured
 * from the new SND.UNA, the old window would reach past the peer's offer. */
static void test_established_rcv_new_ack_on_old_seq_updates_window(void **state)
{
    (void)state;
    struct tb *t = build(TCP_ESTABLISHED);
    assert_int_equal(tcp_send(&t->c, 0, NULL, 100), 100);
    tb_clear(t);
    /* B: Flags [.], seq 5011:5021, ack 1001, win 1000 (5001:5011 was lost):
     * B offers up to 2001. */
    struct seg s1 = tb_seg(t, TCP_ACK, 5011, 1001, NULL, 10);
    s1.window = 1000;
    tb_input(t, &s1);
    /* B: Flags [.], seq 5001:5011, ack 1101, win 900: still up to 2001. */
    struct seg s2 = tb_seg(t, TCP_ACK, 5001, 1101, NULL, 10);
    s2.window = 900;
    tb_input(t, &s2);
    assert_int_equal(t->c.snd_una, 1101);
    assert_int_equal(t->c.snd_wnd, 900);
    tb_clear(t);
    assert_int_equal(tcp_send(&t->c, 0, NULL, 2000), 2000);
    /* A: Flags [.], seq 1101:2001, ack 5011, length 900 -- not a byte more
     * (5011:5021 came out of order and was not kept) */
    tb_expect_count(t, 1);
    tb_expect_seg(t, 0, TCP_ACK, 1101, 5011, 900);
    test_free(t);
}

/* ==== TIME-WAIT ==== */

/* A retransmitted FIN in TIME-WAIT is acknowledged again and restarts
 * 2*MSL from its arrival. */
static void test_time_wait_rcv_fin_retransmit(void **state)
{
    (void)state;
    struct tb *t = build(TCP_TIME_WAIT);
    assert_int_equal(tcp_next_deadline(&t->c), 4 * SEC);
    t->now_usecs = 3 * SEC;
    /* B: 8080 > 40000: Flags [F.], seq 5001, ack 1002 (again) */
    tb_peer(t, TCP_FIN | TCP_ACK, 5001, 1002, 0);
    /* A: 40000 > 8080: Flags [.], seq 1002, ack 5002 */
    tb_expect_count(t, 1);
    tb_expect_seg(t, 0, TCP_ACK, 1002, 5002, 0);
    assert_int_equal(tcp_next_deadline(&t->c), 7 * SEC);
    tb_advance_to(t, 4 * SEC);
    assert_int_equal(t->c.state, TCP_TIME_WAIT);
    tb_advance_to(t, 7 * SEC - 1);
    assert_int_equal(t->c.state, TCP_TIME_WAIT);
    tb_advance_to(t, 7 * SEC);
    tb_expect_trans(t, 0, TCP_TIME_WAIT, TCP_CLOSED, TCP_CAUSE_TIMEOUT_TIME_WAIT);
    test_free(t);
}

/* Anything else in TIME-WAIT does not restart the timer. */
static void test_time_wait_rcv_ack_no_restart(void **state)
{
    (void)state;
    struct tb *t = build(TCP_TIME_WAIT);
    t->now_usecs = 3 * SEC;
    tb_peer(t, TCP_ACK, 5002, 1002, 0);
    tb_expect_count(t, 0);
    assert_int_equal(tcp_next_deadline(&t->c), 4 * SEC);
    test_free(t);
}

/* RFC 9293 §3.10.7.4: only a retransmission of the peer's FIN restarts
 * 2*MSL. A FIN without the ACK bit (bare, or with data before it) is dropped
 * at the fifth step, and a FIN at another sequence number fails the
 * acceptability test: each is answered with an ACK at most, and TIME-WAIT
 * still ends 4 s after it began. */
static void test_time_wait_rcv_unacceptable_fin_no_restart(void **state)
{
    (void)state;
    struct tb *t = build(TCP_TIME_WAIT);
    assert_int_equal(tcp_next_deadline(&t->c), 4 * SEC);
    t->now_usecs = 1 * SEC;
    /* B: Flags [F], seq 5001 (no ACK) */
    tb_peer(t, TCP_FIN, 5001, 0, 0);
    assert_int_equal(tcp_next_deadline(&t->c), 4 * SEC);
    t->now_usecs = 2 * SEC;
    /* B: Flags [F], seq 4991:5001, length 10 (data and FIN, no ACK) */
    tb_peer(t, TCP_FIN, 4991, 0, 10);
    assert_int_equal(tcp_next_deadline(&t->c), 4 * SEC);
    t->now_usecs = 3 * SEC;
    /* B: Flags [F.], seq 5000, ack 1002: not where the FIN was */
    tb_peer(t, TCP_FIN | TCP_ACK, 5000, 1002, 0);
    tb_peer(t, TCP_FIN | TCP_ACK, 6001, 1002, 0);
    assert_int_equal(tcp_next_deadline(&t->c), 4 * SEC);
    tb_advance_to(t, 4 * SEC);
    tb_expect_trans(t, 0, TCP_TIME_WAIT, TCP_CLOSED, TCP_CAUSE_TIMEOUT_TIME_WAIT);
    test_free(t);
}

/* A retransmission of data and FIN together (with ACK) ends where the FIN
 * did: it restarts the timer too. */
static void test_time_wait_rcv_data_fin_retransmit(void **state)
{
    (void)state;
    struct tb *t = build(TCP_TIME_WAIT);
    t->now_usecs = 3 * SEC;
    /* B: Flags [F.], seq 4991:5001, ack 1002, length 10 */
    tb_peer(t, TCP_FIN | TCP_ACK, 4991, 1002, 10);
    tb_expect_seg(t, 0, TCP_ACK, 1002, 5002, 0);
    assert_int_equal(tcp_next_deadline(&t->c), 7 * SEC);
    test_free(t);
}

/* ==== FIN-WAIT-2 ==== */

static void test_fin_wait_2_timeout_configured(void **state)
{
    (void)state;
    struct tcp_config cfg;
    tb_config(&cfg);
    cfg.fin_wait_2_timeout_usecs = 30 * SEC;
    struct tb *t = build_cfg(TCP_FIN_WAIT_2, &cfg);
    assert_int_equal(tcp_next_deadline(&t->c), 30 * SEC);
    tb_advance_to(t, 30 * SEC - 1);
    assert_int_equal(t->c.state, TCP_FIN_WAIT_2);
    tb_advance_to(t, 30 * SEC);
    tb_expect_trans(t, 0, TCP_FIN_WAIT_2, TCP_CLOSED, TCP_CAUSE_TIMEOUT_FIN_WAIT_2);
    tb_expect_count(t, 0);
    test_free(t);
}

static void test_fin_wait_2_no_timeout_by_default(void **state)
{
    (void)state;
    struct tb *t = build(TCP_FIN_WAIT_2);
    assert_int_equal(tcp_next_deadline(&t->c), UINT64_MAX);
    tb_advance_to(t, 100000 * SEC);
    assert_int_equal(t->c.state, TCP_FIN_WAIT_2);
    /* The FIN that comes late still gets its ACK and TIME-WAIT. */
    tb_peer(t, TCP_FIN | TCP_ACK, 5001, 1002, 0);
    tb_expect_seg(t, 0, TCP_ACK, 1002, 5002, 0);
    assert_int_equal(tcp_next_deadline(&t->c), 100004 * SEC);
    test_free(t);
}

/* ==== LAST-ACK ==== */

static void test_last_ack_timeout_fin_retransmit(void **state)
{
    (void)state;
    struct tb *t = build(TCP_LAST_ACK);
    tb_advance_to(t, 1 * SEC);
    /* A: Flags [F.], seq 1001, ack 5002 */
    tb_expect_seg(t, 0, TCP_FIN | TCP_ACK, 1001, 5002, 0);
    tb_peer(t, TCP_ACK, 5002, 1002, 0);
    tb_expect_trans(t, 0, TCP_LAST_ACK, TCP_CLOSED, TCP_CAUSE_RCV_ACK);
    test_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fin_wait_1_timeout_fin_retransmit_backoff),
        cmocka_unit_test(test_fin_wait_1_timeout_backoff_capped),
        cmocka_unit_test(test_fin_wait_1_timeout_give_up),
        cmocka_unit_test(test_syn_sent_timeout_syn_retransmit),
        cmocka_unit_test(test_established_timeout_data_retransmit),
        cmocka_unit_test(test_established_rcv_old_ack_no_window_update),
        cmocka_unit_test(test_established_rcv_new_ack_on_old_seq_updates_window),
        cmocka_unit_test(test_time_wait_rcv_fin_retransmit),
        cmocka_unit_test(test_time_wait_rcv_ack_no_restart),
        cmocka_unit_test(test_time_wait_rcv_unacceptable_fin_no_restart),
        cmocka_unit_test(test_time_wait_rcv_data_fin_retransmit),
        cmocka_unit_test(test_fin_wait_2_timeout_configured),
        cmocka_unit_test(test_fin_wait_2_no_timeout_by_default),
        cmocka_unit_test(test_last_ack_timeout_fin_retransmit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
