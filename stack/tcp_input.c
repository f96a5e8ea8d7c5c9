/* SEGMENT ARRIVES.
 *
 * Read RFC 9293 §3.10.7 first, then RFC 5961 §3-§5 (RST, SYN and ACK
 * validation) and RFC 1337. The checks run in the RFC's order: sequence
 * number, RST, SYN, ACK, URG (ignored), segment text, FIN. Each step is a
 * small handler per state, with a comment naming its subsection; every state
 * has an explicit answer in every switch. */
#include "tcp_internal.h"

/* The part of a segment that is left to process after trimming it to the
 * receive window (§3.10.7.4 first: "the idealized segment"). */
struct rx {
    uint32_t seq;        /* sequence number of data[0] */
    const uint8_t *data; /* may be NULL (zeros) */
    uint32_t len;
    bool fin;           /* the FIN is inside the window */
    bool need_ack;      /* something arrived that we must acknowledge */
    bool fin_acked_now; /* FIN-WAIT-1: this segment acknowledged our FIN */
};

static void rx_init(struct rx *rx, const struct seg *s)
{
    rx->seq = s->seq + ((s->flags & TCP_SYN) ? 1u : 0u);
    rx->data = s->payload;
    rx->len = s->payload_len;
    rx->fin = (s->flags & TCP_FIN) != 0;
    rx->need_ack = false;
    rx->fin_acked_now = false;
}

/* Cut what lies before RCV.NXT or beyond RCV.NXT + RCV.WND. */
static void rx_trim(const struct tcp_conn *c, struct rx *rx)
{
    if (seq_lt(rx->seq, c->rcv_nxt)) {
        uint32_t cut = c->rcv_nxt - rx->seq;
        if (cut > rx->len) {
            rx->fin = false; /* the FIN itself is old */
            cut = rx->len;
        }
        if (rx->data)
            rx->data += cut;
        rx->len -= cut;
        rx->seq = c->rcv_nxt;
    }
    /* What does not fit is dropped, and the ACK we then owe tells the
     * peer where the window ends (§3.10.7.4: a zero window accepts no
     * text and no FIN; the FIN comes back by retransmission). */
    uint32_t wnd_end = c->rcv_nxt + c->rcv_wnd;
    if (seq_gt(rx->seq + rx->len, wnd_end)) {
        rx->len = seq_gt(wnd_end, rx->seq) ? wnd_end - rx->seq : 0;
        rx->fin = false;
        rx->need_ack = true;
    }
    if (rx->fin && !seq_lt(rx->seq + rx->len, wnd_end)) {
        rx->fin = false; /* the FIN's own sequence number is beyond the window */
        rx->need_ack = true;
    }
}

/* §3.10.7.4 first: the four cases of the acceptability test. With a zero
 * window a segment at RCV.NXT is still taken for its ACK (the "special
 * allowance" for ACKs, URGs and RSTs); its text is trimmed away. */
static bool seg_acceptable(const struct tcp_conn *c, const struct seg *s)
{
    uint32_t len = seg_len(s);
    uint32_t lo = c->rcv_nxt, hi = c->rcv_nxt + c->rcv_wnd;
    if (c->rcv_wnd == 0)
        return s->seq == lo;
    if (len == 0)
        return seq_in_window(s->seq, lo, hi);
    return seq_in_window(s->seq, lo, hi) || seq_in_window(s->seq + len - 1, lo, hi);
}

static void take_peer_options(struct tcp_conn *c, const struct seg *s)
{
    if (s->opts.has_mss && s->opts.mss > 0)
        c->peer_mss = s->opts.mss;
}

/* §3.10.7.4 fifth, SND.WND update: only from a segment at least as new as
 * the one that last set it, or (force) from one that acknowledges new data.
 * A window is measured from the ACK it rides with: when SND.UNA moves, the
 * old SND.WND measured from the new SND.UNA would put the right edge beyond
 * anything the peer offered. The RFC's SND.WL1 test misses that case when
 * the new ACK rides on a retransmitted (older) segment, so such an ACK
 * updates the window as well (Linux does the same). */
