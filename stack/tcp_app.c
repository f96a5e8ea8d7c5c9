/* User calls: OPEN, SEND, RECEIVE, CLOSE, ABORT.
 *
 * Read RFC 9293 §3.10.1-3.10.5 first, and RFC 1122 4.2.2.13 (a CLOSE with
 * unread data resets the connection). Every call has an explicit answer for
 * every state, in a switch or in a const table indexed by state. */
#include "tcp_internal.h"
#include "tcp_query.h"

static void set_now(struct tcp_conn *c, uint64_t now_usecs)
{
    if (now_usecs > c->now_usecs)
        c->now_usecs = now_usecs;
}

/* §3.10.1 OPEN, active, in CLOSED: choose an ISS, send SYN, SYN-SENT. */
static void open_active(struct tcp_conn *c, enum tcp_cause cause)
{
    conn_choose_iss(c);
    out_syn(c, false);
    timer_rexmt_start(c);
    conn_set_state(c, TCP_SYN_SENT, cause);
}

enum tcp_app_result tcp_connect(struct tcp_conn *c, uint64_t now_usecs)
{
    set_now(c, now_usecs);
    if (c->state != TCP_CLOSED)
        return TCP_APP_ERR_STATE; /* "connection already exists" */
    conn_reset_vars(c);
    open_active(c, TCP_CAUSE_APP_OPEN_ACTIVE);
    return TCP_APP_OK;
}

enum tcp_app_result tcp_listen(struct tcp_conn *c, uint64_t now_usecs)
{
    set_now(c, now_usecs);
    if (c->state != TCP_CLOSED)
        return TCP_APP_ERR_STATE;
    conn_reset_vars(c);
    conn_set_state(c, TCP_LISTEN, TCP_CAUSE_APP_OPEN_PASSIVE);
    return TCP_APP_OK;
}

/* §3.10.2 SEND: where data may be queued. LISTEN turns active first;
 * after our CLOSE the answer is "connection closing". */
static const bool state_accepts_send[] = {
    [TCP_CLOSED] = false,      [TCP_LISTEN] = true,      [TCP_SYN_SENT] = true,
    [TCP_SYN_RECEIVED] = true, [TCP_ESTABLISHED] = true, [TCP_FIN_WAIT_1] = false,
    [TCP_FIN_WAIT_2] = false,  [TCP_CLOSING] = false,    [TCP_TIME_WAIT] = false,
    [TCP_CLOSE_WAIT] = true,   [TCP_LAST_ACK] = false,
};
_Static_assert(sizeof state_accepts_send / sizeof state_accepts_send[0] == TCP_STATE_COUNT,
               "one entry per state");

uint32_t tcp_send_space(const struct tcp_conn *c)
{
    if (!state_accepts_send[c->state] || c->fin_queued)
        return 0;
    return c->cfg.snd_buf_bytes - c->snd_len;
}

#ifdef FINFUZZ_MUTANT_SEND_AFTER_FIN
/* The fault: data handed over after our FIN goes straight to the wire,
 * numbered after the FIN. */
static uint32_t send_after_fin(struct tcp_conn *c, uint32_t len)
{
    if (!c->fin_sent || len == 0)
        return 0;
    if (len > out_eff_mss(c))
        len = out_eff_mss(c);
    struct seg s = {0};
    s.sport = c->lport;
    s.dport = c->rport;
    s.seq = c->snd_nxt;
    s.ack = c->rcv_nxt;
    s.flags = TCP_ACK | TCP_PSH;
    s.window = (uint16_t)(c->rcv_wnd > 65535u ? 65535u : c->rcv_wnd);
    s.payload_len = len;
    s.payload = NULL; /* zeros */
    c->hooks.output(c->hooks.ctx, &s);
    return len;
}
#endif

uint32_t tcp_send(struct tcp_conn *c, uint64_t now_usecs, const uint8_t *data, uint32_t len)
{
    set_now(c, now_usecs);
    uint32_t n = tcp_send_space(c);
#ifdef FINFUZZ_MUTANT_SEND_AFTER_FIN
    if (c->fin_sent)
        return send_after_fin(c, len);
#endif
    if (n == 0 || len == 0)
        return 0;
    if (n > len)
        n = len;
    if (c->state == TCP_LISTEN) /* §3.10.2: change the connection to active */
        open_active(c, TCP_CAUSE_APP_SEND_SYN);
    buf_snd_append(c, data, n);
    out_push(c);
    return n;
}

uint32_t tcp_recv(struct tcp_conn *c, uint64_t now_usecs, uint8_t *buf, uint32_t cap)
{
    set_now(c, now_usecs);
    if (c->rd_shut)
        return 0;
    uint32_t before = c->rcv_wnd;
    uint32_t n = buf_rcv_read(c, buf, cap);
    /* Receiver-side silly window avoidance (RFC 1122 4.2.3.3): announce the
     * window once it opens from below one MSS (or half the buffer) to at
     * least that much, so a sender stuck at a small window moves on. */
    uint32_t step = c->cfg.mss < c->cfg.rcv_buf_bytes / 2 ? c->cfg.mss : c->cfg.rcv_buf_bytes / 2;
    if (n && before < step && c->rcv_wnd >= step && conn_synchronized(c->state) &&
        c->state != TCP_TIME_WAIT)
        out_ack(c);
    return n;
}

