/* The oracle's catalog, invariant by invariant: for each one a trace that
 * breaks it (reported with the right id at the right event) and a near miss
 * that must pass. Traces are written by hand with tests/support/evtrace.
 *
 * The base scenario (sequence numbers absolute; A's ISN 1000, B's 5000):
 *   0  A > B  S   seq 1000
 *   1  B > A  S.  seq 5000 ack 1001
 *   2  A > B  .   seq 1001 ack 5001
 *   3  A > B  P.  seq 1001 ack 5001 len 100
 *   4  B > A  .   seq 5001 ack 1101
 *   5  A > B  F.  seq 1101 ack 5001        A FIN-WAIT-1
 *   6  B > A  .   seq 5001 ack 1102        A FIN-WAIT-2, B CLOSE-WAIT
 *   7  B > A  F.  seq 5001 ack 1102        B LAST-ACK, A TIME-WAIT
 *   8  A > B  .   seq 1102 ack 5002        B CLOSED */
#include <setjmp.h>
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

static struct oracle_config wire_cfg(void)
{
    struct oracle_config c;
    oracle_config_default(&c);
    return c;
}

static struct oracle_config reported_cfg(void)
{
    struct oracle_config c = wire_cfg();
    c.states_reported[0] = c.states_reported[1] = true;
    return c;
}

/* Events 0-4 of the base scenario. */
static void opening(struct evtrace *t)
{
    evt_init(t);
    evt_handshake(t, 1000, 5000);
    evt_seg(t, EP_A, 10 * MS, TCP_PSH | TCP_ACK, 1001, 5001, 100);
    evt_seg(t, EP_B, 11 * MS, TCP_ACK, 5001, 1101, 0);
}

/* The whole base scenario (events 0-8). */
static void textbook(struct evtrace *t)
{
    opening(t);
    evt_seg(t, EP_A, 20 * MS, TCP_FIN | TCP_ACK, 1101, 5001, 0);
    evt_seg(t, EP_B, 21 * MS, TCP_ACK, 5001, 1102, 0);
    evt_seg(t, EP_B, 30 * MS, TCP_FIN | TCP_ACK, 5001, 1102, 0);
    evt_seg(t, EP_A, 31 * MS, TCP_ACK, 1102, 5002, 0);
}

/* ======================= catalog ======================= */

static void test_catalog_ids_unique_and_findable(void **state)
{
    (void)state;
    size_t n;
    const struct oracle_invariant *cat = oracle_catalog(&n);
    assert_true(n >= 15);
    for (size_t i = 0; i < n; i++) {
        assert_non_null(cat[i].rfc);
        assert_non_null(cat[i].statement);
        assert_ptr_equal(oracle_invariant_find(cat[i].id), &cat[i]);
        for (size_t j = i + 1; j < n; j++)
            assert_string_not_equal(cat[i].id, cat[j].id);
    }
    assert_null(oracle_invariant_find("no-such-invariant"));
    enum oracle_profile p;
    assert_true(oracle_profile_parse("linux", &p));
    assert_int_equal(p, PROFILE_LINUX);
    assert_false(oracle_profile_parse("bsd", &p));
}

static void test_textbook_close_passes(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    textbook(&t);
    judge(&o, &t, wire_cfg());
    ASSERT_CLEAN(&o);
    assert_int_equal(oracle_verdict(&o), VERDICT_PASS);
    assert_int_equal(oracle_view(&o, EP_A).state, TCP_TIME_WAIT);
    assert_int_equal(oracle_view(&o, EP_B).state, TCP_CLOSED);
}

/* ======================= transition-legal ======================= */

static void test_transition_legal_illegal_edge(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    opening(&t);
    evt_state(&t, EP_A, 12 * MS, TCP_ESTABLISHED, TCP_CLOSE_WAIT, TCP_CAUSE_RCV_FIN);
    size_t bad = evt_state(&t, EP_A, 13 * MS, TCP_CLOSE_WAIT, TCP_FIN_WAIT_2, TCP_CAUSE_RCV_ACK);
    judge(&o, &t, wire_cfg());
    ASSERT_BROKEN(&o, "transition-legal", bad);
}

static void test_transition_legal_from_mismatch(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    opening(&t);
    evt_state(&t, EP_A, 12 * MS, TCP_ESTABLISHED, TCP_FIN_WAIT_1, TCP_CAUSE_APP_CLOSE);
    size_t bad = evt_state(&t, EP_A, 13 * MS, TCP_ESTABLISHED, TCP_FIN_WAIT_1, TCP_CAUSE_APP_CLOSE);
    judge(&o, &t, wire_cfg());
    ASSERT_BROKEN(&o, "transition-legal", bad);
}

static void test_transition_legal_fin_ack_edge_passes(void **state)
{
    (void)state;
    /* FIN-WAIT-1 -> TIME-WAIT on a FIN that also ACKs ours is an edge. */
    struct evtrace t;
    struct oracle o;
    opening(&t);
    evt_state(&t, EP_A, 19 * MS, TCP_ESTABLISHED, TCP_FIN_WAIT_1, TCP_CAUSE_APP_CLOSE);
    evt_seg(&t, EP_A, 20 * MS, TCP_FIN | TCP_ACK, 1101, 5001, 0);
    evt_seg(&t, EP_B, 21 * MS, TCP_FIN | TCP_ACK, 5001, 1102, 0);
    evt_state(&t, EP_A, 22 * MS, TCP_FIN_WAIT_1, TCP_TIME_WAIT, TCP_CAUSE_RCV_FIN_ACK);
    evt_seg(&t, EP_A, 22 * MS, TCP_ACK, 1102, 5002, 0);
    struct oracle_config c = wire_cfg();
    c.states_reported[0] = true;
    judge(&o, &t, c);
    ASSERT_CLEAN(&o);
}

/* ======================= fin-ack-plus-one ======================= */

static void fin_acked_with(struct evtrace *t, uint32_t ack)
{
    opening(t);
    evt_seg(t, EP_A, 20 * MS, TCP_FIN | TCP_ACK, 1101, 5001, 0);
    evt_seg(t, EP_B, 21 * MS, TCP_ACK, 5001, ack, 0);
}

static void test_fin_ack_plus_one_exact_passes(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    fin_acked_with(&t, 1102);
    judge(&o, &t, wire_cfg());
    ASSERT_CLEAN(&o);
    assert_int_equal(oracle_view(&o, EP_A).state, TCP_FIN_WAIT_2);
}

static void test_fin_ack_plus_two_fails(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    fin_acked_with(&t, 1103);
    judge(&o, &t, wire_cfg());
    ASSERT_BROKEN(&o, "fin-ack-plus-one", 6);
    assert_int_equal(oracle_violations(&o, NULL)[0].endpoint, EP_B);
}

static void test_fin_ack_equal_to_fin_seq_fails_when_fin_received(void **state)
{
    (void)state;
    /* B says it has A's FIN (CLOSE-WAIT) but acknowledges FIN.seq only. */
    struct evtrace t;
    struct oracle o;
    opening(&t);
    evt_seg(&t, EP_A, 20 * MS, TCP_FIN | TCP_ACK, 1101, 5001, 0);
    evt_state(&t, EP_B, 21 * MS, TCP_ESTABLISHED, TCP_CLOSE_WAIT, TCP_CAUSE_RCV_FIN);
    size_t bad = evt_seg(&t, EP_B, 21 * MS, TCP_ACK, 5001, 1101, 0);
    struct oracle_config c = wire_cfg();
    c.states_reported[1] = true;
    judge(&o, &t, c);
    ASSERT_BROKEN(&o, "fin-ack-plus-one", bad);
}

static void test_fin_ack_plus_two_fails_against_fuzzer_peer_high_isn(void **state)
{
    (void)state;
    /* A judged stack, a fuzzer's peer (not judged) whose ISN is above 2^31:
     * acknowledging FIN.seq + 2 of that peer still breaks the invariant. */
    struct evtrace t;
    struct oracle o;
    uint32_t b = 0x90000000u;
    evt_init(&t);
    evt_handshake(&t, 1000, b);
    evt_seg(&t, EP_B, 10 * MS, TCP_PSH | TCP_ACK, b + 1, 1001, 100);
    evt_seg(&t, EP_A, 11 * MS, TCP_ACK, 1001, b + 101, 0);
    evt_seg(&t, EP_B, 20 * MS, TCP_FIN | TCP_ACK, b + 101, 1001, 0);
    size_t bad = evt_seg(&t, EP_A, 21 * MS, TCP_ACK, 1001, b + 103, 0);
    struct oracle_config c = wire_cfg();
    c.judge[1] = false;
    judge(&o, &t, c);
    ASSERT_BROKEN(&o, "fin-ack-plus-one", bad);
}

