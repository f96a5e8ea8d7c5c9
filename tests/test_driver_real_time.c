/* The driver with a real-time SUT (driver.h): a CLOCK step waits in steps
 * and what the SUT sends is stamped with the SUT's own clock when it was
 * read; a wait the SUT skips costs no real time; a run stops at the
 * real-time limit. The SUT here is the model behind a simulated clock
 * (real_time = true, now() and waited() of its own), so these run without
 * root and give the same result every time. */
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

#define SECOND 1000000ull

/* ---- the model on a simulated clock ---- */

struct clocked {
    struct sut_model inner;
    uint64_t clock_usecs;   /* the SUT's time (what now() says) */
    uint64_t waited_usecs;  /* real time that passed */
    bool skip_when_closed;  /* skip waits once the model is CLOSED */
    uint64_t deliver_usecs; /* how long taking in a segment takes (as a kernel's) */
};

static int clocked_open(void *self, const struct sut_open *how, const struct sut_callbacks *cb,
                        char *err, unsigned errlen)
{
    struct clocked *c = self;
    c->clock_usecs = how->now_usecs;
    c->waited_usecs = 0;
    return sut_model_ops.open(&c->inner, how, cb, err, errlen);
}

static long clocked_app(void *self, enum ev_app_call call, uint32_t len, uint64_t now)
{
    struct clocked *c = self;
    return sut_model_ops.app(&c->inner, call, len, now > c->clock_usecs ? now : c->clock_usecs);
}

static void clocked_deliver(void *self, const struct seg_ip *ip, const struct seg *s, uint64_t now)
{
    struct clocked *c = self;
    c->clock_usecs = (now > c->clock_usecs ? now : c->clock_usecs) + c->deliver_usecs;
    sut_model_ops.deliver(&c->inner, ip, s, c->clock_usecs);
}

/* Time passes by itself: each timer fires at its own deadline, while the
 * clock shows that deadline, as a kernel's would. */
static void clocked_advance(void *self, uint64_t until)
{
    struct clocked *c = self;
    if (until <= c->clock_usecs)
        return;
    if (c->skip_when_closed && tcp_get_state(&c->inner.conn) == TCP_CLOSED) {
        c->clock_usecs = until; /* nothing can happen: no real time passes */
        return;
    }
    for (int i = 0; i < 64; i++) {
        uint64_t dl = sut_model_ops.next_deadline(&c->inner);
        if (dl > until)
            break;
        if (dl > c->clock_usecs) {
            c->waited_usecs += dl - c->clock_usecs;
            c->clock_usecs = dl;
        }
        sut_model_ops.advance(&c->inner, c->clock_usecs);
    }
    c->waited_usecs += until - c->clock_usecs;
    c->clock_usecs = until;
}

static uint64_t clocked_next_deadline(void *self)
{
    return sut_model_ops.next_deadline(&((struct clocked *)self)->inner);
}

static void clocked_close(void *self)
{
    sut_model_ops.close(&((struct clocked *)self)->inner);
}

static uint64_t clocked_now(void *self)
{
    return ((struct clocked *)self)->clock_usecs;
}

static uint64_t clocked_waited(void *self)
{
    return ((struct clocked *)self)->waited_usecs;
}

static const struct sut_ops clocked_ops = {
    .name = "clocked-model",
    .reports_states = true,
    .real_time = true,
    .open = clocked_open,
    .app = clocked_app,
    .deliver = clocked_deliver,
    .advance = clocked_advance,
    .next_deadline = clocked_next_deadline,
    .close = clocked_close,
    .now = clocked_now,
    .waited = clocked_waited,
};

/* ---- what the run showed ---- */

#define SEEN_MAX 64

struct seen {
    unsigned n;
    struct ev ev[SEEN_MAX];
};

static void seen_push(void *ctx, uint64_t index, const struct ev *e)
{
    struct seen *s = ctx;
    (void)index;
    if (s->n < SEEN_MAX)
        s->ev[s->n++] = *e;
}

static struct driver drv;
static struct clocked sut_self;

static int run(const struct program *p, struct seen *seen)
{
    uint8_t buf[PROGRAM_MAX_BYTES];
    size_t n = program_encode(p, buf, sizeof buf);
    assert_true(n > 0);
    memset(seen, 0, sizeof *seen);
    struct ev_sink sink = {.ctx = seen, .push = seen_push};
    const struct sut sut = {.ops = &clocked_ops, .self = &sut_self};
    return driver_run(&drv, &sut, buf, n, &sink, 1);
}

/* A connects and B answers. */
static void connected(struct program *p)
{
    program_init(p, PROG_F_ACTIVE, 5);
    p->msl_choice = 6; /* MSL 1 s */
    program_seg(p, TCP_SYN | TCP_ACK, 0, 0, 0);
}

/* ... then A's FIN is lost as A closes. */
static void fin_lost(struct program *p)
{
    connected(p);
    program_fault(p, EP_A, PROG_FATE_DROP, 0);
    program_app(p, EP_A, APP_CLOSE, 0);
}

/* ================= stamps ================= */

/* The retransmitted FINs carry the times the SUT sent them (RTO 1 s, then
 * 2 s more), not the end of the 4 s step; the clock event closes the step. */
