/* Oracle false alarms found by fuzzing the unmutated model stack, each as
 * a hand-written trace that must pass now, next to the near miss that must
 * still fail. Traces use tests/support/evtrace; A's ISN 1000, B's 5000; A is
 * the model under test (states reported), B the fuzzer's scripted peer (not
 * judged), as in fuzz_close_endpoint. */
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "harness/oracle.h"
#include "tests/support/evtrace.h"
#include "tests/support/oracle_judge.h"

#define MS  1000ull
#define SEC 1000000ull

static struct oracle_config endpoint_cfg(void)
{
    struct oracle_config c;
    oracle_config_default(&c);
    c.judge[EP_B] = false;
    c.states_reported[EP_A] = true;
    c.msl_usecs = 1 * SEC;
    c.timer_slack_usecs = 0;
    return c;
}

/* Where most traces start: the handshake (0-2 ms), then at 3 ms A's
 * application closes and A sends FIN seq 1001 ack 5001 (A FIN-WAIT-1). */
static void a_closes_at_3ms(struct evtrace *t)
{
    evt_init(t);
    evt_handshake(t, 1000, 5000);
    evt_state(t, EP_A, 3 * MS, TCP_ESTABLISHED, TCP_FIN_WAIT_1, TCP_CAUSE_APP_CLOSE);
    evt_seg(t, EP_A, 3 * MS, TCP_FIN | TCP_ACK, 1001, 5001, 0);
}

/* A's close completed: B ACKs A's FIN at 4 ms (A FIN-WAIT-2), B's FIN seq
 * 5001 comes at 5 ms and A ACKs it (A TIME-WAIT at 5 ms). */
static void a_in_time_wait_at_5ms(struct evtrace *t)
{
    a_closes_at_3ms(t);
    evt_seg(t, EP_B, 4 * MS, TCP_ACK, 5001, 1002, 0);
    evt_state(t, EP_A, 4 * MS, TCP_FIN_WAIT_1, TCP_FIN_WAIT_2, TCP_CAUSE_RCV_ACK);
    evt_seg(t, EP_B, 5 * MS, TCP_FIN | TCP_ACK, 5001, 1002, 0);
    evt_seg(t, EP_A, 5 * MS, TCP_ACK, 1002, 5002, 0);
    evt_state(t, EP_A, 5 * MS, TCP_FIN_WAIT_2, TCP_TIME_WAIT, TCP_CAUSE_RCV_FIN);
}

/* The peer's pure ACK carries seq RCV.NXT + 1 (inside the window, so A takes
 * its ACK); its FIN then comes at RCV.NXT, which A takes too (RFC 9293
 * §3.10.7.4: acceptable, at RCV.NXT). A pure ACK occupies no sequence space,
 * so that FIN sits inside no data sent: it is B's FIN, and its
 * retransmission at 500 ms restarts A's TIME-WAIT. A closes at `closed`. */
static void fin_after_pure_ack_ahead(struct evtrace *t, uint64_t closed_usecs)
{
    a_closes_at_3ms(t);
    evt_seg(t, EP_B, 4 * MS, TCP_ACK, 5002, 1002, 0);
    evt_state(t, EP_A, 4 * MS, TCP_FIN_WAIT_1, TCP_FIN_WAIT_2, TCP_CAUSE_RCV_ACK);
    evt_seg(t, EP_B, 5 * MS, TCP_FIN | TCP_ACK, 5001, 1002, 0);
    evt_seg(t, EP_A, 5 * MS, TCP_ACK, 1002, 5002, 0);
    evt_state(t, EP_A, 5 * MS, TCP_FIN_WAIT_2, TCP_TIME_WAIT, TCP_CAUSE_RCV_FIN);
    evt_seg(t, EP_B, 505 * MS, TCP_FIN | TCP_ACK, 5001, 1002, 0);
    evt_seg(t, EP_A, 505 * MS, TCP_ACK, 1002, 5002, 0);
    evt_state(t, EP_A, closed_usecs, TCP_TIME_WAIT, TCP_CLOSED, TCP_CAUSE_TIMEOUT_TIME_WAIT);
}

static void test_tw_restarts_on_fin_after_pure_ack_ahead(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    fin_after_pure_ack_ahead(&t, 505 * MS + 2 * SEC);
    judge(&o, &t, endpoint_cfg());
    ASSERT_CLEAN(&o);
}

static void test_tw_not_restarted_after_pure_ack_ahead_fails(void **state)
{
    (void)state;
    /* Near miss: A ignores the restart and closes 2*MSL after the first FIN. */
    struct evtrace t;
    struct oracle o;
    fin_after_pure_ack_ahead(&t, 5 * MS + 2 * SEC);
    judge(&o, &t, endpoint_cfg());
    ASSERT_BROKEN(&o, "time-wait-duration", t.n - 1);
}

/* The peer's SYN-ACK carries 16 bytes that A does not take (it ACKs only the
 * SYN: data on a SYN may be dropped, RFC 9293 §3.10.7.3); B's FIN then comes
 * at ISN + 1, which A takes. Its retransmission restarts TIME-WAIT. */
static void fin_after_syn_data_dropped(struct evtrace *t, uint64_t closed_usecs)
{
    evt_init(t);
    evt_handshake(t, 1000, 5000);
    t->evs[1].u.segment.seg.payload_len = 16;
    evt_state(t, EP_A, 3 * MS, TCP_ESTABLISHED, TCP_FIN_WAIT_1, TCP_CAUSE_APP_CLOSE);
    evt_seg(t, EP_A, 3 * MS, TCP_FIN | TCP_ACK, 1001, 5001, 0);
    evt_seg(t, EP_B, 5 * MS, TCP_FIN | TCP_ACK, 5001, 1002, 0);
    evt_seg(t, EP_A, 5 * MS, TCP_ACK, 1002, 5002, 0);
    evt_state(t, EP_A, 5 * MS, TCP_FIN_WAIT_1, TCP_TIME_WAIT, TCP_CAUSE_RCV_FIN_ACK);
    evt_seg(t, EP_B, 505 * MS, TCP_FIN | TCP_ACK, 5001, 1002, 0);
    evt_seg(t, EP_A, 505 * MS, TCP_ACK, 1002, 5002, 0);
    evt_state(t, EP_A, closed_usecs, TCP_TIME_WAIT, TCP_CLOSED, TCP_CAUSE_TIMEOUT_TIME_WAIT);
}

static void test_tw_restarts_on_fin_after_syn_data_dropped(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    fin_after_syn_data_dropped(&t, 505 * MS + 2 * SEC);
    judge(&o, &t, endpoint_cfg());
    ASSERT_CLEAN(&o);
}

static void test_tw_not_restarted_after_syn_data_dropped_fails(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    fin_after_syn_data_dropped(&t, 5 * MS + 2 * SEC);
    judge(&o, &t, endpoint_cfg());
    ASSERT_BROKEN(&o, "time-wait-duration", t.n - 1);
}

/* A's FIN is acknowledged (A FIN-WAIT-2); then B sends a SYN-ACK with junk
 * numbers, which A, synchronized, answers with a challenge ACK and ignores
 * (RFC 5961 §4.2); B's FIN then carries an old ACK. A's TIME-WAIT on that
 * FIN is right: its FIN was acknowledged before. `fin_acked`: whether B's
 * first ACK covers A's FIN (if not, A stays in FIN-WAIT-1 and B's FIN,
 * acknowledging nothing new, cannot take it to TIME-WAIT). */
static void syn_ack_junk_then_fin(struct evtrace *t, bool fin_acked)
{
    a_closes_at_3ms(t);
    evt_seg(t, EP_B, 4 * MS, TCP_ACK, 5001, fin_acked ? 1002 : 1001, 0);
    if (fin_acked)
        evt_state(t, EP_A, 4 * MS, TCP_FIN_WAIT_1, TCP_FIN_WAIT_2, TCP_CAUSE_RCV_ACK);
    evt_seg(t, EP_B, 5 * MS, TCP_SYN | TCP_ACK, 77, 900, 0);
    evt_seg(t, EP_A, 5 * MS, TCP_ACK, 1002, 5001, 0);
    evt_seg(t, EP_B, 6 * MS, TCP_FIN | TCP_ACK, 5001, 1001, 0);
    evt_seg(t, EP_A, 6 * MS, TCP_ACK, 1002, 5002, 0);
    evt_state(t, EP_A, 6 * MS, fin_acked ? TCP_FIN_WAIT_2 : TCP_FIN_WAIT_1, TCP_TIME_WAIT,
              fin_acked ? TCP_CAUSE_RCV_FIN : TCP_CAUSE_RCV_FIN_ACK);
}

static void test_time_wait_after_fin_acked_then_syn_ack_junk_passes(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    syn_ack_junk_then_fin(&t, true);
    judge(&o, &t, endpoint_cfg());
    ASSERT_CLEAN(&o);
}

static void test_time_wait_without_fin_acked_then_syn_ack_junk_fails(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    syn_ack_junk_then_fin(&t, false);
    judge(&o, &t, endpoint_cfg());
    ASSERT_BROKEN(&o, "state-matches-wire", t.n - 1);
}

/* A in TIME-WAIT at 5 ms; at 505 ms B's FIN comes again at its sequence
 * number, with SYN set if `with_syn`; A answers with an ACK and closes
 * 2*MSL after entering TIME-WAIT. A SYN in TIME-WAIT draws a challenge ACK
 * and the segment is dropped (RFC 5961 §4.2): no restart. A plain
 * retransmitted FIN restarts 2*MSL (RFC 9293 §3.10.7.4). */
static void tw_fin_again(struct evtrace *t, bool with_syn)
{
    a_in_time_wait_at_5ms(t);
    evt_seg(t, EP_B, 505 * MS, (uint8_t)(TCP_FIN | TCP_ACK | (with_syn ? TCP_SYN : 0)), 5001, 1002,
            0);
    evt_seg(t, EP_A, 505 * MS, TCP_ACK, 1002, 5002, 0);
    evt_state(t, EP_A, 5 * MS + 2 * SEC, TCP_TIME_WAIT, TCP_CLOSED, TCP_CAUSE_TIMEOUT_TIME_WAIT);
}

static void test_tw_no_restart_on_syn_fin_ack_passes(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    tw_fin_again(&t, true);
    judge(&o, &t, endpoint_cfg());
    ASSERT_CLEAN(&o);
}

static void test_tw_no_restart_on_plain_fin_ack_fails(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    tw_fin_again(&t, false);
    judge(&o, &t, endpoint_cfg());
    ASSERT_BROKEN(&o, "time-wait-duration", t.n - 1);
}

/* fuzz_close_pair: both endpoints listen with each other's old SYN in
 * flight, so each answers a different SYN (A's SYN-ACK acks B's first SYN,
 * B's acks A's first SYN) and neither ACK is acceptable to the other: an
 * RFC-legal desynchronization that ends in retransmission timeouts. B's
 * SYN-ACK is retransmitted three times; A's ACKs of B's first SYN stay
 * handshake answers, not ACKs beyond B's FIN. (Sequence numbers from the
 * run.) */
struct pair_seg {
    unsigned ep;
    uint64_t usecs;
    uint8_t flags;
    uint32_t seq, ack;
};
static const struct pair_seg crossed_listens[] = {
    {EP_B, 0u, TCP_SYN, 3016097088u, 0u},
    {EP_A, 0u, TCP_SYN, 16778754u, 0u},
    {EP_A, 1000u, TCP_SYN | TCP_ACK, 3105245465u, 3016097089u},
    {EP_B, 1000u, TCP_SYN | TCP_ACK, 740182497u, 16778755u},
    {EP_B, 2000u, TCP_ACK, 740182498u, 16778755u},
    {EP_A, 2000u, TCP_ACK, 3105245466u, 3016097089u},
    {EP_A, 3000u, TCP_ACK, 3105245466u, 3016097089u},
    {EP_B, 3000u, TCP_ACK, 740182498u, 16778755u},
    {EP_A, 20000u, TCP_ACK | TCP_FIN, 3105245466u, 3016097089u},
    {EP_B, 20000u, TCP_ACK | TCP_FIN, 740182498u, 16778755u},
    {EP_B, 21000u, TCP_ACK, 740182499u, 16778755u},
    {EP_A, 21000u, TCP_ACK, 3105245467u, 3016097089u},
    {EP_A, 1001000u, TCP_SYN | TCP_ACK, 3105245465u, 3016097089u},
    {EP_B, 1001000u, TCP_SYN | TCP_ACK, 740182497u, 16778755u},
    {EP_B, 1002000u, TCP_ACK, 740182499u, 16778755u},
    {EP_A, 1002000u, TCP_ACK, 3105245467u, 3016097089u},
    {EP_A, 1003000u, TCP_ACK, 3105245467u, 3016097089u},
    {EP_B, 1003000u, TCP_ACK, 740182499u, 16778755u},
    {EP_A, 3001000u, TCP_SYN | TCP_ACK, 3105245465u, 3016097089u},
    {EP_B, 3001000u, TCP_SYN | TCP_ACK, 740182497u, 16778755u},
    {EP_B, 3002000u, TCP_ACK, 740182499u, 16778755u},
    {EP_A, 3002000u, TCP_ACK, 3105245467u, 3016097089u},
    {EP_A, 3003000u, TCP_ACK, 3105245467u, 3016097089u},
    {EP_B, 3003000u, TCP_ACK, 740182499u, 16778755u},
    {EP_A, 7001000u, TCP_SYN | TCP_ACK, 3105245465u, 3016097089u},
    {EP_B, 7001000u, TCP_SYN | TCP_ACK, 740182497u, 16778755u},
    {EP_B, 7002000u, TCP_ACK, 740182499u, 16778755u},
    {EP_A, 7002000u, TCP_ACK, 3105245467u, 3016097089u},
    {EP_A, 7003000u, TCP_ACK, 3105245467u, 3016097089u},
    {EP_B, 7003000u, TCP_ACK, 740182499u, 16778755u},
    {EP_A, 15001000u, TCP_RST, 3105245467u, 0u},
    {EP_B, 15001000u, TCP_RST, 740182499u, 0u},
};

static void crossed_listens_trace(struct evtrace *t, uint32_t last_a_ack)
{
    evt_init(t);
    size_t n = sizeof crossed_listens / sizeof crossed_listens[0];
    for (size_t i = 0; i < n; i++) {
        const struct pair_seg *g = &crossed_listens[i];
        uint32_t ack = g->ack;
        if (g->ep == EP_A && g->usecs == 7002000u)
            ack = last_a_ack;
        evt_seg(t, g->ep, g->usecs, g->flags, g->seq, ack, 0);
    }
}

static void test_ack_of_old_syn_after_syn_ack_retransmits_passes(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    struct oracle_config c;
    oracle_config_default(&c);
    crossed_listens_trace(&t, 3016097089u);
    judge(&o, &t, c);
    ASSERT_CLEAN(&o);
}

static void test_ack_beyond_fin_after_syn_ack_retransmits_fails(void **state)
{
    (void)state;
    /* Near miss: the same ACK field beyond all B sent (its ISN + 3). */
    struct evtrace t;
    struct oracle o;
    struct oracle_config c;
    oracle_config_default(&c);
    crossed_listens_trace(&t, 740182497u + 3);
    judge(&o, &t, c);
    size_t bad = 0;
    for (size_t i = 0; i < t.n; i++)
        if (t.evs[i].endpoint == EP_A && t.evs[i].time_usecs == 7002000u)
            bad = i;
    ASSERT_BROKEN(&o, "ack-within-sent", bad);
}

/* fuzz_close_pair: A, CLOSED, answers B's new SYN with RST|ACK; A then
 * connects and answers a duplicate of that SYN with a SYN-ACK, which starts
 * a new incarnation in the oracle; A's RST, still in flight, then closes B
 * in SYN-SENT (RFC 9293 §3.10.7.3: an RST with an acceptable ACK). That RST
 * was on the wire, if before the new incarnation. `rst_from_a`: whether A
 * sent its RSTs (the near miss has A send no RST at all). */
static void rst_before_new_incarnation(struct evtrace *t, bool rst_from_a)
{
    const uint32_t b_isn = 2927350582u, a_isn = 1040057218u;
    evt_init(t);
    /* B's first attempt: a SYN it gives up at once, answered with RST. */
    evt_state(t, EP_B, 0, TCP_CLOSED, TCP_SYN_SENT, TCP_CAUSE_APP_OPEN_ACTIVE);
    evt_seg(t, EP_B, 0, TCP_SYN, 743049405u, 0, 0);
    evt_state(t, EP_B, 0, TCP_SYN_SENT, TCP_CLOSED, TCP_CAUSE_APP_CLOSE);
    if (rst_from_a)
        evt_seg(t, EP_A, 1 * MS, TCP_RST | TCP_ACK, 0, 743049406u, 0);
    evt_state(t, EP_B, 2000 * MS, TCP_CLOSED, TCP_SYN_SENT, TCP_CAUSE_APP_OPEN_ACTIVE);
    evt_seg(t, EP_B, 2000 * MS, TCP_SYN, b_isn, 0, 0);
    if (rst_from_a)
        evt_seg(t, EP_A, 2001 * MS, TCP_RST | TCP_ACK, 0, b_isn + 1, 0);
    evt_seg(t, EP_A, 2001 * MS, TCP_SYN, a_isn, 0, 0);
    evt_state(t, EP_A, 2001 * MS, TCP_CLOSED, TCP_SYN_SENT, TCP_CAUSE_APP_OPEN_ACTIVE);
    evt_seg(t, EP_A, 2001 * MS, TCP_SYN | TCP_ACK, a_isn, b_isn + 1, 0);
    evt_state(t, EP_A, 2001 * MS, TCP_SYN_SENT, TCP_SYN_RECEIVED, TCP_CAUSE_RCV_SYN);
    evt_state(t, EP_B, 2002 * MS, TCP_SYN_SENT, TCP_CLOSED, TCP_CAUSE_RCV_RST);
}

