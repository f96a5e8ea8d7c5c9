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
#define SEC       1000000ull

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

/* Two endpoints, client ISS ciss and server ISS siss, handshake done by
 * hand, captures cleared. */
static void open_pair(struct tb *a, struct tb *b, uint32_t ciss, uint32_t siss)
{
    struct tcp_config cfg;
    tb_config(&cfg);
    cfg.msl_usecs = MSL_USECS;
    tb_init(a, &cfg, ciss, siss);
    tb_init_server(b, &cfg, siss, ciss);
    a->name = "A";
    b->name = "B";
    assert_int_equal(tcp_listen(&b->c, 0), TCP_APP_OK);
    assert_int_equal(tcp_connect(&a->c, 0), TCP_APP_OK);
    tb_deliver(a, 0, b);
    tb_deliver(b, 0, a);
    tb_deliver(a, 1, b);
    assert_int_equal(a->c.state, TCP_ESTABLISHED);
    assert_int_equal(b->c.state, TCP_ESTABLISHED);
    tb_clear(a);
    tb_clear(b);
}

/* ==== FIN-WAIT-1: simultaneous close through CLOSING ==== */

static void test_fin_wait_1_rcv_fin_simultaneous_close(void **state)
{
    (void)state;
    struct tb *a = new_tb(), *b = new_tb();
    open_pair(a, b, 1000, 5000);
    /* A: 40000 > 8080: Flags [F.], seq 1001, ack 5001
     * B: 8080 > 40000: Flags [F.], seq 5001, ack 1001 (the FINs cross) */
    assert_int_equal(tcp_close(&a->c, 0), TCP_APP_OK);
    assert_int_equal(tcp_close(&b->c, 0), TCP_APP_OK);
    tb_expect_seg(a, 0, TCP_FIN | TCP_ACK, 1001, 5001, 0);
    tb_expect_seg(b, 0, TCP_FIN | TCP_ACK, 5001, 1001, 0);
    a->now_usecs = b->now_usecs = 1000;
    tb_deliver(a, 0, b);
    tb_deliver(b, 0, a);
    /* Each ACKs the other's FIN: A: Flags [.], seq 1002, ack 5002 */
    tb_expect_seg(a, 1, TCP_ACK, 1002, 5002, 0);
    tb_expect_seg(b, 1, TCP_ACK, 5002, 1002, 0);
    tb_expect_trans(a, 1, TCP_FIN_WAIT_1, TCP_CLOSING, TCP_CAUSE_RCV_FIN);
    tb_expect_trans(b, 1, TCP_FIN_WAIT_1, TCP_CLOSING, TCP_CAUSE_RCV_FIN);
    a->now_usecs = b->now_usecs = 2000;
    tb_deliver(a, 1, b);
    tb_deliver(b, 1, a);
    tb_expect_trans(a, 2, TCP_CLOSING, TCP_TIME_WAIT, TCP_CAUSE_RCV_ACK);
    tb_expect_trans(b, 2, TCP_CLOSING, TCP_TIME_WAIT, TCP_CAUSE_RCV_ACK);
    tb_expect_count(a, 2);
    tb_expect_count(b, 2);
    tb_advance_to(a, 2000 + 2 * MSL_USECS);
    tb_advance_to(b, 2000 + 2 * MSL_USECS);
    assert_int_equal(a->c.state, TCP_CLOSED);
    assert_int_equal(b->c.state, TCP_CLOSED);
    test_free(a);
    test_free(b);
}

/* ==== CLOSE-WAIT: half-close, the other side keeps sending ==== */