/* A (judged, states reported) takes B's FIN from its out-of-order queue.
 * B (a fuzzer's peer) sends 20 bytes and its FIN ahead of a hole, then two
 * junk FINs A drops: one far below the window, one on an out-of-window RST
 * (RFC 9293 §3.10.7.4 processes no FIN bit of an RST). The text that fills
 * the hole lets A take the queued FIN at 5031 (first and eighth steps). A
 * reports CLOSE-WAIT before it sends ACK 5032 (as lwIP does), so the FIN it
 * took is not the latest on the wire, and its ACK is the first word of
 * which FIN it was.
 *   B > A  F.   seq 5011 ack 1001 len 20     (FIN at 5031, held)
 *   A > B  .    seq 1001 ack 5001            (duplicate ACK: the hole)
 *   B > A  F.   seq 5000-100000 ack 1001     (junk: below the window)
 *   B > A  FR   seq 205001                   (junk: an RST, ignored)
 *   B > A  P.   seq 5001 ack 1001 len 10     (fills the hole)
 *   A: ESTABLISHED -> CLOSE-WAIT
 *   A > B  .    seq 1001 ack 5032            (FIN.seq + 1)
 * `after` appends B's text and a second FIN beyond the first, and A's ACK
 * of it: A took a FIN already, so it must not acknowledge more. */
static void fin_taken_from_ooseq(struct evtrace *t, bool after)
{
    evt_init(t);
    evt_handshake(t, 1000, 5000);
    evt_seg(t, EP_B, 10 * MS, TCP_FIN | TCP_ACK, 5011, 1001, 20);
    evt_seg(t, EP_A, 10 * MS, TCP_ACK, 1001, 5001, 0);
    evt_seg(t, EP_B, 20 * MS, TCP_FIN | TCP_ACK, 5000u - 100000u, 1001, 0);
    evt_seg(t, EP_B, 30 * MS, TCP_FIN | TCP_RST, 205001, 0, 0);
    evt_seg(t, EP_B, 40 * MS, TCP_PSH | TCP_ACK, 5001, 1001, 10);
    evt_state(t, EP_A, 40 * MS, TCP_ESTABLISHED, TCP_CLOSE_WAIT, TCP_CAUSE_RCV_FIN);
    evt_seg(t, EP_A, 40 * MS, TCP_ACK, 1001, 5032, 0);
    if (after) {
        /* B > A  FP.  seq 5032 ack 1001 len 10  (FIN at 5042)
         * A > B  .    seq 1001 ack 5043 */
        evt_seg(t, EP_B, 50 * MS, TCP_FIN | TCP_PSH | TCP_ACK, 5032, 1001, 10);
        evt_seg(t, EP_A, 50 * MS, TCP_ACK, 1001, 5043, 0);
    }
}

static struct oracle_config fuzzer_peer_cfg(void)
{
    struct oracle_config c = wire_cfg();
    c.judge[EP_B] = false;
    c.states_reported[EP_A] = true;
    return c;
}

static void test_fin_ack_plus_one_of_fin_taken_from_ooseq_passes(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    fin_taken_from_ooseq(&t, false);
    judge(&o, &t, fuzzer_peer_cfg());
    ASSERT_CLEAN(&o);
}

static void test_fin_taken_from_ooseq_then_acked_beyond_fails(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    fin_taken_from_ooseq(&t, true);
    judge(&o, &t, fuzzer_peer_cfg());
    ASSERT_BROKEN(&o, "fin-ack-plus-one", t.n - 1);
    assert_int_equal(oracle_violation_total(&o), 1); /* its ACK of the FIN it took passed */
}

/* ======================= ack-within-sent ======================= */

static void test_ack_within_sent_beyond_fails(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    opening(&t);
    size_t bad = evt_seg(&t, EP_B, 12 * MS, TCP_ACK, 5001, 1200, 0);
    judge(&o, &t, wire_cfg());
    ASSERT_BROKEN(&o, "ack-within-sent", bad);
}

static void test_ack_within_sent_exact_edge_passes(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    opening(&t); /* B acks 1101 = A's snd_max exactly */
    judge(&o, &t, wire_cfg());
    ASSERT_CLEAN(&o);
}

static void test_ack_within_sent_capture_gap_is_incomplete(void **state)
{
    (void)state;
    /* From a capture, an ACK of unseen data may be a capture gap. */
    struct evtrace t;
    struct oracle o;
    opening(&t);
    evt_seg(&t, EP_B, 12 * MS, TCP_ACK, 5001, 1200, 0);
    for (size_t i = 0; i < t.n; i++)
        t.evs[i].frame = i + 1;
    judge(&o, &t, wire_cfg());
    ASSERT_CLEAN(&o);
    assert_int_equal(oracle_verdict(&o), VERDICT_INCOMPLETE);
}

/* ======================= fin-seq-stable ======================= */

static void test_fin_seq_stable_same_seq_retransmit_passes(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    opening(&t);
    evt_seg(&t, EP_A, 20 * MS, TCP_FIN | TCP_ACK, 1101, 5001, 0);
    evt_seg(&t, EP_A, 1020 * MS, TCP_FIN | TCP_ACK, 1101, 5001, 0);
    evt_seg(&t, EP_B, 1021 * MS, TCP_ACK, 5001, 1102, 0);
    judge(&o, &t, wire_cfg());
    ASSERT_CLEAN(&o);
}

static void test_fin_seq_stable_other_seq_fails(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    opening(&t);
    evt_seg(&t, EP_A, 20 * MS, TCP_FIN | TCP_ACK, 1101, 5001, 0);
    size_t bad = evt_seg(&t, EP_A, 1020 * MS, TCP_FIN | TCP_ACK, 1102, 5001, 0);
    judge(&o, &t, wire_cfg());
    ASSERT_BROKEN(&o, "fin-seq-stable", bad);
}

/* ======================= no-data-after-fin ======================= */

static void test_no_data_after_fin_fails(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    opening(&t);
    evt_seg(&t, EP_A, 20 * MS, TCP_FIN | TCP_ACK, 1101, 5001, 0);
    size_t bad = evt_seg(&t, EP_A, 25 * MS, TCP_PSH | TCP_ACK, 1102, 5001, 10);
    judge(&o, &t, wire_cfg());
    ASSERT_BROKEN(&o, "no-data-after-fin", bad);
}

static void test_no_data_after_fin_retransmit_below_passes(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    evt_init(&t);
    evt_handshake(&t, 1000, 5000);
    evt_seg(&t, EP_A, 10 * MS, TCP_PSH | TCP_ACK, 1001, 5001, 100);
    evt_seg(&t, EP_A, 20 * MS, TCP_FIN | TCP_ACK, 1101, 5001, 0);
    /* the data again, below the FIN: a retransmission */
    evt_seg(&t, EP_A, 1010 * MS, TCP_PSH | TCP_ACK, 1001, 5001, 100);
    evt_seg(&t, EP_B, 1011 * MS, TCP_ACK, 5001, 1102, 0);
    judge(&o, &t, wire_cfg());
    ASSERT_CLEAN(&o);
}

/* ======================= state-matches-wire ======================= */

static void test_state_matches_wire_fin_wait_2_without_ack_fails(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    opening(&t);
    evt_state(&t, EP_A, 19 * MS, TCP_ESTABLISHED, TCP_FIN_WAIT_1, TCP_CAUSE_APP_CLOSE);
    evt_seg(&t, EP_A, 20 * MS, TCP_FIN | TCP_ACK, 1101, 5001, 0);
    size_t bad = evt_state(&t, EP_A, 21 * MS, TCP_FIN_WAIT_1, TCP_FIN_WAIT_2, TCP_CAUSE_RCV_ACK);
    judge(&o, &t, reported_cfg());
    ASSERT_BROKEN(&o, "state-matches-wire", bad);
}