static void window_update(struct tcp_conn *c, const struct seg *s, bool force)
{
    if (force || seq_lt(c->snd_wl1, s->seq) ||
        (c->snd_wl1 == s->seq && seq_le(c->snd_wl2, s->ack))) {
        c->snd_wnd = (uint32_t)s->window << c->snd_wscale;
        c->snd_wl1 = s->seq;
        c->snd_wl2 = s->ack;
    }
}

/* The ACK owed to an unacceptable segment (§3.10.7.4 first step) or to an
 * ACK of something not yet sent (fifth step). Two desynchronized endpoints
 * (e.g. a half-open connection built on an old SYN) would answer each
 * other's ACKs with ACKs forever, each one unacceptable to the other: an
 * ACK war. So an unacceptable pure ACK (no text, SYN, FIN or RST) is
 * answered at most once per CONN_INVALID_ACK_INTERVAL_USECS (RFC 5961 §7
 * allows the throttle; Linux does the same); one suppressed answer ends the
 * ping-pong. Segments that carry anything are always answered. */
static void out_ack_unacceptable(struct tcp_conn *c, const struct seg *s)
{
    bool pure_ack = !(s->flags & (TCP_SYN | TCP_FIN | TCP_RST)) && s->payload_len == 0;
    if (pure_ack) {
        if (c->invalid_ack_sent &&
            c->now_usecs - c->invalid_ack_usecs < CONN_INVALID_ACK_INTERVAL_USECS)
            return;
        c->invalid_ack_sent = true;
        c->invalid_ack_usecs = c->now_usecs;
    }
    out_ack(c);
}

/* SND.UNA moves to ack: our SYN, the acknowledged bytes and then our FIN
 * leave the retransmission queue. */
static void ack_advance(struct tcp_conn *c, uint32_t ack)
{
    uint32_t acked = ack - c->snd_una;
    if (conn_syn_unacked(c))
        acked--;
    buf_snd_consume(c, acked < c->snd_len ? acked : c->snd_len);
    c->snd_una = ack;
    timer_rexmt_on_ack(c);
}

/* ---- CLOSED ---- */

/* §3.10.7.1: all data is discarded; anything but a RST draws a RST. */
static void in_closed(struct tcp_conn *c, const struct seg *s)
{
    out_rst_for(c, s);
}

/* ---- LISTEN ---- */

/* §3.10.7.2: RST ignored; an ACK draws <SEQ=SEG.ACK><CTL=RST>; a SYN opens:
 * choose the ISS, answer SYN,ACK, SYN-RECEIVED. Text and FIN on the SYN are
 * not kept (the peer retransmits them). */
static void in_listen(struct tcp_conn *c, const struct seg *s)
{
    if (s->flags & TCP_RST)
        return;
    if (s->flags & TCP_ACK) {
        out_rst(c, s->ack, false, 0);
        return;
    }
    if (!(s->flags & TCP_SYN))
        return;
    conn_choose_iss(c);
    c->irs = s->seq;
    c->rcv_nxt = s->seq + 1;
    take_peer_options(c, s);
    window_update(c, s, true);
    c->passive_open = true;
    out_syn(c, true);
    timer_rexmt_start(c);
    conn_set_state(c, TCP_SYN_RECEIVED, TCP_CAUSE_RCV_SYN);
}

/* ---- SYN-SENT ---- */

static void process_text_and_fin(struct tcp_conn *c, struct rx *rx);

/* §3.10.7.3: check the ACK, then RST (RFC 5961 §3.2: acceptable only if it
 * acknowledges our SYN), then SYN: a SYN,ACK establishes, a bare SYN is a
 * simultaneous open (SYN-RECEIVED, answer SYN,ACK). */
