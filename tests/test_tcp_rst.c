/* RST, SYN and ACK validation.
 *
 * Read RFC 9293 §3.10.7.1-§3.10.7.4 (first, second, fourth and fifth steps),
 * RFC 5961 §3.2, §4.2 and §5.2, and RFC 1337 first. For each state a RST
 * exactly at RCV.NXT closes, one elsewhere in the window draws a challenge
 * ACK <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>, one outside is ignored. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "stack/tcp.h"
#include "support/tcp_builders.h"

static struct tb *build(enum tcp_state st, bool rfc1337)
{
    struct tcp_config cfg;
    tb_config(&cfg);
    cfg.rfc1337 = rfc1337;
    struct tb *t = test_malloc(sizeof *t);
    tb_init(t, &cfg, 1000, 5000);
    tb_build(t, st);
    return t;
}

/* The states where §3.10.7.4 applies, and where an exact RST leads. */
static const struct {
    enum tcp_state st, after_rst;
} rst_states[] = {
    {TCP_SYN_RECEIVED, TCP_LISTEN}, {TCP_ESTABLISHED, TCP_CLOSED}, {TCP_FIN_WAIT_1, TCP_CLOSED},
    {TCP_FIN_WAIT_2, TCP_CLOSED},   {TCP_CLOSING, TCP_CLOSED},     {TCP_TIME_WAIT, TCP_CLOSED},
    {TCP_CLOSE_WAIT, TCP_CLOSED},   {TCP_LAST_ACK, TCP_CLOSED},
};
#define N_RST_STATES (sizeof rst_states / sizeof rst_states[0])

/* ==== every synchronized state (and SYN-RECEIVED) ==== */

static void test_every_state_rcv_rst_exact(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_RST_STATES; i++) {
        struct tb *t = build(rst_states[i].st, false);
        /* B: 8080 > 40000: Flags [R], seq RCV.NXT, win 0, length 0 */
        tb_peer(t, TCP_RST, t->c.rcv_nxt, 0, 0);
        assert_string_equal(tcp_state_name(t->c.state), tcp_state_name(rst_states[i].after_rst));
        tb_expect_count(t, 0); /* nothing answers a RST */
        tb_expect_trans(t, 0, rst_states[i].st, rst_states[i].after_rst, TCP_CAUSE_RCV_RST);
        test_free(t);
    }
}

static void test_every_state_rcv_rst_in_window(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_RST_STATES; i++) {
        struct tb *t = build(rst_states[i].st, false);
        uint32_t snd_nxt = t->c.snd_nxt, rcv_nxt = t->c.rcv_nxt;
        /* B: Flags [R], seq RCV.NXT+100 -> A: Flags [.], seq SND.NXT, ack RCV.NXT */
        tb_peer(t, TCP_RST, rcv_nxt + 100, 0, 0);
        assert_string_equal(tcp_state_name(t->c.state), tcp_state_name(rst_states[i].st));
        tb_expect_count(t, 1);
        tb_expect_seg(t, 0, TCP_ACK, snd_nxt, rcv_nxt, 0);
        tb_expect_ntrans(t, 0);
        assert_int_equal(t->c.stats.challenge_acks, 1);
        /* The last byte of the window is still in it. */
        tb_clear(t);
        tb_peer(t, TCP_RST, rcv_nxt + t->c.rcv_wnd - 1, 0, 0);
        tb_expect_count(t, 1);
        tb_expect_seg(t, 0, TCP_ACK, snd_nxt, rcv_nxt, 0);
        test_free(t);
    }
}

static void test_every_state_rcv_rst_out_of_window(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_RST_STATES; i++) {
        struct tb *t = build(rst_states[i].st, false);
        uint32_t rcv_nxt = t->c.rcv_nxt;
        tb_peer(t, TCP_RST, rcv_nxt + t->c.rcv_wnd, 0, 0); /* just past the window */
        tb_peer(t, TCP_RST, rcv_nxt - 1, 0, 0);            /* just before it */
        tb_peer(t, TCP_RST | TCP_ACK, rcv_nxt + 0x40000000u, t->c.snd_nxt, 0);
        assert_string_equal(tcp_state_name(t->c.state), tcp_state_name(rst_states[i].st));
        tb_expect_count(t, 0);
        tb_expect_ntrans(t, 0);
        test_free(t);
    }
}