static void test_state_matches_wire_fin_wait_2_after_ack_passes(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    opening(&t);
    evt_state(&t, EP_A, 19 * MS, TCP_ESTABLISHED, TCP_FIN_WAIT_1, TCP_CAUSE_APP_CLOSE);
    evt_seg(&t, EP_A, 20 * MS, TCP_FIN | TCP_ACK, 1101, 5001, 0);
    evt_state(&t, EP_B, 21 * MS, TCP_ESTABLISHED, TCP_CLOSE_WAIT, TCP_CAUSE_RCV_FIN);
    evt_seg(&t, EP_B, 21 * MS, TCP_ACK, 5001, 1102, 0);
    evt_state(&t, EP_A, 22 * MS, TCP_FIN_WAIT_1, TCP_FIN_WAIT_2, TCP_CAUSE_RCV_ACK);
    judge(&o, &t, reported_cfg());
    ASSERT_CLEAN(&o);
}

static void test_state_matches_wire_fin_while_established_fails(void **state)
{
    (void)state;
    /* A sends a FIN but never reports leaving ESTABLISHED. */
    struct evtrace t;
    struct oracle o;
    evt_init(&t);
    evt_state(&t, EP_A, 0, TCP_CLOSED, TCP_SYN_SENT, TCP_CAUSE_APP_OPEN_ACTIVE);
    evt_seg(&t, EP_A, 0, TCP_SYN, 1000, 0, 0);
    evt_seg(&t, EP_B, 1 * MS, TCP_SYN | TCP_ACK, 5000, 1001, 0);
    evt_state(&t, EP_A, 2 * MS, TCP_SYN_SENT, TCP_ESTABLISHED, TCP_CAUSE_RCV_SYN_ACK);
    evt_seg(&t, EP_A, 2 * MS, TCP_ACK, 1001, 5001, 0);
    size_t bad = evt_seg(&t, EP_A, 20 * MS, TCP_FIN | TCP_ACK, 1001, 5001, 0);
    evt_seg(&t, EP_B, 21 * MS, TCP_ACK, 5001, 1002, 0);
    struct oracle_config c = wire_cfg();
    c.states_reported[0] = true;
    judge(&o, &t, c);
    ASSERT_BROKEN(&o, "state-matches-wire", bad);
}

/* ======================= time-wait-duration ======================= */

/* A in TIME-WAIT (reported) at 31 ms, CLOSED at 31 ms + tw. */
static void tw_reported(struct evtrace *t, uint64_t tw_usecs)
{
    opening(t);
    evt_state(t, EP_A, 19 * MS, TCP_ESTABLISHED, TCP_FIN_WAIT_1, TCP_CAUSE_APP_CLOSE);
    evt_seg(t, EP_A, 20 * MS, TCP_FIN | TCP_ACK, 1101, 5001, 0);
    evt_seg(t, EP_B, 21 * MS, TCP_ACK, 5001, 1102, 0);
    evt_state(t, EP_A, 22 * MS, TCP_FIN_WAIT_1, TCP_FIN_WAIT_2, TCP_CAUSE_RCV_ACK);
    evt_seg(t, EP_B, 30 * MS, TCP_FIN | TCP_ACK, 5001, 1102, 0);
    evt_state(t, EP_A, 31 * MS, TCP_FIN_WAIT_2, TCP_TIME_WAIT, TCP_CAUSE_RCV_FIN);
    evt_seg(t, EP_A, 31 * MS, TCP_ACK, 1102, 5002, 0);
    evt_state(t, EP_A, 31 * MS + tw_usecs, TCP_TIME_WAIT, TCP_CLOSED, TCP_CAUSE_TIMEOUT_TIME_WAIT);
}

static struct oracle_config tw_cfg(void)
{
    struct oracle_config c = wire_cfg();
    c.states_reported[0] = true;
    c.msl_usecs = 30 * SEC;
    c.timer_slack_usecs = 0;
    return c;
}

static void test_time_wait_exactly_2msl_passes(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    tw_reported(&t, 60 * SEC);
    judge(&o, &t, tw_cfg());
    ASSERT_CLEAN(&o);
}

static void test_time_wait_2msl_minus_1ms_fails(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    tw_reported(&t, 60 * SEC - 1 * MS);
    judge(&o, &t, tw_cfg());
    ASSERT_BROKEN(&o, "time-wait-duration", t.n - 1);
}

static void test_time_wait_restarts_on_retransmitted_fin(void **state)
{
    (void)state;
    /* B's FIN again at 10 s: A re-ACKs and TIME-WAIT restarts, so closing
     * at 31 ms + 60 s (measured from the start) is 10 s too early. */
    struct evtrace t;
    struct oracle o;
    tw_reported(&t, 60 * SEC);
    t.n--; /* drop the CLOSED report; add the retransmission first */
    evt_seg(&t, EP_B, 10 * SEC, TCP_FIN | TCP_ACK, 5001, 1102, 0);
    evt_seg(&t, EP_A, 10 * SEC + 1 * MS, TCP_ACK, 1102, 5002, 0);
    size_t early = evt_state(&t, EP_A, 31 * MS + 60 * SEC, TCP_TIME_WAIT, TCP_CLOSED,
                             TCP_CAUSE_TIMEOUT_TIME_WAIT);
    judge(&o, &t, tw_cfg());
    ASSERT_BROKEN(&o, "time-wait-duration", early);

    t.n--;
    evt_state(&t, EP_A, 10 * SEC + 1 * MS + 60 * SEC, TCP_TIME_WAIT, TCP_CLOSED,
              TCP_CAUSE_TIMEOUT_TIME_WAIT);
    judge(&o, &t, tw_cfg());
    ASSERT_CLEAN(&o);
}

static void test_time_wait_fin_not_reacked_fails(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    textbook(&t);
    size_t fin = evt_seg(&t, EP_B, 2 * SEC, TCP_FIN | TCP_ACK, 5001, 1102, 0);
    evt_clock(&t, 5 * SEC);
    struct oracle_config c = wire_cfg();
    c.judge[1] = false;
    judge(&o, &t, c);
    ASSERT_BROKEN(&o, "time-wait-duration", fin);
}

static void test_time_wait_fin_reacked_passes(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    textbook(&t);
    evt_seg(&t, EP_B, 2 * SEC, TCP_FIN | TCP_ACK, 5001, 1102, 0);
    evt_seg(&t, EP_A, 2 * SEC + 1, TCP_ACK, 1102, 5002, 0);
    evt_clock(&t, 5 * SEC);
    struct oracle_config c = wire_cfg();
    c.judge[1] = false;
    judge(&o, &t, c);
    ASSERT_CLEAN(&o);
}

static void test_time_wait_no_restart_on_fin_without_ack(void **state)
{
    (void)state;
    /* A FIN without the ACK bit is dropped before FIN processing (RFC 9293
     * §3.10.7.4, fifth check): it does not restart TIME-WAIT, so a stack
     * that closes 2*MSL after it (not after the start) is late. */
    struct evtrace t;
    struct oracle o;
    tw_reported(&t, 60 * SEC);
    t.n--;
    evt_seg(&t, EP_B, 10 * SEC, TCP_FIN, 5001, 0, 0);
    evt_seg(&t, EP_A, 10 * SEC + 1 * MS, TCP_ACK, 1102, 5002, 0);
    size_t late = evt_state(&t, EP_A, 10 * SEC + 1 * MS + 60 * SEC, TCP_TIME_WAIT, TCP_CLOSED,
                            TCP_CAUSE_TIMEOUT_TIME_WAIT);
    struct oracle_config c = tw_cfg();
    c.judge[1] = false;
    judge(&o, &t, c);
    ASSERT_BROKEN(&o, "time-wait-duration", late);
    t.n--;
    evt_state(&t, EP_A, 31 * MS + 60 * SEC, TCP_TIME_WAIT, TCP_CLOSED, TCP_CAUSE_TIMEOUT_TIME_WAIT);
    judge(&o, &t, c);
    ASSERT_CLEAN(&o);
}

/* From the wire: A answers a FIN with RST when its TIME-WAIT is over. */
static void tw_probe_answered_with_rst(struct evtrace *t, uint64_t probe_usecs)
{
    textbook(t);
    evt_seg(t, EP_B, probe_usecs, TCP_FIN | TCP_ACK, 5001, 1102, 0);
    evt_seg(t, EP_A, probe_usecs + 30, TCP_RST, 1102, 0, 0);
}