static void test_rst_sent_before_new_incarnation_may_close_passes(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    struct oracle_config c;
    oracle_config_default(&c);
    c.states_reported[EP_A] = c.states_reported[EP_B] = true;
    rst_before_new_incarnation(&t, true);
    judge(&o, &t, c);
    assert_int_equal(evt_count(&o, "state-matches-wire"), 0);
}

static void test_rst_never_sent_cannot_close_fails(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    struct oracle_config c;
    oracle_config_default(&c);
    c.states_reported[EP_A] = c.states_reported[EP_B] = true;
    rst_before_new_incarnation(&t, false);
    judge(&o, &t, c);
    ASSERT_BROKEN(&o, "state-matches-wire", t.n - 1);
}

/* fuzz_close_pair: B's window is closed (0) after A's 100 bytes; A probes
 * with one byte beyond it; B's application reads and B reopens the window
 * before the probe arrives, so B takes it (ack 1102); A's last 31 bytes and
 * FIN follow, and B acknowledges the FIN. Every byte below the FIN was on
 * the wire. The near miss (`probe` false) never sends byte 1101. */
static void probe_after_window_opened(struct evtrace *t, bool probe)
{
    evt_init(t);
    evt_handshake(t, 1000, 5000);
    t->evs[1].u.segment.seg.window = 100; /* B's window: exactly A's 100 bytes */
    evt_seg(t, EP_A, 10 * MS, TCP_PSH | TCP_ACK, 1001, 5001, 100);
    evt_seg(t, EP_B, 11 * MS, TCP_ACK, 5001, 1101, 0);
    evt_last(t)->u.segment.seg.window = 0;
    if (probe)
        evt_seg(t, EP_A, 1011 * MS, TCP_ACK, 1101, 5001, 1);
    evt_seg(t, EP_B, 1011 * MS, TCP_ACK, 5001, 1101, 0);
    evt_last(t)->u.segment.seg.window = 4000;
    if (probe)
        evt_seg(t, EP_B, 1012 * MS, TCP_ACK, 5001, 1102, 0);
    evt_seg(t, EP_A, 1012 * MS, TCP_FIN | TCP_PSH | TCP_ACK, 1102, 5001, 31);
    evt_seg(t, EP_B, 1013 * MS, TCP_ACK, 5001, 1134, 0);
}

static void test_probe_taken_after_window_opened_passes(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    struct oracle_config c;
    oracle_config_default(&c);
    probe_after_window_opened(&t, true);
    judge(&o, &t, c);
    assert_int_equal(evt_count(&o, "half-close-delivery"), 0);
}

static void test_fin_acked_over_unsent_byte_fails(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    struct oracle_config c;
    oracle_config_default(&c);
    probe_after_window_opened(&t, false);
    judge(&o, &t, c);
    ASSERT_BROKEN(&o, "half-close-delivery", t.n - 1);
}

/* fuzz_close_pair: B abandons its first SYN (ISN b0) and opens again (ISN
 * b1); A answers b0, B answers A's SYN with b1. A follows b0's space, B its
 * own b1: B's FIN at b1 + 1 is in a space A never synchronized to, so A's
 * ACK of b0 + 1 does not acknowledge it, and A rightly stays in FIN-WAIT-1.
 * `same_space`: the near miss, where B's FIN is at b0 + 1 and A's ACK covers
 * it while A still reports FIN-WAIT-1. */
static void stale_syn_desync(struct evtrace *t, bool same_space)
{
    const uint32_t a = 2196758272u, b0 = 3260038146u, b1 = 2922268131u;
    const uint32_t fin_b = same_space ? b0 + 1 : b1 + 1;
    const uint32_t a_ack = same_space ? b0 + 2 : b0 + 1;
    evt_init(t);
    evt_seg(t, EP_A, 0, TCP_SYN, a, 0, 0);
    evt_state(t, EP_A, 0, TCP_CLOSED, TCP_SYN_SENT, TCP_CAUSE_APP_OPEN_ACTIVE);
    evt_seg(t, EP_B, 0, TCP_SYN, b0, 0, 0);
    evt_seg(t, EP_B, 0, TCP_SYN, b1, 0, 0);
    evt_seg(t, EP_B, 1 * MS, TCP_SYN | TCP_ACK, b1, a + 1, 0);
    evt_seg(t, EP_A, 1 * MS, TCP_SYN | TCP_ACK, a, b0 + 1, 0);
    evt_state(t, EP_A, 1 * MS, TCP_SYN_SENT, TCP_SYN_RECEIVED, TCP_CAUSE_RCV_SYN);
    evt_seg(t, EP_A, 2 * MS, TCP_ACK, a + 1, b0 + 1, 0);
    evt_seg(t, EP_A, 2 * MS, TCP_FIN | TCP_ACK, a + 1, b0 + 1, 0);
    evt_state(t, EP_A, 2 * MS, TCP_SYN_RECEIVED, TCP_FIN_WAIT_1, TCP_CAUSE_APP_CLOSE);
    evt_seg(t, EP_B, 2 * MS, TCP_FIN | TCP_ACK, fin_b, a + 1, 0);
    evt_seg(t, EP_B, 3 * MS, TCP_ACK, fin_b + 1, a + 1, 0);
    evt_seg(t, EP_A, 3 * MS, TCP_ACK, a + 2, a_ack, 0);
    evt_seg(t, EP_A, 4 * MS, TCP_ACK, a + 2, a_ack, 0);
}

static void test_fin_of_other_incarnation_not_acked_passes(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    struct oracle_config c;
    oracle_config_default(&c);
    c.states_reported[EP_A] = true;
    stale_syn_desync(&t, false);
    judge(&o, &t, c);
    assert_int_equal(evt_count(&o, "state-matches-wire"), 0);
}

static void test_fin_acked_while_fin_wait_1_fails(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    struct oracle_config c;
    oracle_config_default(&c);
    c.states_reported[EP_A] = true;
    stale_syn_desync(&t, true);
    judge(&o, &t, c);
    if (!evt_count(&o, "state-matches-wire"))
        evt_dump(&o);
    assert_true(evt_count(&o, "state-matches-wire") > 0);
}

/* B's SYN-ACK carries one byte that A takes (ack ISN + 2); B's "FIN" at
 * ISN + 1 then sits on that byte: an old sequence number, not B's FIN, and A
 * rightly stays ESTABLISHED. The near miss (`syn_data` false): the same FIN
 * is B's real FIN, which A acknowledges without leaving ESTABLISHED. */
static void fin_on_syn_data(struct evtrace *t, bool syn_data)
{
    evt_init(t);
    evt_state(t, EP_A, 0, TCP_CLOSED, TCP_SYN_SENT, TCP_CAUSE_APP_OPEN_ACTIVE);
    evt_seg(t, EP_A, 0, TCP_SYN, 1000, 0, 0);
    evt_seg(t, EP_B, 1 * MS, TCP_SYN | TCP_ACK, 5000, 1001, syn_data ? 1 : 0);
    evt_state(t, EP_A, 1 * MS, TCP_SYN_SENT, TCP_ESTABLISHED, TCP_CAUSE_RCV_SYN_ACK);
    evt_seg(t, EP_A, 1 * MS, TCP_ACK, 1001, syn_data ? 5002 : 5001, 0);
    evt_seg(t, EP_B, 2 * MS, TCP_FIN | TCP_ACK, 5001, 1001, 0);
    evt_seg(t, EP_A, 2 * MS, TCP_ACK, 1001, 5002, 0);
}

static void test_fin_on_taken_syn_data_is_no_fin_passes(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    struct oracle_config c = endpoint_cfg();
    fin_on_syn_data(&t, true);
    judge(&o, &t, c);
    ASSERT_CLEAN(&o);
}

static void test_fin_acked_but_established_fails(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    struct oracle_config c = endpoint_cfg();
    fin_on_syn_data(&t, false);
    judge(&o, &t, c);
    if (!evt_count(&o, "state-matches-wire"))
        evt_dump(&o);
    assert_true(evt_count(&o, "state-matches-wire") > 0);
}

/* fuzz_close_pair: the FINs cross; A's ACK of B's FIN is lost, so B resends
 * its FIN at 1 s, which the network delays until A is in TIME-WAIT: A
 * re-ACKs it at 1.15 s and restarts 2*MSL (RFC 9293 §3.10.7.4). The trace
 * shows the FIN when sent (A still CLOSING), not when it arrived. With
 * `fin_resent` false the ACK at 1.15 s answers no FIN (no restart). */
static void delayed_fin_in_time_wait(struct evtrace *t, bool fin_resent, uint64_t closed_usecs)
{
    evt_init(t);
    evt_handshake(t, 1000, 5000);
    evt_state(t, EP_B, 10 * MS, TCP_ESTABLISHED, TCP_FIN_WAIT_1, TCP_CAUSE_APP_CLOSE);
    evt_seg(t, EP_B, 10 * MS, TCP_FIN | TCP_ACK, 5001, 1001, 0);
    evt_state(t, EP_A, 10 * MS, TCP_ESTABLISHED, TCP_FIN_WAIT_1, TCP_CAUSE_APP_CLOSE);
    evt_seg(t, EP_A, 10 * MS, TCP_FIN | TCP_ACK, 1001, 5001, 0);
    evt_seg(t, EP_A, 11 * MS, TCP_ACK, 1002, 5002, 0); /* lost */
    evt_state(t, EP_A, 11 * MS, TCP_FIN_WAIT_1, TCP_CLOSING, TCP_CAUSE_RCV_FIN);
    if (fin_resent)
        evt_seg(t, EP_B, 1000 * MS, TCP_FIN | TCP_ACK, 5001, 1001, 0);
    evt_seg(t, EP_B, 1001 * MS, TCP_ACK, 5002, 1002, 0);
    evt_state(t, EP_B, 1001 * MS, TCP_FIN_WAIT_1, TCP_TIME_WAIT, TCP_CAUSE_RCV_FIN_ACK);
    evt_state(t, EP_A, 1002 * MS, TCP_CLOSING, TCP_TIME_WAIT, TCP_CAUSE_RCV_ACK);
    evt_seg(t, EP_A, 1150 * MS, TCP_ACK, 1002, 5002, 0);
    evt_state(t, EP_B, 1001 * MS + 2 * SEC, TCP_TIME_WAIT, TCP_CLOSED, TCP_CAUSE_TIMEOUT_TIME_WAIT);
    evt_state(t, EP_A, closed_usecs, TCP_TIME_WAIT, TCP_CLOSED, TCP_CAUSE_TIMEOUT_TIME_WAIT);
}

static struct oracle_config pair_cfg(void)
{
    struct oracle_config c;
    oracle_config_default(&c);
    c.states_reported[EP_A] = c.states_reported[EP_B] = true;
    c.msl_usecs = 1 * SEC;
    c.timer_slack_usecs = 0;
    return c;
}

static void test_tw_restarts_on_delayed_fin_passes(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    delayed_fin_in_time_wait(&t, true, 1150 * MS + 2 * SEC);
    judge(&o, &t, pair_cfg());
    if (evt_count(&o, "time-wait-duration"))
        evt_dump(&o);
    assert_int_equal(evt_count(&o, "time-wait-duration"), 0);
}

static void test_tw_not_restarted_on_delayed_fin_fails(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    delayed_fin_in_time_wait(&t, true, 1002 * MS + 2 * SEC);
    judge(&o, &t, pair_cfg());
    ASSERT_BROKEN(&o, "time-wait-duration", t.n - 1);
}

static void test_tw_ack_without_fin_in_flight_no_restart(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    delayed_fin_in_time_wait(&t, false, 1002 * MS + 2 * SEC);
    judge(&o, &t, pair_cfg());
    if (evt_count(&o, "time-wait-duration"))
        evt_dump(&o);
    assert_int_equal(evt_count(&o, "time-wait-duration"), 0);
    delayed_fin_in_time_wait(&t, false, 1150 * MS + 2 * SEC);
    judge(&o, &t, pair_cfg());
    ASSERT_BROKEN(&o, "time-wait-duration", t.n - 1);
}

/* fuzz_close_pair: B's first SYN is lost, it opens again (ISN b1) and its
 * SYN-ACK reaches A's SYN-SENT side of the oracle first, then B's FIN; A's
 * SYN-ACK answers b1 too. The oracle already follows b1's incarnation, so
 * A's SYN-ACK starts nothing new and B's FIN stays: A's ACK of b1 + 2
 * acknowledges it. `a_fin_ack`: the ACK A sends for B's FIN (the near miss
 * acknowledges one beyond it). */
static void syn_ack_of_followed_incarnation(struct evtrace *t, uint32_t a_fin_ack_off)
{
    const uint32_t a = 100754787u, b0 = 101223727u, b1 = 4293047326u;
    evt_init(t);
    evt_seg(t, EP_A, 0, TCP_SYN, a, 0, 0);
    evt_state(t, EP_A, 0, TCP_CLOSED, TCP_SYN_SENT, TCP_CAUSE_APP_OPEN_ACTIVE);
    size_t lost = evt_seg(t, EP_B, 0, TCP_SYN, b0, 0, 0);
    evt_drop(t, 0, lost);
    evt_seg(t, EP_B, 0, TCP_SYN, b1, 0, 0);
    evt_seg(t, EP_B, 1 * MS, TCP_SYN | TCP_ACK, b1, a + 1, 0);
    evt_seg(t, EP_B, 1 * MS, TCP_FIN | TCP_ACK, b1 + 1, a + 1, 0);
    evt_seg(t, EP_A, 1 * MS, TCP_SYN | TCP_ACK, a, b1 + 1, 0);
    evt_state(t, EP_A, 1 * MS, TCP_SYN_SENT, TCP_SYN_RECEIVED, TCP_CAUSE_RCV_SYN);
    evt_seg(t, EP_A, 1 * MS, TCP_FIN | TCP_ACK, a + 1, b1 + 1, 0);
    evt_state(t, EP_A, 1 * MS, TCP_SYN_RECEIVED, TCP_FIN_WAIT_1, TCP_CAUSE_APP_CLOSE);
    evt_seg(t, EP_A, 2 * MS, TCP_ACK, a + 2, b1 + 1, 0);
    evt_seg(t, EP_A, 2 * MS, TCP_ACK, a + 2, b1 + a_fin_ack_off, 0);
    evt_state(t, EP_A, 2 * MS, TCP_FIN_WAIT_1, TCP_CLOSING, TCP_CAUSE_RCV_FIN);
}

static void test_syn_ack_of_followed_incarnation_keeps_fin_passes(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    struct oracle_config c;
    oracle_config_default(&c);
    c.states_reported[EP_A] = true;
    syn_ack_of_followed_incarnation(&t, 2);
    judge(&o, &t, c);
    ASSERT_CLEAN(&o);
}

static void test_ack_beyond_fin_of_followed_incarnation_fails(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    struct oracle_config c;
    oracle_config_default(&c);
    c.states_reported[EP_A] = true;
    syn_ack_of_followed_incarnation(&t, 3);
    judge(&o, &t, c);
    ASSERT_BROKEN(&o, "fin-ack-plus-one", t.n - 2);
}

/* fuzz_close_pair: A sends 20 segments of 10 bytes, B acknowledges each
 * (20 ACK values, more than the answerable ring holds), A aborts; then B's
 * SYN-ACK, delayed in the network all along, reaches CLOSED A, which answers
 * with RST seq = its SEG.ACK (1001, RFC 9293 §3.10.7.1). The near miss
 * answers with seq 1002, the ACK of no segment B sent. */
static void rst_to_long_delayed_syn_ack(struct evtrace *t, uint32_t rst_seq)
{
    evt_init(t);
    evt_handshake(t, 1000, 5000);
    for (uint32_t k = 0; k < 20; k++) {
        evt_seg(t, EP_A, (10 + k) * MS, TCP_ACK, 1001 + 10 * k, 5001, 10);
        evt_seg(t, EP_B, (11 + k) * MS, TCP_ACK, 5001, 1011 + 10 * k, 0);
    }
    evt_seg(t, EP_A, 40 * MS, TCP_RST, 1201, 0, 0);
    evt_state(t, EP_A, 40 * MS, TCP_ESTABLISHED, TCP_CLOSED, TCP_CAUSE_APP_ABORT);
    evt_seg(t, EP_A, 320 * MS, TCP_RST, rst_seq, 0, 0);
}

static void test_rst_to_long_delayed_syn_ack_passes(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    struct oracle_config c;
    oracle_config_default(&c);
    c.states_reported[EP_A] = true;
    rst_to_long_delayed_syn_ack(&t, 1001);
    judge(&o, &t, c);
    ASSERT_CLEAN(&o);
}