/* ==== SYN-SENT (§3.10.7.3) ==== */

static void test_syn_sent_rcv_rst_needs_acceptable_ack(void **state)
{
    (void)state;
    struct tb *t = build(TCP_SYN_SENT, false);
    tb_peer(t, TCP_RST, 0, 0, 0);                      /* no ACK: dropped */
    tb_peer(t, TCP_RST | TCP_ACK, 0, t->c.iss, 0);     /* ACK of nothing: dropped */
    tb_peer(t, TCP_RST | TCP_ACK, 0, t->c.iss + 2, 0); /* ACK beyond SND.NXT: dropped */
    tb_expect_count(t, 0);
    assert_int_equal(t->c.state, TCP_SYN_SENT);
    tb_peer(t, TCP_RST | TCP_ACK, 0, t->c.iss + 1, 0);
    assert_int_equal(t->c.state, TCP_CLOSED);
    tb_expect_count(t, 0);
    test_free(t);
}

static void test_syn_sent_rcv_bad_ack(void **state)
{
    (void)state;
    struct tb *t = build(TCP_SYN_SENT, false);
    /* B: Flags [S.], seq 5000, ack 999 -> A: Flags [R], seq 999 */
    tb_peer(t, TCP_SYN | TCP_ACK, 5000, 999, 0);
    tb_expect_count(t, 1);
    tb_expect_seg(t, 0, TCP_RST, 999, 0, 0);
    assert_int_equal(t->c.state, TCP_SYN_SENT);
    test_free(t);
}

/* ==== LISTEN and CLOSED (§3.10.7.1, §3.10.7.2) ==== */

static void test_listen_rcv_rst_ignored(void **state)
{
    (void)state;
    struct tb *t = build(TCP_LISTEN, false);
    tb_peer(t, TCP_RST, 123, 0, 0);
    tb_expect_count(t, 0);
    assert_int_equal(t->c.state, TCP_LISTEN);
    /* An ACK to a listener: <SEQ=SEG.ACK><CTL=RST> */
    tb_peer(t, TCP_ACK, 123, 777, 0);
    tb_expect_count(t, 1);
    tb_expect_seg(t, 0, TCP_RST, 777, 0, 0);
    assert_int_equal(t->c.state, TCP_LISTEN);
    test_free(t);
}

static void test_closed_rcv_segments(void **state)
{
    (void)state;
    struct tb *t = build(TCP_CLOSED, false);
    /* B: Flags [S], seq 5000 -> A: Flags [R.], seq 0, ack 5001 */
    tb_peer(t, TCP_SYN, 5000, 0, 0);
    tb_expect_seg(t, 0, TCP_RST | TCP_ACK, 0, 5001, 0);
    /* B: Flags [P.], seq 7, ack 300, length 20 -> A: Flags [R], seq 300 */
    tb_peer(t, TCP_ACK | TCP_PSH, 7, 300, 20);
    tb_expect_seg(t, 1, TCP_RST, 300, 0, 0);
    /* B: Flags [F], seq 9, length 3 -> A: Flags [R.], seq 0, ack 13 */
    tb_peer(t, TCP_FIN, 9, 0, 3);
    tb_expect_seg(t, 2, TCP_RST | TCP_ACK, 0, 13, 0);
    tb_peer(t, TCP_RST, 9, 0, 0); /* a RST is never answered */
    tb_peer(t, TCP_RST | TCP_ACK, 9, 10, 0);
    tb_expect_count(t, 3);
    tb_expect_ntrans(t, 0);
    test_free(t);
}

/* ==== TIME-WAIT and RFC 1337 ==== */