static void test_time_wait_linux_rst_after_60s_passes(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    tw_probe_answered_with_rst(&t, 31 * MS + 61 * SEC);
    struct oracle_config c = wire_cfg();
    c.profile = PROFILE_LINUX;
    c.judge[1] = false;
    judge(&o, &t, c);
    ASSERT_CLEAN(&o);
}

static void test_time_wait_linux_rst_after_30s_fails(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    tw_probe_answered_with_rst(&t, 31 * MS + 30 * SEC);
    struct oracle_config c = wire_cfg();
    c.profile = PROFILE_LINUX;
    c.judge[1] = false;
    judge(&o, &t, c);
    ASSERT_BROKEN(&o, "time-wait-duration", t.n - 1);
}

static void test_time_wait_answering_after_2msl_fails(void **state)
{
    (void)state;
    /* Still ACKing a FIN 70 s after TIME-WAIT began: it should be CLOSED. */
    struct evtrace t;
    struct oracle o;
    textbook(&t);
    evt_seg(&t, EP_B, 70 * SEC, TCP_FIN | TCP_ACK, 5001, 1102, 0);
    size_t late = evt_seg(&t, EP_A, 70 * SEC + 30, TCP_ACK, 1102, 5002, 0);
    struct oracle_config c = wire_cfg();
    c.profile = PROFILE_LINUX;
    c.judge[1] = false;
    judge(&o, &t, c);
    ASSERT_BROKEN(&o, "time-wait-duration", late);
}

/* ======================= time-wait-reuse ======================= */

static void reuse(struct evtrace *t, uint32_t new_isn)
{
    textbook(t);
    evt_seg(t, EP_B, 1 * SEC, TCP_SYN, new_isn, 0, 0);
    evt_seg(t, EP_A, 1 * SEC + 30, TCP_SYN | TCP_ACK, 90000, new_isn + 1, 0);
}

static void test_time_wait_reuse_isn_above_passes(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    reuse(&t, 5002 + 100000);
    judge(&o, &t, wire_cfg());
    ASSERT_CLEAN(&o);
}

static void test_time_wait_reuse_old_isn_fails(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    reuse(&t, 4000);
    judge(&o, &t, wire_cfg());
    ASSERT_BROKEN(&o, "time-wait-reuse", t.n - 1);
    assert_int_equal(oracle_violations(&o, NULL)[0].endpoint, EP_A);
}

static void test_time_wait_reuse_api(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    textbook(&t);
    oracle_config_default(&(struct oracle_config){0});
    struct oracle_config c = wire_cfg();
    oracle_init(&o, &c);
    evt_push_all(&t, oracle_sink(&o));
    struct evtrace s;
    evt_init(&s);
    evt_seg(&s, EP_B, 1 * SEC, TCP_SYN, 5002 + 100000, 0, 0);
    assert_true(oracle_judge_reuse(&o, 9, &s.evs[0]));
    s.evs[0].u.segment.seg.seq = 4000;
    assert_false(oracle_judge_reuse(&o, 9, &s.evs[0]));
    assert_true(evt_has(&o, "time-wait-reuse", 9));
}

/* ======================= rst-validation ======================= */

static void rst_to_b(struct evtrace *t, uint32_t rst_seq, bool b_closes)
{
    opening(t);
    evt_seg(t, EP_A, 20 * MS, TCP_RST, rst_seq, 0, 0);
    if (b_closes)
        evt_state(t, EP_B, 21 * MS, TCP_ESTABLISHED, TCP_CLOSED, TCP_CAUSE_RCV_RST);
}

/* A plays the attacker (or fuzzer) that sends RSTs and SYNs: not judged. */
static struct oracle_config only_b_reported(void)
{
    struct oracle_config c = wire_cfg();
    c.states_reported[1] = true;
    c.judge[0] = false;
    return c;
}

static struct oracle_config b_judged(void)
{
    struct oracle_config c = wire_cfg();
    c.judge[0] = false;
    return c;
}

static void test_rst_validation_exact_rst_closes_passes(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    rst_to_b(&t, 1101, true);
    judge(&o, &t, only_b_reported());
    ASSERT_CLEAN(&o);
}

static void test_rst_validation_in_window_rst_closing_fails(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    rst_to_b(&t, 1500, true);
    judge(&o, &t, only_b_reported());
    ASSERT_BROKEN(&o, "rst-validation", t.n - 1);
}

static void test_rst_validation_in_window_rst_challenge_ack_passes(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    rst_to_b(&t, 1500, false);
    evt_seg(&t, EP_B, 21 * MS, TCP_ACK, 5001, 1101, 0);
    evt_clock(&t, 5 * SEC);
    judge(&o, &t, b_judged());
    ASSERT_CLEAN(&o);
}

static void test_rst_validation_missing_challenge_ack_fails(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    rst_to_b(&t, 1500, false);
    size_t rst = t.n - 1;
    evt_clock(&t, 5 * SEC);
    judge(&o, &t, b_judged());
    ASSERT_BROKEN(&o, "rst-validation", rst);
    /* Linux rate-limits challenge ACKs: tolerated there. */
    struct oracle_config c = b_judged();
    c.profile = PROFILE_LINUX;
    judge(&o, &t, c);
    ASSERT_CLEAN(&o);
}

static void test_rst_validation_out_of_window_ignored_passes(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    rst_to_b(&t, 1101 + 200000, false);
    evt_seg(&t, EP_A, 30 * MS, TCP_PSH | TCP_ACK, 1101, 5001, 10);
    evt_seg(&t, EP_B, 31 * MS, TCP_ACK, 5001, 1111, 0);
    judge(&o, &t, only_b_reported());
    ASSERT_CLEAN(&o);
}

static void test_rst_validation_syn_in_established_closing_fails(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    opening(&t);
    evt_seg(&t, EP_A, 20 * MS, TCP_SYN, 777, 0, 0);
    size_t bad = evt_state(&t, EP_B, 21 * MS, TCP_ESTABLISHED, TCP_CLOSED, TCP_CAUSE_RCV_SYN);
    judge(&o, &t, only_b_reported());
    ASSERT_BROKEN(&o, "rst-validation", bad);
}

static void test_rst_validation_syn_in_established_challenge_passes(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    opening(&t);
    evt_seg(&t, EP_A, 20 * MS, TCP_SYN, 777, 0, 0);
    evt_seg(&t, EP_B, 21 * MS, TCP_ACK, 5001, 1101, 0);
    evt_clock(&t, 5 * SEC);
    judge(&o, &t, b_judged());
    ASSERT_CLEAN(&o);
}

/* ======================= closed-silence ======================= */

static void test_closed_silence_data_after_last_ack_fails(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    textbook(&t);
    size_t bad = evt_seg(&t, EP_B, 40 * MS, TCP_PSH | TCP_ACK, 5002, 1102, 10);
    judge(&o, &t, wire_cfg());
    ASSERT_BROKEN(&o, "closed-silence", bad);
}

static void test_closed_silence_rst_answer_passes(void **state)
{
    (void)state;
    /* After its TIME-WAIT, A answers a segment with ACK by RST seq=SEG.ACK. */
    struct evtrace t;
    struct oracle o;
    tw_probe_answered_with_rst(&t, 31 * MS + 241 * SEC);
    judge(&o, &t, wire_cfg());
    ASSERT_CLEAN(&o);
}

static void test_closed_silence_rst_wrong_seq_fails(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    textbook(&t);
    evt_seg(&t, EP_B, 241 * SEC, TCP_FIN | TCP_ACK, 5001, 1102, 0);
    evt_seg(&t, EP_A, 241 * SEC + 30, TCP_RST, 1102, 0, 0); /* closes it */
    evt_seg(&t, EP_B, 242 * SEC, TCP_FIN | TCP_ACK, 5001, 1102, 0);
    size_t bad = evt_seg(&t, EP_A, 242 * SEC + 30, TCP_RST, 1500, 0, 0);
    judge(&o, &t, wire_cfg());
    ASSERT_BROKEN(&o, "closed-silence", bad);
}

static void test_closed_silence_rst_fitting_no_segment_fails(void **state)
{
    (void)state;
    /* B, CLOSED after LAST-ACK, sends an RST that answers nothing A sent. */
    struct evtrace t;
    struct oracle o;
    textbook(&t);
    size_t bad = evt_seg(&t, EP_B, 40 * MS, TCP_RST, 7777, 0, 0);
    judge(&o, &t, wire_cfg());
    ASSERT_BROKEN(&o, "closed-silence", bad);
}

