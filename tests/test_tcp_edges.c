/* Every edge of the state diagram, one named case each.
 *
 * Read RFC 9293 §3.3.2 (Figure 5) first, then the RST, ABORT and timeout
 * rules of §3.10.4, §3.10.5, §3.10.7.4 and §3.10.8. Each case builds an
 * endpoint in its `from` state, does one thing, and checks through the
 * transition hook that exactly one transition happened: from -> to with the
 * expected cause. A last test checks that the table covers every edge the
 * stack can take (the list below is the stack's complete edge set). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "stack/tcp.h"
#include "support/tcp_builders.h"

enum edge_setup {
    SETUP_NONE = 0,
    SETUP_ACTIVE_SYN_RCVD, /* SYN-RECEIVED through a simultaneous open */
    SETUP_UNREAD_DATA,     /* the peer sent 10 bytes the application did not read */
    SETUP_QUEUED_DATA,     /* 100 bytes queued and sent, unacknowledged */
    SETUP_FW2_TIMEOUT,     /* configure a 30 s FIN-WAIT-2 timeout */
};

enum edge_action {
    ACT_LISTEN,
    ACT_CONNECT,
    ACT_SEND,
    ACT_CLOSE,
    ACT_ABORT,
    ACT_PEER_SYN,     /* a SYN from the peer */
    ACT_PEER_SYN_ACK, /* SYN,ACK acknowledging our SYN */
    ACT_PEER_ACK,     /* an ACK of everything we sent */
    ACT_PEER_FIN,     /* FIN,ACK that does not acknowledge our FIN */
    ACT_PEER_FIN_ACK, /* FIN,ACK acknowledging everything (our FIN too) */
    ACT_PEER_RST,     /* RST at exactly RCV.NXT (RST,ACK in SYN-SENT) */
    ACT_PEER_DATA,    /* 10 bytes of data */
    ACT_TIMEOUT,      /* the clock runs until the first transition */
};

struct edge_case {
    const char *name;
    enum tcp_state from;
    enum edge_setup setup;
    enum edge_action action;
    enum tcp_state to;
    enum tcp_cause cause;
};

#define E(name, from, setup, action, to, cause)                                                    \
    {                                                                                              \
#name, TCP_##from, SETUP_##setup, ACT_##action, TCP_##to, TCP_CAUSE_##cause                \
    }

