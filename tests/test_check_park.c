/* The park (harness/check_park.h): a flow's segment log gives back the
 * events its oracle was given, it stops keeping them exactly when it can no
 * longer hold every one, and parked entries keep their verdicts and logs
 * across many chunks, released in any order and reused. (That a rebuilt
 * oracle equals the original, and that a parked verdict equals the one at
 * the flow's real end, is checked on every flow parked in the sanitizer
 * builds of the checker: every capture of the other tests.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harness/check_park.h"

#define T0 (1700000000ull * 1000000u)

/* Segment event number k of a made-up flow: every field the log keeps
 * differs from one k to the next. */
static struct ev event_k(unsigned k)
{
    struct ev e;
    memset(&e, 0, sizeof e);
    e.kind = EV_SEGMENT;
    e.time_usecs = T0 + 1000u * k * k;
    e.frame = 100 + 7u * k;
    e.endpoint = k % 3 == 0 ? EP_B : EP_A;
    struct seg *g = &e.u.segment.seg;
    g->seq = 0xfffffff0u + 1000u * k; /* wraps */
    g->ack = 5000u + 3u * k;
    g->payload_len = k % 4 == 0 ? 0 : 1448u * k;
    g->window = (uint16_t)(65535u - k);
    g->flags = (uint8_t)(TCP_ACK | (k == 0 ? TCP_SYN : 0) | (k == 9 ? TCP_FIN : 0));
    g->opts.has_ts = k % 2 == 0;
    g->opts.ts_val = g->opts.has_ts ? 77777u + k : 0;
    g->opts.has_wscale = k == 0;
    g->opts.wscale = g->opts.has_wscale ? 7 : 0;
    return e;
}

static void assert_same_event(const struct ev *want, const struct ev *got)
{
    assert_int_equal(got->kind, EV_SEGMENT);
    assert_int_equal(got->time_usecs, want->time_usecs);
    assert_int_equal(got->frame, want->frame);
    assert_int_equal(got->endpoint, want->endpoint);
    const struct seg *w = &want->u.segment.seg, *g = &got->u.segment.seg;
    assert_int_equal(g->seq, w->seq);
    assert_int_equal(g->ack, w->ack);
    assert_int_equal(g->payload_len, w->payload_len);
    assert_int_equal(g->window, w->window);
    assert_int_equal(g->flags, w->flags);
    assert_int_equal(g->opts.has_ts, w->opts.has_ts);
    assert_int_equal(g->opts.ts_val, w->opts.ts_val);
    assert_int_equal(g->opts.has_wscale, w->opts.has_wscale);
    assert_int_equal(g->opts.wscale, w->opts.wscale);
}

static void test_log_gives_back_each_event(void **state)
{
    (void)state;
    struct park_log l;
    park_log_init(&l);
    assert_false(park_log_whole(&l)); /* nothing to park yet */
    for (unsigned k = 0; k < PARK_LOG_MAX; k++) {
        struct ev e = event_k(k);
        park_log_add(&l, k, &e);
        assert_true(park_log_whole(&l));
    }
    assert_int_equal(l.count, PARK_LOG_MAX);
    for (unsigned k = 0; k < PARK_LOG_MAX; k++) {
        struct ev want = event_k(k), got;
        park_log_event(&l, k, &got);
        assert_same_event(&want, &got);
    }
}

/* Fill a log with n events, then add e at index. */
static bool whole_after(unsigned n, uint64_t index, const struct ev *e)
{
    struct park_log l;
    park_log_init(&l);
    for (unsigned k = 0; k < n; k++) {
        struct ev ek = event_k(k);
        park_log_add(&l, k, &ek);
    }
    park_log_add(&l, index, e);
    return park_log_whole(&l);
}

static void test_log_is_lost_when_it_cannot_hold_every_segment(void **state)
{
    (void)state;
    struct ev e = event_k(3);
    assert_true(whole_after(3, 3, &e));
    /* A segment the log never saw (index 3 skipped). */
    e = event_k(4);
    assert_false(whole_after(3, 4, &e));
    /* One more than it holds. */
    e = event_k(PARK_LOG_MAX);
    assert_false(whole_after(PARK_LOG_MAX, PARK_LOG_MAX, &e));
    /* Time before the first segment's, or 2^32 usecs after it. */
    e = event_k(3);
    e.time_usecs = T0 - 1;
    assert_false(whole_after(3, 3, &e));
    e.time_usecs = T0 + (1ull << 32);
    assert_false(whole_after(3, 3, &e));
    e.time_usecs = T0 + (1ull << 32) - 1;
    assert_true(whole_after(3, 3, &e));
    /* A frame before the first one's, or 2^32 frames after it. */
    e = event_k(3);
    e.frame = 99;
    assert_false(whole_after(3, 3, &e));
    e.frame = 100 + (1ull << 32);
    assert_false(whole_after(3, 3, &e));

    /* Once lost, lost: later segments at the right index do not bring it back. */
    struct park_log l;
    park_log_init(&l);
    for (unsigned k = 0; k < 3; k++) {
        struct ev ek = event_k(k);
        park_log_add(&l, k == 2 ? 5 : k, &ek);
    }
    assert_false(park_log_whole(&l));
    for (unsigned k = 0; k < 300; k++) {
        struct ev ek = event_k(k % 16);
        park_log_add(&l, k, &ek);
        assert_false(park_log_whole(&l));
    }
}