/* ======================= fin-retransmit ======================= */

static void test_fin_retransmit_never_resent_fails(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    opening(&t);
    size_t fin = evt_seg(&t, EP_A, 20 * MS, TCP_FIN | TCP_ACK, 1101, 5001, 0);
    evt_clock(&t, 200 * SEC);
    judge(&o, &t, wire_cfg());
    ASSERT_BROKEN(&o, "fin-retransmit", fin);
}

static void test_fin_retransmit_with_backoff_passes(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    opening(&t);
    evt_seg(&t, EP_A, 20 * MS, TCP_FIN | TCP_ACK, 1101, 5001, 0);
    evt_seg(&t, EP_A, 1020 * MS, TCP_FIN | TCP_ACK, 1101, 5001, 0);
    evt_seg(&t, EP_A, 3020 * MS, TCP_FIN | TCP_ACK, 1101, 5001, 0);
    evt_seg(&t, EP_A, 7020 * MS, TCP_FIN | TCP_ACK, 1101, 5001, 0);
    evt_seg(&t, EP_B, 7021 * MS, TCP_ACK, 5001, 1102, 0);
    judge(&o, &t, wire_cfg());
    ASSERT_CLEAN(&o);
}

static void test_fin_retransmit_shrinking_interval_fails(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    opening(&t);
    evt_seg(&t, EP_A, 20 * MS, TCP_FIN | TCP_ACK, 1101, 5001, 0);
    evt_seg(&t, EP_A, 2020 * MS, TCP_FIN | TCP_ACK, 1101, 5001, 0);
    size_t bad = evt_seg(&t, EP_A, 3020 * MS, TCP_FIN | TCP_ACK, 1101, 5001, 0);
    evt_seg(&t, EP_B, 3021 * MS, TCP_ACK, 5001, 1102, 0);
    judge(&o, &t, wire_cfg());
    ASSERT_BROKEN(&o, "fin-retransmit", bad);
}

static void test_fin_retransmit_stream_ends_early_is_incomplete(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    opening(&t);
    evt_seg(&t, EP_A, 20 * MS, TCP_FIN | TCP_ACK, 1101, 5001, 0);
    evt_clock(&t, 5 * SEC);
    judge(&o, &t, wire_cfg());
    ASSERT_CLEAN(&o);
    assert_int_equal(oracle_verdict(&o), VERDICT_INCOMPLETE);
}

static void test_fin_retransmit_ack_dropped_must_resend(void **state)
{
    (void)state;
    /* B's ACK of the FIN is lost: A must retransmit. */
    struct evtrace t;
    struct oracle o;
    opening(&t);
    size_t fin = evt_seg(&t, EP_A, 20 * MS, TCP_FIN | TCP_ACK, 1101, 5001, 0);
    size_t ack = evt_seg(&t, EP_B, 21 * MS, TCP_ACK, 5001, 1102, 0);
    evt_drop(&t, 21 * MS, ack);
    evt_clock(&t, 300 * SEC);
    judge(&o, &t, wire_cfg());
    ASSERT_BROKEN(&o, "fin-retransmit", fin);
}

/* --- fin-retransmit at a give-up: the endpoint ends (its RST, or a reported
 * CLOSED on a timeout or an abort) while its FIN is unacknowledged. RFC 6298
 * (5.4)-(5.6): each expiry of the timer retransmits the earliest
 * unacknowledged segment; RFC 9293 §3.8.3 (c): the expiry at which R2 is
 * reached closes instead. So the give-up comes within the RTO ceiling (120 s
 * for rfc9293 and linux) of the timer's last visible act. --- */

/* The give-up RST of the model: seq = SND.NXT (past the FIN), no ACK. */
#define GIVE_UP_RST(t, usecs) evt_seg((t), EP_A, (usecs), TCP_RST, 1102, 0, 0)

static void test_fin_retransmit_give_up_never_resent_fails(void **state)
{
    (void)state;
    /* The NO_FIN_RETRANSMIT mutant: the FIN (lost) is never sent again;
     * the timer backs off 1, 2, 4, ... 120 s silently and A gives up after
     * 8 expiries, 367 s after the FIN. */
    struct evtrace t;
    struct oracle o;
    opening(&t);
    evt_seg(&t, EP_A, 20 * MS, TCP_FIN | TCP_ACK, 1101, 5001, 0);
    size_t rst = GIVE_UP_RST(&t, 367 * SEC + 20 * MS);
    judge(&o, &t, wire_cfg());
    ASSERT_BROKEN(&o, "fin-retransmit", rst);
    assert_int_equal(evt_count(&o, "fin-retransmit"), 1);
}

static void test_fin_retransmit_give_up_just_past_ceiling_fails(void **state)
{
    (void)state;
    /* One retransmission, then silence just longer than the 120 s ceiling
     * (+ the 10 ms timer slack) before the give-up: an expiry in between
     * neither retransmitted nor gave up. */
    struct evtrace t;
    struct oracle o;
    opening(&t);
    evt_seg(&t, EP_A, 20 * MS, TCP_FIN | TCP_ACK, 1101, 5001, 0);
    evt_seg(&t, EP_A, 1020 * MS, TCP_FIN | TCP_ACK, 1101, 5001, 0);
    size_t rst = GIVE_UP_RST(&t, 121 * SEC + 31 * MS);
    judge(&o, &t, wire_cfg());
    ASSERT_BROKEN(&o, "fin-retransmit", rst);
}

static void test_fin_retransmit_give_up_reported_closed_fails(void **state)
{
    (void)state;
    /* A stack that reports its state and gives up LAST-ACK without an RST:
     * the CLOSED report is the give-up. */
    struct evtrace t;
    struct oracle o;
    opening(&t);
    evt_seg(&t, EP_B, 15 * MS, TCP_FIN | TCP_ACK, 5001, 1101, 0);
    evt_state(&t, EP_A, 15 * MS, TCP_ESTABLISHED, TCP_CLOSE_WAIT, TCP_CAUSE_RCV_FIN);
    evt_seg(&t, EP_A, 16 * MS, TCP_ACK, 1101, 5002, 0);
    evt_state(&t, EP_A, 20 * MS, TCP_CLOSE_WAIT, TCP_LAST_ACK, TCP_CAUSE_APP_CLOSE);
    evt_seg(&t, EP_A, 20 * MS, TCP_FIN | TCP_ACK, 1101, 5002, 0);
    size_t closed =
        evt_state(&t, EP_A, 200 * SEC, TCP_LAST_ACK, TCP_CLOSED, TCP_CAUSE_TIMEOUT_RETRIES);
    struct oracle_config c = wire_cfg();
    c.states_reported[EP_A] = true;
    c.judge[EP_B] = false;
    judge(&o, &t, c);
    ASSERT_BROKEN(&o, "fin-retransmit", closed);
}

static void test_fin_retransmit_give_up_after_one_resend_passes(void **state)
{
    (void)state;
    /* Near miss: R2 = 1 retransmission (the FIN at 1 s), give-up at the
     * next expiry (3 s). */
    struct evtrace t;
    struct oracle o;
    opening(&t);
    evt_seg(&t, EP_A, 20 * MS, TCP_FIN | TCP_ACK, 1101, 5001, 0);
    evt_seg(&t, EP_A, 1020 * MS, TCP_FIN | TCP_ACK, 1101, 5001, 0);
    GIVE_UP_RST(&t, 3020 * MS);
    judge(&o, &t, wire_cfg());
    ASSERT_CLEAN(&o);
}

static void test_fin_retransmit_give_up_at_ceiling_passes(void **state)
{
    (void)state;
    /* Near miss: the full backoff of the model with 8 retries (1, 3, 7,
     * ... 247 s) and the give-up exactly one 120 s ceiling after the last
     * FIN; and a FIN given up, never resent, exactly at the ceiling (a
     * stack whose RTO had backed off to it before the FIN was sent). */
    static const uint64_t resend_ms[] = {1020, 3020, 7020, 15020, 31020, 63020, 127020, 247020};
    struct evtrace t;
    struct oracle o;
    opening(&t);
    evt_seg(&t, EP_A, 20 * MS, TCP_FIN | TCP_ACK, 1101, 5001, 0);
    for (size_t i = 0; i < sizeof resend_ms / sizeof resend_ms[0]; i++)
        evt_seg(&t, EP_A, resend_ms[i] * MS, TCP_FIN | TCP_ACK, 1101, 5001, 0);
    GIVE_UP_RST(&t, 367020 * MS);
    judge(&o, &t, wire_cfg());
    ASSERT_CLEAN(&o);

    opening(&t);
    evt_seg(&t, EP_A, 20 * MS, TCP_FIN | TCP_ACK, 1101, 5001, 0);
    GIVE_UP_RST(&t, 120 * SEC + 20 * MS);
    judge(&o, &t, wire_cfg());
    ASSERT_CLEAN(&o);
}

