/* A compact oracle (oracle_init_compact: no violation log of its own, one
 * lent at its first violation) judges exactly as a whole one does. Each
 * compact oracle here lives in a heap block of exactly ORACLE_COMPACT_BYTES,
 * so AddressSanitizer fails the test if anything touches the log room it
 * does not have. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harness/oracle.h"
#include "tests/support/evtrace.h"

#define MS 1000ull

/* The log a test lends (or refuses: room == NULL), and how often it was
 * asked. */
struct lender {
    struct oracle_violation *room;
    unsigned asked;
};

static struct oracle_violation *lend(void *ctx)
{
    struct lender *l = ctx;
    l->asked++;
    return l->room;
}

/* Handshake and some text; then A's FIN, which B acknowledges `bad_acks`
 * times with one too many (fin-ack-plus-one each time), or once right. */
static void trace(struct evtrace *t, unsigned bad_acks)
{
    evt_init(t);
    evt_handshake(t, 1000, 5000);
    evt_seg(t, EP_A, 10 * MS, TCP_PSH | TCP_ACK, 1001, 5001, 100);
    evt_seg(t, EP_B, 11 * MS, TCP_ACK, 5001, 1101, 0);
    evt_seg(t, EP_A, 20 * MS, TCP_FIN | TCP_ACK, 1101, 5001, 0);
    if (!bad_acks)
        evt_seg(t, EP_B, 21 * MS, TCP_ACK, 5001, 1102, 0);
    for (unsigned i = 0; i < bad_acks; i++)
        evt_seg(t, EP_B, (21 + i) * MS, TCP_ACK, 5001, 1103, 0);
}

/* Judge t with a whole oracle and with a compact one lent room by l. */
static struct oracle *judge_both(const struct evtrace *t, struct oracle *whole, struct lender *l)
{
    struct oracle_config c;
    oracle_config_default(&c);
    struct oracle *compact = malloc(ORACLE_COMPACT_BYTES);
    assert_non_null(compact);
    oracle_init(whole, &c);
    oracle_init_compact(compact, &c, lend, l);
    evt_run(t, whole);
    evt_run(t, compact);
    return compact;
}

static void assert_same_judgment(const struct oracle *a, const struct oracle *b)
{
    assert_int_equal(oracle_verdict(a), oracle_verdict(b));
    assert_int_equal(oracle_violation_total(a), oracle_violation_total(b));
    size_t na, nb;
    const struct oracle_violation *va = oracle_violations(a, &na);
    const struct oracle_violation *vb = oracle_violations(b, &nb);
    assert_int_equal(na, nb);
    for (size_t i = 0; i < na; i++) {
        assert_ptr_equal(va[i].inv, vb[i].inv);
        assert_int_equal(va[i].event_index, vb[i].event_index);
        assert_int_equal(va[i].endpoint, vb[i].endpoint);
        assert_string_equal(va[i].expected, vb[i].expected);
        assert_string_equal(va[i].seen, vb[i].seen);
        assert_string_equal(va[i].message, vb[i].message);
    }
}

static void test_compact_clean_flow_borrows_nothing(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle whole;
    struct oracle_violation room[ORACLE_MAX_VIOLATIONS];
    struct lender l = {room, 0};
    trace(&t, 0);
    struct oracle *compact = judge_both(&t, &whole, &l);
    assert_int_equal(oracle_violation_total(&whole), 0);
    assert_same_judgment(&whole, compact);
    assert_int_equal(l.asked, 0);
    assert_null(oracle_release_log(compact));
    free(compact);
}

static void test_compact_borrows_once_and_keeps_what_whole_keeps(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle whole;
    struct oracle_violation room[ORACLE_MAX_VIOLATIONS];
    struct lender l = {room, 0};
    trace(&t, ORACLE_MAX_VIOLATIONS + 4); /* more than a log keeps */
    struct oracle *compact = judge_both(&t, &whole, &l);
    assert_true(oracle_violation_total(&whole) > 1);
    assert_same_judgment(&whole, compact);
    assert_int_equal(l.asked, 1);
    assert_ptr_equal(oracle_violations(compact, NULL), room);
    /* Handed back, the room is the oracle's no more. */
    assert_ptr_equal(oracle_release_log(compact), room);
    assert_null(oracle_release_log(compact));
    size_t n;
    oracle_violations(compact, &n);
    assert_int_equal(n, 0);
    /* A whole oracle has nothing to hand back. */
    assert_null(oracle_release_log(&whole));
    /* Reused for the next flow, it starts with no log. */
    struct oracle_config c;
    oracle_config_default(&c);
    oracle_init_compact(compact, &c, lend, &l);
    trace(&t, 0);
    evt_run(&t, compact);
    assert_int_equal(oracle_verdict(compact), VERDICT_PASS);
    assert_int_equal(l.asked, 1);
    free(compact);
}

static void test_compact_without_room_still_counts(void **state)
{
    (void)state;
    struct evtrace t;
    struct oracle whole;
    struct lender l = {NULL, 0};
    trace(&t, 3);
    struct oracle *compact = judge_both(&t, &whole, &l);
    assert_int_equal(oracle_verdict(compact), VERDICT_FAIL);
    assert_int_equal(oracle_violation_total(compact), oracle_violation_total(&whole));
    size_t n;
    assert_non_null(oracle_violations(compact, &n));
    assert_int_equal(n, 0);
    assert_true(l.asked >= 1); /* it asks again at a later violation */
    assert_null(oracle_release_log(compact));
    free(compact);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_compact_clean_flow_borrows_nothing),
        cmocka_unit_test(test_compact_borrows_once_and_keeps_what_whole_keeps),
        cmocka_unit_test(test_compact_without_room_still_counts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
