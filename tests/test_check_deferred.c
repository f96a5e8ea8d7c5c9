/* How finfuzz check judges a flow must not change its verdict. A short
 * flow's segments only go to its log while it is open; it is judged when it
 * closes or ends, by the quick judge or by the oracle replayed, and parked
 * for its TIME-WAIT. A flow that outgrows the log, or whose segments lie too
 * far apart for a log record, goes live: its oracle is replayed from the log
 * and then given each segment as it comes. A late segment takes a parked
 * flow back out. Each case below crafts a capture that takes one of these
 * ways and checks the verdict, the blamed frame and the end states.
 *
 * This (sanitizer) build also runs every flow's oracle live and compares
 * each replay and each quick verdict with it (FINFUZZ_VERIFY_FAST). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "harness/check.h"
#include "harness/check_park.h"
#include "harness/fast_verify.h"
#include "support/pcap_craft.h"

#define MS  1000ull
#define SEC 1000000ull

#define GOT_MAX 4
struct got {
    size_t n;
    struct {
        enum oracle_verdict verdict;
        size_t nv;
        const char *inv; /* the first violation's invariant id */
        uint64_t frame;  /* ... and frame */
        struct oracle_endpoint_view view[2];
    } f[GOT_MAX];
};

static void got_flow(void *ctx, const struct flow *f, const struct check_verdict *v, uint64_t end,
                     enum flow_end why)
{
    struct got *g = ctx;
    (void)f, (void)end, (void)why;
    assert_true(g->n < GOT_MAX);
    g->f[g->n].verdict = v->verdict;
    g->f[g->n].nv = v->nviolations;
    g->f[g->n].inv = v->nviolations ? v->violations[0].inv->id : NULL;
    g->f[g->n].frame = v->nviolations ? v->violations[0].frame : 0;
    g->f[g->n].view[0] = v->view[0];
    g->f[g->n].view[1] = v->view[1];
    g->n++;
}

static void got_message(void *ctx, const char *msg)
{
    (void)ctx;
    fail_msg("unexpected message: %s", msg);
}

static const struct craft_opts ethernet = {.linktype = CRAFT_LT_ETHERNET};

/* Write a capture named name of one IPv4 conversation, its handshake and
 * then what build sends, and check it under the linux profile: one flow. */
static void run(const char *name, void (*build)(struct craft_conn *k), struct got *g)
{
    assert_int_equal(FINFUZZ_VERIFY_FAST, 1);
    char path[CRAFT_PATH_MAX];
    craft_path(path, name);
    struct craft c;
    assert_true(craft_open(&c, path, &ethernet));
    struct craft_conn k;
    craft_conn_init(&k, &c, 4, 40000, 80, 1000000, 5000000, 0);
    craft_handshake(&k);
    build(&k);
    craft_close(&c);

    struct check_options opt;
    check_options_default(&opt);
    opt.cfg.profile = PROFILE_LINUX;
    memset(g, 0, sizeof *g);
    struct check_hooks hooks = {.ctx = g, .flow = got_flow, .message = got_message};
    struct check_result res;
    assert_true(check_path(path, &opt, &hooks, &res));
    assert_int_equal(g->n, 1);
}

/* A closes first: FIN, ACK, FIN, ACK. A ends in TIME-WAIT, B CLOSED. */
static void close_a_first(struct craft_conn *k)
{
    craft_send(k, 10 * MS, EP_A, TCP_ACK | TCP_FIN, 0);
    craft_send(k, 100, EP_B, TCP_ACK, 0);
    craft_send(k, 10 * MS, EP_B, TCP_ACK | TCP_FIN, 0);
    craft_send(k, 100, EP_A, TCP_ACK, 0);
}

static void assert_closed_pass(const struct got *g)
{
    assert_int_equal(g->f[0].verdict, VERDICT_PASS);
    assert_int_equal(g->f[0].view[EP_A].state, TCP_TIME_WAIT);
    assert_int_equal(g->f[0].view[EP_B].state, TCP_CLOSED);
}

/* Fewer segments than the log holds, all ordinary: the quick judge. */
static void build_short_flow(struct craft_conn *k)
{
    craft_send(k, MS, EP_A, TCP_ACK | TCP_PSH, 100);
    craft_send(k, MS, EP_B, TCP_ACK, 0);
    close_a_first(k);
}

static void test_short_flow(void **state)
{
    (void)state;
    struct got g;
    run("deferred-short.pcap", build_short_flow, &g);
    assert_closed_pass(&g);
}

