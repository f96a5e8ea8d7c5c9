/* The model stack under the oracle: two model endpoints joined by
 * harness/link, every event fed to the oracle with both endpoints' states
 * reported, both judged. Every close scenario must give zero violations; a
 * failing scenario prints its annotated trace. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harness/link.h"
#include "harness/oracle.h"
#include "harness/trace.h"
#include "stack/tcp.h"

#define MS        1000ull
#define SEC       1000000ull
#define MSL_USECS (2 * SEC)

/* Big (the link holds two endpoints and a packet queue): kept static. */
static struct link net;
static struct oracle judge;
static struct trace_printer printer;
static struct ev_tee tee;
static char *trace_buf;
static size_t trace_len;
static FILE *trace_out;

static void setup_pair(uint64_t isn_a, uint64_t isn_b)
{
    struct tcp_config ca, cb;
    tcp_config_default(&ca);
    ca.msl_usecs = MSL_USECS;
    ca.isn_seed = isn_a;
    cb = ca;
    cb.isn_seed = isn_b;
    struct oracle_config oc;
    oracle_config_default(&oc);
    oc.msl_usecs = MSL_USECS;
    oc.states_reported[0] = oc.states_reported[1] = true;
    oracle_init(&judge, &oc);
    trace_out = open_memstream(&trace_buf, &trace_len);
    trace_init(&printer, trace_out, &judge);
    ev_tee_init(&tee);
    ev_tee_add(&tee, oracle_sink(&judge)); /* the oracle first, then the printer */
    ev_tee_add(&tee, trace_sink(&printer));
    link_init(&net, &ca, &cb, &tee);
}

static void open_connection(void)
{
    link_app(&net, EP_B, APP_LISTEN, 0);
    link_app(&net, EP_A, APP_CONNECT, 0);
    link_run_until(&net, net.now_usecs + 100 * MS);
    assert_int_equal(tcp_get_state(&net.ep[0]), TCP_ESTABLISHED);
    assert_int_equal(tcp_get_state(&net.ep[1]), TCP_ESTABLISHED);
}

static void run_for(uint64_t usecs)
{
    link_run_until(&net, net.now_usecs + usecs);
}

/* Finish, and demand zero violations (printing the trace if not). */
static void expect_conforms(enum tcp_state a, enum tcp_state b)
{
    oracle_finish(&judge, net.now_usecs);
    trace_finish(&printer);
    fclose(trace_out);
    bool ok = oracle_violation_total(&judge) == 0;
    if (!ok || getenv("SHOW_TRACE"))
        fprintf(stderr, "%s", trace_buf);
    free(trace_buf);
    trace_buf = NULL;
    assert_true(ok);
    assert_int_equal(oracle_verdict(&judge), VERDICT_PASS);
    assert_string_equal(tcp_state_name(tcp_get_state(&net.ep[0])), tcp_state_name(a));
    assert_string_equal(tcp_state_name(tcp_get_state(&net.ep[1])), tcp_state_name(b));
}

/* ---- fault filters ---- */

struct drop_rule {
    unsigned src;      /* whose segment */
    uint8_t must_have; /* flags it must carry */
    uint8_t must_not;  /* flags it must not carry */
    unsigned skip;     /* matching segments let through before dropping */
    unsigned drops;    /* how many to drop */
};

static enum link_fate drop_filter(void *ctx, const struct link_packet *p, uint64_t *extra)
{
    (void)extra;
    struct drop_rule *r = ctx;
    if (p->src != r->src || (p->seg.flags & r->must_have) != r->must_have ||
        (p->seg.flags & r->must_not))
        return LINK_DELIVER;
    if (r->skip) {
        r->skip--;
        return LINK_DELIVER;
    }
    if (r->drops) {
        r->drops--;
        return LINK_DROP;
    }
    return LINK_DELIVER;
}

/* ==== scenarios ==== */

static void test_model_textbook_close(void **state)
{
    (void)state;
    setup_pair(1000, 5000);
    open_connection();
    link_app(&net, EP_A, APP_SEND, 120);
    run_for(100 * MS);
    link_app(&net, EP_A, APP_CLOSE, 0);
    run_for(100 * MS);
    link_app(&net, EP_B, APP_CLOSE, 0);
    run_for(3 * MSL_USECS);
    expect_conforms(TCP_CLOSED, TCP_CLOSED);
}

static void test_model_server_first_close(void **state)
{
    (void)state;
    setup_pair(1000, 5000);
    open_connection();
    link_app(&net, EP_B, APP_SEND, 900);
    run_for(100 * MS);
    link_app(&net, EP_B, APP_CLOSE, 0);
    run_for(100 * MS);
    link_app(&net, EP_A, APP_CLOSE, 0);
    run_for(3 * MSL_USECS);
    expect_conforms(TCP_CLOSED, TCP_CLOSED);
}