static void in_syn_sent(struct tcp_conn *c, const struct seg *s)
{
    bool has_ack = (s->flags & TCP_ACK) != 0;
    if (has_ack && (seq_le(s->ack, c->iss) || seq_gt(s->ack, c->snd_nxt))) {
        if (!(s->flags & TCP_RST))
            out_rst(c, s->ack, false, 0);
        return;
    }
    if (s->flags & TCP_RST) {
        if (has_ack)
            conn_enter_closed(c, TCP_CAUSE_RCV_RST); /* "connection reset" */
        return;
    }
    if (!(s->flags & TCP_SYN))
        return;
    c->irs = s->seq;
    c->rcv_nxt = s->seq + 1;
    take_peer_options(c, s);
    window_update(c, s, true);
    if (has_ack) {
        ack_advance(c, s->ack);
        conn_set_state(c, TCP_ESTABLISHED, TCP_CAUSE_RCV_SYN_ACK);
        /* "continue processing at the sixth step": text and FIN. */
        struct rx rx;
        rx_init(&rx, s);
        rx_trim(c, &rx);
        rx.need_ack = true;
        process_text_and_fin(c, &rx);
        return;
    }
    c->passive_open = false;
    out_syn(c, true);
    conn_set_state(c, TCP_SYN_RECEIVED, TCP_CAUSE_RCV_SYN);
}

/* ---- RST (second step), every state from SYN-RECEIVED on ---- */

/* An acceptable RST (exactly RCV.NXT) per state, §3.10.7.4 second. */
static void rst_accepted(struct tcp_conn *c)
{
    switch (c->state) {
    case TCP_SYN_RECEIVED:
        /* Passive OPEN: back to LISTEN (Figure 5 note 1); active: refused. */
        if (c->passive_open)
            conn_return_to_listen(c, TCP_CAUSE_RCV_RST);
        else
            conn_enter_closed(c, TCP_CAUSE_RCV_RST);
        return;
    case TCP_ESTABLISHED:
    case TCP_FIN_WAIT_1:
    case TCP_FIN_WAIT_2:
    case TCP_CLOSE_WAIT:
        /* "connection reset": queues flushed, CLOSED. */
        conn_enter_closed(c, TCP_CAUSE_RCV_RST);
        return;
    case TCP_CLOSING:
    case TCP_LAST_ACK:
    case TCP_TIME_WAIT:
        conn_enter_closed(c, TCP_CAUSE_RCV_RST);
        return;
    case TCP_CLOSED:
    case TCP_LISTEN:
    case TCP_SYN_SENT:
    case TCP_STATE_COUNT:
        return; /* handled by their own input functions, never here */
    }
}

/* RFC 5961 §3.2: out of window, ignore; exactly RCV.NXT, reset; elsewhere
 * in the window, a challenge ACK. RFC 1337: in TIME-WAIT, when configured,
 * every RST is ignored so that an old RST cannot cut TIME-WAIT short. */
static void on_rst(struct tcp_conn *c, const struct seg *s)
{
    if (c->state == TCP_TIME_WAIT && c->cfg.rfc1337)
        return;
    if (s->seq == c->rcv_nxt) {
        rst_accepted(c);
        return;
    }
    if (!seq_in_window(s->seq, c->rcv_nxt, c->rcv_nxt + c->rcv_wnd))
        return;
#ifdef FINFUZZ_MUTANT_RST_ANY_IN_WINDOW
    rst_accepted(c);
    return;
#endif
    out_challenge_ack(c);
}

/* ---- SYN (fourth step) ---- */

/* §3.10.7.4 fourth with RFC 5961 §4.2: in a synchronized state a SYN,
 * whatever its sequence number, draws a challenge ACK. */
static void on_syn_synchronized(struct tcp_conn *c)
{
#ifdef FINFUZZ_MUTANT_NO_CHALLENGE_ACK
    if (c->state == TCP_ESTABLISHED) {
        out_rst(c, c->snd_nxt, false, 0);
        conn_enter_closed(c, TCP_CAUSE_RCV_SYN);
        return;
    }
#endif
    out_challenge_ack(c);
}

/* §3.10.7.4 fourth, SYN-RECEIVED: an acceptable SYN sends a passively
 * opened connection back to LISTEN; an actively opened one is treated as
 * synchronized (challenge ACK). */
