/* Segments that leave the endpoint.
 *
 * Read RFC 9293 §3.8.6 (window management), §3.10.2-3.10.5 (what SEND and
 * CLOSE put on the wire), §3.10.7.1 (the answer of a closed port) and
 * RFC 6298 §5 (retransmission) first. Every segment goes out through emit(),
 * which fills the ports, the window and the ACK number. */
#include "tcp_internal.h"

/* States whose queued data (and then FIN) may be segmentized. In
 * SYN-SENT/SYN-RECEIVED data waits for ESTABLISHED (§3.10.2). CLOSING is
 * one: CLOSE enters FIN-WAIT-1 before the queued data and the FIN are out
 * (§3.10.4), and the peer's FIN may move it to CLOSING while they still wait
 * for window. FIN-WAIT-2 and TIME-WAIT have sent and had acknowledged
 * everything. */
static const bool state_sends_queued[] = {
    [TCP_CLOSED] = false,       [TCP_LISTEN] = false,     [TCP_SYN_SENT] = false,
    [TCP_SYN_RECEIVED] = false, [TCP_ESTABLISHED] = true, [TCP_FIN_WAIT_1] = true,
    [TCP_FIN_WAIT_2] = false,   [TCP_CLOSING] = true,     [TCP_TIME_WAIT] = false,
    [TCP_CLOSE_WAIT] = true,    [TCP_LAST_ACK] = true,
};
_Static_assert(sizeof state_sends_queued / sizeof state_sends_queued[0] == TCP_STATE_COUNT,
               "one entry per state");

uint32_t out_eff_mss(const struct tcp_conn *c)
{
    uint32_t mss = c->cfg.mss < c->peer_mss ? c->cfg.mss : c->peer_mss;
    return mss ? mss : 1;
}

/* The acknowledgment number we send: everything received in order. */
static uint32_t ack_number(const struct tcp_conn *c)
{
#ifdef FINFUZZ_MUTANT_FIN_ACK_NO_PLUS_ONE
    if (c->peer_fin)
        return c->peer_fin_seq;
#endif
    return c->rcv_nxt;
}

static void emit_raw(struct tcp_conn *c, uint16_t sport, uint16_t dport, uint32_t seq,
                     uint8_t flags, uint32_t ack, const uint8_t *data, uint32_t len, bool with_mss)
{
    /* Every member starts at zero (reserved_bits, and whatever struct seg
     * gains later): a segment must not carry stack garbage. */
    struct seg s = {0};
    s.sport = sport;
    s.dport = dport;
    s.seq = seq;
    s.ack = (flags & TCP_ACK) ? ack : 0;
    s.flags = flags;
    s.window = c->rcv_wnd > 65535u ? 65535u : (uint16_t)c->rcv_wnd;
    if (flags & TCP_RST)
        s.window = 0;
    s.urg_ptr = 0;
    s.opts.has_mss = with_mss;
    s.opts.mss = with_mss ? c->cfg.mss : 0;
    s.opts.has_wscale = false;
    s.opts.wscale = 0;
    s.opts.sack_permitted = false;
    s.opts.has_ts = false;
    s.opts.ts_val = 0;
    s.opts.ts_ecr = 0;
    s.opts.raw_len = 0;
    s.payload_len = len;
    s.payload = len ? data : NULL;
    c->stats.segs_out++;
    if (flags & TCP_RST)
        c->stats.rsts_out++;
    c->hooks.output(c->hooks.ctx, &s);
}

static void emit(struct tcp_conn *c, uint32_t seq, uint8_t flags, const uint8_t *data, uint32_t len)
{
    emit_raw(c, c->lport, c->rport, seq, flags, ack_number(c), data, len, false);
    if (seq_gt(seq + len + ((flags & TCP_FIN) ? 1u : 0u), c->snd_max))
        c->snd_max = seq + len + ((flags & TCP_FIN) ? 1u : 0u);
}

void out_ack(struct tcp_conn *c)
{
    emit(c, c->snd_nxt, TCP_ACK, NULL, 0);
}

void out_challenge_ack(struct tcp_conn *c)
{
    c->stats.challenge_acks++;
    out_ack(c);
}

void out_syn(struct tcp_conn *c, bool with_ack)
{
    uint8_t flags = with_ack ? (TCP_SYN | TCP_ACK) : TCP_SYN;
    emit_raw(c, c->lport, c->rport, c->iss, flags, c->rcv_nxt, NULL, 0, true);
    if (c->snd_nxt == c->iss)
        c->snd_nxt = c->iss + 1;
    c->snd_max = seq_max(c->snd_max, c->snd_nxt);
}

