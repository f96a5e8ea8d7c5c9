/* The quick judge (oracle_quick.h): oracle_fast.c's preconditions and
 * updates, on the fields they read. Read oracle_fast.c first: each
 * function here names the one it follows, and says only where it differs.
 * Fields the fast paths never change from their initial value while every
 * segment takes one (ooo, beyond_seen, wire_check, owed, syn_data, the
 * reuse SYNs) are not kept: their tests always pass here. syn_count is 0
 * exactly while syn_sent is false, and wire_known is sent_any. Where every
 * segment so far took a fast path, some tests of the ACK path always pass
 * too; ack_applies() and ack_apply() leave them out and say why.
 * test_oracle_quick checks, segment by segment, that this takes exactly
 * the segments the fast paths take. */
#include "oracle_quick.h"

#include <string.h>

#include "../stack/seq.h"
#include "oracle_impl.h"

void oracle_quick_init(struct oracle_quick *q, const struct oracle *o)
{
    memset(q, 0, sizeof *q);
    q->time_wait_usecs = o->rules.time_wait_usecs;
    q->slack_usecs = o->cfg.timer_slack_usecs;
    q->tw_restart_on_any_ack = o->rules.tw_restart_on_any_ack;
    q->usable = o->fast_config;
}

static inline void set_inf(struct oracle_quick_side *s, enum tcp_state st)
{
    s->inf = (uint8_t)st;
    s->inf_known = true;
}

/* syn_options_plain() */
static inline bool options_plain(const struct seg_record *r)
{
    return !(r->bits & SEG_RECORD_HAS_WSCALE) || r->wscale <= 14;
}

/* syn_sent() */
static void syn_sent(struct oracle_quick_side *s, const struct seg_record *r, enum tcp_state to)
{
    s->isn = r->seq;
    s->syn_sent = true;
    s->wscale_offered = (r->bits & SEG_RECORD_HAS_WSCALE) != 0;
    s->wscale = r->wscale > 14 ? 14 : r->wscale;
    set_inf(s, to);
    s->contig_end = r->seq + 1;
    s->snd_max = r->seq + 1;
}

/* first_syn_applies() and first_syn_apply() */
static bool first_syn(struct oracle_quick *q, struct oracle_quick_side *s,
                      struct oracle_quick_side *p, const struct seg_record *r)
{
    if (q->started || s->sent_any || p->sent_any || s->inf_known || p->inf_known || s->syn_sent ||
        r->payload_len != 0 || !options_plain(r))
        return false;
    set_inf(p, TCP_LISTEN);
    syn_sent(s, r, TCP_SYN_SENT);
    s->sent_any = true;
    p->last_peer_had_ack = false;
    q->started = true;
    return true;
}

/* syn_ack_applies() and syn_ack_apply() */
static bool syn_ack(struct oracle_quick *q, struct oracle_quick_side *s,
                    struct oracle_quick_side *p, const struct seg_record *r)
{
    uint32_t ack = r->ack;
    if (!q->started || s->sent_any || !s->inf_known || s->inf != TCP_LISTEN || s->syn_sent)
        return false;
    if (!p->sent_any || !p->syn_sent || !p->inf_known || p->inf != TCP_SYN_SENT ||
        ack != p->isn + 1 || p->snd_max != ack || p->fin_sent || r->payload_len != 0 ||
        !options_plain(r))
        return false;
    syn_sent(s, r, TCP_SYN_RECEIVED);
    uint32_t right = ack + r->window; /* not scaled on a SYN */
    if (!s->wnd_known || seq_gt(right, s->wnd_right))
        s->wnd_right = right;
    s->wnd_known = true;
    s->sent_any = true;
    p->last_peer_had_ack = true;
    return true;
}

/* ack_sender_ok[] and ack_receiver_ok[] */
static bool sender_ok(enum tcp_state st)
{
    return st != TCP_CLOSED && st != TCP_LISTEN;
}
static bool receiver_ok(enum tcp_state st)
{
    return st != TCP_CLOSED && st != TCP_LISTEN && st != TCP_SYN_SENT;
}

/* ack_applies(), less the tests that always pass where every segment so
 * far took a fast path:
 *  - that both have sent (sent_any), and what the receiver advertised
 *    (wnd_known): the states taken are reached only by sending a SYN, and,
 *    for the receiver, a SYN-ACK or an ACK;
 *  - ack-monotonic: every ACK taken was the peer's snd_max at the time,
 *    which only grows;
 *  - the peer's FIN: each FIN taken arrived (peer_fin_rcvd) at once, lies
 *    in its sender's ISN space, below its sender's contig_end and snd_max
 *    (nothing follows a FIN), and a FIN is taken only from ESTABLISHED or
 *    CLOSE-WAIT, which a side that sent a SYN and no FIN is in. (A log
 *    holds few segments, each of at most 64 KB: no number here wraps half
 *    the sequence space.) */