static const struct edge_case edge_cases[] = {
    /* ==== Figure 5 ==== */
    E(closed_app_listen, CLOSED, NONE, LISTEN, LISTEN, APP_OPEN_PASSIVE),
    E(closed_app_connect, CLOSED, NONE, CONNECT, SYN_SENT, APP_OPEN_ACTIVE),
    E(listen_rcv_syn, LISTEN, NONE, PEER_SYN, SYN_RECEIVED, RCV_SYN),
    E(listen_app_send, LISTEN, NONE, SEND, SYN_SENT, APP_SEND_SYN),
    E(listen_app_close, LISTEN, NONE, CLOSE, CLOSED, APP_CLOSE),
    E(syn_sent_rcv_syn, SYN_SENT, NONE, PEER_SYN, SYN_RECEIVED, RCV_SYN),
    E(syn_sent_rcv_syn_ack, SYN_SENT, NONE, PEER_SYN_ACK, ESTABLISHED, RCV_SYN_ACK),
    E(syn_sent_app_close, SYN_SENT, NONE, CLOSE, CLOSED, APP_CLOSE),
    E(syn_received_rcv_ack, SYN_RECEIVED, NONE, PEER_ACK, ESTABLISHED, RCV_ACK),
    E(syn_received_rcv_ack_active, SYN_RECEIVED, ACTIVE_SYN_RCVD, PEER_ACK, ESTABLISHED, RCV_ACK),
    E(syn_received_app_close, SYN_RECEIVED, NONE, CLOSE, FIN_WAIT_1, APP_CLOSE),
    E(syn_received_rcv_rst_passive, SYN_RECEIVED, NONE, PEER_RST, LISTEN, RCV_RST),
    E(established_app_close, ESTABLISHED, NONE, CLOSE, FIN_WAIT_1, APP_CLOSE),
    E(established_rcv_fin, ESTABLISHED, NONE, PEER_FIN, CLOSE_WAIT, RCV_FIN),
    E(fin_wait_1_rcv_ack_of_fin, FIN_WAIT_1, NONE, PEER_ACK, FIN_WAIT_2, RCV_ACK),
    E(fin_wait_1_rcv_fin, FIN_WAIT_1, NONE, PEER_FIN, CLOSING, RCV_FIN),
    E(fin_wait_1_rcv_fin_ack, FIN_WAIT_1, NONE, PEER_FIN_ACK, TIME_WAIT, RCV_FIN_ACK),
    E(fin_wait_2_rcv_fin, FIN_WAIT_2, NONE, PEER_FIN_ACK, TIME_WAIT, RCV_FIN),
    E(closing_rcv_ack_of_fin, CLOSING, NONE, PEER_ACK, TIME_WAIT, RCV_ACK),
    E(time_wait_timeout, TIME_WAIT, NONE, TIMEOUT, CLOSED, TIMEOUT_TIME_WAIT),
    E(close_wait_app_close, CLOSE_WAIT, NONE, CLOSE, LAST_ACK, APP_CLOSE),
    E(last_ack_rcv_ack_of_fin, LAST_ACK, NONE, PEER_ACK, CLOSED, RCV_ACK),

    /* ==== RST (§3.10.7.3, §3.10.7.4 second) ==== */
    E(syn_sent_rcv_rst, SYN_SENT, NONE, PEER_RST, CLOSED, RCV_RST),
    E(syn_received_rcv_rst_active, SYN_RECEIVED, ACTIVE_SYN_RCVD, PEER_RST, CLOSED, RCV_RST),
    E(established_rcv_rst, ESTABLISHED, NONE, PEER_RST, CLOSED, RCV_RST),
    E(fin_wait_1_rcv_rst, FIN_WAIT_1, NONE, PEER_RST, CLOSED, RCV_RST),
    E(fin_wait_2_rcv_rst, FIN_WAIT_2, NONE, PEER_RST, CLOSED, RCV_RST),
    E(closing_rcv_rst, CLOSING, NONE, PEER_RST, CLOSED, RCV_RST),
    E(time_wait_rcv_rst, TIME_WAIT, NONE, PEER_RST, CLOSED, RCV_RST),
    E(close_wait_rcv_rst, CLOSE_WAIT, NONE, PEER_RST, CLOSED, RCV_RST),
    E(last_ack_rcv_rst, LAST_ACK, NONE, PEER_RST, CLOSED, RCV_RST),

    /* ==== SYN in SYN-RECEIVED after a passive OPEN (§3.10.7.4 fourth) ==== */
    E(syn_received_rcv_syn_passive, SYN_RECEIVED, NONE, PEER_SYN, LISTEN, RCV_SYN),

    /* ==== ABORT (§3.10.5) ==== */
    E(listen_app_abort, LISTEN, NONE, ABORT, CLOSED, APP_ABORT),
    E(syn_sent_app_abort, SYN_SENT, NONE, ABORT, CLOSED, APP_ABORT),
    E(syn_received_app_abort, SYN_RECEIVED, NONE, ABORT, CLOSED, APP_ABORT),
    E(established_app_abort, ESTABLISHED, NONE, ABORT, CLOSED, APP_ABORT),
    E(fin_wait_1_app_abort, FIN_WAIT_1, NONE, ABORT, CLOSED, APP_ABORT),
    E(fin_wait_2_app_abort, FIN_WAIT_2, NONE, ABORT, CLOSED, APP_ABORT),
    E(closing_app_abort, CLOSING, NONE, ABORT, CLOSED, APP_ABORT),
    E(time_wait_app_abort, TIME_WAIT, NONE, ABORT, CLOSED, APP_ABORT),
    E(close_wait_app_abort, CLOSE_WAIT, NONE, ABORT, CLOSED, APP_ABORT),
    E(last_ack_app_abort, LAST_ACK, NONE, ABORT, CLOSED, APP_ABORT),

    /* ==== CLOSE with unread data, data after CLOSE (RFC 1122 4.2.2.13) ==== */
    E(established_app_close_unread, ESTABLISHED, UNREAD_DATA, CLOSE, CLOSED, APP_CLOSE_UNREAD),
    E(close_wait_app_close_unread, CLOSE_WAIT, UNREAD_DATA, CLOSE, CLOSED, APP_CLOSE_UNREAD),
    E(fin_wait_1_rcv_data_after_close, FIN_WAIT_1, NONE, PEER_DATA, CLOSED, APP_CLOSE_UNREAD),
    E(fin_wait_2_rcv_data_after_close, FIN_WAIT_2, NONE, PEER_DATA, CLOSED, APP_CLOSE_UNREAD),

    /* ==== Timeouts (§3.10.8, RFC 1122 4.2.3.5) ==== */
    E(syn_sent_timeout_retries, SYN_SENT, NONE, TIMEOUT, CLOSED, TIMEOUT_RETRIES),
    E(syn_received_timeout_retries, SYN_RECEIVED, NONE, TIMEOUT, CLOSED, TIMEOUT_RETRIES),
    E(established_timeout_retries, ESTABLISHED, QUEUED_DATA, TIMEOUT, CLOSED, TIMEOUT_RETRIES),
    E(fin_wait_1_timeout_retries, FIN_WAIT_1, NONE, TIMEOUT, CLOSED, TIMEOUT_RETRIES),
    E(closing_timeout_retries, CLOSING, NONE, TIMEOUT, CLOSED, TIMEOUT_RETRIES),
    E(close_wait_timeout_retries, CLOSE_WAIT, QUEUED_DATA, TIMEOUT, CLOSED, TIMEOUT_RETRIES),
    E(last_ack_timeout_retries, LAST_ACK, NONE, TIMEOUT, CLOSED, TIMEOUT_RETRIES),
    E(fin_wait_2_timeout, FIN_WAIT_2, FW2_TIMEOUT, TIMEOUT, CLOSED, TIMEOUT_FIN_WAIT_2),
};
#define EDGE_COUNT (sizeof edge_cases / sizeof edge_cases[0])