/* A sends 100 bytes that B never acknowledges; the timer retransmits them at
 * 1, 3, 7, ... 247 s (RFC 6298 (5.4): the earliest unacknowledged segment). */
static void data_retransmitted(struct evtrace *t)
{
    static const uint64_t resend_ms[] = {1010, 3010, 7010, 15010, 31010, 63010, 127010, 247010};
    evt_init(t);
    evt_handshake(t, 1000, 5000);
    evt_seg(t, EP_A, 10 * MS, TCP_PSH | TCP_ACK, 1001, 5001, 100);
    for (size_t i = 0; i < sizeof resend_ms / sizeof resend_ms[0]; i++)
        evt_seg(t, EP_A, resend_ms[i] * MS, TCP_PSH | TCP_ACK, 1001, 5001, 100);
}

static void test_fin_retransmit_give_up_driven_by_data_passes(void **state)
{
    (void)state;
    /* Near miss: R2 is reached for the data (8 retransmissions, counted
     * from its first transmission, RFC 9293 §3.8.3), and the application
     * closed just before: the FIN went out at 366 s, 1 s before the
     * give-up, and was never due for a retransmission. */
    struct evtrace t;
    struct oracle o;
    data_retransmitted(&t);
    evt_seg(&t, EP_A, 366 * SEC, TCP_FIN | TCP_ACK, 1101, 5001, 0);
    GIVE_UP_RST(&t, 367010 * MS);
    judge(&o, &t, wire_cfg());
    ASSERT_CLEAN(&o);

    /* ... and with the FIN sent long before the give-up (at 130 s, after
     * the data's retransmission at 127 s): while the data below it is
     * unacknowledged, the timer retransmits the data (at 247 s), not the
     * FIN, and the give-up 237 s after the FIN is still one ceiling after
     * the timer's last act. */
    data_retransmitted(&t);
    evt_seg(&t, EP_A, 130 * SEC, TCP_FIN | TCP_ACK, 1101, 5001, 0);
    /* (re-sort: the FIN at 130 s goes before the retransmission at 247 s) */
    struct ev fin = t.evs[t.n - 1], last = t.evs[t.n - 2];
    t.evs[t.n - 2] = fin;
    t.evs[t.n - 1] = last;
    GIVE_UP_RST(&t, 367010 * MS);
    judge(&o, &t, wire_cfg());
    ASSERT_CLEAN(&o);
}

static void test_fin_retransmit_give_up_after_fin_acked_passes(void **state)
{
    (void)state;
    /* Near miss: the FIN was acknowledged (FIN-WAIT-2); an RST 500 s later
     * (an abort, a FIN-WAIT-2 timeout) gives up nothing unacknowledged. */
    struct evtrace t;
    struct oracle o;
    opening(&t);
    evt_seg(&t, EP_A, 20 * MS, TCP_FIN | TCP_ACK, 1101, 5001, 0);
    evt_seg(&t, EP_B, 21 * MS, TCP_ACK, 5001, 1102, 0);
    GIVE_UP_RST(&t, 500 * SEC);
    judge(&o, &t, wire_cfg());
    ASSERT_CLEAN(&o);
}

static void test_fin_retransmit_give_up_profiles(void **state)
{
    (void)state;
    /* The FIN never resent, given up after 367 s: linux's ceiling is the
     * same 120 s (TCP_RTO_MAX), lwip's is 0x7FFF slow ticks (16383.5 s),
     * within which the give-up conforms; past it, it does not. */
    static const struct {
        enum oracle_profile profile;
        uint64_t give_up_usecs;
        bool broken;
    } cases[] = {
        {PROFILE_RFC9293, 367 * SEC, true}, {PROFILE_RFC1337, 367 * SEC, true},
        {PROFILE_LINUX, 367 * SEC, true},   {PROFILE_LINUX, 120 * SEC, false},
        {PROFILE_LWIP, 367 * SEC, false},   {PROFILE_LWIP, 16383 * SEC, false},
        {PROFILE_LWIP, 16385 * SEC, true},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct evtrace t;
        struct oracle o;
        opening(&t);
        evt_seg(&t, EP_A, 20 * MS, TCP_FIN | TCP_ACK, 1101, 5001, 0);
        size_t rst = GIVE_UP_RST(&t, cases[i].give_up_usecs);
        struct oracle_config c = wire_cfg();
        c.profile = cases[i].profile;
        judge(&o, &t, c);
        if (cases[i].broken)
            ASSERT_BROKEN(&o, "fin-retransmit", rst);
        else
            ASSERT_CLEAN(&o);
    }
}

/* --- fin-retransmit when the stream ends with the FIN still retransmitted:
 * R2 (RFC 1122 4.2.3.5) has no upper bound in the RFCs, so the oracle's
 * is generous (2 h), and a profile whose stack may retransmit longer says
 * so (lwip: 12 retransmissions, each up to its 0x7FFF-tick ceiling). --- */

/* A's FIN from 20 ms, resent every gap_usecs until past until_usecs; then
 * time runs on one more gap. Returns the FIN's event. */
static size_t fin_resent_until(struct evtrace *t, uint64_t gap_usecs, uint64_t until_usecs)
{
    size_t fin = evt_seg(t, EP_A, 20 * MS, TCP_FIN | TCP_ACK, 1101, 5001, 0);
    uint64_t at = 20 * MS;
    while (at <= until_usecs) {
        at += gap_usecs;
        evt_seg(t, EP_A, at, TCP_FIN | TCP_ACK, 1101, 5001, 0);
    }
    evt_clock(t, at + gap_usecs / 2);
    return fin;
}

static void test_fin_retransmit_never_given_up_fails(void **state)
{
    (void)state;
    /* rfc9293 and linux: still resending every 120 s after 2 h. */
    static const enum oracle_profile profiles[] = {PROFILE_RFC9293, PROFILE_LINUX};
    for (size_t i = 0; i < 2; i++) {
        struct evtrace t;
        struct oracle o;
        opening(&t);
        size_t fin = fin_resent_until(&t, 120 * SEC, 7300 * SEC);
        struct oracle_config c = wire_cfg();
        c.profile = profiles[i];
        judge(&o, &t, c);
        ASSERT_BROKEN(&o, "fin-retransmit", fin);
    }
}

static void test_fin_retransmit_lwip_long_backoff_passes(void **state)
{
    (void)state;
    /* lwip-open-fin-retransmit.bin's shape: gaps of 1,856 s (its RTO
     * backed off 128-fold), still resending at 9,300 s: lwIP may (it gives
     * up after 12 retransmissions); the stream ends first (incomplete). */
    struct evtrace t;
    struct oracle o;
    opening(&t);
    fin_resent_until(&t, 1856 * SEC, 9300 * SEC);
    struct oracle_config c = wire_cfg();
    c.profile = PROFILE_LWIP;
    judge(&o, &t, c);
    ASSERT_CLEAN(&o);
    assert_int_equal(oracle_verdict(&o), VERDICT_INCOMPLETE);
}

static void test_fin_retransmit_lwip_past_twelve_gaps_fails(void **state)
{
    (void)state;
    /* Near miss: resending at the lwIP ceiling for longer than 12 gaps of
     * it (more retransmissions than TCP_MAXRTX allows). */
    struct evtrace t;
    struct oracle o;
    opening(&t);
    size_t fin = fin_resent_until(&t, 16384 * SEC, 12 * 16384 * SEC + 30 * SEC);
    struct oracle_config c = wire_cfg();
    c.profile = PROFILE_LWIP;
    judge(&o, &t, c);
    ASSERT_BROKEN(&o, "fin-retransmit", fin);
}