static void test_model_simultaneous_close(void **state)
{
    (void)state;
    setup_pair(1000, 5000);
    open_connection();
    link_app(&net, EP_A, APP_CLOSE, 0);
    link_app(&net, EP_B, APP_CLOSE, 0);
    run_for(10 * MS);
    assert_int_equal(tcp_get_state(&net.ep[0]), TCP_TIME_WAIT);
    run_for(3 * MSL_USECS);
    expect_conforms(TCP_CLOSED, TCP_CLOSED);
}

static void test_model_half_close(void **state)
{
    (void)state;
    setup_pair(1000, 5000);
    open_connection();
    link_app(&net, EP_A, APP_SEND, 120);
    link_app(&net, EP_A, APP_SHUTDOWN, 0);
    run_for(50 * MS);
    for (int i = 0; i < 5; i++) {
        link_app(&net, EP_B, APP_SEND, 700);
        run_for(100 * MS);
    }
    assert_int_equal(tcp_get_state(&net.ep[0]), TCP_FIN_WAIT_2);
    link_app(&net, EP_B, APP_CLOSE, 0);
    run_for(3 * MSL_USECS);
    assert_int_equal(net.delivered[0], 3500);
    assert_int_equal(net.delivered[1], 120);
    expect_conforms(TCP_CLOSED, TCP_CLOSED);
}

static void test_model_fin_lost_and_retransmitted(void **state)
{
    (void)state;
    setup_pair(1000, 5000);
    struct drop_rule r = {.src = EP_A, .must_have = TCP_FIN, .drops = 2};
    link_set_filter(&net, drop_filter, &r);
    open_connection();
    link_app(&net, EP_A, APP_CLOSE, 0);
    run_for(10 * SEC);
    link_app(&net, EP_B, APP_CLOSE, 0);
    run_for(3 * MSL_USECS);
    assert_true(net.ep[0].stats.retransmits >= 2);
    expect_conforms(TCP_CLOSED, TCP_CLOSED);
}

static void test_model_ack_of_fin_lost(void **state)
{
    (void)state;
    /* B's ACK of A's FIN is lost: A retransmits its FIN, B re-ACKs. */
    setup_pair(1000, 5000);
    open_connection();
    struct drop_rule r = {
        .src = EP_B, .must_have = TCP_ACK, .must_not = TCP_FIN | TCP_SYN, .drops = 1};
    link_set_filter(&net, drop_filter, &r);
    link_app(&net, EP_A, APP_CLOSE, 0);
    run_for(5 * SEC);
    link_app(&net, EP_B, APP_CLOSE, 0);
    run_for(3 * MSL_USECS);
    expect_conforms(TCP_CLOSED, TCP_CLOSED);
}

static void test_model_last_ack_lost_time_wait_reacks(void **state)
{
    (void)state;
    /* A's final ACK is lost: B retransmits its FIN into A's TIME-WAIT,
     * which re-ACKs it and restarts 2*MSL. */
    setup_pair(1000, 5000);
    open_connection();
    link_app(&net, EP_A, APP_CLOSE, 0);
    run_for(100 * MS);
    struct drop_rule r = {
        .src = EP_A, .must_have = TCP_ACK, .must_not = TCP_FIN | TCP_SYN, .drops = 1};
    link_set_filter(&net, drop_filter, &r);
    link_app(&net, EP_B, APP_CLOSE, 0);
    run_for(3 * MSL_USECS);
    expect_conforms(TCP_CLOSED, TCP_CLOSED);
}

static void test_model_abort_sends_rst(void **state)
{
    (void)state;
    setup_pair(1000, 5000);
    open_connection();
    link_app(&net, EP_A, APP_SEND, 100);
    run_for(100 * MS);
    link_app(&net, EP_A, APP_ABORT, 0);
    run_for(1 * SEC);
    expect_conforms(TCP_CLOSED, TCP_CLOSED);
}

static void test_model_close_with_unread_data_resets(void **state)
{
    (void)state;
    setup_pair(1000, 5000);
    open_connection();
    link_set_reading(&net, EP_B, false);
    link_app(&net, EP_A, APP_SEND, 333);
    run_for(100 * MS);
    link_app(&net, EP_B, APP_CLOSE, 0);
    run_for(1 * SEC);
    expect_conforms(TCP_CLOSED, TCP_CLOSED);
}

