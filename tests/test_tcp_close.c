/* The close of a connection, end to end on the model stack.
 *
 * Read RFC 9293 §3.6 (closing a connection, Figures 12 and 13) first. The
 * textbook four-way close runs between two real endpoints joined by hand and
 * prints its segments; the other cases script the peer exactly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "stack/tcp.h"
#include "support/tcp_builders.h"

#define MSL_USECS 2000000u

static struct tb *new_tb(void)
{
    struct tb *t = test_malloc(sizeof *t);
    return t;
}

/* ==== ESTABLISHED on both sides: the textbook four-way close ==== */

/* RFC 9293 Figure 12, with client ISS 1000 and server ISS 5000. */
static void test_established_close_textbook(void **state)
{
    (void)state;
    struct tcp_config cfg;
    tb_config(&cfg);
    cfg.msl_usecs = MSL_USECS;
    struct tb *a = new_tb(), *b = new_tb();
    tb_init(a, &cfg, 1000, 5000);
    tb_init_server(b, &cfg, 5000, 1000);
    a->name = "client";
    b->name = "server";

    /* Handshake (not printed). */
    assert_int_equal(tcp_listen(&b->c, 0), TCP_APP_OK);
    assert_int_equal(tcp_connect(&a->c, 0), TCP_APP_OK);
    tb_deliver(a, 0, b); /* SYN */
    tb_deliver(b, 0, a); /* SYN,ACK */
    tb_deliver(a, 1, b); /* ACK */
    assert_int_equal(a->c.state, TCP_ESTABLISHED);
    assert_int_equal(b->c.state, TCP_ESTABLISHED);
    tb_clear(a);
    tb_clear(b);
    a->print = b->print = true;
    printf("textbook four-way close (client ISS 1000, server ISS 5000, MSL %u s):\n",
           MSL_USECS / 1000000u);

    /* client: 40000 > 8080: Flags [F.], seq 1001, ack 5001, win 8192, length 0 */
    a->now_usecs = b->now_usecs = 10000;
    assert_int_equal(tcp_close(&a->c, a->now_usecs), TCP_APP_OK);
    tb_expect_count(a, 1);
    tb_expect_seg(a, 0, TCP_FIN | TCP_ACK, 1001, 5001, 0);
    tb_expect_trans(a, 0, TCP_ESTABLISHED, TCP_FIN_WAIT_1, TCP_CAUSE_APP_CLOSE);

    /* server: 8080 > 40000: Flags [.], seq 5001, ack 1002, win 8192, length 0 */
    a->now_usecs = b->now_usecs = 11000;
    tb_deliver(a, 0, b);
    tb_expect_count(b, 1);
    tb_expect_seg(b, 0, TCP_ACK, 5001, 1002, 0);
    tb_expect_trans(b, 0, TCP_ESTABLISHED, TCP_CLOSE_WAIT, TCP_CAUSE_RCV_FIN);
    assert_true(tcp_eof(&b->c));

    a->now_usecs = b->now_usecs = 12000;
    tb_deliver(b, 0, a);
    tb_expect_trans(a, 1, TCP_FIN_WAIT_1, TCP_FIN_WAIT_2, TCP_CAUSE_RCV_ACK);
    tb_expect_count(a, 1); /* nothing to say to a bare ACK */

    /* server: 8080 > 40000: Flags [F.], seq 5001, ack 1002, win 8192, length 0 */
    a->now_usecs = b->now_usecs = 20000;
    assert_int_equal(tcp_close(&b->c, b->now_usecs), TCP_APP_OK);
    tb_expect_count(b, 2);
    tb_expect_seg(b, 1, TCP_FIN | TCP_ACK, 5001, 1002, 0);
    tb_expect_trans(b, 1, TCP_CLOSE_WAIT, TCP_LAST_ACK, TCP_CAUSE_APP_CLOSE);

    /* client: 40000 > 8080: Flags [.], seq 1002, ack 5002, win 8192, length 0 */
    a->now_usecs = b->now_usecs = 21000;
    tb_deliver(b, 1, a);
    tb_expect_count(a, 2);
    tb_expect_seg(a, 1, TCP_ACK, 1002, 5002, 0);
    tb_expect_trans(a, 2, TCP_FIN_WAIT_2, TCP_TIME_WAIT, TCP_CAUSE_RCV_FIN);
    assert_int_equal(tcp_next_deadline(&a->c), 21000 + 2 * MSL_USECS);

    a->now_usecs = b->now_usecs = 22000;
    tb_deliver(a, 1, b);
    tb_expect_trans(b, 2, TCP_LAST_ACK, TCP_CLOSED, TCP_CAUSE_RCV_ACK);
    tb_expect_count(b, 2);

    /* TIME-WAIT lasts exactly 2*MSL: still there 1 us before. */
    tb_advance_to(a, 21000 + 2 * MSL_USECS - 1);
    assert_int_equal(a->c.state, TCP_TIME_WAIT);
    tb_advance_to(a, 21000 + 2 * MSL_USECS);
    assert_int_equal(a->c.state, TCP_CLOSED);
    tb_expect_trans(a, 3, TCP_TIME_WAIT, TCP_CLOSED, TCP_CAUSE_TIMEOUT_TIME_WAIT);
    tb_expect_ntrans(a, 4);
    tb_expect_count(a, 2);
    tb_expect_ntrans(b, 3);
    assert_int_equal(tcp_next_deadline(&a->c), UINT64_MAX);
    assert_int_equal(tcp_next_deadline(&b->c), UINT64_MAX);
    test_free(a);
    test_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_established_close_textbook),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