static void test_rst_answering_no_segment_fails(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    struct oracle_config c;
    oracle_config_default(&c);
    c.states_reported[EP_A] = true;
    rst_to_long_delayed_syn_ack(&t, 1002);
    judge(&o, &t, c);
    ASSERT_BROKEN(&o, "closed-silence", t.n - 1);
}

/* fuzz_close_pair: B's window is 0 after A's 100 bytes; A probes with byte
 * 1101; B's application reads, the window opens, B takes the probe
 * (RCV.NXT 1102); A's RST at 1102, sent before B's ACK of the probe, is then
 * exactly at RCV.NXT and closes B. The near miss's RST at 1103 is only in
 * the window: B must not close on it (RFC 5961 §3.2). */
static void rst_after_probe(struct evtrace *t, uint32_t rst_seq)
{
    evt_init(t);
    evt_handshake(t, 1000, 5000);
    t->evs[1].u.segment.seg.window = 100;
    evt_seg(t, EP_A, 10 * MS, TCP_PSH | TCP_ACK, 1001, 5001, 100);
    evt_seg(t, EP_B, 11 * MS, TCP_ACK, 5001, 1101, 0);
    evt_last(t)->u.segment.seg.window = 0;
    evt_seg(t, EP_A, 1011 * MS, TCP_ACK, 1101, 5001, 1);
    evt_seg(t, EP_A, 1011 * MS, TCP_RST | TCP_ACK, rst_seq, 5001, 0);
    evt_seg(t, EP_B, 1011 * MS, TCP_ACK, 5001, 1101, 0);
    evt_last(t)->u.segment.seg.window = 4000;
    evt_seg(t, EP_B, 1012 * MS, TCP_ACK, 5001, 1102, 0);
    evt_state(t, EP_B, 1012 * MS, TCP_ESTABLISHED, TCP_CLOSED, TCP_CAUSE_RCV_RST);
}

static void test_rst_exact_after_probe_taken_passes(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    struct oracle_config c;
    oracle_config_default(&c);
    c.states_reported[EP_B] = true;
    rst_after_probe(&t, 1102);
    judge(&o, &t, c);
    assert_int_equal(evt_count(&o, "rst-validation"), 0);
}

static void test_rst_in_window_after_probe_closing_fails(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    struct oracle_config c;
    oracle_config_default(&c);
    c.states_reported[EP_B] = true;
    rst_after_probe(&t, 1103);
    judge(&o, &t, c);
    ASSERT_BROKEN(&o, "rst-validation", t.n - 1);
}

/* fuzz_close_pair: B closes first; A's FIN goes out at 1.0 s and again at
 * 1.2 s; the second copy takes B to TIME-WAIT (1.201 s); the first, delayed
 * longer, reaches TIME-WAIT at 1.3 s: B re-ACKs it and restarts 2*MSL. The
 * wire cannot tell that ACK from one to an unacceptable segment, so B may
 * close 2*MSL after either. */
static void tw_delayed_older_copy(struct evtrace *t, uint64_t closed_usecs)
{
    evt_init(t);
    evt_handshake(t, 1000, 5000);
    evt_state(t, EP_B, 10 * MS, TCP_ESTABLISHED, TCP_FIN_WAIT_1, TCP_CAUSE_APP_CLOSE);
    evt_seg(t, EP_B, 10 * MS, TCP_FIN | TCP_ACK, 5001, 1001, 0);
    evt_seg(t, EP_A, 11 * MS, TCP_ACK, 1001, 5002, 0);
    evt_state(t, EP_B, 12 * MS, TCP_FIN_WAIT_1, TCP_FIN_WAIT_2, TCP_CAUSE_RCV_ACK);
    evt_seg(t, EP_A, 1000 * MS, TCP_FIN | TCP_ACK, 1001, 5002, 0);
    evt_seg(t, EP_A, 1200 * MS, TCP_FIN | TCP_ACK, 1001, 5002, 0);
    evt_seg(t, EP_B, 1201 * MS, TCP_ACK, 5002, 1002, 0);
    evt_state(t, EP_B, 1201 * MS, TCP_FIN_WAIT_2, TCP_TIME_WAIT, TCP_CAUSE_RCV_FIN);
    evt_seg(t, EP_B, 1300 * MS, TCP_ACK, 5002, 1002, 0);
    evt_state(t, EP_B, closed_usecs, TCP_TIME_WAIT, TCP_CLOSED, TCP_CAUSE_TIMEOUT_TIME_WAIT);
}

static struct oracle_config pair_b_cfg(bool a_judged)
{
    struct oracle_config c;
    oracle_config_default(&c);
    c.judge[EP_A] = a_judged;
    c.states_reported[EP_B] = true;
    c.msl_usecs = 1 * SEC;
    c.timer_slack_usecs = 0;
    return c;
}

static void test_tw_either_ending_after_delayed_older_copy_passes(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    tw_delayed_older_copy(&t, 1300 * MS + 2 * SEC);
    judge(&o, &t, pair_b_cfg(true));
    assert_int_equal(evt_count(&o, "time-wait-duration"), 0);
    tw_delayed_older_copy(&t, 1201 * MS + 2 * SEC);
    judge(&o, &t, pair_b_cfg(true));
    assert_int_equal(evt_count(&o, "time-wait-duration"), 0);
}

static void test_tw_other_endings_after_delayed_older_copy_fail(void **state)
{
    (void)state;
    /* Near misses: 1*MSL is too short either way; with a scripted peer
     * (delivered when sent) the ACK at 1.3 s restarts nothing. */
    struct evtrace t;
    struct oracle o;
    tw_delayed_older_copy(&t, 1300 * MS + 1 * SEC);
    judge(&o, &t, pair_b_cfg(true));
    ASSERT_BROKEN(&o, "time-wait-duration", t.n - 1);
    tw_delayed_older_copy(&t, 1300 * MS + 2 * SEC);
    judge(&o, &t, pair_b_cfg(false));
    ASSERT_BROKEN(&o, "time-wait-duration", t.n - 1);
}

/* fuzz_close_pair: A opens six times (SYNs at 1000, 2000, ... 6000, more
 * than the oracle's ring of SYNs holds); B, opening too, acknowledges A's
 * second SYN (ack 2001): a handshake answer to an earlier attempt, not an
 * ACK of space A never sent. The near miss acknowledges 2501, which no SYN
 * of A's explains. */
static void ack_of_forgotten_syn(struct evtrace *t, uint32_t ack)
{
    evt_init(t);
    for (uint32_t k = 0; k < 6; k++)
        evt_seg(t, EP_A, k * MS, TCP_SYN, 1000 + 1000 * k, 0, 0);
    evt_seg(t, EP_B, 10 * MS, TCP_SYN, 9000, 0, 0);
    evt_seg(t, EP_B, 11 * MS, TCP_ACK, 9001, ack, 0);
}

static void test_ack_of_forgotten_syn_passes(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    struct oracle_config c;
    oracle_config_default(&c);
    ack_of_forgotten_syn(&t, 2001);
    judge(&o, &t, c);
    assert_int_equal(evt_count(&o, "ack-within-sent"), 0);
}

static void test_ack_of_no_syn_fails(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    struct oracle_config c;
    oracle_config_default(&c);
    ack_of_forgotten_syn(&t, 2501);
    judge(&o, &t, c);
    ASSERT_BROKEN(&o, "ack-within-sent", t.n - 1);
}

/* fuzz_close_pair: A in TIME-WAIT (2*MSL = 60 s); B's SYN with an old ISN
 * (4000) is sent at 1 s, but A's application closes at once, ending
 * TIME-WAIT, and connects: the SYN meets SYN-SENT, and A's SYN-ACK is a
 * simultaneous open, no TIME-WAIT reuse. The near miss (`left_tw` false)
 * accepts that SYN from TIME-WAIT (RFC 6191 §2 wants a higher ISN). */
static void syn_after_time_wait_ended(struct evtrace *t, bool left_tw)
{
    evt_init(t);
    evt_handshake(t, 1000, 5000);
    evt_state(t, EP_A, 3 * MS, TCP_ESTABLISHED, TCP_FIN_WAIT_1, TCP_CAUSE_APP_CLOSE);
    evt_seg(t, EP_A, 20 * MS, TCP_FIN | TCP_ACK, 1001, 5001, 0);
    evt_seg(t, EP_B, 21 * MS, TCP_ACK, 5001, 1002, 0);
    evt_state(t, EP_A, 22 * MS, TCP_FIN_WAIT_1, TCP_FIN_WAIT_2, TCP_CAUSE_RCV_ACK);
    evt_seg(t, EP_B, 30 * MS, TCP_FIN | TCP_ACK, 5001, 1002, 0);
    evt_state(t, EP_A, 31 * MS, TCP_FIN_WAIT_2, TCP_TIME_WAIT, TCP_CAUSE_RCV_FIN);
    evt_seg(t, EP_A, 31 * MS, TCP_ACK, 1002, 5002, 0);
    evt_seg(t, EP_B, 1 * SEC, TCP_SYN, 4000, 0, 0);
    if (left_tw) {
        evt_state(t, EP_A, 1 * SEC, TCP_TIME_WAIT, TCP_CLOSED, TCP_CAUSE_APP_ABORT);
        evt_seg(t, EP_A, 1 * SEC, TCP_SYN, 90000, 0, 0);
        evt_state(t, EP_A, 1 * SEC, TCP_CLOSED, TCP_SYN_SENT, TCP_CAUSE_APP_OPEN_ACTIVE);
    }
    evt_seg(t, EP_A, 1 * SEC + 1 * MS, TCP_SYN | TCP_ACK, 90000, 4001, 0);
}

static void test_syn_after_time_wait_ended_passes(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    struct oracle_config c;
    oracle_config_default(&c);
    c.states_reported[EP_A] = true;
    syn_after_time_wait_ended(&t, true);
    judge(&o, &t, c);
    if (evt_count(&o, "time-wait-reuse"))
        evt_dump(&o);
    assert_int_equal(evt_count(&o, "time-wait-reuse"), 0);
}

static void test_syn_accepted_in_time_wait_fails(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    struct oracle_config c;
    oracle_config_default(&c);
    c.states_reported[EP_A] = true;
    syn_after_time_wait_ended(&t, false);
    judge(&o, &t, c);
    ASSERT_BROKEN(&o, "time-wait-reuse", t.n - 1);
}

/* B sends 73 bytes out of order (5097..5169, a hole at 5001..5096) that A
 * does not take, then its FIN at 5001 (RCV.NXT): the FIN sits in the hole,
 * inside no data sent, so it is B's FIN and its retransmission at 505 ms
 * restarts A's TIME-WAIT. */
static void fin_in_hole(struct evtrace *t, uint64_t closed_usecs)
{
    a_closes_at_3ms(t);
    evt_seg(t, EP_B, 4 * MS, TCP_ACK, 5097, 1002, 73);
    evt_state(t, EP_A, 4 * MS, TCP_FIN_WAIT_1, TCP_FIN_WAIT_2, TCP_CAUSE_RCV_ACK);
    evt_seg(t, EP_A, 4 * MS, TCP_ACK, 1002, 5001, 0);
    evt_seg(t, EP_B, 5 * MS, TCP_FIN | TCP_ACK, 5001, 1002, 0);
    evt_seg(t, EP_A, 5 * MS, TCP_ACK, 1002, 5002, 0);
    evt_state(t, EP_A, 5 * MS, TCP_FIN_WAIT_2, TCP_TIME_WAIT, TCP_CAUSE_RCV_FIN);
    evt_seg(t, EP_B, 505 * MS, TCP_FIN | TCP_ACK, 5001, 1002, 0);
    evt_seg(t, EP_A, 505 * MS, TCP_ACK, 1002, 5002, 0);
    evt_state(t, EP_A, closed_usecs, TCP_TIME_WAIT, TCP_CLOSED, TCP_CAUSE_TIMEOUT_TIME_WAIT);
}

static void test_tw_restarts_on_fin_in_hole_passes(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    fin_in_hole(&t, 505 * MS + 2 * SEC);
    judge(&o, &t, endpoint_cfg());
    ASSERT_CLEAN(&o);
}

static void test_tw_not_restarted_on_fin_in_hole_fails(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    fin_in_hole(&t, 5 * MS + 2 * SEC);
    judge(&o, &t, endpoint_cfg());
    ASSERT_BROKEN(&o, "time-wait-duration", t.n - 1);
}

/* The SYN filter must not swallow ordinary ACKs: A opened six times (SYNs
 * at 1000 ... 6000; 1000 is the one answered), so ack 1082 - 1 hits the
 * filter by chance. B's ACK 1082 (A sent up to 1181) opens its window to
 * 2182 and A's next 500 bytes fit; the near miss sends 1001, beyond it. */
static void window_after_filter_hit(struct evtrace *t, uint32_t len)
{
    evt_init(t);
    evt_seg(t, EP_A, 0, TCP_SYN, 1000, 0, 0);
    for (uint32_t k = 1; k < 6; k++)
        evt_seg(t, EP_A, k * MS, TCP_SYN, 1000 + 1000 * k, 0, 0);
    evt_seg(t, EP_B, 10 * MS, TCP_SYN | TCP_ACK, 5000, 1001, 0);
    evt_last(t)->u.segment.seg.window = 181;
    evt_seg(t, EP_A, 11 * MS, TCP_ACK, 1001, 5001, 0);
    evt_seg(t, EP_A, 12 * MS, TCP_PSH | TCP_ACK, 1001, 5001, 81);
    evt_seg(t, EP_A, 12 * MS, TCP_PSH | TCP_ACK, 1082, 5001, 100);
    evt_seg(t, EP_B, 13 * MS, TCP_ACK, 5001, 1082, 0);
    evt_last(t)->u.segment.seg.window = 1100;
    evt_seg(t, EP_A, 14 * MS, TCP_PSH | TCP_ACK, 1182, 5001, len);
}

static void test_ack_hitting_syn_filter_still_opens_window_passes(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    struct oracle_config c;
    oracle_config_default(&c);
    window_after_filter_hit(&t, 500);
    judge(&o, &t, c);
    assert_int_equal(evt_count(&o, "window-respected"), 0);
}

static void test_data_beyond_opened_window_fails(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    struct oracle_config c;
    oracle_config_default(&c);
    window_after_filter_hit(&t, 1001);
    judge(&o, &t, c);
    ASSERT_BROKEN(&o, "window-respected", t.n - 1);
}

/* fuzz_close_pair: B's SYN, then B aborts with RST seq 5001 while A is still
 * CLOSED; A listens, answers the SYN (RCV.NXT 5001) and closes; B's junk
 * RST at 77777 is not exact, but its first RST, delayed, arrives now exactly
 * at RCV.NXT and closes A. The near miss has no such earlier RST. */
static void late_exact_rst(struct evtrace *t, bool early_rst)
{
    evt_init(t);
    evt_seg(t, EP_B, 0, TCP_SYN, 5000, 0, 0);
    if (early_rst)
        evt_seg(t, EP_B, 1 * MS, TCP_RST, 5001, 0, 0);
    evt_state(t, EP_A, 1 * MS, TCP_CLOSED, TCP_LISTEN, TCP_CAUSE_APP_OPEN_PASSIVE);
    evt_seg(t, EP_A, 1 * MS, TCP_SYN | TCP_ACK, 1000, 5001, 0);
    evt_state(t, EP_A, 1 * MS, TCP_LISTEN, TCP_SYN_RECEIVED, TCP_CAUSE_RCV_SYN);
    evt_seg(t, EP_A, 1 * MS, TCP_FIN | TCP_ACK, 1001, 5001, 0);
    evt_state(t, EP_A, 1 * MS, TCP_SYN_RECEIVED, TCP_FIN_WAIT_1, TCP_CAUSE_APP_CLOSE);
    evt_seg(t, EP_B, 2 * MS, TCP_RST, 77777, 0, 0);
    evt_seg(t, EP_A, 2 * MS, TCP_ACK, 1002, 5001, 0);
    evt_state(t, EP_A, 2 * MS, TCP_FIN_WAIT_1, TCP_CLOSED, TCP_CAUSE_RCV_RST);
}

static void test_late_exact_rst_may_close_passes(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    struct oracle_config c;
    oracle_config_default(&c);
    c.states_reported[EP_A] = true;
    late_exact_rst(&t, true);
    judge(&o, &t, c);
    assert_int_equal(evt_count(&o, "rst-validation"), 0);
}

static void test_close_on_inexact_rst_fails(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    struct oracle_config c;
    oracle_config_default(&c);
    c.states_reported[EP_A] = true;
    late_exact_rst(&t, false);
    judge(&o, &t, c);
    ASSERT_BROKEN(&o, "rst-validation", t.n - 1);
}

/* ---- text after the peer's FIN (the DATA_AFTER_FIN mutant) ----
 * B (a fuzzer's peer) sends its FIN, then 10 bytes beyond it. A took the FIN
 * (CLOSE-WAIT) and must ignore the text (RFC 9293 §3.10.7.4, seventh step):
 * its ACK stays at FIN.seq + 1. `ack_after` is A's ACK of the text;
 * `state_first` reports CLOSE-WAIT before the ACK of the FIN (as lwIP does)
 * instead of after it (as the model does). */