static void test_time_wait_rcv_rst_rfc1337_on(void **state)
{
    (void)state;
    struct tb *t = build(TCP_TIME_WAIT, true);
    uint64_t deadline = tcp_next_deadline(&t->c);
    tb_peer(t, TCP_RST, t->c.rcv_nxt, 0, 0);       /* exact: still ignored */
    tb_peer(t, TCP_RST, t->c.rcv_nxt + 100, 0, 0); /* in window: no challenge either */
    assert_int_equal(t->c.state, TCP_TIME_WAIT);
    assert_int_equal(tcp_next_deadline(&t->c), deadline);
    tb_expect_count(t, 0);
    tb_advance_to(t, deadline);
    tb_expect_trans(t, 0, TCP_TIME_WAIT, TCP_CLOSED, TCP_CAUSE_TIMEOUT_TIME_WAIT);
    test_free(t);
}

static void test_time_wait_rcv_rst_rfc1337_off(void **state)
{
    (void)state;
    struct tb *t = build(TCP_TIME_WAIT, false);
    tb_peer(t, TCP_RST, t->c.rcv_nxt, 0, 0);
    assert_int_equal(t->c.state, TCP_CLOSED);
    tb_expect_trans(t, 0, TCP_TIME_WAIT, TCP_CLOSED, TCP_CAUSE_RCV_RST);
    assert_int_equal(tcp_next_deadline(&t->c), UINT64_MAX);
    test_free(t);
}

/* ==== SYN in synchronized states (RFC 5961 §4.2) ==== */

static void test_established_rcv_syn_challenge_ack(void **state)
{
    (void)state;
    struct tb *t = build(TCP_ESTABLISHED, false);
    /* B: Flags [S], seq 9999 -> A: Flags [.], seq 1001, ack 5001 */
    tb_peer(t, TCP_SYN, 9999, 0, 0);
    tb_expect_count(t, 1);
    tb_expect_seg(t, 0, TCP_ACK, 1001, 5001, 0);
    assert_int_equal(t->c.state, TCP_ESTABLISHED);
    /* In the window too: still only a challenge ACK. */
    tb_peer(t, TCP_SYN, 5001, 0, 0);
    tb_expect_count(t, 2);
    tb_expect_seg(t, 1, TCP_ACK, 1001, 5001, 0);
    assert_int_equal(t->c.stats.challenge_acks, 2);
    tb_expect_ntrans(t, 0);
    test_free(t);
}

static void test_every_synchronized_state_rcv_syn(void **state)
{
    (void)state;
    for (size_t i = 1; i < N_RST_STATES; i++) {
        struct tb *t = build(rst_states[i].st, false);
        uint32_t snd_nxt = t->c.snd_nxt, rcv_nxt = t->c.rcv_nxt;
        tb_peer(t, TCP_SYN, rcv_nxt, 0, 0);
        tb_expect_count(t, 1);
        tb_expect_seg(t, 0, TCP_ACK, snd_nxt, rcv_nxt, 0);
        assert_string_equal(tcp_state_name(t->c.state), tcp_state_name(rst_states[i].st));
        test_free(t);
    }
}

/* ==== ACK validation (§3.10.7.4 fifth, RFC 5961 §5.2) ==== */

static void test_established_rcv_ack_of_unsent(void **state)
{
    (void)state;
    struct tb *t = build(TCP_ESTABLISHED, false);
    /* B: Flags [P.], seq 5001, ack 1101, length 10 -> A: Flags [.], seq 1001, ack 5001 */
    tb_peer(t, TCP_ACK | TCP_PSH, 5001, 1101, 10);
    tb_expect_count(t, 1);
    tb_expect_seg(t, 0, TCP_ACK, 1001, 5001, 0);
    assert_int_equal(tcp_unread(&t->c), 0); /* the text was dropped with it */
    test_free(t);
}