static void on_syn_syn_received(struct tcp_conn *c)
{
    if (c->passive_open)
        conn_return_to_listen(c, TCP_CAUSE_RCV_SYN);
    else
        out_challenge_ack(c);
}

/* ---- ACK (fifth step) ---- */

/* §3.10.7.4 fifth, SYN-RECEIVED: an ACK of our SYN establishes; any other
 * ACK draws <SEQ=SEG.ACK><CTL=RST>. A CLOSE issued in SYN-RECEIVED with data
 * queued sends its FIN now (§3.10.4). */
static bool on_ack_syn_received(struct tcp_conn *c, const struct seg *s)
{
    if (!(seq_lt(c->snd_una, s->ack) && seq_le(s->ack, c->snd_nxt))) {
        out_rst(c, s->ack, false, 0);
        return false;
    }
    ack_advance(c, s->ack);
    window_update(c, s, true);
    conn_set_state(c, TCP_ESTABLISHED, TCP_CAUSE_RCV_ACK);
    if (c->fin_queued) {
        out_push(c);
        conn_set_state(c, TCP_FIN_WAIT_1, TCP_CAUSE_APP_CLOSE);
    }
    return true;
}

/* §3.10.7.4 fifth for the synchronized states, with RFC 5961 §5.2: an ACK
 * outside [SND.UNA - MAX.SND.WND, SND.NXT] is answered with an ACK and
 * dropped. Returns false when the segment is done with. */
static bool on_ack(struct tcp_conn *c, const struct seg *s, struct rx *rx)
{
    if (c->state == TCP_SYN_RECEIVED)
        return on_ack_syn_received(c, s);
    if (!seq_between(c->snd_una - CONN_MAX_SND_WND, s->ack, c->snd_nxt)) {
        out_ack_unacceptable(c, s);
        return false;
    }
    bool fin_was_acked = conn_fin_acked(c);
    /* "If SND.UNA =< SEG.ACK =< SND.NXT, the send window should be
     * updated": an older ACK's window is relative to an older edge. */
    bool ack_current = seq_ge(s->ack, c->snd_una);
    bool ack_advances = seq_gt(s->ack, c->snd_una);
    if (ack_advances)
        ack_advance(c, s->ack);
    if (ack_current)
        window_update(c, s, ack_advances);
    bool fin_acked_now = !fin_was_acked && conn_fin_acked(c);
    switch (c->state) {
    case TCP_ESTABLISHED:
    case TCP_CLOSE_WAIT:
    case TCP_FIN_WAIT_2:
        return true;
    case TCP_FIN_WAIT_1:
        /* "if the FIN segment is now acknowledged, then enter FIN-WAIT-2":
         * done after the FIN step, so that a FIN on this same segment
         * takes FIN-WAIT-1 straight to TIME-WAIT. */
        rx->fin_acked_now = fin_acked_now;
        return true;
    case TCP_CLOSING:
        /* "if the ACK acknowledges our FIN, enter TIME-WAIT, otherwise
         * ignore the segment" -- after "the processing for the ESTABLISHED
         * state", which includes sending what the updated window now
         * admits: data queued before CLOSE and our FIN may still wait. */
        if (!fin_acked_now) {
            out_push(c);
            return false;
        }
        conn_enter_time_wait(c, TCP_CAUSE_RCV_ACK);
        return true;
    case TCP_LAST_ACK:
        /* "If our FIN is now acknowledged, delete the TCB, enter CLOSED". */
        if (fin_acked_now) {
            conn_enter_closed(c, TCP_CAUSE_RCV_ACK);
            return false;
        }
        return true;
    case TCP_TIME_WAIT:
        return true; /* only a retransmitted FIN matters (see in_time_wait_fin) */
    case TCP_CLOSED:
    case TCP_LISTEN:
    case TCP_SYN_SENT:
    case TCP_SYN_RECEIVED:
    case TCP_STATE_COUNT:
        break;
    }
    return false;
}

/* ---- Segment text (seventh step) ---- */