static void text_after_fin(struct evtrace *t, uint32_t ack_after, bool state_first)
{
    evt_init(t);
    evt_handshake(t, 1000, 5000);
    evt_seg(t, EP_B, 3 * MS, TCP_FIN | TCP_ACK, 5001, 1001, 0);
    if (state_first)
        evt_state(t, EP_A, 3 * MS, TCP_ESTABLISHED, TCP_CLOSE_WAIT, TCP_CAUSE_RCV_FIN);
    evt_seg(t, EP_A, 3 * MS, TCP_ACK, 1001, 5002, 0);
    if (!state_first)
        evt_state(t, EP_A, 3 * MS, TCP_ESTABLISHED, TCP_CLOSE_WAIT, TCP_CAUSE_RCV_FIN);
    evt_seg(t, EP_B, 4 * MS, TCP_PSH | TCP_ACK, 5002, 1001, 10);
    evt_seg(t, EP_A, 4 * MS, TCP_ACK, 1001, ack_after, 0);
}

static void test_text_after_fin_ignored_passes(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    text_after_fin(&t, 5002, false);
    judge(&o, &t, endpoint_cfg());
    ASSERT_CLEAN(&o);
    text_after_fin(&t, 5002, true);
    judge(&o, &t, endpoint_cfg());
    ASSERT_CLEAN(&o);
}

static void test_text_after_fin_acknowledged_fails(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    text_after_fin(&t, 5012, false);
    judge(&o, &t, endpoint_cfg());
    ASSERT_BROKEN(&o, "fin-ack-plus-one", t.n - 1);
    text_after_fin(&t, 5012, true);
    judge(&o, &t, endpoint_cfg());
    ASSERT_BROKEN(&o, "fin-ack-plus-one", t.n - 1);
}

/* ---- FIN liveness after a timer restart ----
 * A sends 100 bytes and its FIN at 1 s; B acknowledges the data only, at
 * 60 s. That ACK of new data restarts A's retransmission timer (RFC 6298
 * §5.3), so A may stay silent up to 120 s after it, not after the FIN. */
static void fin_after_acked_data(struct evtrace *t)
{
    evt_init(t);
    evt_handshake(t, 1000, 5000);
    evt_seg(t, EP_A, 1 * SEC, TCP_PSH | TCP_ACK, 1001, 5001, 100);
    evt_seg(t, EP_A, 1 * SEC, TCP_FIN | TCP_ACK, 1101, 5001, 0);
    evt_seg(t, EP_B, 60 * SEC, TCP_ACK, 5001, 1101, 0);
}

static void test_fin_silence_counted_from_ack_of_new_data_passes(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    struct oracle_config c = endpoint_cfg();
    fin_after_acked_data(&t);
    oracle_init(&o, &c);
    evt_run_until(&t, &o, 179 * SEC);
    assert_int_equal(evt_count(&o, "fin-retransmit"), 0);
}

static void test_fin_silence_beyond_rto_max_after_ack_fails(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    struct oracle_config c = endpoint_cfg();
    fin_after_acked_data(&t);
    oracle_init(&o, &c);
    evt_run_until(&t, &o, 181 * SEC);
    if (evt_count(&o, "fin-retransmit") != 1)
        evt_dump(&o);
    assert_int_equal(evt_count(&o, "fin-retransmit"), 1);
}

/* fuzz_close_endpoint (time-wait-duration-junk-fin): B's junk SYN-ACK at
 * RCV.NXT (5001), which A, synchronized, answers with a challenge ACK
 * (RFC 5961 §4.2); 96 bytes and a FIN whose ACK is out of range, which A
 * drops (RFC 5961 §5); B's FIN at 5001 then takes A to CLOSING, and A's ACK of
 * it is 5002 = the junk SYN + 1: an ordinary ACK inside the space the
 * oracle follows, not the answer to that SYN. So the FIN A took stays at
 * 5001: B's later junk FINs at RCV.NXT (5002) are no retransmission of it
 * ("the only thing that can arrive in this state is a retransmission of the
 * remote FIN", RFC 9293 §3.10.7.4 fifth check), but such a FIN with ACK
 * passes the first and fifth checks, and the eighth says for TIME-WAIT
 * "Restart the 2 MSL time-wait timeout": A may restart TIME-WAIT on it or
 * not (lwip_endpoint, oracle-tw-fin-at-rcv-nxt.bin). A closes at `closed`. */
static void junk_syn_at_rcv_nxt_then_fin(struct evtrace *t, uint64_t closed_usecs)
{
    a_closes_at_3ms(t);
    evt_seg(t, EP_B, 4 * MS, TCP_SYN | TCP_ACK, 5001, 1002, 0);
    evt_seg(t, EP_A, 4 * MS, TCP_ACK, 1002, 5001, 0);
    evt_seg(t, EP_B, 4 * MS, TCP_FIN | TCP_ACK, 5001, 1001u - 0x40000000u, 96);
    evt_seg(t, EP_A, 4 * MS, TCP_ACK, 1002, 5001, 0);
    evt_seg(t, EP_B, 5 * MS, TCP_FIN | TCP_ACK, 5001, 1001, 0);
    evt_seg(t, EP_A, 5 * MS, TCP_ACK, 1002, 5002, 0);
    evt_state(t, EP_A, 5 * MS, TCP_FIN_WAIT_1, TCP_CLOSING, TCP_CAUSE_RCV_FIN);
    evt_seg(t, EP_B, 6 * MS, TCP_FIN | TCP_ACK, 5002, 1002, 0);
    evt_state(t, EP_A, 6 * MS, TCP_CLOSING, TCP_TIME_WAIT, TCP_CAUSE_RCV_ACK);
    evt_seg(t, EP_A, 6 * MS, TCP_ACK, 1002, 5002, 0);
    evt_seg(t, EP_B, 100 * MS, TCP_FIN | TCP_ACK, 5002, 1002, 0);
    evt_seg(t, EP_A, 100 * MS, TCP_ACK, 1002, 5002, 0);
    evt_state(t, EP_A, closed_usecs, TCP_TIME_WAIT, TCP_CLOSED, TCP_CAUSE_TIMEOUT_TIME_WAIT);
}

static void test_ack_at_junk_syn_plus_one_is_ordinary_passes(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    junk_syn_at_rcv_nxt_then_fin(&t, 6 * MS + 2 * SEC);
    judge(&o, &t, endpoint_cfg());
    ASSERT_CLEAN(&o);
}

static void test_tw_restarted_by_junk_fin_at_rcv_nxt_passes(void **state)
{
    (void)state;
    /* A restarts TIME-WAIT on the junk FIN (the eighth check). */
    struct evtrace t;
    struct oracle o;
    junk_syn_at_rcv_nxt_then_fin(&t, 100 * MS + 2 * SEC);
    judge(&o, &t, endpoint_cfg());
    ASSERT_CLEAN(&o);
}

static void test_tw_ended_after_neither_fin_fails(void **state)
{
    (void)state;
    /* Near miss: 2*MSL after neither TIME-WAIT's start nor the junk FIN. */
    struct evtrace t;
    struct oracle o;
    junk_syn_at_rcv_nxt_then_fin(&t, 100 * MS + 2 * SEC + 500 * MS);
    judge(&o, &t, endpoint_cfg());
    ASSERT_BROKEN(&o, "time-wait-duration", t.n - 1);
}

/* lwip_endpoint (oracle-tw-fin-at-rcv-nxt.bin, and lwip-time-wait-restart-
 * any-fin.bin for the near miss): A in TIME-WAIT since 5 ms (B's FIN at
 * 5001 taken), B sends a second FIN at RCV.NXT (5002) at 100 ms, with or
 * without the ACK bit; A ACKs it and closes at `closed`. With ACK the eighth
 * check may restart TIME-WAIT; without, the fifth drops the segment ("if the
 * ACK bit is off drop the segment and return"): no restart. */
static void second_fin_at_rcv_nxt(struct evtrace *t, uint8_t ack_flag, uint64_t closed_usecs)
{
    a_in_time_wait_at_5ms(t);
    evt_seg(t, EP_B, 100 * MS, (uint8_t)(TCP_FIN | ack_flag), 5002, ack_flag ? 1002 : 0, 0);
    evt_seg(t, EP_A, 100 * MS, TCP_ACK, 1002, 5002, 0);
    evt_state(t, EP_A, closed_usecs, TCP_TIME_WAIT, TCP_CLOSED, TCP_CAUSE_TIMEOUT_TIME_WAIT);
}

static void test_tw_restart_on_fin_with_ack_at_rcv_nxt_passes(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    second_fin_at_rcv_nxt(&t, TCP_ACK, 100 * MS + 2 * SEC);
    judge(&o, &t, endpoint_cfg());
    ASSERT_CLEAN(&o);
    second_fin_at_rcv_nxt(&t, TCP_ACK, 5 * MS + 2 * SEC);
    judge(&o, &t, endpoint_cfg());
    ASSERT_CLEAN(&o);
}

static void test_tw_restart_on_fin_without_ack_fails(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    second_fin_at_rcv_nxt(&t, 0, 100 * MS + 2 * SEC);
    judge(&o, &t, endpoint_cfg());
    ASSERT_BROKEN(&o, "time-wait-duration", t.n - 1);
}

/* close_endpoint (regressions/close_endpoint/time-wait-duration-two-optional-
 * restarts.bin): A in TIME-WAIT since 5 ms; at 500 ms B's FIN comes again
 * with an ACK of data A never sent (either ending conforms: MAY-12), at
 * 800 ms a FIN with ACK at RCV.NXT (the eighth check may restart TIME-WAIT
 * or not). Neither restart is certain, so TIME-WAIT may end 2*MSL after
 * its start, after 500 ms or after 800 ms; A closes at `closed`. */
static void two_optional_restarts(struct evtrace *t, uint64_t closed_usecs)
{
    a_in_time_wait_at_5ms(t);
    evt_seg(t, EP_B, 500 * MS, TCP_FIN | TCP_ACK, 5001, 1003, 0);
    evt_seg(t, EP_A, 500 * MS, TCP_ACK, 1002, 5002, 0);
    evt_seg(t, EP_B, 800 * MS, TCP_FIN | TCP_ACK, 5002, 1002, 0);
    evt_seg(t, EP_A, 800 * MS, TCP_ACK, 1002, 5002, 0);
    evt_state(t, EP_A, closed_usecs, TCP_TIME_WAIT, TCP_CLOSED, TCP_CAUSE_TIMEOUT_TIME_WAIT);
}

static void test_tw_either_of_two_optional_restarts_passes(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    static const uint64_t ends[] = {5 * MS, 500 * MS, 800 * MS};
    for (size_t i = 0; i < sizeof ends / sizeof ends[0]; i++) {
        two_optional_restarts(&t, ends[i] + 2 * SEC);
        judge(&o, &t, endpoint_cfg());
        ASSERT_CLEAN(&o);
    }
}

/* close_endpoint (regressions/close_endpoint/time-wait-duration-three-
 * optional-restarts.bin): as above, then at 800 ms a second FIN with ACK at
 * RCV.NXT whose ACK covers unsent data. The same time offered twice keeps
 * the first point (500 ms) possible. */
static void test_tw_first_of_three_optional_restarts_passes(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    a_in_time_wait_at_5ms(&t);
    evt_seg(&t, EP_B, 500 * MS, TCP_FIN | TCP_ACK, 5001, 1003, 0);
    evt_seg(&t, EP_A, 500 * MS, TCP_ACK, 1002, 5002, 0);
    evt_seg(&t, EP_B, 800 * MS, TCP_FIN | TCP_ACK, 5002, 1002, 0);
    evt_seg(&t, EP_A, 800 * MS, TCP_ACK, 1002, 5002, 0);
    evt_seg(&t, EP_B, 800 * MS, TCP_FIN | TCP_ACK, 5002, 90000, 184);
    evt_seg(&t, EP_A, 800 * MS, TCP_ACK, 1002, 5002, 0);
    evt_state(&t, EP_A, 500 * MS + 2 * SEC, TCP_TIME_WAIT, TCP_CLOSED, TCP_CAUSE_TIMEOUT_TIME_WAIT);
    judge(&o, &t, endpoint_cfg());
    ASSERT_CLEAN(&o);
}

/* close_endpoint (regressions/close_endpoint/time-wait-duration-five-
 * optional-restarts.bin): more optional restart points than the oracle
 * keeps one by one (500 ms, then FINs with ACK at RCV.NXT at 600 to 900 ms).
 * Ending 2*MSL after the first still conforms; after the latest plus more
 * still does not. */
static void five_optional_restarts(struct evtrace *t, uint64_t closed_usecs)
{
    a_in_time_wait_at_5ms(t);
    evt_seg(t, EP_B, 500 * MS, TCP_FIN | TCP_ACK, 5001, 1003, 0);
    evt_seg(t, EP_A, 500 * MS, TCP_ACK, 1002, 5002, 0);
    for (uint64_t at = 600; at <= 900; at += 100) {
        evt_seg(t, EP_B, at * MS, TCP_FIN | TCP_ACK, 5002, 1002, 0);
        evt_seg(t, EP_A, at * MS, TCP_ACK, 1002, 5002, 0);
    }
    evt_state(t, EP_A, closed_usecs, TCP_TIME_WAIT, TCP_CLOSED, TCP_CAUSE_TIMEOUT_TIME_WAIT);
}

static void test_tw_first_of_five_optional_restarts_passes(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    five_optional_restarts(&t, 500 * MS + 2 * SEC);
    judge(&o, &t, endpoint_cfg());
    ASSERT_CLEAN(&o);
}

static void test_tw_after_latest_of_five_optional_restarts_fails(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    five_optional_restarts(&t, 950 * MS + 2 * SEC);
    judge(&o, &t, endpoint_cfg());
    ASSERT_BROKEN(&o, "time-wait-duration", t.n - 1);
}

/* close_pair (regressions/close_pair/time-wait-duration-syn-after-fin-
 * rexmit.bin): A in TIME-WAIT since 5 ms (2*MSL = 2 s); at 1 s B resends
 * its FIN and, reconnecting, sends a new SYN; A's one ACK at 1.001 s may
 * answer the SYN while the FIN was delayed. A's TIME-WAIT may end at 2.005 s
 * as begun; without the SYN the ACK is the re-ACK and it must restart. */
static void fin_rexmit_then_syn(struct evtrace *t, bool with_syn)
{
    a_in_time_wait_at_5ms(t);
    evt_seg(t, EP_B, 1000 * MS, TCP_FIN | TCP_ACK, 5001, 1002, 0);
    if (with_syn)
        evt_seg(t, EP_B, 1000 * MS, TCP_SYN, 90000, 0, 0);
    evt_seg(t, EP_A, 1001 * MS, TCP_ACK, 1002, 5002, 0);
    evt_state(t, EP_A, 5 * MS + 2 * SEC, TCP_TIME_WAIT, TCP_CLOSED, TCP_CAUSE_TIMEOUT_TIME_WAIT);
}

static void test_tw_ack_after_fin_and_syn_may_answer_syn_passes(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    fin_rexmit_then_syn(&t, true);
    judge(&o, &t, endpoint_cfg());
    ASSERT_CLEAN(&o);
}

static void test_tw_reack_of_fin_without_syn_must_restart_fails(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    fin_rexmit_then_syn(&t, false);
    judge(&o, &t, endpoint_cfg());
    ASSERT_BROKEN(&o, "time-wait-duration", t.n - 1);
}

static void test_tw_after_no_optional_restart_fails(void **state)
{
    (void)state;
    /* Near miss: 2*MSL after none of the three. */
    struct evtrace t;
    struct oracle o;
    two_optional_restarts(&t, 650 * MS + 2 * SEC);
    judge(&o, &t, endpoint_cfg());
    ASSERT_BROKEN(&o, "time-wait-duration", t.n - 1);
}

/* lwip_endpoint (oracle-tw-fin-at-rcv-nxt.bin) with the FIN lost on the
 * way: A cannot have restarted on it. */
static void test_tw_restart_on_lost_fin_at_rcv_nxt_fails(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    a_in_time_wait_at_5ms(&t);
    size_t fin = evt_seg(&t, EP_B, 100 * MS, TCP_FIN | TCP_ACK, 5002, 1002, 0);
    evt_drop(&t, 100 * MS, fin);
    evt_state(&t, EP_A, 100 * MS + 2 * SEC, TCP_TIME_WAIT, TCP_CLOSED, TCP_CAUSE_TIMEOUT_TIME_WAIT);
    judge(&o, &t, endpoint_cfg());
    ASSERT_BROKEN(&o, "time-wait-duration", t.n - 1);
}

/* lwip_endpoint (oracle-recv-after-close.bin): B's FIN carries 50 bytes,
 * A takes both (ACK 5052, TIME-WAIT); its application, which had shut its
 * sending side down, closes without reading them and then reads. That read
 * fails (the application holds no connection any more; RFC 9293 §3.10.3
 * RECEIVE: "connection closing"), it is no end-of-stream. The near miss
 * reads without the close: a read of nothing is end-of-stream, 50 bytes
 * early (half-close-delivery). */