static bool ack_applies(const struct oracle_quick *q, const struct oracle_quick_side *s,
                        const struct oracle_quick_side *p, const struct seg_record *r)
{
    if (!s->inf_known || !p->inf_known || !sender_ok(s->inf) || !receiver_ok(p->inf))
        return false;
    if (!seq_le(r->seq, s->contig_end) || r->ack != p->snd_max)
        return false;
    if (r->payload_len > 0 && (s->fin_sent || seq_gt(r->seq + r->payload_len, p->wnd_right)))
        return false;
    bool fin = r->flags & TCP_FIN;
    if (s->inf == TCP_TIME_WAIT &&
        (fin ||
         (uint64_t)r->time_delta > s->tw_restart_usecs + q->time_wait_usecs + q->slack_usecs))
        return false;
    return !fin || (!s->fin_sent && r->payload_len == 0 && r->seq == s->contig_end &&
                    (s->inf == TCP_ESTABLISHED || s->inf == TCP_CLOSE_WAIT));
}

/* enter_time_wait() */
static void enter_time_wait(struct oracle_quick_side *s, uint64_t now)
{
    set_inf(s, TCP_TIME_WAIT);
    s->tw_restart_usecs = now;
    s->tw_ack_sent = false;
}

/* oracle_first_fin(), for the FINs taken: from ESTABLISHED, where the peer
 * has sent no FIN (it would have arrived), to FIN-WAIT-1; from CLOSE-WAIT,
 * acknowledging the peer's FIN (the ACK is the peer's snd_max), to
 * LAST-ACK. */
static void first_fin(struct oracle_quick_side *s)
{
    s->fin_sent = true;
    set_inf(s, s->inf == TCP_CLOSE_WAIT ? TCP_LAST_ACK : TCP_FIN_WAIT_1);
}

/* fin_ack_arrives() */
static void fin_ack_arrives(struct oracle_quick_side *r, uint64_t now)
{
    r->fin_acked = true;
    switch (r->inf) {
    case TCP_FIN_WAIT_1:
        set_inf(r, TCP_FIN_WAIT_2);
        break;
    case TCP_CLOSING:
        enter_time_wait(r, now);
        break;
    case TCP_LAST_ACK:
        set_inf(r, TCP_CLOSED);
        break;
    default:
        break;
    }
}

/* fin_arrives(), less peer_fin_rcvd, which only tests left out here read */
static void fin_arrives(struct oracle_quick_side *r, bool with_ack_of_ours, uint64_t now)
{
    switch (r->inf) {
    case TCP_SYN_RECEIVED:
    case TCP_ESTABLISHED:
        set_inf(r, TCP_CLOSE_WAIT);
        break;
    case TCP_FIN_WAIT_1:
        if (with_ack_of_ours)
            enter_time_wait(r, now);
        else
            set_inf(r, TCP_CLOSING);
        break;
    case TCP_FIN_WAIT_2:
        enter_time_wait(r, now);
        break;
    default:
        break;
    }
}

/* ack_apply() up to ack_apply_rare(). */
static inline __attribute__((always_inline)) void ack_take(const struct oracle_quick *q,
                                                           struct oracle_quick_side *s,
                                                           struct oracle_quick_side *p,
                                                           const struct seg_record *r, bool fin)
{
    uint32_t end = r->seq + r->payload_len + (fin ? 1u : 0u);
    if (s->inf == TCP_TIME_WAIT && q->tw_restart_on_any_ack && s->last_peer_had_ack)
        s->tw_restart_usecs = r->time_delta;
    if (seq_gt(end, s->contig_end))
        s->contig_end = end;
    if (seq_gt(end, s->snd_max))
        s->snd_max = end;
    uint32_t wnd = r->window;
    if (s->wscale_offered && p->wscale_offered)
        wnd <<= s->wscale;
    uint32_t right = r->ack + wnd;
    if (!s->wnd_known || seq_gt(right, s->wnd_right))
        s->wnd_right = right;
    s->wnd_known = true;
    s->sent_any = true;
    p->last_peer_had_ack = true;
}

/* ack_apply() with ack_apply_rare(), which it may always call: when
 * ack_apply() skips it, nothing in it applies. */
static void ack_apply(const struct oracle_quick *q, struct oracle_quick_side *s,
                      struct oracle_quick_side *p, const struct seg_record *r)
{
    uint64_t now = (uint64_t)r->time_delta;
    bool fin = r->flags & TCP_FIN;
    ack_take(q, s, p, r, fin);