static void test_fin_retransmit_give_up_count_restarts_on_new_ack_passes(void **state)
{
    (void)state;
    /* A's text 1101..1201 and its FIN, resent every 120 s; at 1.5 h B
     * acknowledges the text (not the FIN), which resets the count toward
     * R2: resending until 3 h conforms. Without that ACK the same 3 h
     * fails (test_fin_retransmit_never_given_up_fails). */
    struct evtrace t;
    struct oracle o;
    opening(&t);
    evt_seg(&t, EP_A, 15 * MS, TCP_PSH | TCP_ACK, 1101, 5001, 100);
    evt_seg(&t, EP_A, 20 * MS, TCP_FIN | TCP_ACK, 1201, 5001, 0);
    uint64_t at = 20 * MS;
    while (at < 10800 * SEC) {
        at += 120 * SEC;
        evt_seg(&t, EP_A, at, TCP_PSH | TCP_FIN | TCP_ACK, 1101, 5001, 100);
        if (at > 5400 * SEC && at <= 5520 * SEC)
            evt_seg(&t, EP_B, at + 10 * MS, TCP_ACK, 5001, 1201, 0);
    }
    evt_clock(&t, at + 60 * SEC);
    judge(&o, &t, wire_cfg());
    ASSERT_CLEAN(&o);
    assert_int_equal(oracle_verdict(&o), VERDICT_INCOMPLETE);
}

/* ======================= half-close-delivery ======================= */

static void half_close_app(struct evtrace *t, uint32_t read_before_eof)
{
    opening(t);
    evt_app(t, EP_B, 11 * MS, APP_RECV, 1000, read_before_eof);
    evt_seg(t, EP_A, 20 * MS, TCP_FIN | TCP_ACK, 1101, 5001, 0);
    evt_seg(t, EP_B, 21 * MS, TCP_ACK, 5001, 1102, 0);
    evt_app(t, EP_B, 22 * MS, APP_RECV, 1000, 0);
}

static void test_half_close_delivery_all_read_passes(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    half_close_app(&t, 100);
    judge(&o, &t, wire_cfg());
    ASSERT_CLEAN(&o);
}

static void test_half_close_delivery_eof_early_fails(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    half_close_app(&t, 50);
    judge(&o, &t, wire_cfg());
    ASSERT_BROKEN(&o, "half-close-delivery", t.n - 1);
}

static void test_half_close_delivery_fin_acked_over_hole_fails(void **state)
{
    (void)state;
    /* The data segment never reached the wire, yet B acks the FIN. */
    struct evtrace t;
    struct oracle o;
    evt_init(&t);
    evt_handshake(&t, 1000, 5000);
    evt_seg(&t, EP_A, 20 * MS, TCP_FIN | TCP_ACK, 1101, 5001, 0);
    size_t bad = evt_seg(&t, EP_B, 21 * MS, TCP_ACK, 5001, 1102, 0);
    judge(&o, &t, wire_cfg());
    ASSERT_BROKEN(&o, "half-close-delivery", bad);
}

/* ======================= no-fin-before-handshake ======================= */

static void test_no_fin_before_handshake_fails(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    evt_init(&t);
    evt_seg(&t, EP_A, 0, TCP_SYN, 1000, 0, 0);
    size_t bad = evt_seg(&t, EP_A, 1 * MS, TCP_FIN, 1001, 0, 0);
    judge(&o, &t, wire_cfg());
    ASSERT_BROKEN(&o, "no-fin-before-handshake", bad);
}

static void test_no_fin_before_handshake_syn_received_passes(void **state)
{
    (void)state;
    /* B closes in SYN-RECEIVED: a FIN after its SYN-ACK is allowed. */
    struct evtrace t;
    struct oracle o;
    evt_init(&t);
    evt_seg(&t, EP_A, 0, TCP_SYN, 1000, 0, 0);
    evt_seg(&t, EP_B, 1 * MS, TCP_SYN | TCP_ACK, 5000, 1001, 0);
    evt_seg(&t, EP_B, 2 * MS, TCP_FIN | TCP_ACK, 5001, 1001, 0);
    evt_seg(&t, EP_A, 3 * MS, TCP_ACK, 1001, 5002, 0);
    judge(&o, &t, wire_cfg());
    ASSERT_CLEAN(&o);
}

/* ======================= window-respected ======================= */

static void window_trace(struct evtrace *t, uint16_t b_window, uint32_t a_len, bool scaled)
{
    evt_init(t);
    evt_seg(t, EP_A, 0, TCP_SYN, 1000, 0, 0);
    if (scaled) {
        evt_last(t)->u.segment.seg.opts.has_wscale = true;
        evt_last(t)->u.segment.seg.opts.wscale = 7;
    }
    evt_seg(t, EP_B, 1 * MS, TCP_SYN | TCP_ACK, 5000, 1001, 0);
    evt_last(t)->u.segment.seg.window = b_window;
    if (scaled) {
        evt_last(t)->u.segment.seg.opts.has_wscale = true;
        evt_last(t)->u.segment.seg.opts.wscale = 2;
    }
    evt_seg(t, EP_A, 2 * MS, TCP_ACK, 1001, 5001, 0);
    evt_seg(t, EP_B, 3 * MS, TCP_ACK, 5001, 1001, 0);
    evt_last(t)->u.segment.seg.window = b_window;
    evt_seg(t, EP_A, 4 * MS, TCP_PSH | TCP_ACK, 1001, 5001, a_len);
}

static void test_window_respected_within_passes(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    window_trace(&t, 100, 100, false);
    judge(&o, &t, wire_cfg());
    ASSERT_CLEAN(&o);
}

static void test_window_respected_beyond_fails(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    window_trace(&t, 100, 101, false);
    judge(&o, &t, wire_cfg());
    ASSERT_BROKEN(&o, "window-respected", t.n - 1);
}

static void test_window_respected_scaled_passes(void **state)
{
    (void)state;
    /* 50 << 2 = 200 bytes: the SYN-ACK's own window is not scaled, the
     * later ACK's is. */
    struct evtrace t;
    struct oracle o;
    window_trace(&t, 50, 200, true);
    judge(&o, &t, wire_cfg());
    ASSERT_CLEAN(&o);
    window_trace(&t, 50, 201, true);
    judge(&o, &t, wire_cfg());
    ASSERT_BROKEN(&o, "window-respected", t.n - 1);
}

static void test_window_respected_zero_window_probe_passes(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    window_trace(&t, 0, 1, false);
    judge(&o, &t, wire_cfg());
    ASSERT_CLEAN(&o);
}

/* ======================= ack-monotonic ======================= */

static void test_ack_monotonic_backwards_fails(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    opening(&t);
    size_t bad = evt_seg(&t, EP_B, 12 * MS, TCP_ACK, 5001, 1001, 0);
    judge(&o, &t, wire_cfg());
    ASSERT_BROKEN(&o, "ack-monotonic", bad);
}

static void test_ack_monotonic_duplicate_passes(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    opening(&t);
    evt_seg(&t, EP_B, 12 * MS, TCP_ACK, 5001, 1101, 0);
    judge(&o, &t, wire_cfg());
    ASSERT_CLEAN(&o);
}

/* ======================= rst-in-time-wait (profiles) ======================= */

/* A in TIME-WAIT gets an exact RST, then B's FIN again; A answers with
 * `answer` (RST: it was killed; ACK: it ignored the RST). */
static void tw_rst(struct evtrace *t, uint8_t answer)
{
    textbook(t);
    evt_seg(t, EP_B, 500 * MS, TCP_RST, 5002, 0, 0);
    evt_seg(t, EP_B, 1700 * MS, TCP_FIN | TCP_ACK, 5001, 1102, 0);
    if (answer == TCP_RST)
        evt_seg(t, EP_A, 1700 * MS + 30, TCP_RST, 1102, 0, 0);
    else
        evt_seg(t, EP_A, 1700 * MS + 30, TCP_ACK, 1102, 5002, 0);
}

static struct oracle_config profile_cfg(enum oracle_profile p)
{
    struct oracle_config c = wire_cfg();
    c.profile = p;
    c.judge[1] = false; /* B plays the prober */
    return c;
}

static void test_rst_in_time_wait_linux_passes(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    tw_rst(&t, TCP_RST);
    judge(&o, &t, profile_cfg(PROFILE_LINUX));
    ASSERT_CLEAN(&o);
    judge(&o, &t, profile_cfg(PROFILE_RFC9293));
    ASSERT_CLEAN(&o);
}