static void test_real_time_segments_stamped_when_sent(void **state)
{
    (void)state;
    struct program p;
    fin_lost(&p);
    program_clock(&p, PROG_CLOCK_S, 4);
    struct seen seen;
    driver_init(&drv);
    sut_self.skip_when_closed = false;
    run(&p, &seen);
    uint64_t fin_times[4];
    unsigned fins = 0;
    int clock_at = -1;
    for (unsigned i = 0; i < seen.n; i++) {
        const struct ev *e = &seen.ev[i];
        if (e->kind == EV_SEGMENT && e->endpoint == EP_A && (e->u.segment.seg.flags & TCP_FIN) &&
            fins < 4)
            fin_times[fins++] = e->time_usecs;
        if (e->kind == EV_CLOCK && clock_at < 0)
            clock_at = (int)i;
        if (i > 0)
            assert_true(e->time_usecs >= seen.ev[i - 1].time_usecs); /* in time order */
    }
    assert_int_equal(fins, 3);
    assert_int_equal(fin_times[0], 0);
    assert_int_equal(fin_times[1], 1 * SECOND);
    assert_int_equal(fin_times[2], 3 * SECOND);
    assert_true(clock_at > 0);
    assert_int_equal(seen.ev[clock_at].time_usecs, 4 * SECOND);
    assert_int_equal(driver_end_usecs(&drv), 4 * SECOND);
    assert_false(driver_cut(&drv));
}

/* "To the next timer" waits for the SUT's own next deadline. */
static void test_real_time_clock_to_next_timer_waits(void **state)
{
    (void)state;
    struct program p;
    fin_lost(&p);
    program_clock(&p, PROG_CLOCK_MS, 0); /* to the next timer: the FIN's RTO */
    struct seen seen;
    driver_init(&drv);
    run(&p, &seen);
    assert_int_equal(driver_end_usecs(&drv), 1 * SECOND);
    const struct ev *last_fin = NULL;
    for (unsigned i = 0; i < seen.n; i++)
        if (seen.ev[i].kind == EV_SEGMENT && (seen.ev[i].u.segment.seg.flags & TCP_FIN))
            last_fin = &seen.ev[i];
    assert_non_null(last_fin);
    assert_int_equal(last_fin->time_usecs, 1 * SECOND);
}

/* A duplicated segment of B is sent twice: the second copy goes out after
 * the SUT's answer to the first, and is stamped so. */
static void test_real_time_duplicate_after_answer(void **state)
{
    (void)state;
    struct program p;
    connected(&p);
    program_fault(&p, EP_B, PROG_FATE_DUP, 0);
    program_seg(&p, TCP_FIN | TCP_ACK, 0, 0, 0);
    struct seen seen;
    driver_init(&drv);
    sut_self.deliver_usecs = 10;
    run(&p, &seen);
    sut_self.deliver_usecs = 0;
    unsigned b_fins = 0;
    for (unsigned i = 1; i < seen.n; i++) {
        const struct ev *e = &seen.ev[i];
        assert_true(e->time_usecs >= seen.ev[i - 1].time_usecs); /* in time order */
        b_fins +=
            e->kind == EV_SEGMENT && e->endpoint == EP_B && (e->u.segment.seg.flags & TCP_FIN) != 0;
    }
    assert_int_equal(b_fins, 2);
}

/* ================= the real-time limit ================= */

/* Past real_wait_max_usecs the run stops: the rest of the program (here
 * an abort that would send an RST) does not run. */
static void test_real_time_limit_cuts_the_run(void **state)
{
    (void)state;
    struct program p;
    fin_lost(&p);
    program_clock(&p, PROG_CLOCK_S, 4);
    assert_true(program_clock(&p, PROG_CLOCK_S, 30));
    program_app(&p, EP_A, APP_ABORT, 0);
    struct seen seen;
    driver_init(&drv);
    drv.real_wait_max_usecs = 10 * SECOND;
    int rc = run(&p, &seen);
    assert_int_equal(rc, DRIVER_PASS);
    assert_true(driver_cut(&drv));
    assert_int_equal(driver_end_usecs(&drv), 10 * SECOND); /* 4 s, then 6 steps of 1 s */
    for (unsigned i = 0; i < seen.n; i++)
        assert_false(seen.ev[i].kind == EV_APP && seen.ev[i].u.app.call == APP_ABORT);
}

/* A wait the SUT skips (it cannot act) costs no real time: 240 s of
 * program time after an abort fit in a 10 s limit. */
static void test_real_time_skipped_wait_is_not_cut(void **state)
{
    (void)state;
    struct program p;
    connected(&p);
    program_app(&p, EP_A, APP_ABORT, 0);
    for (int i = 0; i < 4; i++)
        assert_true(program_clock(&p, PROG_CLOCK_S, 60));
    struct seen seen;
    driver_init(&drv);
    drv.real_wait_max_usecs = 10 * SECOND;
    sut_self.skip_when_closed = true;
    run(&p, &seen);
    sut_self.skip_when_closed = false;
    assert_false(driver_cut(&drv));
    assert_int_equal(driver_end_usecs(&drv), 240 * SECOND);
    assert_int_equal(seen.ev[seen.n - 1].kind, EV_CLOCK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_real_time_segments_stamped_when_sent),
        cmocka_unit_test(test_real_time_clock_to_next_timer_waits),
        cmocka_unit_test(test_real_time_duplicate_after_answer),
        cmocka_unit_test(test_real_time_limit_cuts_the_run),
        cmocka_unit_test(test_real_time_skipped_wait_is_not_cut),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