/* §3.10.7.4 seventh: ESTABLISHED, FIN-WAIT-1 and FIN-WAIT-2 deliver
 * in-order text; after the peer's FIN (CLOSE-WAIT, CLOSING, LAST-ACK,
 * TIME-WAIT) text "should not occur" and is ignored. Data for an
 * application that has closed resets the connection (RFC 1122 4.2.2.13).
 * Returns false when the connection is gone. */
static bool on_text(struct tcp_conn *c, struct rx *rx)
{
    if (rx->len == 0)
        return true;
    switch (c->state) {
    case TCP_ESTABLISHED:
    case TCP_FIN_WAIT_1:
    case TCP_FIN_WAIT_2:
        break;
    case TCP_CLOSE_WAIT:
    case TCP_CLOSING:
    case TCP_LAST_ACK:
    case TCP_TIME_WAIT:
#ifdef FINFUZZ_MUTANT_DATA_AFTER_FIN
        break;
#endif
        rx->len = 0;
        return true;
    case TCP_CLOSED:
    case TCP_LISTEN:
    case TCP_SYN_SENT:
    case TCP_SYN_RECEIVED:
    case TCP_STATE_COUNT:
        rx->len = 0;
        return true;
    }
    if (c->rd_shut) {
        app_reset_unread(c);
        return false;
    }
    rx->need_ack = true;
    if (rx->seq != c->rcv_nxt) {
        /* Out of order: not kept (no reassembly queue); the duplicate ACK
         * tells the peer what is missing. */
        rx->len = 0;
        rx->fin = false;
        return true;
    }
    buf_rcv_append(c, rx->data, rx->len);
    c->rcv_nxt += rx->len;
    return true;
}

/* ---- FIN (eighth step) ---- */

/* §3.10.7.4 eighth: the FIN is taken when it is next in sequence: RCV.NXT
 * advances over it, it is acknowledged, and the state moves on. */
static void on_fin(struct tcp_conn *c, struct rx *rx)
{
    if (!rx->fin || rx->seq + rx->len != c->rcv_nxt)
        return;
    if (c->peer_fin) {
        /* A second FIN at a new sequence number: nothing to advance over;
         * "remain in the state", acknowledge what we have. */
        rx->need_ack = true;
        return;
    }
    c->peer_fin = true;
    c->peer_fin_seq = c->rcv_nxt;
    c->rcv_nxt += 1;
    out_ack(c);
    rx->need_ack = false;
    switch (c->state) {
    case TCP_SYN_RECEIVED:
    case TCP_ESTABLISHED:
        conn_set_state(c, TCP_CLOSE_WAIT, TCP_CAUSE_RCV_FIN);
        return;
    case TCP_FIN_WAIT_1:
        /* "If our FIN has been ACKed (perhaps in this segment), then enter
         * TIME-WAIT ...; otherwise, enter the CLOSING state." */
        if (conn_fin_acked(c)) {
            conn_enter_time_wait(c, TCP_CAUSE_RCV_FIN_ACK);
            return;
        }
#ifdef FINFUZZ_MUTANT_SKIP_CLOSING
        conn_enter_time_wait(c, TCP_CAUSE_RCV_FIN);
        return;
#endif
        conn_set_state(c, TCP_CLOSING, TCP_CAUSE_RCV_FIN);
        return;
    case TCP_FIN_WAIT_2:
        conn_enter_time_wait(c, TCP_CAUSE_RCV_FIN);
        return;
    case TCP_CLOSE_WAIT:
    case TCP_CLOSING:
    case TCP_LAST_ACK:
    case TCP_TIME_WAIT:
        /* Only reachable with DATA_AFTER_FIN-like histories: stay. */
        return;
    case TCP_CLOSED:
    case TCP_LISTEN:
    case TCP_SYN_SENT:
    case TCP_STATE_COUNT:
        return;
    }
}

/* Steps six to eight, then what is owed: a deferred FIN-WAIT-2, new data
 * the ACK made room for, and the ACK itself. */