    /* ack_apply_rare(). The ACK is the peer's snd_max, which a FIN of its
     * ends: it acknowledges the peer's FIN exactly when the peer sent one
     * (and that FIN lies in the peer's ISN space, see ack_applies()). */
    bool acks_p_fin = p->fin_sent;
    bool covers_p_fin = acks_p_fin;
    if (fin)
        first_fin(s);
    if (covers_p_fin && !s->peer_fin_confirmed) {
        s->peer_fin_confirmed = true;
        if (s->inf == TCP_TIME_WAIT && !s->tw_ack_sent) {
            s->tw_ack_sent = true;
            s->tw_restart_usecs = now;
        }
    }
    /* The handshake: the ACK is at least the peer's ISN + 1 once the peer
     * sent its SYN, which a receiver in SYN-RECEIVED, and the receiver of
     * a sender in SYN-SENT, did. */
    if (s->inf == TCP_SYN_SENT || s->inf == TCP_SYN_RECEIVED)
        set_inf(s, TCP_ESTABLISHED);
    if (p->inf == TCP_SYN_RECEIVED)
        set_inf(p, TCP_ESTABLISHED);
    if (acks_p_fin && !p->fin_acked)
        fin_ack_arrives(p, now);
    if (fin)
        fin_arrives(p, acks_p_fin, now);
}

/* Whether s and p are in a connection's steady state: both ESTABLISHED
 * (which only set_inf() makes them, so their states are known), both have
 * sent, neither has sent a FIN. */
static inline bool steady(const struct oracle_quick_side *s, const struct oracle_quick_side *p)
{
    return s->inf == TCP_ESTABLISHED && p->inf == TCP_ESTABLISHED && s->sent_any && p->sent_any &&
           !s->fin_sent && !p->fin_sent;
}

/* ack_applies() for a segment with ACK and no FIN between steady s and p:
 * the tests that can fail there. (The states suit both; nothing waits on
 * a FIN; s is not in TIME-WAIT.) ack_apply() then changes only what
 * ack_take() changes: its rare part finds no FIN and no handshake to
 * end. */
static inline bool steady_ack_applies(const struct oracle_quick_side *s,
                                      const struct oracle_quick_side *p, const struct seg_record *r)
{
    return seq_le(r->seq, s->contig_end) && r->ack == p->snd_max &&
           (r->payload_len == 0 || !seq_gt(r->seq + r->payload_len, p->wnd_right));
}

/* One segment: false when the oracle would not take it by a fast path. */
static inline __attribute__((always_inline)) bool quick_segment(struct oracle_quick *q,
                                                                const struct seg_record *r)
{
    unsigned ep = r->bits & SEG_RECORD_FROM_B ? EP_B : EP_A;
    struct oracle_quick_side *s = &q->side[ep], *p = &q->side[ep ^ 1u];
    uint8_t kind = r->flags & (TCP_SYN | TCP_FIN | TCP_RST | TCP_ACK);
    if (kind == TCP_ACK && steady(s, p)) {
        if (!steady_ack_applies(s, p, r))
            return false;
        ack_take(q, s, p, r, false);
        return true;
    }
    /* oracle_segment()'s sorting by flags */
    switch (kind) {
    case TCP_ACK:
    case TCP_ACK | TCP_FIN:
        if (!ack_applies(q, s, p, r))
            return false;
        ack_apply(q, s, p, r);
        return true;
    case TCP_SYN:
        return first_syn(q, s, p, r);
    case TCP_SYN | TCP_ACK:
        return syn_ack(q, s, p, r);
    default:
        return false;
    }
}

bool oracle_quick_run(struct oracle_quick *q, const struct seg_record *r, unsigned n)
{
    if (!q->usable)
        return false;
    for (unsigned k = 0; k < n; k++)
        if (!quick_segment(q, &r[k]))
            return false;
    return true;
}

bool oracle_quick_end(const struct oracle_quick *q, struct oracle_endpoint_view view[2])
{
    if (!q->started)
        return false;
    for (unsigned ep = 0; ep < 2; ep++) {
        const struct oracle_quick_side *s = &q->side[ep];
        /* oracle_observe_finish()'s fin-retransmit: a FIN still waiting
         * for its ACK is judged by the end time. (Nothing else there
         * applies: nothing is owed, no RST was seen, no state reported.) */
        if (s->fin_sent && !s->fin_acked && !(s->inf_known && s->inf == TCP_CLOSED))
            return false;
        view[ep] = (struct oracle_endpoint_view){.state = (enum tcp_state)s->inf,
                                                 .state_known = s->inf_known};
    }
    return true;
}