static void test_close_wait_app_send_half_close(void **state)
{
    (void)state;
    struct tb *a = new_tb(), *b = new_tb();
    open_pair(a, b, 1000, 5000);
    assert_int_equal(tcp_shutdown(&a->c, 0), TCP_APP_OK);
    tb_deliver(a, 0, b); /* FIN */
    tb_deliver(b, 0, a); /* its ACK */
    assert_int_equal(a->c.state, TCP_FIN_WAIT_2);
    assert_int_equal(b->c.state, TCP_CLOSE_WAIT);
    /* B sends 3 segments of 1460 and one of 500 from CLOSE-WAIT:
     * B: 8080 > 40000: Flags [.], seq 5001:6461, ack 1002, length 1460 ... */
    assert_int_equal(tcp_send(&b->c, 0, NULL, 3 * 1460 + 500), 3 * 1460 + 500);
    tb_expect_count(b, 5);
    for (unsigned i = 0; i < 4; i++) {
        uint32_t len = i < 3 ? 1460 : 500;
        tb_expect_seg(b, 1 + i, TCP_ACK | (i == 3 ? TCP_PSH : 0), 5001 + i * 1460, 1002, len);
        tb_deliver(b, 1 + i, a);
        /* A acknowledges each: Flags [.], seq 1002, ack 5001 + ... */
        tb_expect_seg(a, 1 + i, TCP_ACK, 1002, 5001 + i * 1460 + len, 0);
    }
    assert_int_equal(tcp_unread(&a->c), 3 * 1460 + 500);
    assert_false(tcp_eof(&a->c));
    uint8_t buf[8192];
    assert_int_equal(tcp_recv(&a->c, 0, buf, sizeof buf), 3 * 1460 + 500);
    for (unsigned i = 0; i < 3 * 1460 + 500; i++)
        assert_int_equal(buf[i], (uint8_t)i); /* the pattern of a NULL send */
    /* Then B's FIN after the last byte: Flags [F.], seq 10881, ack 1002 */
    assert_int_equal(tcp_close(&b->c, 0), TCP_APP_OK);
    tb_expect_seg(b, 5, TCP_FIN | TCP_ACK, 5001 + 3 * 1460 + 500, 1002, 0);
    for (unsigned i = 1; i < 5; i++)
        tb_deliver(a, i, b); /* the ACKs of the data */
    tb_deliver(b, 5, a);
    assert_true(tcp_eof(&a->c));
    assert_int_equal(a->c.state, TCP_TIME_WAIT);
    tb_deliver(a, 5, b);
    assert_int_equal(b->c.state, TCP_CLOSED);
    test_free(a);
    test_free(b);
}

/* ==== ESTABLISHED: the FIN follows queued data ==== */

static void test_established_app_close_fin_after_data(void **state)
{
    (void)state;
    struct tb *t = new_tb();
    struct tcp_config cfg;
    tb_config(&cfg);
    tb_init(t, &cfg, 1000, 5000);
    tb_build(t, TCP_ESTABLISHED);
    assert_int_equal(tcp_send(&t->c, 0, NULL, 2000), 2000);
    assert_int_equal(tcp_close(&t->c, 0), TCP_APP_OK);
    /* The data left at once; the FIN follows its last byte:
     * A: Flags [.], seq 1001:2461, length 1460
     * A: Flags [P.], seq 2461:3001, length 540
     * A: Flags [F.], seq 3001, length 0 */
    tb_expect_count(t, 3);
    tb_expect_seg(t, 0, TCP_ACK, 1001, 5001, 1460);
    tb_expect_seg(t, 1, TCP_PSH | TCP_ACK, 2461, 5001, 540);
    tb_expect_seg(t, 2, TCP_FIN | TCP_ACK, 3001, 5001, 0);
    assert_int_equal(t->c.fin_seq, 3001);
    tb_expect_trans(t, 0, TCP_ESTABLISHED, TCP_FIN_WAIT_1, TCP_CAUSE_APP_CLOSE);
    /* An ACK of the data only keeps FIN-WAIT-1; the ACK of the FIN ends it. */
    tb_peer(t, TCP_ACK, 5001, 3001, 0);
    assert_int_equal(t->c.state, TCP_FIN_WAIT_1);
    tb_peer(t, TCP_ACK, 5001, 3002, 0);
    assert_int_equal(t->c.state, TCP_FIN_WAIT_2);
    test_free(t);
}