static void act(struct tb *t, enum edge_action a)
{
    struct tcp_conn *c = &t->c;
    switch (a) {
    case ACT_LISTEN:
        assert_int_equal(tcp_listen(c, t->now_usecs), TCP_APP_OK);
        return;
    case ACT_CONNECT:
        assert_int_equal(tcp_connect(c, t->now_usecs), TCP_APP_OK);
        return;
    case ACT_SEND:
        assert_int_equal(tcp_send(c, t->now_usecs, NULL, 10), 10);
        return;
    case ACT_CLOSE:
        assert_int_equal(tcp_close(c, t->now_usecs), TCP_APP_OK);
        return;
    case ACT_ABORT:
        assert_int_equal(tcp_abort(c, t->now_usecs), TCP_APP_OK);
        return;
    case ACT_PEER_SYN:
        /* In SYN-RECEIVED an in-window SYN (not a duplicate of the first). */
        tb_peer(t, TCP_SYN, c->state == TCP_SYN_RECEIVED ? c->rcv_nxt + 10 : t->peer_iss, 0, 0);
        return;
    case ACT_PEER_SYN_ACK:
        tb_peer(t, TCP_SYN | TCP_ACK, t->peer_iss, c->snd_nxt, 0);
        return;
    case ACT_PEER_ACK:
        tb_peer(t, TCP_ACK, c->rcv_nxt, c->snd_nxt, 0);
        return;
    case ACT_PEER_FIN:
        tb_peer(t, TCP_FIN | TCP_ACK, c->rcv_nxt, c->snd_una, 0);
        return;
    case ACT_PEER_FIN_ACK:
        tb_peer(t, TCP_FIN | TCP_ACK, c->rcv_nxt, c->snd_nxt, 0);
        return;
    case ACT_PEER_RST:
        if (c->state == TCP_SYN_SENT)
            tb_peer(t, TCP_RST | TCP_ACK, 0, c->snd_nxt, 0);
        else
            tb_peer(t, TCP_RST, c->rcv_nxt, 0, 0);
        return;
    case ACT_PEER_DATA:
        tb_peer(t, TCP_ACK | TCP_PSH, c->rcv_nxt, c->snd_una, 10);
        return;
    case ACT_TIMEOUT:
        for (unsigned i = 0; i < 100 && t->ntrans == 0; i++) {
            uint64_t d = tcp_next_deadline(c);
            assert_true(d != UINT64_MAX);
            tb_advance_to(t, d);
        }
        return;
    }
}

static void run_edge(const struct edge_case *e)
{
    struct tcp_config cfg;
    tb_config(&cfg);
    if (e->setup == SETUP_FW2_TIMEOUT)
        cfg.fin_wait_2_timeout_usecs = 30000000;
    struct tb *t = test_malloc(sizeof *t);
    tb_init(t, &cfg, 1000, 5000);
    if (e->setup == SETUP_ACTIVE_SYN_RCVD) {
        tb_build(t, TCP_SYN_SENT);
        tb_peer(t, TCP_SYN, t->peer_iss, 0, 0);
        t->peer_nxt = t->peer_iss + 1;
        tb_clear(t);
    } else if (e->setup == SETUP_UNREAD_DATA) {
        /* Data first, then (for CLOSE-WAIT) the peer's FIN behind it. */
        tb_build(t, TCP_ESTABLISHED);
        tb_peer(t, TCP_ACK | TCP_PSH, t->c.rcv_nxt, t->c.snd_nxt, 10);
        if (e->from == TCP_CLOSE_WAIT)
            tb_peer(t, TCP_FIN | TCP_ACK, t->c.rcv_nxt, t->c.snd_nxt, 0);
        assert_int_equal(tcp_unread(&t->c), 10);
    } else {
        tb_build(t, e->from);
    }
    if (e->setup == SETUP_QUEUED_DATA)
        assert_int_equal(tcp_send(&t->c, t->now_usecs, NULL, 100), 100);
    tb_clear(t);
    assert_string_equal(tcp_state_name(t->c.state), tcp_state_name(e->from));

    act(t, e->action);

    if (t->ntrans != 1)
        fail_msg("%s: %u transitions, want exactly 1", e->name, t->ntrans);
    tb_expect_trans(t, 0, e->from, e->to, e->cause);
    assert_int_equal(t->c.state, e->to);
    test_free(t);
}