static void process_text_and_fin(struct tcp_conn *c, struct rx *rx)
{
    /* Sixth step, URG: urgent data is delivered as ordinary data. */
    if (!on_text(c, rx))
        return;
    on_fin(c, rx);
    if (c->state == TCP_FIN_WAIT_1 && rx->fin_acked_now) {
        conn_set_state(c, TCP_FIN_WAIT_2, TCP_CAUSE_RCV_ACK);
        timer_fin_wait_2_start(c);
    }
    if (out_push(c))
        rx->need_ack = false;
    if (rx->need_ack)
        out_ack(c);
}

/* ---- TIME-WAIT ---- */

/* §3.10.7.4 eighth, TIME-WAIT: "The only thing that can arrive in this state
 * is a retransmission of the remote FIN. Acknowledge it, and restart the
 * 2 MSL timeout." A retransmitted FIN lies below RCV.NXT and would fail the
 * acceptability test, so it is recognised before it. Only a true
 * retransmission restarts the timer: the peer's FIN again, ending exactly
 * where the first one did, with the ACK bit (the fifth step drops a segment
 * without it before the FIN step is reached). A FIN without ACK, or at any
 * other sequence number, gets the ordinary treatment and 2*MSL runs on. */
static bool is_fin_retransmit(const struct tcp_conn *c, const struct seg *s)
{
    return (s->flags & (TCP_FIN | TCP_ACK | TCP_RST | TCP_SYN)) == (TCP_FIN | TCP_ACK) &&
           c->peer_fin && s->seq + s->payload_len == c->peer_fin_seq;
}

static void in_time_wait_fin(struct tcp_conn *c)
{
#ifndef FINFUZZ_MUTANT_NO_TW_REACK
    out_ack(c);
#endif
    timer_time_wait_start(c);
}

/* §3.10.7.4: SYN-RECEIVED and the synchronized states. */
static void in_other(struct tcp_conn *c, const struct seg *s)
{
    if (c->state == TCP_TIME_WAIT && is_fin_retransmit(c, s)) {
        in_time_wait_fin(c);
        return;
    }
    /* Second step first for RST: RFC 5961 §3.2 judges RSTs by their
     * sequence number alone, and an unacceptable RST gets no answer. */
    if (s->flags & TCP_RST) {
        on_rst(c, s);
        return;
    }
    if ((s->flags & TCP_SYN) && conn_synchronized(c->state)) {
        on_syn_synchronized(c);
        return;
    }
    /* First step: the acceptability test; a miss is answered with an ACK. */
    if (!seg_acceptable(c, s)) {
        out_ack_unacceptable(c, s);
        return;
    }
    if (s->flags & TCP_SYN) {
        on_syn_syn_received(c);
        return;
    }
    if (!(s->flags & TCP_ACK))
        return; /* fifth step: "if the ACK bit is off, drop the segment" */
    struct rx rx;
    rx_init(&rx, s);
    rx_trim(c, &rx);
    if (!on_ack(c, s, &rx))
        return;
    process_text_and_fin(c, &rx);
}

void tcp_input(struct tcp_conn *c, uint64_t now_usecs, const struct seg *s)
{
    if (now_usecs > c->now_usecs)
        c->now_usecs = now_usecs;
    c->stats.segs_in++;
    if (s->dport != c->lport || s->sport != c->rport) {
        out_rst_for(c, s); /* no connection for this pair: as CLOSED */
        return;
    }
    switch (c->state) {
    case TCP_CLOSED:
        in_closed(c, s);
        return;
    case TCP_LISTEN:
        in_listen(c, s);
        return;
    case TCP_SYN_SENT:
        in_syn_sent(c, s);
        return;
    case TCP_SYN_RECEIVED:
    case TCP_ESTABLISHED:
    case TCP_FIN_WAIT_1:
    case TCP_FIN_WAIT_2:
    case TCP_CLOSING:
    case TCP_TIME_WAIT:
    case TCP_CLOSE_WAIT:
    case TCP_LAST_ACK:
        in_other(c, s);
        return;
    case TCP_STATE_COUNT:
        return;
    }
}