/* The peer's window holds the FIN back until it opens. */
static void test_established_app_close_window_closed(void **state)
{
    (void)state;
    struct tb *t = new_tb();
    struct tcp_config cfg;
    tb_config(&cfg);
    tb_init(t, &cfg, 1000, 5000);
    tb_build(t, TCP_ESTABLISHED);
    struct seg s = tb_seg(t, TCP_ACK, 5001, 1001, NULL, 0);
    s.window = 100;
    tb_input(t, &s);
    assert_int_equal(tcp_send(&t->c, 0, NULL, 300), 300);
    assert_int_equal(tcp_close(&t->c, 0), TCP_APP_OK);
    tb_expect_count(t, 1);
    tb_expect_seg(t, 0, TCP_ACK, 1001, 5001, 100);
    s = tb_seg(t, TCP_ACK, 5001, 1101, NULL, 0);
    s.window = 1000;
    tb_input(t, &s);
    /* A: Flags [FP.], seq 1101:1301, length 200 */
    tb_expect_count(t, 2);
    tb_expect_seg(t, 1, TCP_FIN | TCP_PSH | TCP_ACK, 1101, 5001, 200);
    test_free(t);
}

/* ==== across the 2^32 wrap ==== */

/* Client ISS 0xFFFFFFF0 sends 100 bytes (its FIN lands at 0x00000055);
 * server ISS 0xFFFFFFFF sends its FIN at 0x00000000. */
static void test_established_close_across_wrap(void **state)
{
    (void)state;
    struct tb *a = new_tb(), *b = new_tb();
    open_pair(a, b, 0xFFFFFFF0u, 0xFFFFFFFFu);
    assert_int_equal(tcp_send(&a->c, 0, NULL, 100), 100);
    tb_expect_seg(a, 0, TCP_ACK | TCP_PSH, 0xFFFFFFF1u, 0, 100);
    tb_deliver(a, 0, b);
    /* B: 8080 > 40000: Flags [.], seq 0, ack 85 */
    tb_expect_seg(b, 0, TCP_ACK, 0, 0x55, 0);
    assert_int_equal(tcp_recv(&b->c, 0, NULL, 1000), 100);
    tb_deliver(b, 0, a);
    assert_int_equal(tcp_close(&a->c, 0), TCP_APP_OK);
    /* A: Flags [F.], seq 85, ack 0 */
    tb_expect_seg(a, 1, TCP_FIN | TCP_ACK, 0x55, 0, 0);
    tb_deliver(a, 1, b);
    tb_expect_seg(b, 1, TCP_ACK, 0, 0x56, 0);
    tb_deliver(b, 1, a);
    assert_int_equal(a->c.state, TCP_FIN_WAIT_2);
    assert_int_equal(tcp_close(&b->c, 0), TCP_APP_OK);
    tb_expect_seg(b, 2, TCP_FIN | TCP_ACK, 0, 0x56, 0);
    tb_deliver(b, 2, a);
    tb_expect_seg(a, 2, TCP_ACK, 0x56, 1, 0);
    assert_int_equal(a->c.state, TCP_TIME_WAIT);
    tb_deliver(a, 2, b);
    assert_int_equal(b->c.state, TCP_CLOSED);
    /* A retransmitted FIN across the wrap is still recognised in TIME-WAIT. */
    tb_deliver(b, 2, a);
    tb_expect_seg(a, 3, TCP_ACK, 0x56, 1, 0);
    test_free(a);
    test_free(b);
}

/* ==== CLOSE with unread data (RFC 1122 4.2.2.13) ==== */