static void test_established_rcv_ack_too_old(void **state)
{
    (void)state;
    struct tb *t = build(TCP_ESTABLISHED, false);
    uint32_t old = t->c.snd_una - 65535u - 1u;
    tb_peer(t, TCP_ACK | TCP_PSH, 5001, old, 10);
    tb_expect_count(t, 1);
    tb_expect_seg(t, 0, TCP_ACK, 1001, 5001, 0);
    assert_int_equal(tcp_unread(&t->c), 0);
    /* An old ACK within MAX.SND.WND is only a duplicate: the text is kept. */
    tb_clear(t);
    tb_peer(t, TCP_ACK | TCP_PSH, 5001, t->c.snd_una - 100u, 10);
    tb_expect_count(t, 1);
    tb_expect_seg(t, 0, TCP_ACK, 1001, 5011, 0);
    assert_int_equal(tcp_unread(&t->c), 10);
    test_free(t);
}

/* ==== unacceptable segments (§3.10.7.4 first) ==== */

static void test_established_rcv_unacceptable_acked(void **state)
{
    (void)state;
    struct tb *t = build(TCP_ESTABLISHED, false);
    /* Old data (a retransmission): A: Flags [.], seq 1001, ack 5001 */
    tb_peer(t, TCP_ACK, 4000, 1001, 10);
    /* Beyond the window. */
    tb_peer(t, TCP_ACK, 5001 + 100000, 1001, 10);
    tb_expect_count(t, 2);
    tb_expect_seg(t, 0, TCP_ACK, 1001, 5001, 0);
    tb_expect_seg(t, 1, TCP_ACK, 1001, 5001, 0);
    assert_int_equal(tcp_unread(&t->c), 0);
    test_free(t);
}

static void test_syn_received_rcv_bad_ack(void **state)
{
    (void)state;
    struct tb *t = build(TCP_SYN_RECEIVED, false);
    /* B: Flags [.], seq 5001, ack 77 -> A: Flags [R], seq 77 */
    tb_peer(t, TCP_ACK, 5001, 77, 0);
    tb_expect_count(t, 1);
    tb_expect_seg(t, 0, TCP_RST, 77, 0, 0);
    assert_int_equal(t->c.state, TCP_SYN_RECEIVED);
    test_free(t);
}

/* A passive SYN-RECEIVED whose application already closed does not listen
 * again after a RST: the TCB is deleted. */
static void test_syn_received_rcv_rst_after_close(void **state)
{
    (void)state;
    struct tb *t = build(TCP_SYN_RECEIVED, false);
    assert_int_equal(tcp_send(&t->c, 0, NULL, 10), 10); /* queued until ESTABLISHED */
    assert_int_equal(tcp_close(&t->c, 0), TCP_APP_OK);
    assert_int_equal(t->c.state, TCP_SYN_RECEIVED); /* the FIN waits behind the data */
    tb_peer(t, TCP_RST, t->c.rcv_nxt, 0, 0);
    tb_expect_trans(t, 0, TCP_SYN_RECEIVED, TCP_CLOSED, TCP_CAUSE_RCV_RST);
    tb_expect_count(t, 0);
    test_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_state_rcv_rst_exact),
        cmocka_unit_test(test_every_state_rcv_rst_in_window),
        cmocka_unit_test(test_every_state_rcv_rst_out_of_window),
        cmocka_unit_test(test_syn_sent_rcv_rst_needs_acceptable_ack),
        cmocka_unit_test(test_syn_sent_rcv_bad_ack),
        cmocka_unit_test(test_listen_rcv_rst_ignored),
        cmocka_unit_test(test_closed_rcv_segments),
        cmocka_unit_test(test_time_wait_rcv_rst_rfc1337_on),
        cmocka_unit_test(test_time_wait_rcv_rst_rfc1337_off),
        cmocka_unit_test(test_established_rcv_syn_challenge_ack),
        cmocka_unit_test(test_every_synchronized_state_rcv_syn),
        cmocka_unit_test(test_established_rcv_ack_of_unsent),
        cmocka_unit_test(test_established_rcv_ack_too_old),
        cmocka_unit_test(test_established_rcv_unacceptable_acked),
        cmocka_unit_test(test_syn_received_rcv_bad_ack),
        cmocka_unit_test(test_syn_received_rcv_rst_after_close),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