/* More segments than a log holds: the flow goes live when it outgrows it. */
static void build_flow_outgrows_its_log(struct craft_conn *k)
{
    for (int i = 0; i < PARK_LOG_MAX / 2 + 4; i++) {
        craft_send(k, MS, EP_A, TCP_ACK | TCP_PSH, 100);
        craft_send(k, MS, EP_B, TCP_ACK, 0);
    }
    close_a_first(k);
}

static void test_flow_outgrows_its_log(void **state)
{
    (void)state;
    struct got g;
    run("deferred-long.pcap", build_flow_outgrows_its_log, &g);
    assert_closed_pass(&g);
}

/* Two hours of silence in ESTABLISHED: more than a log record's 2^32
 * microseconds after the first segment, so the flow goes live there. */
static void build_flow_longer_than_a_record_spans(struct craft_conn *k)
{
    craft_send(k, MS, EP_A, TCP_ACK | TCP_PSH, 100);
    craft_send(k, MS, EP_B, TCP_ACK, 0);
    craft_send(k, 7200 * SEC, EP_A, TCP_ACK | TCP_PSH, 100);
    craft_send(k, MS, EP_B, TCP_ACK, 0);
    close_a_first(k);
}

static void test_flow_longer_than_a_record_spans(void **state)
{
    (void)state;
    struct got g;
    run("deferred-idle.pcap", build_flow_longer_than_a_record_spans, &g);
    assert_closed_pass(&g);
}

/* A short flow that breaks an invariant: its replayed oracle finds it, at
 * its frame. B acknowledges one past A's FIN (frame 5). */
static void build_short_flow_that_fails(struct craft_conn *k)
{
    craft_send(k, 10 * MS, EP_A, TCP_ACK | TCP_FIN, 0);
    k->nxt[EP_A]++;
    craft_send(k, 100, EP_B, TCP_ACK, 0);
}

static void test_short_flow_that_fails(void **state)
{
    (void)state;
    struct got g;
    run("deferred-fail.pcap", build_short_flow_that_fails, &g);
    assert_int_equal(g.f[0].verdict, VERDICT_FAIL);
    assert_string_equal(g.f[0].inv, "fin-ack-plus-one");
    assert_int_equal(g.f[0].frame, 5);
}

/* After the close, A in TIME-WAIT ACKs again (a late segment, within
 * TIME-WAIT): the parked flow is taken back out, judged again and parked
 * again, and still passes. */
static void build_late_segment_within_time_wait(struct craft_conn *k)
{
    close_a_first(k);
    craft_send(k, 2 * SEC, EP_A, TCP_ACK, 0);
}

static void test_late_segment_within_time_wait(void **state)
{
    (void)state;
    struct got g;
    run("deferred-late.pcap", build_late_segment_within_time_wait, &g);
    assert_closed_pass(&g);
}

/* After the close, B, CLOSED, sends text: a late segment that breaks
 * closed-silence, at frame 8. */
static void build_late_segment_that_fails(struct craft_conn *k)
{
    close_a_first(k);
    craft_send(k, 2 * SEC, EP_B, TCP_ACK | TCP_PSH, 10);
}

static void test_late_segment_that_fails(void **state)
{
    (void)state;
    struct got g;
    run("deferred-late-fail.pcap", build_late_segment_that_fails, &g);
    assert_int_equal(g.f[0].verdict, VERDICT_FAIL);
    assert_string_equal(g.f[0].inv, "closed-silence");
    assert_int_equal(g.f[0].frame, 8);
}

/* A capture that ends before the close: the flow is judged at the end,
 * deferred until then. A's FIN unacknowledged makes it incomplete. */
static void build_flow_open_at_the_end(struct craft_conn *k)
{
    craft_send(k, MS, EP_A, TCP_ACK | TCP_PSH, 100);
    craft_send(k, MS, EP_B, TCP_ACK, 0);
    craft_send(k, 10 * MS, EP_A, TCP_ACK | TCP_FIN, 0);
}

static void test_flow_open_at_the_end(void **state)
{
    (void)state;
    struct got g;
    run("deferred-open.pcap", build_flow_open_at_the_end, &g);
    assert_int_equal(g.f[0].verdict, VERDICT_INCOMPLETE);
    assert_int_equal(g.f[0].view[EP_A].state, TCP_FIN_WAIT_1);
    assert_int_equal(g.f[0].view[EP_B].state, TCP_CLOSE_WAIT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_short_flow),
        cmocka_unit_test(test_flow_outgrows_its_log),
        cmocka_unit_test(test_flow_longer_than_a_record_spans),
        cmocka_unit_test(test_short_flow_that_fails),
        cmocka_unit_test(test_late_segment_within_time_wait),
        cmocka_unit_test(test_late_segment_that_fails),
        cmocka_unit_test(test_flow_open_at_the_end),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