void out_rst(struct tcp_conn *c, uint32_t seq, bool with_ack, uint32_t ack)
{
    emit_raw(c, c->lport, c->rport, seq, with_ack ? (TCP_RST | TCP_ACK) : TCP_RST, ack, NULL, 0,
             false);
}

void out_rst_for(struct tcp_conn *c, const struct seg *s)
{
    if (s->flags & TCP_RST)
        return;
    if (s->flags & TCP_ACK)
        emit_raw(c, s->dport, s->sport, s->ack, TCP_RST, 0, NULL, 0, false);
    else
        emit_raw(c, s->dport, s->sport, 0, TCP_RST | TCP_ACK, s->seq + seg_len(s), NULL, 0, false);
}

/* Send one segment of queued data starting off bytes into the send buffer,
 * n bytes long, with FIN if fin. */
static void send_data(struct tcp_conn *c, uint32_t seq, uint32_t off, uint32_t n, bool fin)
{
    const uint8_t *data = n ? buf_snd_peek(c, off, n) : NULL;
    uint8_t flags = TCP_ACK;
    if (n && off + n == c->snd_len)
        flags |= TCP_PSH;
    if (fin)
        flags |= TCP_FIN;
    emit(c, seq, flags, data, n);
}

bool out_push(struct tcp_conn *c)
{
    if (!state_sends_queued[c->state])
        return false;
    return out_push_now(c);
}

bool out_push_now(struct tcp_conn *c)
{
    bool sent = false;
    while (!c->fin_sent) {
        uint32_t first_seq = buf_snd_seq(c);
        uint32_t off = c->snd_nxt - first_seq;
        uint32_t avail = c->snd_len - off;
        uint32_t wnd_end = c->snd_una + c->snd_wnd;
        uint32_t room = seq_gt(wnd_end, c->snd_nxt) ? wnd_end - c->snd_nxt : 0;
        uint32_t n = avail;
        if (n > room)
            n = room;
        if (n > out_eff_mss(c))
            n = out_eff_mss(c);
        /* The FIN rides on the last data segment if the window has room
         * for it too: a FIN beyond the window would be dropped (§3.10.7.4). */
        bool fin = c->fin_queued && n == avail && room > n;
        if (n == 0 && !fin)
            break;
        send_data(c, c->snd_nxt, off, n, fin);
        if (fin) {
            c->fin_sent = true;
            c->fin_seq = c->snd_nxt + n;
        }
        c->snd_nxt += n + (fin ? 1u : 0u);
        sent = true;
        timer_rexmt_start(c);
    }
    /* Something waits behind a closed window and nothing is in flight: the
     * retransmission timer doubles as the persist timer (§3.8.6.1). */
    if (!conn_outstanding(c) && (c->snd_len > 0 || (c->fin_queued && !c->fin_sent)))
        timer_rexmt_start(c);
    return sent;
}

/* Zero-window probe: one byte (or the FIN) beyond the window. */
static void send_probe(struct tcp_conn *c)
{
    uint32_t off = c->snd_nxt - buf_snd_seq(c);
    if (off < c->snd_len) {
        send_data(c, c->snd_nxt, off, 1, false);
        c->snd_nxt += 1;
    } else if (c->fin_queued && !c->fin_sent) {
        send_data(c, c->snd_nxt, off, 0, true);
        c->fin_sent = true;
        c->fin_seq = c->snd_nxt;
        c->snd_nxt += 1;
    }
}

void out_retransmit(struct tcp_conn *c)
{
    if (conn_syn_unacked(c)) {
        /* The oldest segment is our SYN (SYN-SENT) or SYN,ACK. */
        out_syn(c, c->state != TCP_SYN_SENT);
        c->stats.retransmits++;
        return;
    }
    if (!conn_outstanding(c)) {
        send_probe(c);
        return;
    }
    uint32_t data_end = c->fin_sent ? c->fin_seq : c->snd_nxt;
    uint32_t n = data_end - c->snd_una;
    if (n > out_eff_mss(c))
        n = out_eff_mss(c);
    bool fin = c->fin_sent && c->snd_una + n == c->fin_seq;
    uint32_t seq = c->snd_una;
    if (n == 0 && fin) {
#ifdef FINFUZZ_MUTANT_NO_FIN_RETRANSMIT
        return;
#endif
#ifdef FINFUZZ_MUTANT_FIN_SEQ_CHANGES
        seq = c->fin_seq + 1;
#endif
    }
    c->stats.retransmits++;
    send_data(c, seq, 0, n, fin);
}