static void test_rst_in_time_wait_rfc1337_fails(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    tw_rst(&t, TCP_RST);
    judge(&o, &t, profile_cfg(PROFILE_RFC1337));
    ASSERT_BROKEN(&o, "rst-in-time-wait", t.n - 1);
}

static void test_rst_in_time_wait_ignored_passes_everywhere(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    tw_rst(&t, TCP_ACK);
    for (int p = 0; p < PROFILE_COUNT; p++) {
        judge(&o, &t, profile_cfg((enum oracle_profile)p));
        ASSERT_CLEAN(&o);
    }
}

static void test_rst_in_time_wait_reported_rfc1337_fails(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    tw_reported(&t, 60 * SEC);
    t.n--;
    evt_seg(&t, EP_B, 1 * SEC, TCP_RST, 5002, 0, 0);
    size_t bad =
        evt_state(&t, EP_A, 1 * SEC + 1 * MS, TCP_TIME_WAIT, TCP_CLOSED, TCP_CAUSE_RCV_RST);
    struct oracle_config c = tw_cfg();
    c.judge[1] = false; /* B plays the attacker */
    c.profile = PROFILE_RFC1337;
    judge(&o, &t, c);
    ASSERT_BROKEN(&o, "rst-in-time-wait", bad);
    c.profile = PROFILE_LINUX;
    judge(&o, &t, c);
    ASSERT_CLEAN(&o);
}

/* ======================= judging only one side ======================= */

static void test_unjudged_endpoint_never_blamed(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle o;
    fin_acked_with(&t, 1103); /* B's fault */
    struct oracle_config c = wire_cfg();
    c.judge[1] = false;
    judge(&o, &t, c);
    ASSERT_CLEAN(&o);
}

static void test_init_resets_between_inputs(void **state)
{
    (void)state;
    struct evtrace bad, good;
    struct oracle o;
    fin_acked_with(&bad, 1103);
    textbook(&good);
    judge(&o, &bad, wire_cfg());
    assert_int_equal(oracle_verdict(&o), VERDICT_FAIL);
    judge(&o, &good, wire_cfg());
    ASSERT_CLEAN(&o);
    assert_int_equal(oracle_verdict(&o), VERDICT_PASS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_catalog_ids_unique_and_findable),
        cmocka_unit_test(test_textbook_close_passes),
        cmocka_unit_test(test_transition_legal_illegal_edge),
        cmocka_unit_test(test_transition_legal_from_mismatch),
        cmocka_unit_test(test_transition_legal_fin_ack_edge_passes),
        cmocka_unit_test(test_fin_ack_plus_one_exact_passes),
        cmocka_unit_test(test_fin_ack_plus_two_fails),
        cmocka_unit_test(test_fin_ack_equal_to_fin_seq_fails_when_fin_received),
        cmocka_unit_test(test_fin_ack_plus_two_fails_against_fuzzer_peer_high_isn),
        cmocka_unit_test(test_fin_ack_plus_one_of_fin_taken_from_ooseq_passes),
        cmocka_unit_test(test_fin_taken_from_ooseq_then_acked_beyond_fails),
        cmocka_unit_test(test_ack_within_sent_beyond_fails),
        cmocka_unit_test(test_ack_within_sent_exact_edge_passes),
        cmocka_unit_test(test_ack_within_sent_capture_gap_is_incomplete),
        cmocka_unit_test(test_fin_seq_stable_same_seq_retransmit_passes),
        cmocka_unit_test(test_fin_seq_stable_other_seq_fails),
        cmocka_unit_test(test_no_data_after_fin_fails),
        cmocka_unit_test(test_no_data_after_fin_retransmit_below_passes),
        cmocka_unit_test(test_state_matches_wire_fin_wait_2_without_ack_fails),
        cmocka_unit_test(test_state_matches_wire_fin_wait_2_after_ack_passes),
        cmocka_unit_test(test_state_matches_wire_fin_while_established_fails),
        cmocka_unit_test(test_time_wait_exactly_2msl_passes),
        cmocka_unit_test(test_time_wait_2msl_minus_1ms_fails),
        cmocka_unit_test(test_time_wait_restarts_on_retransmitted_fin),
        cmocka_unit_test(test_time_wait_no_restart_on_fin_without_ack),
        cmocka_unit_test(test_time_wait_fin_not_reacked_fails),
        cmocka_unit_test(test_time_wait_fin_reacked_passes),
        cmocka_unit_test(test_time_wait_linux_rst_after_60s_passes),
        cmocka_unit_test(test_time_wait_linux_rst_after_30s_fails),
        cmocka_unit_test(test_time_wait_answering_after_2msl_fails),
        cmocka_unit_test(test_time_wait_reuse_isn_above_passes),
        cmocka_unit_test(test_time_wait_reuse_old_isn_fails),
        cmocka_unit_test(test_time_wait_reuse_api),
        cmocka_unit_test(test_rst_validation_exact_rst_closes_passes),
        cmocka_unit_test(test_rst_validation_in_window_rst_closing_fails),
        cmocka_unit_test(test_rst_validation_in_window_rst_challenge_ack_passes),
        cmocka_unit_test(test_rst_validation_missing_challenge_ack_fails),
        cmocka_unit_test(test_rst_validation_out_of_window_ignored_passes),
        cmocka_unit_test(test_rst_validation_syn_in_established_closing_fails),
        cmocka_unit_test(test_rst_validation_syn_in_established_challenge_passes),
        cmocka_unit_test(test_closed_silence_data_after_last_ack_fails),
        cmocka_unit_test(test_closed_silence_rst_answer_passes),
        cmocka_unit_test(test_closed_silence_rst_wrong_seq_fails),
        cmocka_unit_test(test_closed_silence_rst_fitting_no_segment_fails),
        cmocka_unit_test(test_fin_retransmit_never_resent_fails),
        cmocka_unit_test(test_fin_retransmit_with_backoff_passes),
        cmocka_unit_test(test_fin_retransmit_shrinking_interval_fails),
        cmocka_unit_test(test_fin_retransmit_stream_ends_early_is_incomplete),
        cmocka_unit_test(test_fin_retransmit_ack_dropped_must_resend),
        cmocka_unit_test(test_fin_retransmit_give_up_never_resent_fails),
        cmocka_unit_test(test_fin_retransmit_give_up_just_past_ceiling_fails),
        cmocka_unit_test(test_fin_retransmit_give_up_reported_closed_fails),
        cmocka_unit_test(test_fin_retransmit_give_up_after_one_resend_passes),
        cmocka_unit_test(test_fin_retransmit_give_up_at_ceiling_passes),
        cmocka_unit_test(test_fin_retransmit_give_up_driven_by_data_passes),
        cmocka_unit_test(test_fin_retransmit_give_up_after_fin_acked_passes),
        cmocka_unit_test(test_fin_retransmit_give_up_profiles),
        cmocka_unit_test(test_fin_retransmit_never_given_up_fails),
        cmocka_unit_test(test_fin_retransmit_lwip_long_backoff_passes),
        cmocka_unit_test(test_fin_retransmit_lwip_past_twelve_gaps_fails),
        cmocka_unit_test(test_fin_retransmit_give_up_count_restarts_on_new_ack_passes),
        cmocka_unit_test(test_half_close_delivery_all_read_passes),
        cmocka_unit_test(test_half_close_delivery_eof_early_fails),
        cmocka_unit_test(test_half_close_delivery_fin_acked_over_hole_fails),
        cmocka_unit_test(test_no_fin_before_handshake_fails),
        cmocka_unit_test(test_no_fin_before_handshake_syn_received_passes),
        cmocka_unit_test(test_window_respected_within_passes),
        cmocka_unit_test(test_window_respected_beyond_fails),
        cmocka_unit_test(test_window_respected_scaled_passes),
        cmocka_unit_test(test_window_respected_zero_window_probe_passes),
        cmocka_unit_test(test_ack_monotonic_backwards_fails),
        cmocka_unit_test(test_ack_monotonic_duplicate_passes),
        cmocka_unit_test(test_rst_in_time_wait_linux_passes),
        cmocka_unit_test(test_rst_in_time_wait_rfc1337_fails),
        cmocka_unit_test(test_rst_in_time_wait_ignored_passes_everywhere),
        cmocka_unit_test(test_rst_in_time_wait_reported_rfc1337_fails),
        cmocka_unit_test(test_unjudged_endpoint_never_blamed),
        cmocka_unit_test(test_init_resets_between_inputs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