static void test_established_app_close_unread_rst(void **state)
{
    (void)state;
    struct tb *t = new_tb();
    struct tcp_config cfg;
    tb_config(&cfg);
    tb_init(t, &cfg, 1000, 5000);
    tb_build(t, TCP_ESTABLISHED);
    tb_peer(t, TCP_ACK | TCP_PSH, 5001, 1001, 20);
    assert_int_equal(tcp_unread(&t->c), 20);
    tb_clear(t);
    assert_int_equal(tcp_close(&t->c, 0), TCP_APP_OK);
    /* A: 40000 > 8080: Flags [R.], seq 1001, ack 5021 (no FIN) */
    tb_expect_count(t, 1);
    tb_expect_seg(t, 0, TCP_RST | TCP_ACK, 1001, 5021, 0);
    tb_expect_trans(t, 0, TCP_ESTABLISHED, TCP_CLOSED, TCP_CAUSE_APP_CLOSE_UNREAD);
    test_free(t);
}

/* After a full close, new data resets; after shutdown it is delivered. */
static void test_fin_wait_2_rcv_data_after_close_rst(void **state)
{
    (void)state;
    struct tb *t = new_tb();
    struct tcp_config cfg;
    tb_config(&cfg);
    tb_init(t, &cfg, 1000, 5000);
    tb_build(t, TCP_FIN_WAIT_2); /* closed with tcp_close */
    tb_peer(t, TCP_ACK | TCP_PSH, 5001, 1002, 10);
    /* A: Flags [R.], seq 1002, ack 5001 */
    tb_expect_seg(t, 0, TCP_RST | TCP_ACK, 1002, 5001, 0);
    assert_int_equal(t->c.state, TCP_CLOSED);

    tb_init(t, &cfg, 1000, 5000);
    tb_build(t, TCP_ESTABLISHED);
    assert_int_equal(tcp_shutdown(&t->c, 0), TCP_APP_OK);
    tb_peer(t, TCP_ACK | TCP_PSH, 5001, 1002, 10);
    assert_int_equal(t->c.state, TCP_FIN_WAIT_2);
    assert_int_equal(tcp_unread(&t->c), 10);
    tb_expect_seg(t, 1, TCP_ACK, 1002, 5011, 0);
    test_free(t);
}

/* ==== ABORT ==== */

static void test_established_app_abort_rst(void **state)
{
    (void)state;
    struct tb *t = new_tb();
    struct tcp_config cfg;
    tb_config(&cfg);
    tb_init(t, &cfg, 1000, 5000);
    tb_build(t, TCP_ESTABLISHED);
    assert_int_equal(tcp_send(&t->c, 0, NULL, 10), 10);
    assert_int_equal(tcp_abort(&t->c, 0), TCP_APP_OK);
    /* A: Flags [R], seq 1011 */
    tb_expect_seg(t, 1, TCP_RST, 1011, 0, 0);
    assert_int_equal(tcp_next_deadline(&t->c), UINT64_MAX);
    assert_int_equal(tcp_abort(&t->c, 0), TCP_APP_ERR_STATE);
    /* In LAST-ACK ABORT just deletes the TCB (§3.10.5). */
    tb_init(t, &cfg, 1000, 5000);
    tb_build(t, TCP_LAST_ACK);
    assert_int_equal(tcp_abort(&t->c, 0), TCP_APP_OK);
    tb_expect_count(t, 0);
    test_free(t);
}

/* ==== after a FIN: no new text either way ==== */

/* §3.10.7.4 seventh: text after the peer's FIN "should not occur" and is
 * ignored, in every state after it. */
static void test_close_wait_rcv_data_after_fin_ignored(void **state)
{
    (void)state;
    static const enum tcp_state after_fin[] = {TCP_CLOSE_WAIT, TCP_LAST_ACK, TCP_CLOSING,
                                               TCP_TIME_WAIT};
    struct tb *t = new_tb();
    struct tcp_config cfg;
    tb_config(&cfg);
    for (unsigned i = 0; i < 4; i++) {
        tb_init(t, &cfg, 1000, 5000);
        tb_build(t, after_fin[i]);
        uint32_t rcv_nxt = t->c.rcv_nxt;
        assert_int_equal(rcv_nxt, 5002);
        /* B: 8080 > 40000: Flags [P.], seq 5002:5012, ack 1001, length 10 */
        tb_peer(t, TCP_ACK | TCP_PSH, 5002, t->c.snd_una, 10);
        assert_int_equal(t->c.rcv_nxt, rcv_nxt);
        assert_int_equal(tcp_unread(&t->c), 0);
        for (unsigned k = 0; k < t->nout; k++)
            assert_int_equal(t->out[k].seg.ack, rcv_nxt); /* never acknowledged */
        assert_true(tcp_eof(&t->c));
    }
    test_free(t);
}