static void unread_text_then_read(struct evtrace *t, bool close_first)
{
    a_closes_at_3ms(t);
    evt_seg(t, EP_B, 4 * MS, TCP_FIN | TCP_ACK, 5001, 1002, 50);
    evt_state(t, EP_A, 4 * MS, TCP_FIN_WAIT_1, TCP_TIME_WAIT, TCP_CAUSE_RCV_FIN_ACK);
    evt_seg(t, EP_A, 4 * MS, TCP_ACK, 1002, 5052, 0);
    if (close_first)
        evt_app(t, EP_A, 5 * MS, APP_CLOSE, 0, 0);
    evt_app(t, EP_A, 5 * MS, APP_RECV, 8192, 0);
}

static void test_read_after_close_is_no_eof_passes(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    unread_text_then_read(&t, true);
    judge(&o, &t, endpoint_cfg());
    ASSERT_CLEAN(&o);
}

static void test_empty_read_before_close_is_early_eof_fails(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    unread_text_then_read(&t, false);
    judge(&o, &t, endpoint_cfg());
    ASSERT_BROKEN(&o, "half-close-delivery", t.n - 1);
}

/* lwip_endpoint (oracle-rst-at-segment-end.bin): B's SYN-ACK carries 100
 * bytes, A takes only the SYN (ACK 5001: queuing text on a SYN is optional,
 * RFC 9293 §3.10.7.3); B sends 92 bytes at 5001, which A takes without
 * acknowledging them yet (delayed ACK), then an RST at `rst_seq`, and A
 * closes. RCV.NXT is 5093 then: an RST there is exact (RFC 5961 §3.2). The
 * oracle knows RCV.NXT only between A's last ACK (5001) and the end of what
 * B sent in order (5101, with the SYN's text): the end of a segment of B
 * in between may be it. Near misses: an RST at no segment end (5047), and
 * one at the end of text whose ACK (1050) acknowledges what A never sent
 * (the fifth check drops that text). */
static void rst_at_end_of_unacked_text(struct evtrace *t, uint32_t text_ack, uint32_t rst_seq)
{
    evt_init(t);
    evt_handshake(t, 1000, 5000);
    t->evs[1].u.segment.seg.payload_len = 100;
    evt_seg(t, EP_B, 3 * MS, TCP_ACK, 5001, text_ack, 92);
    evt_seg(t, EP_B, 3 * MS, TCP_RST, rst_seq, 0, 0);
    evt_state(t, EP_A, 3 * MS, TCP_ESTABLISHED, TCP_CLOSED, TCP_CAUSE_RCV_RST);
}

/* lwip_endpoint (oracle-rst-before-first-ack.bin): B's SYN-ACK carries
 * `syn_text` bytes, or a FIN; A (lwIP) enters ESTABLISHED and has sent no
 * ACK yet when B's RST at `rst_seq` comes. A may have dropped the text or
 * FIN on the SYN (RFC 9293 §3.10.7.3: queuing text on a SYN is optional;
 * the FIN behind it waits for it), so RCV.NXT is 5001 or the end of what
 * the SYN carried: an RST at either may close A or not (here: A stays, as
 * lwIP, which dropped them and so sees an in-window RST). An RST anywhere
 * else in the window must not close A. */
static void rst_before_first_ack(struct evtrace *t, uint32_t syn_text, uint32_t rst_seq,
                                 bool closes)
{
    evt_init(t);
    evt_seg(t, EP_A, 0, TCP_SYN, 1000, 0, 0);
    evt_seg(t, EP_B, 1 * MS, (uint8_t)(TCP_SYN | TCP_ACK | (syn_text ? 0 : TCP_FIN)), 5000, 1001,
            syn_text);
    evt_state(t, EP_A, 1 * MS, TCP_SYN_SENT, TCP_ESTABLISHED, TCP_CAUSE_RCV_SYN_ACK);
    evt_seg(t, EP_B, 2 * MS, TCP_RST, rst_seq, 0, 0);
    if (closes)
        evt_state(t, EP_A, 2 * MS, TCP_ESTABLISHED, TCP_CLOSED, TCP_CAUSE_RCV_RST);
    else
        evt_seg(t, EP_A, 2 * MS, TCP_ACK, 1001, 5001, 0); /* challenge ACK */
}

static void test_rst_before_first_ack_at_syn_end_passes(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    const uint32_t text[] = {32, 0};          /* 32 bytes of text, or a FIN */
    const uint32_t end[] = {5001 + 32, 5002}; /* where what the SYN carried ends */
    for (unsigned i = 0; i < 2; i++) {
        rst_before_first_ack(&t, text[i], end[i], false);
        judge(&o, &t, endpoint_cfg());
        ASSERT_CLEAN(&o);
        rst_before_first_ack(&t, text[i], end[i], true);
        judge(&o, &t, endpoint_cfg());
        ASSERT_CLEAN(&o);
        rst_before_first_ack(&t, text[i], 5001, true);
        judge(&o, &t, endpoint_cfg());
        ASSERT_CLEAN(&o);
    }
}

static void test_rst_before_first_ack_elsewhere_closes_fails(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    rst_before_first_ack(&t, 32, 5017, true);
    judge(&o, &t, endpoint_cfg());
    ASSERT_BROKEN(&o, "rst-validation", t.n - 1);
    rst_before_first_ack(&t, 0, 5003, true);
    judge(&o, &t, endpoint_cfg());
    ASSERT_BROKEN(&o, "rst-validation", t.n - 1);
}

static void test_rst_at_end_of_unacked_text_closes_passes(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    rst_at_end_of_unacked_text(&t, 1001, 5093);
    judge(&o, &t, endpoint_cfg());
    ASSERT_CLEAN(&o);
}

static void test_rst_inside_unacked_text_closes_fails(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    rst_at_end_of_unacked_text(&t, 1001, 5047);
    judge(&o, &t, endpoint_cfg());
    ASSERT_BROKEN(&o, "rst-validation", t.n - 1);
    rst_at_end_of_unacked_text(&t, 1050, 5093);
    judge(&o, &t, endpoint_cfg());
    ASSERT_BROKEN(&o, "rst-validation", t.n - 1);
}

/* fuzz_close_endpoint: B sends 255 bytes out of order (5017..5272, A keeps
 * none and ACKs 5001), then its FIN at 5098 after 97 bytes at RCV.NXT,
 * inside that junk: A takes it (ACK 5099). The remote FIN is the one the
 * receiver took, at RCV.NXT - 1 as its ACK shows, whatever the oracle made
 * of the sender's FINs: B's retransmission of it (with `rexmit_ack`)
 * restarts TIME-WAIT. */
static void fin_inside_junk_data(struct evtrace *t, uint32_t rexmit_ack, uint64_t closed_usecs)
{
    a_closes_at_3ms(t);
    evt_seg(t, EP_B, 4 * MS, TCP_ACK, 5017, 1002, 255);
    evt_seg(t, EP_A, 4 * MS, TCP_ACK, 1002, 5001, 0);
    evt_state(t, EP_A, 4 * MS, TCP_FIN_WAIT_1, TCP_FIN_WAIT_2, TCP_CAUSE_RCV_ACK);
    evt_seg(t, EP_B, 5 * MS, TCP_FIN | TCP_ACK, 5001, 1002, 97);
    evt_seg(t, EP_A, 5 * MS, TCP_ACK, 1002, 5099, 0);
    evt_state(t, EP_A, 5 * MS, TCP_FIN_WAIT_2, TCP_TIME_WAIT, TCP_CAUSE_RCV_FIN);
    evt_seg(t, EP_B, 505 * MS, TCP_FIN | TCP_ACK, 5098, rexmit_ack, 0);
    evt_seg(t, EP_A, 505 * MS, TCP_ACK, 1002, 5099, 0);
    evt_state(t, EP_A, closed_usecs, TCP_TIME_WAIT, TCP_CLOSED, TCP_CAUSE_TIMEOUT_TIME_WAIT);
}

static void test_tw_restarts_on_fin_at_rcv_nxt_minus_one_passes(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    fin_inside_junk_data(&t, 1002, 505 * MS + 2 * SEC);
    judge(&o, &t, endpoint_cfg());
    ASSERT_CLEAN(&o);
}

static void test_tw_not_restarted_on_fin_at_rcv_nxt_minus_one_fails(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    fin_inside_junk_data(&t, 1002, 5 * MS + 2 * SEC);
    judge(&o, &t, endpoint_cfg());
    ASSERT_BROKEN(&o, "time-wait-duration", t.n - 1);
}

/* The same retransmission acknowledging what A never sent (1050 > 1002): a
 * stack with RFC 5961 §5 ACK validation (MAY-12 of RFC 9293) drops it, one
 * without takes it: either ending conforms, any other does not. */
static void test_tw_either_ending_on_fin_acking_unsent_passes(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    fin_inside_junk_data(&t, 1050, 505 * MS + 2 * SEC);
    judge(&o, &t, endpoint_cfg());
    ASSERT_CLEAN(&o);
    fin_inside_junk_data(&t, 1050, 5 * MS + 2 * SEC);
    judge(&o, &t, endpoint_cfg());
    ASSERT_CLEAN(&o);
}

static void test_tw_other_ending_on_fin_acking_unsent_fails(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    fin_inside_junk_data(&t, 1050, 300 * MS + 2 * SEC);
    judge(&o, &t, endpoint_cfg());
    ASSERT_BROKEN(&o, "time-wait-duration", t.n - 1);
}

/* fuzz_close_endpoint (ack-within-sent-segment-below-isn): B's first
 * segment is an ACK (A, listening, answers RST), then its SYN; then junk
 * half the sequence space away and 179 bytes wholly below RCV.NXT. A, in
 * SYN-RECEIVED, drops both with an ACK of 5001 (RFC 9293 §3.10.7.4 first
 * check): a segment the receiver must find unacceptable does not move
 * what the oracle takes its sender to have sent. `a_ack`: A's answer. */
static void junk_below_rcv_nxt(struct evtrace *t, uint32_t a_ack)
{
    evt_init(t);
    evt_state(t, EP_A, 0, TCP_CLOSED, TCP_LISTEN, TCP_CAUSE_APP_OPEN_PASSIVE);
    evt_seg(t, EP_B, 0, TCP_ACK, 5001, 1, 0);
    evt_seg(t, EP_A, 0, TCP_RST, 1, 0, 0);
    evt_seg(t, EP_B, 0, TCP_SYN, 5000, 0, 42);
    evt_seg(t, EP_A, 0, TCP_SYN | TCP_ACK, 1000, 5001, 0);
    evt_state(t, EP_A, 0, TCP_LISTEN, TCP_SYN_RECEIVED, TCP_CAUSE_RCV_SYN);
    evt_seg(t, EP_B, 0, TCP_ACK, 5001u + 0x80000000u, 1001, 0);
    evt_seg(t, EP_A, 0, TCP_ACK, 1001, 5001, 0);
    evt_seg(t, EP_B, 0, 0, 5000, 0, 0);
    evt_last(t)->u.segment.seg.window = 0;
    evt_seg(t, EP_B, 0, TCP_ACK, 5001u - 4928u, 1001u - 77u * (1u << 22), 179);
    evt_seg(t, EP_A, 0, TCP_ACK, 1001, a_ack, 0);
}

static void test_junk_below_rcv_nxt_moves_nothing_passes(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    junk_below_rcv_nxt(&t, 5001);
    judge(&o, &t, endpoint_cfg());
    assert_int_equal(evt_count(&o, "ack-within-sent"), 0);
    assert_int_not_equal(oracle_verdict(&o), VERDICT_FAIL);
}

static void test_ack_beyond_junk_below_rcv_nxt_fails(void **state)
{
    (void)state;
    /* Near miss: A acknowledges 300 bytes B never sent. */
    struct evtrace t;
    struct oracle o;
    junk_below_rcv_nxt(&t, 5301);
    judge(&o, &t, endpoint_cfg());
    ASSERT_BROKEN(&o, "ack-within-sent", t.n - 1);
}

/* fuzz_close_pair (rst-validation-late-exact-rst), as the model ran it: B
 * listens, sends (SYN 5000), closes and connects again (SYN 7000); the SYNs
 * cross with A's (1000): B answers from SYN-RECEIVED and closes (FIN-WAIT-1,
 * RCV.NXT 1001); A answers too, aborts (RST 1001, in flight), listens again
 * and answers B's first SYN, delayed, with ISN 9000. The oracle follows
 * that new incarnation,
 * which B, synchronized, never took: B's challenge ACK still says 1001.
 * A answers it with RST seq `rst_seq` (<SEQ=SEG.ACK>); at 1001, exactly B's
 * RCV.NXT as B's latest ACK shows it, B closes (RFC 5961 §3.2). */
static void late_exact_rst_across_incarnations(struct evtrace *t, uint32_t rst_seq)
{
    evt_init(t);
    evt_state(t, EP_B, 0, TCP_CLOSED, TCP_LISTEN, TCP_CAUSE_APP_OPEN_PASSIVE);
    evt_seg(t, EP_A, 0, TCP_SYN, 1000, 0, 0);
    evt_state(t, EP_A, 0, TCP_CLOSED, TCP_SYN_SENT, TCP_CAUSE_APP_OPEN_ACTIVE);
    evt_seg(t, EP_B, 0, TCP_SYN, 5000, 0, 0);
    evt_state(t, EP_B, 0, TCP_LISTEN, TCP_SYN_SENT, TCP_CAUSE_APP_SEND_SYN);
    evt_state(t, EP_B, 0, TCP_SYN_SENT, TCP_CLOSED, TCP_CAUSE_APP_CLOSE);
    evt_seg(t, EP_B, 0, TCP_SYN, 7000, 0, 0);
    evt_state(t, EP_B, 0, TCP_CLOSED, TCP_SYN_SENT, TCP_CAUSE_APP_OPEN_ACTIVE);
    evt_seg(t, EP_B, 1 * MS, TCP_SYN | TCP_ACK, 7000, 1001, 0);
    evt_state(t, EP_B, 1 * MS, TCP_SYN_SENT, TCP_SYN_RECEIVED, TCP_CAUSE_RCV_SYN);
    evt_seg(t, EP_B, 1 * MS, TCP_FIN | TCP_ACK, 7001, 1001, 0);
    evt_state(t, EP_B, 1 * MS, TCP_SYN_RECEIVED, TCP_FIN_WAIT_1, TCP_CAUSE_APP_CLOSE);
    evt_seg(t, EP_A, 1 * MS, TCP_SYN | TCP_ACK, 1000, 7001, 0);
    evt_state(t, EP_A, 1 * MS, TCP_SYN_SENT, TCP_SYN_RECEIVED, TCP_CAUSE_RCV_SYN);
    evt_seg(t, EP_A, 1 * MS, TCP_RST, rst_seq, 0, 0);
    evt_state(t, EP_A, 1 * MS, TCP_SYN_RECEIVED, TCP_CLOSED, TCP_CAUSE_APP_ABORT);
    evt_state(t, EP_A, 1 * MS, TCP_CLOSED, TCP_LISTEN, TCP_CAUSE_APP_OPEN_PASSIVE);
    evt_seg(t, EP_A, 1 * MS, TCP_SYN | TCP_ACK, 9000, 5001, 0);
    evt_state(t, EP_A, 1 * MS, TCP_LISTEN, TCP_SYN_RECEIVED, TCP_CAUSE_RCV_SYN);
    evt_seg(t, EP_A, 2 * MS, TCP_ACK, 9001, 5001, 0);
    evt_seg(t, EP_A, 2 * MS, TCP_RST, rst_seq, 0, 0);
    evt_seg(t, EP_B, 2 * MS, TCP_ACK, 7002, 1001, 0);
    evt_state(t, EP_B, 2 * MS, TCP_FIN_WAIT_1, TCP_CLOSED, TCP_CAUSE_RCV_RST);
}

static void test_exact_rst_after_other_incarnation_closes_passes(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    struct oracle_config c;
    oracle_config_default(&c);
    c.states_reported[EP_A] = c.states_reported[EP_B] = true;
    late_exact_rst_across_incarnations(&t, 1001);
    judge(&o, &t, c);
    ASSERT_CLEAN(&o);
}

static void test_inexact_rst_after_other_incarnation_fails(void **state)
{
    (void)state;
    /* Near miss: the RSTs sit inside B's window, not at its RCV.NXT. */
    struct evtrace t;
    struct oracle o;
    struct oracle_config c;
    oracle_config_default(&c);
    c.states_reported[EP_A] = c.states_reported[EP_B] = true;
    late_exact_rst_across_incarnations(&t, 1500);
    judge(&o, &t, c);
    ASSERT_BROKEN(&o, "rst-validation", t.n - 1);
}

/* fuzz_close_pair (ack-within-sent-old-space-after-new-isn): the SYNs
 * cross; A answers from SYN-RECEIVED, closes (FIN 1001) and aborts, listens
 * again and answers B's SYN anew with ISN 9000. B, which took A's first
 * SYN-ACK (ESTABLISHED), never takes the new one (RFC 5961 §4.2): it lives
 * on in A's old space, acknowledges A's old FIN (`b_ack`) and reports
 * CLOSE-WAIT. `a_fin`: whether A sent that FIN before aborting. */