static void test_model_close_across_2_32_wrap(void **state)
{
    (void)state;
    setup_pair(0xFFFFFF00u, 0xFFFFFFF0u);
    open_connection();
    assert_int_equal(net.ep[0].iss, 0xFFFFFF00u);
    link_app(&net, EP_A, APP_SEND, 1000); /* A's data crosses 2^32 */
    link_app(&net, EP_B, APP_SEND, 100);  /* B's too */
    run_for(100 * MS);
    link_app(&net, EP_A, APP_CLOSE, 0);
    run_for(100 * MS);
    link_app(&net, EP_B, APP_CLOSE, 0);
    run_for(3 * MSL_USECS);
    expect_conforms(TCP_CLOSED, TCP_CLOSED);
}

static void test_model_random_loss_closes(void **state)
{
    (void)state;
    /* Lossy network, many seeds: whatever happens must conform. */
    for (uint32_t seed = 1; seed <= 200; seed++) {
        setup_pair(1000 + seed, 5000 + 7 * seed);
        link_app(&net, EP_B, APP_LISTEN, 0);
        link_app(&net, EP_A, APP_CONNECT, 0);
        link_set_loss(&net, seed, 150);
        run_for(5 * SEC);
        link_app(&net, EP_A, APP_SEND, 500);
        run_for(1 * SEC);
        link_app(&net, EP_B, APP_SEND, 300);
        /* who closes first: A, B, or both at once */
        unsigned first = seed % 3;
        link_app(&net, first == 1 ? EP_B : EP_A, APP_CLOSE, 0);
        if (first == 2)
            link_app(&net, EP_B, APP_CLOSE, 0);
        run_for(2 * SEC);
        if (first != 2)
            link_app(&net, first == 1 ? EP_A : EP_B, APP_CLOSE, 0);
        run_for(600 * SEC);
        oracle_finish(&judge, net.now_usecs);
        trace_finish(&printer);
        fclose(trace_out);
        if (oracle_violation_total(&judge))
            fprintf(stderr, "seed %u:\n%s", seed, trace_buf);
        free(trace_buf);
        trace_buf = NULL;
        assert_int_equal(oracle_violation_total(&judge), 0);
    }
}

struct chaos {
    uint32_t x;
};

/* Duplicate, delay (reorder) or drop segments, from a seeded generator. */
static enum link_fate chaos_filter(void *ctx, const struct link_packet *p, uint64_t *extra)
{
    (void)p;
    struct chaos *c = ctx;
    c->x ^= c->x << 13;
    c->x ^= c->x >> 17;
    c->x ^= c->x << 5;
    switch (c->x % 10) {
    case 0:
        return LINK_DROP;
    case 1:
        return LINK_DUPLICATE;
    case 2:
    case 3:
        *extra = (c->x >> 8) % (30 * MS);
        return LINK_DELAY;
    default:
        return LINK_DELIVER;
    }
}

static void test_model_reorder_duplicate_closes(void **state)
{
    (void)state;
    for (uint32_t seed = 1; seed <= 200; seed++) {
        setup_pair(7000 + seed, 9000 + 3 * seed);
        struct chaos c = {.x = seed * 2654435761u | 1u};
        link_set_filter(&net, chaos_filter, &c);
        link_app(&net, EP_B, APP_LISTEN, 0);
        link_app(&net, EP_A, APP_CONNECT, 0);
        run_for(5 * SEC);
        link_app(&net, EP_A, APP_SEND, 3000);
        link_app(&net, EP_B, APP_SEND, 2000);
        run_for(5 * MS);
        link_app(&net, (seed & 1) ? EP_A : EP_B, APP_SHUTDOWN, 0);
        run_for(20 * MS);
        link_app(&net, (seed & 1) ? EP_B : EP_A, APP_CLOSE, 0);
        run_for(600 * SEC);
        oracle_finish(&judge, net.now_usecs);
        trace_finish(&printer);
        fclose(trace_out);
        if (oracle_violation_total(&judge))
            fprintf(stderr, "seed %u:\n%s", seed, trace_buf);
        free(trace_buf);
        trace_buf = NULL;
        assert_int_equal(oracle_violation_total(&judge), 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_model_textbook_close),
        cmocka_unit_test(test_model_server_first_close),
        cmocka_unit_test(test_model_simultaneous_close),
        cmocka_unit_test(test_model_half_close),
        cmocka_unit_test(test_model_fin_lost_and_retransmitted),
        cmocka_unit_test(test_model_ack_of_fin_lost),
        cmocka_unit_test(test_model_last_ack_lost_time_wait_reacks),
        cmocka_unit_test(test_model_abort_sends_rst),
        cmocka_unit_test(test_model_close_with_unread_data_resets),
        cmocka_unit_test(test_model_close_across_2_32_wrap),
        cmocka_unit_test(test_model_random_loss_closes),
        cmocka_unit_test(test_model_reorder_duplicate_closes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