/* §3.10.2: SEND after our CLOSE is "connection closing": nothing new goes
 * on the wire after our FIN. */
static void test_fin_wait_1_app_send_refused(void **state)
{
    (void)state;
    static const enum tcp_state after_close[] = {TCP_FIN_WAIT_1, TCP_FIN_WAIT_2, TCP_CLOSING,
                                                 TCP_TIME_WAIT, TCP_LAST_ACK};
    struct tb *t = new_tb();
    struct tcp_config cfg;
    tb_config(&cfg);
    for (unsigned i = 0; i < 5; i++) {
        tb_init(t, &cfg, 1000, 5000);
        tb_build(t, after_close[i]);
        assert_int_equal(tcp_send(&t->c, 0, NULL, 100), 0);
        tb_expect_count(t, 0);
        tb_advance(t, 100000000); /* and nothing later either, but FIN or RST */
        for (unsigned k = 0; k < t->nout; k++)
            assert_int_equal(t->out[k].seg.payload_len, 0);
    }
    test_free(t);
}

/* ==== a FIN against a zero window ==== */

/* A in ESTABLISHED (ISS 1000, peer's ISN 5000) with a 100-byte receive
 * buffer that the peer's 100 bytes filled: B: Flags [P.], seq 5001, ack
 * 1001, length 100 -> A: Flags [.], ack 5101, win 0. A never reads. */
static struct tb *new_tb_zero_window(void)
{
    struct tb *t = new_tb();
    struct tcp_config cfg;
    tb_config(&cfg);
    cfg.rcv_buf_bytes = 100;
    tb_init(t, &cfg, 1000, 5000);
    tb_build(t, TCP_ESTABLISHED);
    tb_peer(t, TCP_ACK | TCP_PSH, 5001, 1001, 100);
    tb_expect_seg(t, 0, TCP_ACK, 1001, 5101, 0);
    assert_int_equal(t->out[0].seg.window, 0);
    return t;
}

/* §3.10.7.4: with RCV.WND = 0 a FIN is not acceptable; it draws an ACK that
 * shows the window, and is taken once the window opens again. */
static void test_established_rcv_fin_zero_window(void **state)
{
    (void)state;
    struct tb *t = new_tb_zero_window();
    /* B: Flags [F.], seq 5101, ack 1001 -> A: Flags [.], seq 1001, ack 5101, win 0 */
    tb_peer(t, TCP_FIN | TCP_ACK, 5101, 1001, 0);
    tb_expect_count(t, 2);
    tb_expect_seg(t, 1, TCP_ACK, 1001, 5101, 0);
    assert_int_equal(t->c.state, TCP_ESTABLISHED);
    /* The application reads: the window update, then the FIN is taken. */
    assert_int_equal(tcp_recv(&t->c, 0, NULL, 100), 100);
    tb_expect_seg(t, 2, TCP_ACK, 1001, 5101, 0);
    assert_int_equal(t->out[2].seg.window, 100);
    tb_peer(t, TCP_FIN | TCP_ACK, 5101, 1001, 0);
    tb_expect_seg(t, 3, TCP_ACK, 1001, 5102, 0);
    assert_int_equal(t->c.state, TCP_CLOSE_WAIT);
    test_free(t);
}