/* One cmocka test per case, named after it (cmocka passes the case as the
 * test's initial state). */
static void test_edge(void **state)
{
    run_edge(*state);
}

/* Figure 5 has 21 edges (plus the conditional SYN-RECEIVED -> LISTEN); every
 * one of them is a case above. Checked by (from, to, cause) so that a case
 * cannot silently drop out of the table. */
static void test_edges_cover_figure_5(void **state)
{
    (void)state;
    static const struct {
        enum tcp_state from, to;
    } figure5[] = {
        {TCP_CLOSED, TCP_LISTEN},
        {TCP_CLOSED, TCP_SYN_SENT},
        {TCP_LISTEN, TCP_SYN_RECEIVED},
        {TCP_LISTEN, TCP_SYN_SENT},
        {TCP_LISTEN, TCP_CLOSED},
        {TCP_SYN_SENT, TCP_SYN_RECEIVED},
        {TCP_SYN_SENT, TCP_ESTABLISHED},
        {TCP_SYN_SENT, TCP_CLOSED},
        {TCP_SYN_RECEIVED, TCP_ESTABLISHED},
        {TCP_SYN_RECEIVED, TCP_FIN_WAIT_1},
        {TCP_SYN_RECEIVED, TCP_LISTEN},
        {TCP_ESTABLISHED, TCP_FIN_WAIT_1},
        {TCP_ESTABLISHED, TCP_CLOSE_WAIT},
        {TCP_FIN_WAIT_1, TCP_FIN_WAIT_2},
        {TCP_FIN_WAIT_1, TCP_CLOSING},
        {TCP_FIN_WAIT_2, TCP_TIME_WAIT},
        {TCP_CLOSING, TCP_TIME_WAIT},
        {TCP_TIME_WAIT, TCP_CLOSED},
        {TCP_CLOSE_WAIT, TCP_LAST_ACK},
        {TCP_LAST_ACK, TCP_CLOSED},
        {TCP_FIN_WAIT_1, TCP_TIME_WAIT},
    };
    for (size_t i = 0; i < sizeof figure5 / sizeof figure5[0]; i++) {
        bool found = false;
        for (size_t j = 0; j < EDGE_COUNT && !found; j++)
            found = edge_cases[j].from == figure5[i].from && edge_cases[j].to == figure5[i].to;
        if (!found)
            fail_msg("no case for %s -> %s", tcp_state_name(figure5[i].from),
                     tcp_state_name(figure5[i].to));
    }
    /* And every state but CLOSED can be aborted, every synchronized state
     * reset. */
    for (unsigned st = TCP_LISTEN; st < TCP_STATE_COUNT; st++) {
        bool abort = false;
        for (size_t j = 0; j < EDGE_COUNT; j++)
            abort |=
                (unsigned)edge_cases[j].from == st && edge_cases[j].cause == TCP_CAUSE_APP_ABORT;
        if (!abort)
            fail_msg("no abort case from %s", tcp_state_name((enum tcp_state)st));
    }
}

static char edge_names[EDGE_COUNT][64];

int main(void)
{
    struct CMUnitTest tests[EDGE_COUNT + 1];
    for (size_t i = 0; i < EDGE_COUNT; i++) {
        char *name = edge_names[i];
        snprintf(name, sizeof edge_names[i], "test_%s", edge_cases[i].name);
        tests[i] = (struct CMUnitTest){
            .name = name, .test_func = test_edge, .initial_state = (void *)&edge_cases[i]};
    }
    tests[EDGE_COUNT] = (struct CMUnitTest){.name = "test_edges_cover_figure_5",
                                            .test_func = test_edges_cover_figure_5};
    return _cmocka_run_group_tests("tcp_edges", tests, EDGE_COUNT + 1, NULL, NULL);
}