/* §3.10.4 CLOSE of the write side: queue our FIN behind the data. */
static enum tcp_app_result close_write_side(struct tcp_conn *c)
{
    switch (c->state) {
    case TCP_CLOSED:
        return TCP_APP_ERR_STATE; /* "connection does not exist" */
    case TCP_LISTEN:
    case TCP_SYN_SENT:
        /* §3.10.4: delete the TCB, enter CLOSED. */
        conn_enter_closed(c, TCP_CAUSE_APP_CLOSE);
        return TCP_APP_OK;
    case TCP_SYN_RECEIVED:
        /* §3.10.4: FIN now if nothing was sent; otherwise the FIN waits
         * until ESTABLISHED (tcp_input moves on to FIN-WAIT-1 then). */
        c->fin_queued = true;
        if (c->snd_len == 0) {
            out_push_now(c);
            conn_set_state(c, TCP_FIN_WAIT_1, TCP_CAUSE_APP_CLOSE);
        }
        return TCP_APP_OK;
    case TCP_ESTABLISHED:
        c->fin_queued = true;
        out_push(c);
        conn_set_state(c, TCP_FIN_WAIT_1, TCP_CAUSE_APP_CLOSE);
        return TCP_APP_OK;
    case TCP_CLOSE_WAIT:
        c->fin_queued = true;
        out_push(c);
        conn_set_state(c, TCP_LAST_ACK, TCP_CAUSE_APP_CLOSE);
        return TCP_APP_OK;
    case TCP_FIN_WAIT_1:
    case TCP_FIN_WAIT_2:
    case TCP_CLOSING:
    case TCP_TIME_WAIT:
    case TCP_LAST_ACK:
        return TCP_APP_ERR_STATE; /* "connection closing" */
    case TCP_STATE_COUNT:
        break;
    }
    return TCP_APP_ERR_STATE;
}

enum tcp_app_result tcp_shutdown(struct tcp_conn *c, uint64_t now_usecs)
{
    set_now(c, now_usecs);
    return close_write_side(c);
}

/* RFC 1122 4.2.2.13: a CLOSE while received data is unread (or when data
 * arrives after it) resets the connection: RST, CLOSED. */
void app_reset_unread(struct tcp_conn *c)
{
    out_rst(c, c->snd_nxt, true, c->rcv_nxt);
    conn_enter_closed(c, TCP_CAUSE_APP_CLOSE_UNREAD);
}

enum tcp_app_result tcp_close(struct tcp_conn *c, uint64_t now_usecs)
{
    set_now(c, now_usecs);
    if (c->state == TCP_CLOSED)
        return TCP_APP_ERR_STATE;
    if (c->rcv_len > 0 && c->state != TCP_LISTEN && c->state != TCP_SYN_SENT) {
        app_reset_unread(c);
        return TCP_APP_OK;
    }
    c->rd_shut = true;
    if (c->fin_queued)
        return TCP_APP_OK; /* the write side was shut already */
    enum tcp_app_result r = close_write_side(c);
    /* In the closing states close_write_side says "connection closing"; a
     * full close there only gives up the read side, which is fine. */
    return r == TCP_APP_ERR_STATE ? TCP_APP_OK : r;
}

/* §3.10.5 ABORT: which states tell the peer with a RST. CLOSING, LAST-ACK
 * and TIME-WAIT just delete the TCB; LISTEN and SYN-SENT have no
 * synchronized peer to tell. */
static const bool state_abort_sends_rst[] = {
    [TCP_CLOSED] = false,      [TCP_LISTEN] = false,     [TCP_SYN_SENT] = false,
    [TCP_SYN_RECEIVED] = true, [TCP_ESTABLISHED] = true, [TCP_FIN_WAIT_1] = true,
    [TCP_FIN_WAIT_2] = true,   [TCP_CLOSING] = false,    [TCP_TIME_WAIT] = false,
    [TCP_CLOSE_WAIT] = true,   [TCP_LAST_ACK] = false,
};
_Static_assert(sizeof state_abort_sends_rst / sizeof state_abort_sends_rst[0] == TCP_STATE_COUNT,
               "one entry per state");

enum tcp_app_result tcp_abort(struct tcp_conn *c, uint64_t now_usecs)
{
    set_now(c, now_usecs);
    if (c->state == TCP_CLOSED)
        return TCP_APP_ERR_STATE;
    if (state_abort_sends_rst[c->state])
        out_rst(c, c->snd_nxt, false, 0);
    conn_enter_closed(c, TCP_CAUSE_APP_ABORT);
    return TCP_APP_OK;
}