/* Entry i of the many-entries test: a log of 1 + i % 16 events and a
 * verdict that says i. */
#define MANY 20000
static const char *const reasons[] = {NULL, "reason a", "reason b"};

static void log_and_verdict(unsigned i, struct park_log *l, struct check_verdict *v)
{
    park_log_init(l);
    for (unsigned k = 0; k < 1 + i % PARK_LOG_MAX; k++) {
        struct ev e = event_k(k);
        e.frame += i; /* each entry's own */
        park_log_add(l, k, &e);
    }
    memset(v, 0, sizeof *v);
    v->verdict = i % 2 ? VERDICT_PASS : VERDICT_INCOMPLETE;
    v->incomplete_reason = reasons[i % 3];
    v->view[0] =
        (struct oracle_endpoint_view){.state = (enum tcp_state)(i % 11), .state_known = i % 5 != 0};
    v->view[1] = (struct oracle_endpoint_view){.state = (enum tcp_state)((i / 11) % 11),
                                               .state_known = true};
}

static void assert_entry(const struct park_entry *e, unsigned i)
{
    struct park_log want, got;
    struct check_verdict v;
    log_and_verdict(i, &want, &v);
    struct check_verdict pv;
    park_verdict_into(e, &pv);
    assert_int_equal(pv.verdict, v.verdict);
    assert_ptr_equal(pv.incomplete_reason, v.incomplete_reason);
    assert_int_equal(pv.view[0].state, v.view[0].state);
    assert_int_equal(pv.view[0].state_known, v.view[0].state_known);
    assert_int_equal(pv.view[1].state, v.view[1].state);
    assert_int_equal(pv.view[1].state_known, v.view[1].state_known);
    assert_int_equal(pv.nviolations, 0);
    assert_int_equal(pv.violations_total, 0);
    assert_non_null(pv.violations);
    park_log_of(e, &got);
    assert_int_equal(got.count, want.count);
    for (unsigned k = 0; k < want.count; k++) {
        struct ev we, ge;
        park_log_event(&want, k, &we);
        park_log_event(&got, k, &ge);
        assert_same_event(&we, &ge);
    }
}

/* Park entry i. */
static struct park_entry *put_entry(struct park *p, unsigned i)
{
    struct park_log l;
    struct check_verdict v;
    log_and_verdict(i, &l, &v);
    struct park_entry *e = park_put(p, &l, &v);
    assert_non_null(e);
    return e;
}

static void test_entries_keep_their_verdicts_and_logs(void **state)
{
    (void)state;
    struct park p;
    memset(&p, 0, sizeof p);
    struct park_entry **e = calloc(MANY, sizeof *e);
    assert_non_null(e);
    /* Put them all (many chunks), check, then release every other one,
     * put those again (into emptied and new chunks), and check all. */
    for (unsigned round = 0; round < 2; round++) {
        for (unsigned i = 0; i < MANY; i++) {
            if (round == 0 || i % 2 == 0)
                e[i] = put_entry(&p, i);
        }
        for (unsigned i = 0; i < MANY; i++)
            assert_entry(e[i], i);
        for (unsigned i = 0; i < MANY; i += 2)
            park_drop(&p, e[i]);
    }
    /* The rest, from the newest: chunks empty out of order. */
    for (unsigned i = MANY - 1; i < MANY; i -= 2)
        park_drop(&p, e[i]);
    /* All released: putting as many again reuses the chunks. */
    size_t chunks = park_chunks(&p);
    assert_true(chunks > 2);
    for (unsigned i = 0; i < MANY; i++)
        e[i] = put_entry(&p, i);
    for (unsigned i = 0; i < MANY; i++)
        assert_entry(e[i], i);
    assert_true(park_chunks(&p) <= chunks);
    park_free(&p);
    assert_int_equal(park_chunks(&p), 0);
    free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_log_gives_back_each_event),
        cmocka_unit_test(test_log_is_lost_when_it_cannot_hold_every_segment),
        cmocka_unit_test(test_entries_keep_their_verdicts_and_logs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
