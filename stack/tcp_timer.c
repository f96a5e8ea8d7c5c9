/* Timers on the virtual clock.
 *
 * Read RFC 6298 §5 (retransmission timer and backoff), RFC 9293 §3.10.8
 * (USER TIMEOUT, RETRANSMISSION TIMEOUT, TIME-WAIT TIMEOUT) and RFC 1122
 * 4.2.3.5 (giving up) first. Timers only fire inside tcp_advance(), in
 * deadline order; a timer due at exactly now_usecs fires. */
#include "tcp_internal.h"

void timer_rexmt_start(struct tcp_conn *c)
{
    if (c->timer.kind == TCP_TIMER_RETRANSMIT)
        return;
    c->timer.kind = TCP_TIMER_RETRANSMIT;
    c->timer.deadline_usecs = c->now_usecs + c->rto_usecs;
}

void timer_rexmt_on_ack(struct tcp_conn *c)
{
    /* Karn's algorithm (RFC 6298 §5, (5.7) note): an ACK of a retransmitted
     * segment is no RTT sample, so the backed-off RTO stays for what
     * follows; an ACK of a segment sent once brings the base RTO back (the
     * model takes no RTT samples, so "base" stands for the new estimate). */
    if (c->retries == 0)
        c->rto_usecs = conn_rto_base(c);
    c->retries = 0;
    if (c->timer.kind != TCP_TIMER_RETRANSMIT)
        return;
    if (conn_outstanding(c) || c->snd_len > 0 || (c->fin_queued && !c->fin_sent))
        c->timer.deadline_usecs = c->now_usecs + c->rto_usecs;
    else
        c->timer.kind = TCP_TIMER_NONE;
}

void timer_stop_all(struct tcp_conn *c)
{
    c->timer.kind = TCP_TIMER_NONE;
    c->timer.deadline_usecs = 0;
    c->fw2_timer.kind = TCP_TIMER_NONE;
    c->fw2_timer.deadline_usecs = 0;
}

void timer_time_wait_start(struct tcp_conn *c)
{
    uint64_t tw_usecs = 2 * c->cfg.msl_usecs;
#ifdef FINFUZZ_MUTANT_SHORT_TIME_WAIT
    tw_usecs = c->cfg.msl_usecs;
#endif
    c->timer.kind = TCP_TIMER_TIME_WAIT;
    c->timer.deadline_usecs = c->now_usecs + tw_usecs;
}

void timer_fin_wait_2_start(struct tcp_conn *c)
{
    if (c->cfg.fin_wait_2_timeout_usecs == 0)
        return;
    c->fw2_timer.kind = TCP_TIMER_FIN_WAIT_2;
    c->fw2_timer.deadline_usecs = c->now_usecs + c->cfg.fin_wait_2_timeout_usecs;
}

/* RFC 6298 (5.4)-(5.6): retransmit the oldest segment, double the RTO (up to
 * rto_max) and restart the timer. After max_retries retransmissions of one
 * segment the connection is given up (RFC 1122 4.2.3.5 R2): a RST tells a
 * synchronized peer, and the endpoint is CLOSED. */
static void on_retransmit_timeout(struct tcp_conn *c)
{
    bool probe = !conn_outstanding(c);
    if (!probe && c->retries >= c->cfg.max_retries) {
        if (conn_synchronized(c->state) || c->state == TCP_SYN_RECEIVED)
            out_rst(c, c->snd_nxt, false, 0);
        conn_enter_closed(c, TCP_CAUSE_TIMEOUT_RETRIES);
        return;
    }
    if (!probe)
        c->retries++;
    c->rto_usecs *= 2;
    if (c->rto_usecs > c->cfg.rto_max_usecs)
        c->rto_usecs = c->cfg.rto_max_usecs;
    if (c->rto_usecs == 0)
        c->rto_usecs = 1;
    out_retransmit(c);
    if (conn_outstanding(c) || c->snd_len > 0 || (c->fin_queued && !c->fin_sent)) {
        c->timer.kind = TCP_TIMER_RETRANSMIT;
        c->timer.deadline_usecs = c->now_usecs + c->rto_usecs;
    } else {
        c->timer.kind = TCP_TIMER_NONE;
    }
}

/* §3.10.8 TIME-WAIT TIMEOUT: delete the TCB, enter CLOSED. */
static void on_time_wait_timeout(struct tcp_conn *c)
{
    conn_enter_closed(c, TCP_CAUSE_TIMEOUT_TIME_WAIT);
}

/* The optional FIN-WAIT-2 timeout (RFC 9293 §3.6 leaves FIN-WAIT-2 open
 * forever; stacks bound it, as Linux's tcp_fin_timeout does). */
static void on_fin_wait_2_timeout(struct tcp_conn *c)
{
    conn_enter_closed(c, TCP_CAUSE_TIMEOUT_FIN_WAIT_2);
}

static void fire(struct tcp_conn *c, struct tcp_timer *t)
{
    enum tcp_timer_kind kind = t->kind;
    t->kind = TCP_TIMER_NONE;
    switch (kind) {
    case TCP_TIMER_RETRANSMIT:
        on_retransmit_timeout(c);
        return;
    case TCP_TIMER_TIME_WAIT:
        on_time_wait_timeout(c);
        return;
    case TCP_TIMER_FIN_WAIT_2:
        if (c->state == TCP_FIN_WAIT_2)
            on_fin_wait_2_timeout(c);
        return;
    case TCP_TIMER_NONE:
        return;
    }
}

uint64_t tcp_next_deadline(const struct tcp_conn *c)
{
    uint64_t d = UINT64_MAX;
    if (c->timer.kind != TCP_TIMER_NONE)
        d = c->timer.deadline_usecs;
    if (c->fw2_timer.kind != TCP_TIMER_NONE && c->fw2_timer.deadline_usecs < d)
        d = c->fw2_timer.deadline_usecs;
    return d;
}

void tcp_advance(struct tcp_conn *c, uint64_t now_usecs)
{
    for (;;) {
        uint64_t d = tcp_next_deadline(c);
        if (d > now_usecs)
            break;
        if (d > c->now_usecs)
            c->now_usecs = d;
        bool main_first = c->timer.kind != TCP_TIMER_NONE && c->timer.deadline_usecs == d;
        fire(c, main_first ? &c->timer : &c->fw2_timer);
    }
    if (now_usecs > c->now_usecs)
        c->now_usecs = now_usecs;
}