static void old_space_after_new_isn(struct evtrace *t, bool a_fin, uint32_t b_ack)
{
    evt_init(t);
    evt_seg(t, EP_A, 0, TCP_SYN, 1000, 0, 0);
    evt_state(t, EP_A, 0, TCP_CLOSED, TCP_SYN_SENT, TCP_CAUSE_APP_OPEN_ACTIVE);
    evt_seg(t, EP_B, 0, TCP_SYN, 5000, 0, 0);
    evt_state(t, EP_B, 0, TCP_CLOSED, TCP_SYN_SENT, TCP_CAUSE_APP_OPEN_ACTIVE);
    evt_seg(t, EP_A, 1 * MS, TCP_SYN | TCP_ACK, 1000, 5001, 0);
    evt_state(t, EP_A, 1 * MS, TCP_SYN_SENT, TCP_SYN_RECEIVED, TCP_CAUSE_RCV_SYN);
    if (a_fin) {
        evt_seg(t, EP_A, 1 * MS, TCP_FIN | TCP_ACK, 1001, 5001, 0);
        evt_state(t, EP_A, 1 * MS, TCP_SYN_RECEIVED, TCP_FIN_WAIT_1, TCP_CAUSE_APP_CLOSE);
        evt_seg(t, EP_A, 1 * MS, TCP_RST, 1002, 0, 0);
        evt_state(t, EP_A, 1 * MS, TCP_FIN_WAIT_1, TCP_CLOSED, TCP_CAUSE_APP_ABORT);
    } else {
        evt_seg(t, EP_A, 1 * MS, TCP_RST, 1001, 0, 0);
        evt_state(t, EP_A, 1 * MS, TCP_SYN_RECEIVED, TCP_CLOSED, TCP_CAUSE_APP_ABORT);
    }
    evt_state(t, EP_A, 1 * MS, TCP_CLOSED, TCP_LISTEN, TCP_CAUSE_APP_OPEN_PASSIVE);
    evt_state(t, EP_B, 2 * MS, TCP_SYN_SENT, TCP_ESTABLISHED, TCP_CAUSE_RCV_SYN_ACK);
    evt_seg(t, EP_B, 2 * MS, TCP_ACK, 5001, 1001, 0);
    evt_seg(t, EP_A, 2 * MS, TCP_SYN | TCP_ACK, 9000, 5001, 0);
    evt_state(t, EP_A, 2 * MS, TCP_LISTEN, TCP_SYN_RECEIVED, TCP_CAUSE_RCV_SYN);
    evt_seg(t, EP_B, 3 * MS, TCP_ACK, 5001, b_ack, 0);
    evt_state(t, EP_B, 3 * MS, TCP_ESTABLISHED, TCP_CLOSE_WAIT, TCP_CAUSE_RCV_FIN);
}

static void test_ack_of_old_space_after_new_isn_passes(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    old_space_after_new_isn(&t, true, 1002);
    judge(&o, &t, pair_cfg());
    assert_int_equal(evt_count(&o, "ack-within-sent"), 0);
    assert_int_equal(evt_count(&o, "state-matches-wire"), 0);
    assert_int_not_equal(oracle_verdict(&o), VERDICT_FAIL);
}

static void test_ack_beyond_old_space_or_no_old_fin_fails(void **state)
{
    (void)state;
    /* Near misses: B acknowledges beyond A's old FIN; or A never sent a
     * FIN in either space and B reports CLOSE-WAIT. */
    struct evtrace t;
    struct oracle o;
    old_space_after_new_isn(&t, true, 1003);
    judge(&o, &t, pair_cfg());
    ASSERT_BROKEN(&o, "ack-within-sent", t.n - 2);
    old_space_after_new_isn(&t, false, 1001);
    judge(&o, &t, pair_cfg());
    ASSERT_BROKEN(&o, "state-matches-wire", t.n - 1);
}

/* fuzz_close_endpoint (time-wait-duration-fin-rexmit-acking-unsent-lost):
 * in TIME-WAIT B resends its FIN acknowledging what A never sent (either
 * ending conforms, see above), A ACKs it; a later such copy is lost in the
 * network and restarts nothing: only the endings at the first copy's ACK
 * or without a restart conform. */
static void fin_acking_unsent_then_lost(struct evtrace *t, uint64_t closed_usecs)
{
    a_in_time_wait_at_5ms(t);
    evt_seg(t, EP_B, 500 * MS, TCP_FIN | TCP_ACK, 5001, 1017, 0);
    evt_seg(t, EP_A, 500 * MS, TCP_ACK, 1002, 5002, 0);
    size_t lost = evt_seg(t, EP_B, 1000 * MS, TCP_FIN | TCP_ACK, 5001, 1045, 0);
    evt_drop(t, 1000 * MS, lost);
    evt_state(t, EP_A, closed_usecs, TCP_TIME_WAIT, TCP_CLOSED, TCP_CAUSE_TIMEOUT_TIME_WAIT);
}

static void test_tw_lost_fin_acking_unsent_restarts_nothing_passes(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    fin_acking_unsent_then_lost(&t, 500 * MS + 2 * SEC);
    judge(&o, &t, endpoint_cfg());
    ASSERT_CLEAN(&o);
    fin_acking_unsent_then_lost(&t, 5 * MS + 2 * SEC);
    judge(&o, &t, endpoint_cfg());
    ASSERT_CLEAN(&o);
}

static void test_tw_restart_at_lost_fin_fails(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    fin_acking_unsent_then_lost(&t, 1000 * MS + 2 * SEC);
    judge(&o, &t, endpoint_cfg());
    ASSERT_BROKEN(&o, "time-wait-duration", t.n - 1);
}

/* fuzz_close_pair (time-wait-duration-lost-fin-rexmit-no-restart): the
 * FINs cross; A's ACK is lost, B's reaches A (TIME-WAIT at 5 ms). B's FIN
 * retransmission is lost too; B gives up and connects anew, and A answers
 * that SYN with an ACK at 1001 ms. That ACK answers no retransmission: the
 * copy sent after A's last ACK of the FIN never arrived. */
static void lost_fin_rexmit_then_syn(struct evtrace *t, uint64_t closed_usecs)
{
    a_closes_at_3ms(t);
    evt_state(t, EP_B, 3 * MS, TCP_ESTABLISHED, TCP_FIN_WAIT_1, TCP_CAUSE_APP_CLOSE);
    evt_seg(t, EP_B, 3 * MS, TCP_FIN | TCP_ACK, 5001, 1001, 0);
    evt_seg(t, EP_B, 4 * MS, TCP_ACK, 5002, 1002, 0);
    evt_state(t, EP_B, 4 * MS, TCP_FIN_WAIT_1, TCP_CLOSING, TCP_CAUSE_RCV_FIN);
    size_t a_ack = evt_seg(t, EP_A, 4 * MS, TCP_ACK, 1002, 5002, 0);
    evt_state(t, EP_A, 4 * MS, TCP_FIN_WAIT_1, TCP_CLOSING, TCP_CAUSE_RCV_FIN);
    evt_drop(t, 4 * MS, a_ack);
    evt_state(t, EP_A, 5 * MS, TCP_CLOSING, TCP_TIME_WAIT, TCP_CAUSE_RCV_ACK);
    size_t rexmit = evt_seg(t, EP_B, 500 * MS, TCP_FIN | TCP_ACK, 5001, 1002, 0);
    evt_drop(t, 500 * MS, rexmit);
    evt_state(t, EP_B, 1000 * MS, TCP_CLOSING, TCP_CLOSED, TCP_CAUSE_TIMEOUT_RETRIES);
    evt_seg(t, EP_B, 1000 * MS, TCP_SYN, 9000, 0, 0);
    evt_state(t, EP_B, 1000 * MS, TCP_CLOSED, TCP_SYN_SENT, TCP_CAUSE_APP_OPEN_ACTIVE);
    evt_seg(t, EP_A, 1001 * MS, TCP_ACK, 1002, 5002, 0);
    evt_state(t, EP_A, closed_usecs, TCP_TIME_WAIT, TCP_CLOSED, TCP_CAUSE_TIMEOUT_TIME_WAIT);
}

static void test_tw_not_restarted_by_lost_fin_rexmit_passes(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    lost_fin_rexmit_then_syn(&t, 5 * MS + 2 * SEC);
    judge(&o, &t, pair_cfg());
    assert_int_equal(evt_count(&o, "time-wait-duration"), 0);
}

static void test_tw_restarted_by_lost_fin_rexmit_fails(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    /* Near miss: A restarted when the lost copy was sent. (A restart at
     * 1001 ms conforms too: a delayed copy of B's first FIN may have
     * arrived then, see test_tw_either_ending_after_delayed_older_copy_passes.) */
    lost_fin_rexmit_then_syn(&t, 500 * MS + 2 * SEC);
    judge(&o, &t, pair_cfg());
    ASSERT_BROKEN(&o, "time-wait-duration", t.n - 1);
}

/* fuzz_close_pair (ack-within-sent-fin-sent-before-incarnation-restart):
 * the SYNs cross; A answers B's SYN with ISN 2000, closes (FIN 2001) and
 * aborts, connects again with ISN 3000 and answers B's SYN anew. B's
 * SYN-ACK then acknowledges A's SYN 2000, which the oracle takes as the
 * start of the incarnation it follows: A's FIN at 2001 was sent from that
 * ISN before, so B's ACK of it (`b_ack`) and its CLOSE-WAIT stay
 * explained. */
static void fin_before_incarnation_restart(struct evtrace *t, uint32_t b_ack)
{
    evt_init(t);
    evt_seg(t, EP_B, 0, TCP_SYN, 5000, 0, 0);
    evt_state(t, EP_B, 0, TCP_CLOSED, TCP_SYN_SENT, TCP_CAUSE_APP_OPEN_ACTIVE);
    evt_seg(t, EP_A, 0, TCP_SYN, 2000, 0, 0);
    evt_state(t, EP_A, 0, TCP_CLOSED, TCP_SYN_SENT, TCP_CAUSE_APP_OPEN_ACTIVE);
    evt_seg(t, EP_A, 1 * MS, TCP_SYN | TCP_ACK, 2000, 5001, 0);
    evt_state(t, EP_A, 1 * MS, TCP_SYN_SENT, TCP_SYN_RECEIVED, TCP_CAUSE_RCV_SYN);
    evt_seg(t, EP_A, 1 * MS, TCP_FIN | TCP_ACK, 2001, 5001, 0);
    evt_state(t, EP_A, 1 * MS, TCP_SYN_RECEIVED, TCP_FIN_WAIT_1, TCP_CAUSE_APP_CLOSE);
    evt_seg(t, EP_A, 1 * MS, TCP_RST, 2002, 0, 0);
    evt_state(t, EP_A, 1 * MS, TCP_FIN_WAIT_1, TCP_CLOSED, TCP_CAUSE_APP_ABORT);
    evt_seg(t, EP_A, 1 * MS, TCP_SYN, 3000, 0, 0);
    evt_state(t, EP_A, 1 * MS, TCP_CLOSED, TCP_SYN_SENT, TCP_CAUSE_APP_OPEN_ACTIVE);
    evt_seg(t, EP_A, 1 * MS, TCP_SYN | TCP_ACK, 3000, 5001, 0);
    evt_state(t, EP_A, 1 * MS, TCP_SYN_SENT, TCP_SYN_RECEIVED, TCP_CAUSE_RCV_SYN);
    evt_seg(t, EP_B, 2 * MS, TCP_SYN | TCP_ACK, 5000, 2001, 0);
    evt_state(t, EP_B, 2 * MS, TCP_SYN_SENT, TCP_SYN_RECEIVED, TCP_CAUSE_RCV_SYN);
    evt_seg(t, EP_B, 2 * MS, TCP_ACK, 5001, 2001, 0);
    evt_state(t, EP_B, 2 * MS, TCP_SYN_RECEIVED, TCP_ESTABLISHED, TCP_CAUSE_RCV_ACK);
    evt_seg(t, EP_B, 3 * MS, TCP_ACK, 5001, b_ack, 0);
    evt_state(t, EP_B, 3 * MS, TCP_ESTABLISHED, TCP_CLOSE_WAIT, TCP_CAUSE_RCV_FIN);
}

static void test_ack_of_fin_sent_before_incarnation_restart_passes(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    fin_before_incarnation_restart(&t, 2002);
    judge(&o, &t, pair_cfg());
    assert_int_equal(evt_count(&o, "ack-within-sent"), 0);
    assert_int_equal(evt_count(&o, "state-matches-wire"), 0);
}

static void test_ack_beyond_fin_sent_before_incarnation_restart_fails(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    fin_before_incarnation_restart(&t, 2003);
    judge(&o, &t, pair_cfg());
    ASSERT_BROKEN(&o, "ack-within-sent", t.n - 2);
}

/* fuzz_close_endpoint (time-wait-duration-optional-restart-still-running):
 * the same FIN acknowledging unsent data, and the run ends at `end_usecs`
 * with A still in TIME-WAIT: past 2*MSL from its start, but not past 2*MSL
 * from the restart it may have made at 505 ms. */
static void optional_restart_still_running(struct evtrace *t, uint64_t end_usecs)
{
    fin_inside_junk_data(t, 1050, 0);
    t->n--; /* no TIME-WAIT -> CLOSED */
    evt_clock(t, end_usecs);
}

static void test_tw_alive_after_optional_restart_passes(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    optional_restart_still_running(&t, 2200 * MS);
    judge(&o, &t, endpoint_cfg());
    assert_int_equal(evt_count(&o, "time-wait-duration"), 0);
}

static void test_tw_alive_past_optional_restart_fails(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    optional_restart_still_running(&t, 2600 * MS);
    judge(&o, &t, endpoint_cfg());
    assert_int_equal(evt_count(&o, "time-wait-duration"), 1);
    assert_int_equal(oracle_verdict(&o), VERDICT_FAIL);
}

/* fuzz_close_pair (window-respected-stale-syn-ack-after-reconnect,
 * corpus/regressions/close_pair/): A opens (ISN a0), aborts and opens again
 * (ISN a1); a0's SYN is delayed. B, listening, answers a1 (ISN b0, window
 * 3000), aborts, listens again and answers the late a0 (ISN b1). A took
 * b0's SYN-ACK: b1's, acknowledging a0 + 1, is outside A's ISS < SEG.ACK
 * =< SND.NXT (RFC 9293 §3.10.7.3) or a SYN in a synchronized state
 * (§3.10.7.4, RFC 5961 §4.2), and A goes on in a1's space: its 2336 bytes
 * fit the window b0 advertised there. The near miss sends 3001, beyond
 * it. */
static void stale_syn_ack_after_reconnect(struct evtrace *t, uint32_t len)
{
    const uint32_t a0 = 43188223u, a1 = 1013893156u, b0 = 193158712u, b1 = 3329815568u;
    evt_init(t);
    evt_seg(t, EP_A, 0, TCP_SYN, a0, 0, 0);
    evt_state(t, EP_A, 0, TCP_CLOSED, TCP_SYN_SENT, TCP_CAUSE_APP_OPEN_ACTIVE);
    evt_state(t, EP_A, 0, TCP_SYN_SENT, TCP_CLOSED, TCP_CAUSE_APP_ABORT);
    evt_seg(t, EP_A, 0, TCP_SYN, a1, 0, 0);
    evt_state(t, EP_A, 0, TCP_CLOSED, TCP_SYN_SENT, TCP_CAUSE_APP_OPEN_ACTIVE);
    evt_state(t, EP_B, 0, TCP_CLOSED, TCP_LISTEN, TCP_CAUSE_APP_OPEN_PASSIVE);
    evt_seg(t, EP_B, 1 * MS, TCP_SYN | TCP_ACK, b0, a1 + 1, 0);
    evt_last(t)->u.segment.seg.window = 3000;
    evt_state(t, EP_B, 1 * MS, TCP_LISTEN, TCP_SYN_RECEIVED, TCP_CAUSE_RCV_SYN);
    evt_seg(t, EP_B, 1 * MS, TCP_RST, b0 + 1, 0, 0);
    evt_state(t, EP_B, 1 * MS, TCP_SYN_RECEIVED, TCP_CLOSED, TCP_CAUSE_APP_ABORT);
    evt_state(t, EP_B, 1 * MS, TCP_CLOSED, TCP_LISTEN, TCP_CAUSE_APP_OPEN_PASSIVE);
    evt_seg(t, EP_B, 186 * MS, TCP_SYN | TCP_ACK, b1, a0 + 1, 0);
    evt_last(t)->u.segment.seg.window = 3000;
    evt_state(t, EP_B, 186 * MS, TCP_LISTEN, TCP_SYN_RECEIVED, TCP_CAUSE_RCV_SYN);
    evt_state(t, EP_A, 187 * MS, TCP_SYN_SENT, TCP_ESTABLISHED, TCP_CAUSE_RCV_SYN_ACK);
    evt_seg(t, EP_A, 187 * MS, TCP_PSH | TCP_ACK, a1 + 1, b0 + 1, len);
    evt_seg(t, EP_A, 187 * MS, TCP_ACK, a1 + 1 + len, b0 + 1, 0);
    evt_seg(t, EP_B, 188 * MS, TCP_ACK, b1 + 1, a0 + 1, 0);
}

static void test_window_of_answered_isn_after_stale_syn_ack_passes(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    stale_syn_ack_after_reconnect(&t, 2336);
    judge(&o, &t, pair_cfg());
    ASSERT_CLEAN(&o);
}

static void test_data_beyond_window_of_answered_isn_fails(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    stale_syn_ack_after_reconnect(&t, 3001);
    judge(&o, &t, pair_cfg());
    ASSERT_BROKEN(&o, "window-respected", t.n - 3);
}