/* close_pair fin-retransmit-ack-beyond-zero-window.bin, decided as an
 * oracle false alarm: the model's reading of §3.10.7.4 with RCV.WND = 0,
 * pinned here. A never reads (window closed at 5101) and closes with 100
 * bytes unacknowledged below its FIN. The peer's one-octet probe at
 * RCV.NXT moves the peer's SND.NXT to 5102, so its next bare ACK (seq 5102,
 * acknowledging A's data) lies past the closed window: the table's
 * "SEG.SEQ = RCV.NXT" fails and A drops it with an ACK, its ACK field
 * unread, as Linux's and the BSDs' tcp_input do. The peer's next probe, at
 * RCV.NXT, is taken for its ACK (the "special allowance"; its octet is
 * trimmed away): SND.UNA moves and the retransmission timer restarts there
 * with the backed-off RTO (RFC 6298 (5.3), Karn). */
static void test_fin_wait_1_ack_beyond_zero_window_dropped_probe_ack_taken(void **state)
{
    (void)state;
    struct tb *t = new_tb_zero_window();
    assert_int_equal(tcp_send(&t->c, t->now_usecs, NULL, 100), 100);
    assert_int_equal(tcp_shutdown(&t->c, t->now_usecs), TCP_APP_OK);
    assert_int_equal(t->c.state, TCP_FIN_WAIT_1);
    assert_true(t->c.fin_sent);
    assert_int_equal(t->c.fin_seq, 1101);
    tb_clear(t);
    /* A's RTO (1 s) retransmits the data with the FIN riding on it: the
     * RTO backs off to 2 s. */
    tb_advance(t, 1 * SEC);
    tb_expect_seg(t, 0, TCP_FIN | TCP_ACK | TCP_PSH, 1001, 5101, 100);
    assert_int_equal(t->c.rto_usecs, 2 * SEC);
    tb_clear(t);
    /* B: Flags [.], seq 5101, ack 1001, length 1 (probe) -> A: seq 1102, ack 5101, win 0 */
    tb_peer(t, TCP_ACK, 5101, 1001, 1);
    tb_expect_count(t, 1);
    tb_expect_seg(t, 0, TCP_ACK, 1102, 5101, 0);
    assert_int_equal(t->out[0].seg.window, 0);
    /* B: Flags [.], seq 5102, ack 1101 -> dropped, answered, ACK unread */
    tb_advance(t, 100000);
    tb_peer(t, TCP_ACK, 5102, 1101, 0);
    tb_expect_count(t, 2);
    tb_expect_seg(t, 1, TCP_ACK, 1102, 5101, 0);
    assert_int_equal(t->c.snd_una, 1001);
    /* B: Flags [.], seq 5101, ack 1101, length 1 (probe) -> ACK taken */
    tb_advance(t, 100000);
    tb_peer(t, TCP_ACK, 5101, 1101, 1);
    tb_expect_count(t, 3);
    tb_expect_seg(t, 2, TCP_ACK, 1102, 5101, 0);
    assert_int_equal(t->c.snd_una, 1101);
    assert_int_equal(t->c.state, TCP_FIN_WAIT_1);
    assert_int_equal(tcp_unread(&t->c), 100);
    assert_int_equal(t->c.timer.kind, TCP_TIMER_RETRANSMIT);
    assert_int_equal(t->c.rto_usecs, 2 * SEC);
    assert_int_equal(t->c.timer.deadline_usecs, t->now_usecs + 2 * SEC);
    /* The FIN is now the oldest segment: the next expiry resends it. */
    tb_clear(t);
    tb_advance(t, 2 * SEC);
    tb_expect_seg(t, 0, TCP_FIN | TCP_ACK, 1101, 5101, 0);
    test_free(t);
}

/* ==== FIN-WAIT-1 / CLOSING with data still queued ==== */

/* A with 3000 bytes queued behind a 1000-byte window closes: FIN-WAIT-1
 * with 2000 bytes and the FIN still to send. Returns the endpoint after the
 * peer acknowledged the first 1000 bytes with a zero window. */
