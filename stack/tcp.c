/* The connection's state and its incarnations.
 *
 * Read RFC 9293 §3.3.2 (Figure 5), §3.4.1 (ISN selection) and §3.5 first.
 * conn_set_state() is the one place that writes c->state; everything that
 * changes state calls it with a cause, and it reports the change. */
#include "tcp_internal.h"

/* §3.5: states in which both sides have exchanged and acknowledged ISNs.
 * SYN-RECEIVED is not one (our SYN is not acknowledged yet). */
static const bool state_synchronized[] = {
    [TCP_CLOSED] = false,       [TCP_LISTEN] = false,     [TCP_SYN_SENT] = false,
    [TCP_SYN_RECEIVED] = false, [TCP_ESTABLISHED] = true, [TCP_FIN_WAIT_1] = true,
    [TCP_FIN_WAIT_2] = true,    [TCP_CLOSING] = true,     [TCP_TIME_WAIT] = true,
    [TCP_CLOSE_WAIT] = true,    [TCP_LAST_ACK] = true,
};
_Static_assert(sizeof state_synchronized / sizeof state_synchronized[0] == TCP_STATE_COUNT,
               "one entry per state");

bool conn_synchronized(enum tcp_state st)
{
    return state_synchronized[st];
}

void tcp_config_default(struct tcp_config *cfg)
{
    cfg->msl_usecs = 120ull * 1000000;
    cfg->rto_initial_usecs = 1000000;
    cfg->rto_min_usecs = 1000000;
    cfg->rto_max_usecs = 120ull * 1000000;
    cfg->max_retries = 8;
    cfg->fin_wait_2_timeout_usecs = 0;
    cfg->isn_seed = 0;
    cfg->rfc1337 = false;
    cfg->snd_buf_bytes = TCP_BUF_MAX;
    cfg->rcv_buf_bytes = TCP_BUF_MAX;
    cfg->mss = 1460;
}

void conn_set_state(struct tcp_conn *c, enum tcp_state to, enum tcp_cause cause)
{
    enum tcp_state from = c->state;
    if (from == to)
        return;
    c->state = to;
    if (c->hooks.transition)
        c->hooks.transition(c->hooks.ctx, from, to, cause);
}

uint64_t conn_rto_base(const struct tcp_conn *c)
{
    uint64_t rto = c->cfg.rto_initial_usecs;
    if (rto < c->cfg.rto_min_usecs)
        rto = c->cfg.rto_min_usecs;
    if (rto > c->cfg.rto_max_usecs)
        rto = c->cfg.rto_max_usecs;
    return rto ? rto : 1; /* a zero RTO would make tcp_advance spin */
}

/* §3.4.1 asks for an ISN that is hard to guess; the model wants one that is
 * reproducible. The first incarnation's ISS is the seed's low 32 bits, so a
 * test or fuzz input can place a connection anywhere in sequence space (e.g.
 * just below 2^32); later incarnations move on by a mixed step. */
static uint32_t conn_isn(uint64_t seed, uint32_t counter)
{
    uint64_t x = seed ^ ((uint64_t)counter * 0x9E3779B97F4A7C15ull);
    x ^= x >> 33;
    x *= 0xFF51AFD7ED558CCDull;
    x ^= x >> 29;
    return (uint32_t)seed + (counter ? (uint32_t)x | 1u : 0u);
}

void conn_choose_iss(struct tcp_conn *c)
{
    c->iss = conn_isn(c->cfg.isn_seed, c->isn_counter++);
    c->snd_una = c->iss;
    c->snd_nxt = c->iss;
    c->snd_max = c->iss;
}

void conn_reset_vars(struct tcp_conn *c)
{
    c->iss = 0;
    c->snd_una = 0;
    c->snd_nxt = 0;
    c->snd_max = 0;
    c->snd_wnd = 0;
    c->snd_wl1 = 0;
    c->snd_wl2 = 0;
    c->irs = 0;
    c->rcv_nxt = 0;
    c->snd_wscale = 0;
    c->rcv_wscale = 0;
    c->peer_mss = CONN_DEFAULT_PEER_MSS;
    c->fin_queued = false;
    c->fin_sent = false;
    c->fin_seq = 0;
    c->peer_fin = false;
    c->peer_fin_seq = 0;
    c->rd_shut = false;
    c->passive_open = false;
    c->invalid_ack_sent = false;
    c->invalid_ack_usecs = 0;
    c->rto_usecs = conn_rto_base(c);
    c->retries = 0;
    c->snd_head = 0;
    c->snd_len = 0;
    c->rcv_head = 0;
    c->rcv_len = 0;
    c->rcv_wnd = buf_rcv_room(c);
    timer_stop_all(c);
}

void conn_enter_closed(struct tcp_conn *c, enum tcp_cause cause)
{
    timer_stop_all(c);
    c->snd_len = 0;
    /* After a graceful end (our FIN acknowledged in LAST-ACK, or 2*MSL over
     * in TIME-WAIT) the peer's stream is complete: bytes the application has
     * not read yet stay readable, as a socket keeps them, so that
     * end-of-stream is reported only after them. A reset, an abort or a
     * timeout discards them ("connection reset"). */
    bool stream_complete =
        c->peer_fin && (cause == TCP_CAUSE_TIMEOUT_TIME_WAIT || cause == TCP_CAUSE_RCV_ACK);
    if (!stream_complete)
        c->rcv_len = 0;
    c->fin_queued = false;
    conn_set_state(c, TCP_CLOSED, cause);
}

void conn_enter_time_wait(struct tcp_conn *c, enum tcp_cause cause)
{
    timer_stop_all(c);
#ifdef FINFUZZ_MUTANT_SKIP_TIME_WAIT
    conn_enter_closed(c, cause);
    return;
#endif
    conn_set_state(c, TCP_TIME_WAIT, cause);
    timer_time_wait_start(c);
}

void conn_return_to_listen(struct tcp_conn *c, enum tcp_cause cause)
{
    /* An application that already issued CLOSE wants no more connections:
     * the TCB goes away instead of listening again. */
    if (c->fin_queued || c->rd_shut) {
        conn_enter_closed(c, cause);
        return;
    }
    conn_reset_vars(c); /* a new ISS is chosen on the next SYN */
    conn_set_state(c, TCP_LISTEN, cause);
}

void tcp_init(struct tcp_conn *c, const struct tcp_config *cfg, uint16_t lport, uint16_t rport,
              const struct tcp_hooks *hooks)
{
    c->cfg = *cfg;
    if (c->cfg.snd_buf_bytes == 0 || c->cfg.snd_buf_bytes > TCP_BUF_MAX)
        c->cfg.snd_buf_bytes = TCP_BUF_MAX;
    if (c->cfg.rcv_buf_bytes == 0 || c->cfg.rcv_buf_bytes > TCP_BUF_MAX)
        c->cfg.rcv_buf_bytes = TCP_BUF_MAX;
    if (c->cfg.mss == 0)
        c->cfg.mss = 1;
    c->hooks = *hooks;
    c->state = TCP_CLOSED;
    c->lport = lport;
    c->rport = rport;
    c->now_usecs = 0;
    c->isn_counter = 0;
    c->stats = (struct tcp_stats){0};
    conn_reset_vars(c);
}

bool tcp_eof(const struct tcp_conn *c)
{
    return c->peer_fin && c->rcv_len == 0;
}
