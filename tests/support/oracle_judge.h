/* Judge a hand-written trace and assert the verdict, shared by the oracle's
 * cmocka suites. Include after <cmocka.h> (the macros use its asserts).
 *
 *   judge(&o, &t, cfg);
 *   ASSERT_CLEAN(&o);                            // no violation at all
 *   ASSERT_BROKEN(&o, "time-wait-duration", i);  // this one at event i
 *
 * On failure both print every violation o recorded, so a failing test shows
 * why. */
#ifndef FINFUZZ_TEST_ORACLE_JUDGE_H
#define FINFUZZ_TEST_ORACLE_JUDGE_H

#include "harness/oracle.h"
#include "tests/support/evtrace.h"

/* Run all of t through a fresh oracle configured by c. */
static inline void judge(struct oracle *o, const struct evtrace *t, struct oracle_config c)
{
    oracle_init(o, &c);
    evt_run(t, o);
}

#define ASSERT_CLEAN(o)                                                                            \
    do {                                                                                           \
        if (oracle_violation_total(o))                                                             \
            evt_dump(o);                                                                           \
        assert_int_equal(oracle_violation_total(o), 0);                                            \
    } while (0)

#define ASSERT_BROKEN(o, id, index)                                                                \
    do {                                                                                           \
        if (!evt_has(o, id, index))                                                                \
            evt_dump(o);                                                                           \
        assert_true(evt_has(o, id, index));                                                        \
        assert_int_equal(oracle_verdict(o), VERDICT_FAIL);                                         \
    } while (0)

#endif