static struct tb *build_close_behind_window(void)
{
    struct tb *t = new_tb();
    struct tcp_config cfg;
    tb_config(&cfg);
    tb_init(t, &cfg, 1000, 5000);
    tb_build(t, TCP_ESTABLISHED);
    /* B: Flags [.], seq 5001, ack 1001, win 1000 */
    struct seg s = tb_seg(t, TCP_ACK, 5001, 1001, NULL, 0);
    s.window = 1000;
    tb_input(t, &s);
    assert_int_equal(tcp_send(&t->c, 0, NULL, 3000), 3000);
    assert_int_equal(tcp_close(&t->c, 0), TCP_APP_OK);
    /* A: Flags [.], seq 1001:2001, length 1000 -- then the window is full */
    tb_expect_count(t, 1);
    tb_expect_seg(t, 0, TCP_ACK, 1001, 5001, 1000);
    assert_int_equal(t->c.state, TCP_FIN_WAIT_1);
    tb_clear(t);
    return t;
}

/* The peer's FIN arrives in FIN-WAIT-1 and opens the window: A (now
 * CLOSING) acknowledges it and sends the rest of its data and its FIN at
 * once, in MSS-sized segments, not one byte per persist timeout. */
static void test_fin_wait_1_rcv_fin_window_opens_sends_queued(void **state)
{
    (void)state;
    struct tb *t = build_close_behind_window();
    /* B: Flags [F.], seq 5001, ack 2001, win 65535 */
    tb_peer(t, TCP_FIN | TCP_ACK, 5001, 2001, 0);
    assert_int_equal(t->c.state, TCP_CLOSING);
    /* A: Flags [.], seq 2001, ack 5002
     * A: Flags [.], seq 2001:3461, ack 5002, length 1460
     * A: Flags [FP.], seq 3461:4001, ack 5002, length 540 */
    tb_expect_count(t, 3);
    tb_expect_seg(t, 0, TCP_ACK, 2001, 5002, 0);
    tb_expect_seg(t, 1, TCP_ACK, 2001, 5002, 1460);
    tb_expect_seg(t, 2, TCP_FIN | TCP_PSH | TCP_ACK, 3461, 5002, 540);
    tb_peer(t, TCP_ACK, 5002, 4002, 0);
    assert_int_equal(t->c.state, TCP_TIME_WAIT);
    test_free(t);
}

/* In CLOSING the window opens by a bare window update: "the processing for
 * the ESTABLISHED state" sends the queued data and FIN then. */
static void test_closing_window_update_sends_queued(void **state)
{
    (void)state;
    struct tb *t = build_close_behind_window();
    /* B: Flags [F.], seq 5001, ack 2001, win 0 */
    struct seg fin = tb_seg(t, TCP_FIN | TCP_ACK, 5001, 2001, NULL, 0);
    fin.window = 0;
    tb_input(t, &fin);
    assert_int_equal(t->c.state, TCP_CLOSING);
    tb_expect_count(t, 1);
    tb_expect_seg(t, 0, TCP_ACK, 2001, 5002, 0);
    /* B: Flags [.], seq 5002, ack 2001, win 8192 */
    struct seg upd = tb_seg(t, TCP_ACK, 5002, 2001, NULL, 0);
    upd.window = 8192;
    tb_input(t, &upd);
    tb_expect_count(t, 3);
    tb_expect_seg(t, 1, TCP_ACK, 2001, 5002, 1460);
    tb_expect_seg(t, 2, TCP_FIN | TCP_PSH | TCP_ACK, 3461, 5002, 540);
    assert_int_equal(t->c.state, TCP_CLOSING);
    tb_peer(t, TCP_ACK, 5002, 4002, 0);
    assert_int_equal(t->c.state, TCP_TIME_WAIT);
    test_free(t);
}

/* ==== unread data outlives a graceful close ==== */

/* A half-closes (shutdown) without reading the 100 bytes B sent before its
 * FIN; LAST-ACK ends when B acknowledges A's FIN. The bytes stay readable
 * in CLOSED and end-of-stream comes only after them (a socket behaves the
 * same); before, they were dropped and the application saw end-of-stream
 * after reading nothing. */