/* The Linux kernel as A, states inferred from the wire (repro --target
 * linux), B the fuzzer's peer. */
static struct oracle_config kernel_cfg(void)
{
    struct oracle_config c = endpoint_cfg();
    c.states_reported[EP_A] = false;
    return c;
}

/* corpus/regressions/third-party/linux-observer-listen-rst-then-syn: A
 * listens; B's stray ACK draws <SEQ=SEG.ACK><CTL=RST> and A stays in LISTEN
 * (RFC 9293 §3.10.7.2), so B's SYN then gets a SYN+ACK. The near miss's RST
 * is at another seq than the ACK it would answer: it closed A, and the
 * SYN+ACK after it comes from a CLOSED endpoint. */
static void listen_rst_then_syn(struct evtrace *t, uint32_t rst_seq)
{
    evt_init(t);
    evt_app(t, EP_A, 0, APP_LISTEN, 0, 0);
    evt_seg(t, EP_B, 0, TCP_ACK, 5001, 1001, 0);
    evt_seg(t, EP_A, 0, TCP_RST, rst_seq, 0, 0);
    evt_seg(t, EP_B, 1 * MS, TCP_SYN, 5000, 0, 0);
    evt_seg(t, EP_A, 1 * MS, TCP_SYN | TCP_ACK, 1000, 5001, 0);
    evt_seg(t, EP_B, 2 * MS, TCP_ACK, 5001, 1001, 0);
}

static void test_listener_rst_to_stray_ack_keeps_listening_passes(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    listen_rst_then_syn(&t, 1001);
    judge(&o, &t, kernel_cfg());
    ASSERT_CLEAN(&o);
}

static void test_listener_rst_answering_no_ack_closes_fails(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    listen_rst_then_syn(&t, 1002);
    judge(&o, &t, kernel_cfg());
    ASSERT_BROKEN(&o, "closed-silence", t.n - 2);
}

/* The same in SYN-RECEIVED (§3.10.7.4: SND.UNA < SEG.ACK =< SND.NXT fails,
 * reset, stay): B's ACK of 3000 draws R seq 3000 and A retransmits its
 * SYN+ACK. In the near miss B's ACK (1001) is acceptable: an RST at it is
 * A's abort, and the SYN+ACK after it comes from a CLOSED endpoint. */
static void syn_received_rst_then_syn_ack(struct evtrace *t, uint32_t b_ack)
{
    evt_init(t);
    evt_seg(t, EP_B, 0, TCP_SYN, 5000, 0, 0);
    evt_seg(t, EP_A, 0, TCP_SYN | TCP_ACK, 1000, 5001, 0);
    evt_seg(t, EP_B, 1 * MS, TCP_ACK, 5001, b_ack, 0);
    evt_seg(t, EP_A, 1 * MS, TCP_RST, b_ack, 0, 0);
    evt_seg(t, EP_A, 1001 * MS, TCP_SYN | TCP_ACK, 1000, 5001, 0);
}

static void test_syn_received_rst_to_bad_ack_stays_passes(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    syn_received_rst_then_syn_ack(&t, 3000);
    judge(&o, &t, kernel_cfg());
    ASSERT_CLEAN(&o);
}

static void test_syn_received_rst_at_acceptable_ack_closes_fails(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    syn_received_rst_then_syn_ack(&t, 1001);
    judge(&o, &t, kernel_cfg());
    ASSERT_BROKEN(&o, "closed-silence", t.n - 1);
}

/* corpus/regressions/third-party/linux-observer-data-after-close-rst: A
 * closes; B's FIN acknowledges A's FIN and carries 6 bytes of new text; A,
 * its application gone, answers with an RST (RFC 9293 §3.6.1, RFC 1122
 * 4.2.2.13 SHLD-2) and never was in TIME-WAIT. Near misses: B's FIN carries
 * no text (A took it: TIME-WAIT, and the RST ends it early), or A first
 * acknowledges the FIN (it took it) and resets after. */
static void data_after_close_rst(struct evtrace *t, uint32_t text, bool ack_first)
{
    evt_init(t);
    evt_handshake(t, 1000, 5000);
    evt_app(t, EP_A, 3 * MS, APP_CLOSE, 0, 0);
    evt_seg(t, EP_A, 3 * MS, TCP_FIN | TCP_ACK, 1001, 5001, 0);
    evt_seg(t, EP_B, 4 * MS, TCP_FIN | TCP_ACK, 5001, 1002, text);
    if (ack_first)
        evt_seg(t, EP_A, 4 * MS, TCP_ACK, 1002, 5002 + text, 0);
    evt_seg(t, EP_A, 5 * MS, TCP_RST, 1002, 0, 0);
    evt_clock(t, 2000 * MS);
}

static void test_rst_for_data_after_close_passes(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    data_after_close_rst(&t, 6, false);
    judge(&o, &t, kernel_cfg());
    ASSERT_CLEAN(&o);
}

static void test_rst_after_fin_without_new_text_or_after_ack_fails(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    data_after_close_rst(&t, 0, false);
    judge(&o, &t, kernel_cfg());
    ASSERT_BROKEN(&o, "time-wait-duration", t.n - 2);
    data_after_close_rst(&t, 6, true);
    judge(&o, &t, kernel_cfg());
    ASSERT_BROKEN(&o, "time-wait-duration", t.n - 2);
}

/* lwip_endpoint: B's empty segment ahead of RCV.NXT (seq 5013, no text)
 * comes before B's FIN segment 5017..5272 (FIN at 5272), out of order too;
 * then B fills 5001..5242 and A takes everything up to the FIN (CLOSE-WAIT,
 * ack 5273). The empty segment sent nothing: it must not take the place of
 * the range the observer remembers beyond the hole, or the FIN segment's
 * text is forgotten and A's ACK of the FIN looks like half-close-delivery.
 * The near miss leaves a hole (5011..5017) that nothing sent: that ACK
 * still fails. */
static void empty_segment_ahead(struct evtrace *t, uint32_t fill_len)
{
    evt_init(t);
    evt_handshake(t, 1000, 5000);
    evt_seg(t, EP_B, 3 * MS, TCP_ACK, 5013, 1001, 0);
    evt_seg(t, EP_A, 3 * MS, TCP_ACK, 1001, 5001, 0);
    evt_seg(t, EP_B, 4 * MS, TCP_FIN | TCP_ACK, 5017, 1001, 255);
    evt_seg(t, EP_A, 4 * MS, TCP_ACK, 1001, 5001, 0);
    evt_seg(t, EP_B, 5 * MS, TCP_ACK, 5001, 1001, fill_len);
    evt_state(t, EP_A, 5 * MS, TCP_ESTABLISHED, TCP_CLOSE_WAIT, TCP_CAUSE_RCV_FIN);
    evt_seg(t, EP_A, 5 * MS, TCP_ACK, 1001, 5273, 0);
}

static void test_empty_segment_ahead_keeps_ooo_text_passes(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    empty_segment_ahead(&t, 241);
    judge(&o, &t, endpoint_cfg());
    ASSERT_CLEAN(&o);
}

static void test_fin_acked_over_hole_after_empty_segment_fails(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    empty_segment_ahead(&t, 10);
    judge(&o, &t, endpoint_cfg());
    if (!evt_count(&o, "half-close-delivery"))
        evt_dump(&o);
    assert_true(evt_count(&o, "half-close-delivery") > 0);
}

/* lwip_endpoint (lwip-open-time-wait-duration): in TIME-WAIT B sends a FIN
 * with ACK whose text starts at RCV.NXT (A may restart 2*MSL on it, or not:
 * see test_tw_restart_on_fin_with_ack_at_rcv_nxt_passes), A ACKs it; a
 * later such FIN is lost in the network. The lost one restarts nothing, and
 * must not undo what the delivered one allows: A may end 2*MSL after the
 * first one. The near miss ends 2*MSL after the lost one. */
static void fin_at_rcv_nxt_then_lost_copy(struct evtrace *t, uint64_t closed_usecs)
{
    a_in_time_wait_at_5ms(t);
    evt_seg(t, EP_B, 500 * MS, TCP_FIN | TCP_ACK, 5002, 1002, 10);
    evt_seg(t, EP_A, 500 * MS, TCP_ACK, 1002, 5002, 0);
    size_t lost = evt_seg(t, EP_B, 700 * MS, TCP_FIN | TCP_ACK, 5002, 1002, 10);
    evt_drop(t, 700 * MS, lost);
    evt_state(t, EP_A, closed_usecs, TCP_TIME_WAIT, TCP_CLOSED, TCP_CAUSE_TIMEOUT_TIME_WAIT);
}

static void test_tw_restart_kept_after_lost_later_fin_passes(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    fin_at_rcv_nxt_then_lost_copy(&t, 2500 * MS);
    judge(&o, &t, endpoint_cfg());
    ASSERT_CLEAN(&o);
}

static void test_tw_restart_at_lost_later_fin_fails(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    fin_at_rcv_nxt_then_lost_copy(&t, 2700 * MS);
    judge(&o, &t, endpoint_cfg());
    if (!evt_count(&o, "time-wait-duration"))
        evt_dump(&o);
    assert_true(evt_count(&o, "time-wait-duration") > 0);
}

/* fuzz_close_pair (rst-validation-exact-rst-sent-in-syn-sent): three rounds
 * of crossing SYNs. A answers B's first SYN (5000) and aborts with RST
 * `a_rst` (at SND.NXT, 2001) while B is in SYN-SENT with a new ISN 7000;
 * B then takes A's SYN 2000 (RCV.NXT 2001) and closes (FIN-WAIT-1). A's
 * SYN-ACK with ISN 3000 answers B's SYN 6000, so the oracle moves to that
 * incarnation, which B never took: its challenge ACK still says 2001. A's
 * RST, delayed, arrives only now and is exactly at B's RCV.NXT: B closes
 * (RFC 5961 §3.2, RFC 9293 §3.10.7.4), not on A's later RST at seq 0. */
static void exact_rst_sent_in_syn_sent(struct evtrace *t, uint32_t a_rst)
{
    evt_init(t);
    evt_state(t, EP_B, 0, TCP_CLOSED, TCP_LISTEN, TCP_CAUSE_APP_OPEN_PASSIVE);
    evt_seg(t, EP_A, 0, TCP_SYN, 1000, 0, 0);
    evt_state(t, EP_A, 0, TCP_CLOSED, TCP_SYN_SENT, TCP_CAUSE_APP_OPEN_ACTIVE);
    evt_state(t, EP_A, 0, TCP_SYN_SENT, TCP_CLOSED, TCP_CAUSE_APP_CLOSE);
    evt_seg(t, EP_B, 0, TCP_SYN, 5000, 0, 0);
    evt_state(t, EP_B, 0, TCP_LISTEN, TCP_SYN_SENT, TCP_CAUSE_APP_SEND_SYN);
    evt_seg(t, EP_A, 0, TCP_SYN, 2000, 0, 0);
    evt_state(t, EP_A, 0, TCP_CLOSED, TCP_SYN_SENT, TCP_CAUSE_APP_OPEN_ACTIVE);
    evt_state(t, EP_B, 0, TCP_SYN_SENT, TCP_CLOSED, TCP_CAUSE_APP_CLOSE);
    evt_seg(t, EP_B, 0, TCP_SYN, 6000, 0, 0);
    evt_state(t, EP_B, 0, TCP_CLOSED, TCP_SYN_SENT, TCP_CAUSE_APP_OPEN_ACTIVE);
    /* 1 ms: B answers A's first SYN and aborts; A answers B's first SYN
     * and aborts; B answers A's second SYN and closes. */
    evt_seg(t, EP_B, 1 * MS, TCP_SYN | TCP_ACK, 6000, 1001, 0);
    evt_state(t, EP_B, 1 * MS, TCP_SYN_SENT, TCP_SYN_RECEIVED, TCP_CAUSE_RCV_SYN);
    evt_seg(t, EP_B, 1 * MS, TCP_RST, 6001, 0, 0);
    evt_state(t, EP_B, 1 * MS, TCP_SYN_RECEIVED, TCP_CLOSED, TCP_CAUSE_APP_ABORT);
    evt_seg(t, EP_B, 1 * MS, TCP_SYN, 7000, 0, 0);
    evt_state(t, EP_B, 1 * MS, TCP_CLOSED, TCP_SYN_SENT, TCP_CAUSE_APP_OPEN_ACTIVE);
    evt_seg(t, EP_A, 1 * MS, TCP_SYN | TCP_ACK, 2000, 5001, 0);
    evt_state(t, EP_A, 1 * MS, TCP_SYN_SENT, TCP_SYN_RECEIVED, TCP_CAUSE_RCV_SYN);
    evt_seg(t, EP_A, 1 * MS, TCP_RST, a_rst, 0, 0);
    evt_state(t, EP_A, 1 * MS, TCP_SYN_RECEIVED, TCP_CLOSED, TCP_CAUSE_APP_ABORT);
    evt_seg(t, EP_B, 1 * MS, TCP_SYN | TCP_ACK, 7000, 2001, 0);
    evt_state(t, EP_B, 1 * MS, TCP_SYN_SENT, TCP_SYN_RECEIVED, TCP_CAUSE_RCV_SYN);
    evt_seg(t, EP_A, 1 * MS, TCP_SYN, 3000, 0, 0);
    evt_state(t, EP_A, 1 * MS, TCP_CLOSED, TCP_SYN_SENT, TCP_CAUSE_APP_OPEN_ACTIVE);
    evt_seg(t, EP_B, 1 * MS, TCP_FIN | TCP_ACK, 7001, 2001, 0);
    evt_state(t, EP_B, 1 * MS, TCP_SYN_RECEIVED, TCP_FIN_WAIT_1, TCP_CAUSE_APP_CLOSE);
    evt_seg(t, EP_A, 1 * MS, TCP_SYN | TCP_ACK, 3000, 6001, 0);
    evt_state(t, EP_A, 1 * MS, TCP_SYN_SENT, TCP_SYN_RECEIVED, TCP_CAUSE_RCV_SYN);
    /* 2 ms: A drops B's old SYN-ACK with an ACK and closes on B's RST
     * 6001; CLOSED, it answers B's SYN 7000 with <SEQ=0><ACK=7001>; B
     * challenges A's SYN-ACK 2000 and closes on A's RST `a_rst`. */
    evt_seg(t, EP_A, 2 * MS, TCP_ACK, 3001, 6001, 0);
    evt_state(t, EP_A, 2 * MS, TCP_SYN_RECEIVED, TCP_CLOSED, TCP_CAUSE_RCV_RST);
    evt_seg(t, EP_A, 2 * MS, TCP_RST | TCP_ACK, 0, 7001, 0);
    evt_seg(t, EP_B, 2 * MS, TCP_ACK, 7002, 2001, 0);
    evt_state(t, EP_B, 2 * MS, TCP_FIN_WAIT_1, TCP_CLOSED, TCP_CAUSE_RCV_RST);
}

static void test_exact_rst_sent_in_syn_sent_closes_passes(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    exact_rst_sent_in_syn_sent(&t, 2001);
    judge(&o, &t, pair_cfg());
    ASSERT_CLEAN(&o);
}

static void test_inexact_rst_sent_in_syn_sent_fails(void **state)
{
    (void)state;
    /* Near miss: A's early RST sits inside B's window, not at RCV.NXT. */
    struct evtrace t;
    struct oracle o;
    exact_rst_sent_in_syn_sent(&t, 2500);
    judge(&o, &t, pair_cfg());
    ASSERT_BROKEN(&o, "rst-validation", t.n - 1);
}

/* fuzz_close_pair (ack-within-sent-time-wait-through-two-new-isns): A is
 * in TIME-WAIT after a full close (B's FIN 5001, A's ACK 5002). B opens
 * again twice with new ISNs (7000, then 9000), each time answering a stale
 * copy of A's SYN and giving up the first one with an RST. A's TIME-WAIT
 * never takes them (§3.10.7.4: unacceptable, answered with <SEQ=SND.NXT>
 * <ACK=RCV.NXT>): it lives on in B's first space, two ISNs back, and keeps
 * acknowledging 5002 (`a_ack`). */