static void test_last_ack_rcv_ack_unread_data_stays_readable(void **state)
{
    (void)state;
    struct tb *t = new_tb();
    struct tcp_config cfg;
    tb_config(&cfg);
    tb_init(t, &cfg, 1000, 5000);
    tb_build(t, TCP_ESTABLISHED);
    tb_peer(t, TCP_ACK | TCP_PSH, 5001, 1001, 100);
    tb_peer(t, TCP_FIN | TCP_ACK, 5101, 1001, 0);
    assert_int_equal(t->c.state, TCP_CLOSE_WAIT);
    assert_int_equal(tcp_shutdown(&t->c, 0), TCP_APP_OK);
    assert_int_equal(t->c.state, TCP_LAST_ACK);
    tb_peer(t, TCP_ACK, 5102, 1002, 0);
    assert_int_equal(t->c.state, TCP_CLOSED);
    assert_int_equal(tcp_unread(&t->c), 100);
    assert_false(tcp_eof(&t->c));
    assert_int_equal(tcp_recv(&t->c, 0, NULL, 1000), 100);
    assert_true(tcp_eof(&t->c));
    test_free(t);
}

/* The same through TIME-WAIT: A closed first (shutdown) and never read. A
 * reset still discards unread bytes. */
static void test_time_wait_timeout_unread_data_stays_readable(void **state)
{
    (void)state;
    struct tb *t = new_tb();
    struct tcp_config cfg;
    tb_config(&cfg);
    tb_init(t, &cfg, 1000, 5000);
    tb_build(t, TCP_ESTABLISHED);
    assert_int_equal(tcp_shutdown(&t->c, 0), TCP_APP_OK);
    tb_peer(t, TCP_ACK | TCP_PSH, 5001, 1002, 100);
    tb_peer(t, TCP_FIN | TCP_ACK, 5101, 1002, 0);
    assert_int_equal(t->c.state, TCP_TIME_WAIT);
    tb_advance(t, 4000000);
    assert_int_equal(t->c.state, TCP_CLOSED);
    assert_int_equal(tcp_unread(&t->c), 100);
    assert_false(tcp_eof(&t->c));

    tb_init(t, &cfg, 1000, 5000);
    tb_build(t, TCP_ESTABLISHED);
    tb_peer(t, TCP_ACK | TCP_PSH, 5001, 1001, 100);
    tb_peer(t, TCP_RST, 5101, 0, 0);
    assert_int_equal(t->c.state, TCP_CLOSED);
    assert_int_equal(tcp_unread(&t->c), 0);
    test_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_established_close_textbook),
        cmocka_unit_test(test_fin_wait_1_rcv_fin_simultaneous_close),
        cmocka_unit_test(test_close_wait_app_send_half_close),
        cmocka_unit_test(test_established_app_close_fin_after_data),
        cmocka_unit_test(test_established_app_close_window_closed),
        cmocka_unit_test(test_established_close_across_wrap),
        cmocka_unit_test(test_established_app_close_unread_rst),
        cmocka_unit_test(test_fin_wait_2_rcv_data_after_close_rst),
        cmocka_unit_test(test_established_app_abort_rst),
        cmocka_unit_test(test_close_wait_rcv_data_after_fin_ignored),
        cmocka_unit_test(test_fin_wait_1_app_send_refused),
        cmocka_unit_test(test_established_rcv_fin_zero_window),
        cmocka_unit_test(test_fin_wait_1_ack_beyond_zero_window_dropped_probe_ack_taken),
        cmocka_unit_test(test_fin_wait_1_rcv_fin_window_opens_sends_queued),
        cmocka_unit_test(test_closing_window_update_sends_queued),
        cmocka_unit_test(test_last_ack_rcv_ack_unread_data_stays_readable),
        cmocka_unit_test(test_time_wait_timeout_unread_data_stays_readable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