static void time_wait_through_two_new_isns(struct evtrace *t, uint32_t a_ack)
{
    evt_init(t);
    evt_state(t, EP_B, 0, TCP_CLOSED, TCP_LISTEN, TCP_CAUSE_APP_OPEN_PASSIVE);
    evt_seg(t, EP_A, 0, TCP_SYN, 1000, 0, 0);
    evt_state(t, EP_A, 0, TCP_CLOSED, TCP_SYN_SENT, TCP_CAUSE_APP_OPEN_ACTIVE);
    evt_seg(t, EP_B, 1 * MS, TCP_SYN | TCP_ACK, 5000, 1001, 0);
    evt_state(t, EP_B, 1 * MS, TCP_LISTEN, TCP_SYN_RECEIVED, TCP_CAUSE_RCV_SYN);
    evt_state(t, EP_A, 2 * MS, TCP_SYN_SENT, TCP_ESTABLISHED, TCP_CAUSE_RCV_SYN_ACK);
    evt_seg(t, EP_A, 2 * MS, TCP_ACK, 1001, 5001, 0);
    evt_state(t, EP_B, 3 * MS, TCP_SYN_RECEIVED, TCP_ESTABLISHED, TCP_CAUSE_RCV_ACK);
    evt_seg(t, EP_A, 4 * MS, TCP_FIN | TCP_ACK, 1001, 5001, 0);
    evt_state(t, EP_A, 4 * MS, TCP_ESTABLISHED, TCP_FIN_WAIT_1, TCP_CAUSE_APP_CLOSE);
    evt_seg(t, EP_B, 5 * MS, TCP_ACK, 5001, 1002, 0);
    evt_state(t, EP_B, 5 * MS, TCP_ESTABLISHED, TCP_CLOSE_WAIT, TCP_CAUSE_RCV_FIN);
    evt_seg(t, EP_B, 5 * MS, TCP_FIN | TCP_ACK, 5001, 1002, 0);
    evt_state(t, EP_B, 5 * MS, TCP_CLOSE_WAIT, TCP_LAST_ACK, TCP_CAUSE_APP_CLOSE);
    evt_state(t, EP_A, 6 * MS, TCP_FIN_WAIT_1, TCP_FIN_WAIT_2, TCP_CAUSE_RCV_ACK);
    evt_seg(t, EP_A, 6 * MS, TCP_ACK, 1002, 5002, 0);
    evt_state(t, EP_A, 6 * MS, TCP_FIN_WAIT_2, TCP_TIME_WAIT, TCP_CAUSE_RCV_FIN);
    evt_state(t, EP_B, 7 * MS, TCP_LAST_ACK, TCP_CLOSED, TCP_CAUSE_RCV_ACK);
    for (uint32_t isn = 7000; isn <= 9000; isn += 2000) {
        uint64_t at = (isn == 7000 ? 10 : 20) * MS;
        evt_seg(t, EP_B, at, TCP_SYN, isn, 0, 0);
        evt_state(t, EP_B, at, TCP_CLOSED, TCP_SYN_SENT, TCP_CAUSE_APP_OPEN_ACTIVE);
        evt_seg(t, EP_A, at + 1 * MS, TCP_ACK, 1002, 5002, 0);
        evt_seg(t, EP_B, at + 2 * MS, TCP_SYN | TCP_ACK, isn, 1001, 0);
        evt_state(t, EP_B, at + 2 * MS, TCP_SYN_SENT, TCP_SYN_RECEIVED, TCP_CAUSE_RCV_SYN);
        if (isn == 7000) {
            evt_seg(t, EP_A, at + 3 * MS, TCP_ACK, 1002, 5002, 0);
            evt_seg(t, EP_B, at + 3 * MS, TCP_RST, isn + 1, 0, 0);
            evt_state(t, EP_B, at + 3 * MS, TCP_SYN_RECEIVED, TCP_CLOSED, TCP_CAUSE_APP_ABORT);
        }
    }
    evt_seg(t, EP_A, 23 * MS, TCP_ACK, 1002, a_ack, 0);
}

static void test_time_wait_ack_through_two_new_isns_passes(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    time_wait_through_two_new_isns(&t, 5002);
    judge(&o, &t, pair_cfg());
    ASSERT_CLEAN(&o);
}

static void test_time_wait_ack_beyond_old_fin_through_two_new_isns_fails(void **state)
{
    (void)state;
    /* Near miss: A acknowledges one octet beyond B's old FIN. */
    struct evtrace t;
    struct oracle o;
    time_wait_through_two_new_isns(&t, 5003);
    judge(&o, &t, pair_cfg());
    ASSERT_BROKEN(&o, "ack-within-sent", t.n - 1);
    /* The message says what was seen: B did send from 5000 (no "never
     * sent"), and the ACK lies in neither that space nor B's latest. */
    size_t n;
    const struct oracle_violation *v = oracle_violations(&o, &n);
    while (n > 0 && strcmp(v[n - 1].inv->id, "ack-within-sent") != 0)
        n--;
    assert_true(n > 0);
    assert_string_equal(v[n - 1].message, "A's ACK 5003 lies in neither of B's latest spaces (ISN "
                                          "9000 up to 9001; before it ISN 5000 up to 5002)");
}

/* The same message for an ACK ahead of the peer's space: how far beyond. */
static void test_ack_within_sent_message_says_how_far_beyond(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    evt_init(&t);
    evt_handshake(&t, 1000, 5000);
    evt_seg(&t, EP_B, 3 * MS, TCP_ACK, 5001, 1001, 10);
    evt_seg(&t, EP_A, 4 * MS, TCP_ACK, 1001, 5014, 0);
    judge(&o, &t, pair_cfg());
    ASSERT_BROKEN(&o, "ack-within-sent", t.n - 1);
    size_t n;
    const struct oracle_violation *v = oracle_violations(&o, &n);
    assert_string_equal(v[n - 1].message,
                        "A acknowledged 3 octets beyond the highest sequence number B sent");
}

/* ---- FIN liveness when the ACK of new data lay beyond a zero window ----
 * close_pair (fin-retransmit-fin-behind-unacked-data.bin): A never reads,
 * so its window is closed at RCV.NXT 5101. B's one-octet zero-window probe
 * (5101) moves B's SND.NXT to 5102, and B's later ACKs carry seq 5102: one
 * past A's closed window, which RFC 9293 §3.10.7.4's table finds
 * unacceptable (a bare ACK only at RCV.NXT); taking its ACK anyway is the
 * "special allowance" the RFC says should be made, and Linux and the BSDs
 * drop it. So A may take B's ACK of its data (1101) only from B's next
 * probe at 5101, 100 s later, and its retransmission timer restarts then
 * (RFC 6298 §5.3): A's RST at `rst` must come within the 120 s RTO ceiling
 * of that probe, not of A's last retransmission at 3.02 s. With
 * `ack_at_rcv_nxt` B's ACK at 1.5 s is at 5101, which A must take, and the
 * probe's same ACK restarts nothing. */
static void ack_beyond_zero_window(struct evtrace *t, bool ack_at_rcv_nxt, uint64_t rst_usecs)
{
    evt_init(t);
    evt_handshake(t, 1000, 5000);
    evt_last(t)->u.segment.seg.window = 100;
    evt_seg(t, EP_B, 10 * MS, TCP_PSH | TCP_ACK, 5001, 1001, 100);
    evt_seg(t, EP_A, 11 * MS, TCP_ACK, 1001, 5101, 0);
    evt_last(t)->u.segment.seg.window = 0;
    evt_seg(t, EP_A, 20 * MS, TCP_PSH | TCP_ACK, 1001, 5101, 100);
    evt_last(t)->u.segment.seg.window = 0;
    evt_seg(t, EP_A, 20 * MS, TCP_FIN | TCP_ACK, 1101, 5101, 0);
    evt_last(t)->u.segment.seg.window = 0;
    evt_seg(t, EP_A, 1020 * MS, TCP_PSH | TCP_ACK, 1001, 5101, 100);
    evt_last(t)->u.segment.seg.window = 0;
    evt_seg(t, EP_B, 1100 * MS, TCP_ACK, 5101, 1001, 1); /* probe */
    evt_seg(t, EP_A, 1101 * MS, TCP_ACK, 1102, 5101, 0);
    evt_last(t)->u.segment.seg.window = 0;
    evt_seg(t, EP_B, 1500 * MS, TCP_ACK, ack_at_rcv_nxt ? 5101 : 5102, 1101, 0);
    evt_seg(t, EP_A, 3020 * MS, TCP_PSH | TCP_ACK, 1001, 5101, 100);
    evt_last(t)->u.segment.seg.window = 0;
    evt_seg(t, EP_B, 3021 * MS, TCP_ACK, 5102, 1101, 0);
    evt_seg(t, EP_B, 100 * SEC, TCP_ACK, 5101, 1101, 1); /* probe */
    evt_seg(t, EP_A, 100 * SEC + 1 * MS, TCP_ACK, 1102, 5101, 0);
    evt_last(t)->u.segment.seg.window = 0;
    evt_seg(t, EP_A, rst_usecs, TCP_RST | TCP_ACK, 1102, 5101, 0);
}

static void test_ack_beyond_zero_window_restarts_at_later_probe_passes(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    ack_beyond_zero_window(&t, false, 200 * SEC);
    judge(&o, &t, endpoint_cfg());
    ASSERT_CLEAN(&o);
}

static void test_ack_at_rcv_nxt_restarts_not_at_later_probe_fails(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    ack_beyond_zero_window(&t, true, 200 * SEC);
    judge(&o, &t, endpoint_cfg());
    ASSERT_BROKEN(&o, "fin-retransmit", t.n - 1);
}

static void test_silence_beyond_rto_max_after_later_probe_fails(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    ack_beyond_zero_window(&t, false, 221 * SEC);
    judge(&o, &t, endpoint_cfg());
    ASSERT_BROKEN(&o, "fin-retransmit", t.n - 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tw_restarts_on_fin_after_pure_ack_ahead),
        cmocka_unit_test(test_tw_not_restarted_after_pure_ack_ahead_fails),
        cmocka_unit_test(test_tw_restarts_on_fin_after_syn_data_dropped),
        cmocka_unit_test(test_tw_not_restarted_after_syn_data_dropped_fails),
        cmocka_unit_test(test_time_wait_after_fin_acked_then_syn_ack_junk_passes),
        cmocka_unit_test(test_time_wait_without_fin_acked_then_syn_ack_junk_fails),
        cmocka_unit_test(test_tw_no_restart_on_syn_fin_ack_passes),
        cmocka_unit_test(test_tw_no_restart_on_plain_fin_ack_fails),
        cmocka_unit_test(test_ack_of_old_syn_after_syn_ack_retransmits_passes),
        cmocka_unit_test(test_ack_beyond_fin_after_syn_ack_retransmits_fails),
        cmocka_unit_test(test_rst_sent_before_new_incarnation_may_close_passes),
        cmocka_unit_test(test_rst_never_sent_cannot_close_fails),
        cmocka_unit_test(test_probe_taken_after_window_opened_passes),
        cmocka_unit_test(test_fin_acked_over_unsent_byte_fails),
        cmocka_unit_test(test_fin_of_other_incarnation_not_acked_passes),
        cmocka_unit_test(test_fin_acked_while_fin_wait_1_fails),
        cmocka_unit_test(test_fin_on_taken_syn_data_is_no_fin_passes),
        cmocka_unit_test(test_fin_acked_but_established_fails),
        cmocka_unit_test(test_tw_restarts_on_delayed_fin_passes),
        cmocka_unit_test(test_tw_not_restarted_on_delayed_fin_fails),
        cmocka_unit_test(test_tw_ack_without_fin_in_flight_no_restart),
        cmocka_unit_test(test_syn_ack_of_followed_incarnation_keeps_fin_passes),
        cmocka_unit_test(test_ack_beyond_fin_of_followed_incarnation_fails),
        cmocka_unit_test(test_rst_to_long_delayed_syn_ack_passes),
        cmocka_unit_test(test_rst_answering_no_segment_fails),
        cmocka_unit_test(test_rst_exact_after_probe_taken_passes),
        cmocka_unit_test(test_rst_in_window_after_probe_closing_fails),
        cmocka_unit_test(test_tw_either_ending_after_delayed_older_copy_passes),
        cmocka_unit_test(test_tw_other_endings_after_delayed_older_copy_fail),
        cmocka_unit_test(test_ack_of_forgotten_syn_passes),
        cmocka_unit_test(test_ack_of_no_syn_fails),
        cmocka_unit_test(test_syn_after_time_wait_ended_passes),
        cmocka_unit_test(test_syn_accepted_in_time_wait_fails),
        cmocka_unit_test(test_tw_restarts_on_fin_in_hole_passes),
        cmocka_unit_test(test_tw_not_restarted_on_fin_in_hole_fails),
        cmocka_unit_test(test_ack_hitting_syn_filter_still_opens_window_passes),
        cmocka_unit_test(test_data_beyond_opened_window_fails),
        cmocka_unit_test(test_late_exact_rst_may_close_passes),
        cmocka_unit_test(test_close_on_inexact_rst_fails),
        cmocka_unit_test(test_text_after_fin_ignored_passes),
        cmocka_unit_test(test_text_after_fin_acknowledged_fails),
        cmocka_unit_test(test_fin_silence_counted_from_ack_of_new_data_passes),
        cmocka_unit_test(test_fin_silence_beyond_rto_max_after_ack_fails),
        cmocka_unit_test(test_ack_at_junk_syn_plus_one_is_ordinary_passes),
        cmocka_unit_test(test_tw_restarted_by_junk_fin_at_rcv_nxt_passes),
        cmocka_unit_test(test_tw_ended_after_neither_fin_fails),
        cmocka_unit_test(test_tw_restart_on_fin_with_ack_at_rcv_nxt_passes),
        cmocka_unit_test(test_tw_restart_on_fin_without_ack_fails),
        cmocka_unit_test(test_tw_restart_on_lost_fin_at_rcv_nxt_fails),
        cmocka_unit_test(test_tw_either_of_two_optional_restarts_passes),
        cmocka_unit_test(test_tw_after_no_optional_restart_fails),
        cmocka_unit_test(test_tw_first_of_three_optional_restarts_passes),
        cmocka_unit_test(test_tw_ack_after_fin_and_syn_may_answer_syn_passes),
        cmocka_unit_test(test_tw_reack_of_fin_without_syn_must_restart_fails),
        cmocka_unit_test(test_tw_first_of_five_optional_restarts_passes),
        cmocka_unit_test(test_tw_after_latest_of_five_optional_restarts_fails),
        cmocka_unit_test(test_read_after_close_is_no_eof_passes),
        cmocka_unit_test(test_empty_read_before_close_is_early_eof_fails),
        cmocka_unit_test(test_rst_at_end_of_unacked_text_closes_passes),
        cmocka_unit_test(test_rst_inside_unacked_text_closes_fails),
        cmocka_unit_test(test_rst_before_first_ack_at_syn_end_passes),
        cmocka_unit_test(test_rst_before_first_ack_elsewhere_closes_fails),
        cmocka_unit_test(test_tw_restarts_on_fin_at_rcv_nxt_minus_one_passes),
        cmocka_unit_test(test_tw_not_restarted_on_fin_at_rcv_nxt_minus_one_fails),
        cmocka_unit_test(test_tw_either_ending_on_fin_acking_unsent_passes),
        cmocka_unit_test(test_tw_other_ending_on_fin_acking_unsent_fails),
        cmocka_unit_test(test_junk_below_rcv_nxt_moves_nothing_passes),
        cmocka_unit_test(test_ack_beyond_junk_below_rcv_nxt_fails),
        cmocka_unit_test(test_exact_rst_after_other_incarnation_closes_passes),
        cmocka_unit_test(test_inexact_rst_after_other_incarnation_fails),
        cmocka_unit_test(test_ack_of_old_space_after_new_isn_passes),
        cmocka_unit_test(test_ack_beyond_old_space_or_no_old_fin_fails),
        cmocka_unit_test(test_tw_lost_fin_acking_unsent_restarts_nothing_passes),
        cmocka_unit_test(test_tw_restart_at_lost_fin_fails),
        cmocka_unit_test(test_tw_not_restarted_by_lost_fin_rexmit_passes),
        cmocka_unit_test(test_tw_restarted_by_lost_fin_rexmit_fails),
        cmocka_unit_test(test_ack_of_fin_sent_before_incarnation_restart_passes),
        cmocka_unit_test(test_ack_beyond_fin_sent_before_incarnation_restart_fails),
        cmocka_unit_test(test_tw_alive_after_optional_restart_passes),
        cmocka_unit_test(test_tw_alive_past_optional_restart_fails),
        cmocka_unit_test(test_listener_rst_to_stray_ack_keeps_listening_passes),
        cmocka_unit_test(test_listener_rst_answering_no_ack_closes_fails),
        cmocka_unit_test(test_syn_received_rst_to_bad_ack_stays_passes),
        cmocka_unit_test(test_syn_received_rst_at_acceptable_ack_closes_fails),
        cmocka_unit_test(test_rst_for_data_after_close_passes),
        cmocka_unit_test(test_rst_after_fin_without_new_text_or_after_ack_fails),
        cmocka_unit_test(test_window_of_answered_isn_after_stale_syn_ack_passes),
        cmocka_unit_test(test_data_beyond_window_of_answered_isn_fails),
        cmocka_unit_test(test_empty_segment_ahead_keeps_ooo_text_passes),
        cmocka_unit_test(test_fin_acked_over_hole_after_empty_segment_fails),
        cmocka_unit_test(test_tw_restart_kept_after_lost_later_fin_passes),
        cmocka_unit_test(test_tw_restart_at_lost_later_fin_fails),
        cmocka_unit_test(test_exact_rst_sent_in_syn_sent_closes_passes),
        cmocka_unit_test(test_inexact_rst_sent_in_syn_sent_fails),
        cmocka_unit_test(test_time_wait_ack_through_two_new_isns_passes),
        cmocka_unit_test(test_time_wait_ack_beyond_old_fin_through_two_new_isns_fails),
        cmocka_unit_test(test_ack_within_sent_message_says_how_far_beyond),
        cmocka_unit_test(test_ack_beyond_zero_window_restarts_at_later_probe_passes),
        cmocka_unit_test(test_ack_at_rcv_nxt_restarts_not_at_later_probe_fails),
        cmocka_unit_test(test_silence_beyond_rto_max_after_later_probe_fails),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
