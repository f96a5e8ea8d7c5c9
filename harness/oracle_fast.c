/* The oracle's fast paths: the ordinary segments of a connection's life.
 *
 * Read oracle_observer.c's oracle_observe_segment() first: these are
 * shortcuts through it, not a second opinion. Almost every segment of a
 * capture is one of a few shapes, for which nearly all of the observer's
 * checks find nothing to do:
 *
 *   - the first SYN of a flow (nothing seen of either side yet);
 *   - the SYN-ACK that answers it (its sender in LISTEN, the SYN's sender
 *     in SYN-SENT);
 *   - an in-order segment with ACK (data, a bare ACK, or a first FIN with
 *     no data) that acknowledges exactly what the peer sent, between two
 *     endpoints whose states are known: the ACK that ends the handshake,
 *     data and ACKs in ESTABLISHED, the FIN from ESTABLISHED or CLOSE-WAIT,
 *     the ACK of a FIN, data from CLOSE-WAIT and the last ACK from
 *     TIME-WAIT.
 *
 * For exactly those cases (the preconditions: *_applies below) this applies
 * the updates the observer makes and nothing else (*_apply); every other
 * segment goes the general way (a FIN with data or out of order, a second
 * FIN, a SYN with text or a window scale above 14, a retransmitted SYN,
 * an ACK that is not exactly the peer's snd_max, ...).
 *
 * Why they give the same verdicts: under the preconditions each branch of
 * oracle_observe_segment() is decided (the comments name them), so the
 * observer's effect reduces to the assignments made here, and no invariant
 * can be broken by such a segment. And it is checked, not only argued: in
 * sanitizer builds (FINFUZZ_VERIFY_FAST, fast_verify.h: `make test`, every
 * fuzz target) each segment taken here is also run through the observer on
 * a copy of the oracle and the two states are compared byte for byte, so a
 * change to the observer that these paths do not follow fails the tests at
 * once.
 *
 * Whoever changes what oracle_observe_segment() does for one of the shapes
 * above must change it here too.
 *
 * The layout is for speed (the checker spends a quarter of its time here):
 * oracle_segment() only sorts segments by their flags and reaches, by a
 * tail call and without saving a register, ack_segment() (the ACK path's
 * checks and updates in one function, for nearly every segment) or
 * other_segment() (the SYN paths, or the observer). */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "../stack/seq.h"
#include "fast_verify.h"
#include "oracle_fast.h"
#include "oracle_impl.h"

/* note_push(): the next slot of the recent-segment ring, which the caller
 * fills whole once it knows what the segment did. */
static inline struct oracle_seg_note *note_slot(struct oracle *o)
{
    struct oracle_seg_note *note = &o->recent[o->recent_next];
    o->recent_next = (o->recent_next + 1) % ORACLE_RECENT_SEGS;
    return note;
}

/* A window scale option the observer takes as it is (it clamps above 14). */
static inline bool syn_options_plain(const struct seg *g)
{
    return !g->opts.has_wscale || g->opts.wscale <= 14;
}

/* What a SYN without text sets of its sender (ep), after the observer's
 * SYN ring, first_segment() and first-SYN branches: its options (RFC 7323
 * §2.3 caps the shift at 14), its state, its timestamp and the one sequence
 * number the SYN occupies (track_contig() from contig_end == seq). */
static inline void syn_sent(struct oracle_side *s, unsigned ep, struct oracle_seg_note *note,
                            const struct seg *g, enum tcp_state to, uint64_t index, uint64_t now)
{
    uint32_t seq = g->seq;
    /* The SYN ring (empty: no retransmission to merge) and filter. */
    s->syn_bloom |= oracle_seq_bloom_bits(seq);
    s->syn_seqs[s->syn_next] = seq;
    s->syn_next = (uint8_t)((s->syn_next + 1) % 4);
    s->syn_count = 1;
    s->isn_known = true;
    s->isn = seq;
    s->syn_sent = true;
    s->wscale_offered = g->opts.has_wscale;
    s->wscale = g->opts.wscale > 14 ? 14 : g->opts.wscale;
    oracle_side_set_inf(s, to, index);
    s->inf_change_valid = false;
    if (g->opts.has_ts) {
        s->ts_seen = true;
        s->ts_last = g->opts.ts_val;
    }
    /* check_window(): a SYN. acceptable (under test), no FIN, not beyond
     * (no text). */
    s->last_xmit_usecs = now;
    s->wire_max = seq + 1;
    s->wire_known = true;
    s->contig_end = seq + 1;
    s->snd_max = seq + 1;
    s->space_max = seq + 1;
    *note = (struct oracle_seg_note){.index = index,
                                     .seq = seq,
                                     .ack = g->ack,
                                     .len = 1,
                                     .src = (uint8_t)ep,
                                     .flags = g->flags,
                                     .valid = true,
                                     .space_set = true,
                                     .space_prev = seq};
}

/* ---- the first SYN of a flow ---- */

static inline bool first_syn_applies(const struct oracle *o, const struct ev *e)
{
    unsigned ep = e->endpoint & 1u;
    const struct oracle_side *s = &o->side[ep];
    const struct oracle_side *p = &o->side[ep ^ 1u];
    const struct seg *g = &e->u.segment.seg;
    /* Nothing seen of either side (first_segment() with !o->started, the
     * peer's state unknown so it is put in LISTEN); no SYN of this side in
     * the ring; no text (syn_data) and plain options. */
    return !o->started && !s->sent_any && !p->sent_any && !s->inf_known && !p->inf_known &&
           s->syn_count == 0 && !s->wire_known && !s->ooo && g->payload_len == 0 &&
           syn_options_plain(g);
}

static __attribute__((noinline)) void first_syn_apply(struct oracle *o, uint64_t index,
                                                      const struct ev *e)
{
    unsigned ep = e->endpoint & 1u;
    struct oracle_side *s = &o->side[ep];
    struct oracle_side *p = &o->side[ep ^ 1u];
    const struct seg *g = &e->u.segment.seg;
    uint64_t now = e->time_usecs;
    if (e->frame)
        o->from_capture = true;
    struct oracle_seg_note *note = note_slot(o);
    /* first_segment(): the stream starts at a SYN, sent to a listener. */
    o->handshake_seen = true;
    oracle_side_set_inf(p, TCP_LISTEN, 0);
    p->inf_change_valid = false;
    /* No new incarnation, not CLOSED, not TIME-WAIT, nothing owed that a
     * segment without ACK satisfies. Its first SYN: */
    syn_sent(s, ep, note, g, TCP_SYN_SENT, index, now);
    /* No ACK: no sender_ack(). */
    s->sent_any = true;
    s->last_send_usecs = now;
    p->peer_spoke_since_fin = true;
    /* At the peer (LISTEN since first_segment()): answerable with an ACK of
     * SEG.SEQ + SEG.LEN; no ACK, no FIN. */
    p->last_peer_had_ack = false;
    oracle_answerable_add(p, index, true, g->seq + 1);
    note->effects = 0;
    note->rcv_prev = TCP_LISTEN;
    note->rcv_prev_known = true;
    o->started = true;
}

/* ---- the SYN-ACK that answers it ---- */

static inline bool syn_ack_applies(const struct oracle *o, const struct ev *e)
{
    unsigned ep = e->endpoint & 1u;
    const struct oracle_side *s = &o->side[ep];
    const struct oracle_side *p = &o->side[ep ^ 1u];
    const struct seg *g = &e->u.segment.seg;
    uint32_t ack = g->ack;
    /* Its sender has sent nothing and listens, with no SYN of the peer's
     * other attempts on record (reuse_syn*: no new incarnation to start). */
    if (!o->started || s->sent_any || !s->inf_known || s->inf != TCP_LISTEN || s->syn_sent ||
        s->syn_count != 0 || s->reuse_syn || s->reuse_syn2 || s->wire_known || s->ooo ||
        s->wire_check || s->owed != OWED_NONE)
        return false;
    /* It acknowledges exactly the peer's SYN, which was all the peer sent
     * (no text on it, nothing beyond a window, no FIN); the peer waits in
     * SYN-SENT. No text of its own, plain options. */
    return p->sent_any && p->syn_sent && p->isn_known && p->inf_known && p->inf == TCP_SYN_SENT &&
           ack == p->isn + 1 && p->snd_max == ack && !p->syn_data && !p->beyond_seen &&
           !p->fin_sent && !p->wire_check && g->payload_len == 0 && syn_options_plain(g);
}

static __attribute__((noinline)) void syn_ack_apply(struct oracle *o, uint64_t index,
                                                    const struct ev *e)
{
    unsigned ep = e->endpoint & 1u;
    struct oracle_side *s = &o->side[ep];
    struct oracle_side *p = &o->side[ep ^ 1u];
    const struct seg *g = &e->u.segment.seg;
    uint64_t now = e->time_usecs;
    uint32_t ack = g->ack;
    if (e->frame)
        o->from_capture = true;
    struct oracle_seg_note *note = note_slot(o);
    /* first_segment() (o->started: handshake_seen stays); no reuse SYN
     * answered (reuse_syn*), the ACK is of the peer's ISN (no other
     * attempt's SYN); LISTEN is neither CLOSED nor TIME-WAIT; the ISN is
     * the one just taken (no new space). Its first SYN: */
    syn_sent(s, ep, note, g, TCP_SYN_RECEIVED, index, now);

    /* sender_ack(): exactly the peer's snd_max; a SYN-ACK starts its ACK
     * history afresh (no ack-monotonic), the window is not scaled. */
    oracle_ack_of_new_data(s, p, g, now);
    s->last_ack_any = ack;
    s->ack_any_sent = true;
    s->last_ack = ack;
    s->ack_sent = true;
    uint32_t right = ack + g->window;
    if (!s->wnd_known || seq_gt(right, s->wnd_right))
        s->wnd_right = right;
    s->wnd_known = true;

    s->sent_any = true;
    s->last_send_usecs = now;
    p->peer_spoke_since_fin = true;
    /* At the peer (SYN-SENT, not SYN-RECEIVED; no FIN either way). */
    p->last_peer_had_ack = true;
    oracle_answerable_add(p, index, false, ack);
    note->effects = 0;
    note->rcv_prev = TCP_SYN_SENT;
    note->rcv_prev_known = true;
    /* (o->started already) */
}

/* ---- an in-order segment with ACK ---- */

/* Which inferred states of the sender the ACK path takes (a FIN only from
 * ESTABLISHED or CLOSE-WAIT, see ack_applies()), and of the receiver. */
static const bool ack_sender_ok[TCP_STATE_COUNT] = {
    [TCP_CLOSED] = false,                             /* closed-silence */
    [TCP_LISTEN] = false,      [TCP_SYN_SENT] = true, /* the ACK that ends the handshake */
    [TCP_SYN_RECEIVED] = true, [TCP_ESTABLISHED] = true,
    [TCP_FIN_WAIT_1] = true,   [TCP_FIN_WAIT_2] = true,
    [TCP_CLOSING] = true,      [TCP_TIME_WAIT] = true, /* a bare ACK within 2*MSL (tw_answer()) */
    [TCP_CLOSE_WAIT] = true,   [TCP_LAST_ACK] = true,
};
_Static_assert(sizeof ack_sender_ok / sizeof ack_sender_ok[0] == TCP_STATE_COUNT,
               "one entry per state");
static const bool ack_receiver_ok[TCP_STATE_COUNT] = {
    [TCP_CLOSED] = false,      [TCP_LISTEN] = false,     [TCP_SYN_SENT] = false,
    [TCP_SYN_RECEIVED] = true, [TCP_ESTABLISHED] = true, [TCP_FIN_WAIT_1] = true,
    [TCP_FIN_WAIT_2] = true,   [TCP_CLOSING] = true,     [TCP_TIME_WAIT] = true,
    [TCP_CLOSE_WAIT] = true,   [TCP_LAST_ACK] = true,
};
_Static_assert(sizeof ack_receiver_ok / sizeof ack_receiver_ok[0] == TCP_STATE_COUNT,
               "one entry per state");

/* fin_in_space() of the observer. */
static inline bool fin_in_space(const struct oracle_side *s)
{
    return !s->isn_known || seq_gt(s->fin_seq, s->isn);
}

/* enter_time_wait() for a side whose states are not reported. */
static inline void enter_time_wait(struct oracle_side *s, uint64_t now, uint64_t index)
{
    oracle_side_set_inf(s, TCP_TIME_WAIT, index);
    s->tw_restart_usecs = now;
    s->tw_started = true;
    s->tw_ack_sent = false;
    s->tw_rst_hit = false;
}

/* fin_arrives(): the FIN of r's peer reaches r (r's state is known). */
static inline uint8_t fin_arrives(struct oracle_side *r, bool with_ack_of_ours, uint64_t now,
                                  uint64_t index)
{
    r->peer_fin_rcvd = true;
    switch (r->inf) {
    case TCP_SYN_RECEIVED:
    case TCP_ESTABLISHED:
        oracle_side_set_inf(r, TCP_CLOSE_WAIT, index);
        return ORACLE_FX_STATE | ORACLE_FX_PEER_FIN;
    case TCP_FIN_WAIT_1:
        if (with_ack_of_ours)
            enter_time_wait(r, now, index);
        else
            oracle_side_set_inf(r, TCP_CLOSING, index);
        return ORACLE_FX_STATE | ORACLE_FX_PEER_FIN;
    case TCP_FIN_WAIT_2:
        enter_time_wait(r, now, index);
        return ORACLE_FX_STATE | ORACLE_FX_PEER_FIN;
    default:
        return ORACLE_FX_PEER_FIN;
    }
}

/* fin_ack_arrives(): the ACK of r's FIN reaches r (r's state is known). */
static inline uint8_t fin_ack_arrives(struct oracle_side *r, uint64_t now, uint64_t index)
{
    r->fin_acked = true;
    r->fin_acked_index = index;
    switch (r->inf) {
    case TCP_FIN_WAIT_1:
        oracle_side_set_inf(r, TCP_FIN_WAIT_2, index);
        return ORACLE_FX_STATE | ORACLE_FX_FIN_ACKED;
    case TCP_CLOSING:
        enter_time_wait(r, now, index);
        return ORACLE_FX_STATE | ORACLE_FX_FIN_ACKED;
    case TCP_LAST_ACK:
        oracle_side_set_inf(r, TCP_CLOSED, index);
        r->closed_via_last_ack = true;
        return ORACLE_FX_STATE | ORACLE_FX_FIN_ACKED;
    default:
        return ORACLE_FX_FIN_ACKED;
    }
}

/* Whether e is an in-order segment with ACK that ack_apply() judges as the
 * observer would. */
static inline __attribute__((always_inline)) bool ack_applies(const struct oracle *restrict o,
                                                              const struct ev *restrict e)
{
    unsigned ep = e->endpoint & 1u;
    const struct oracle_side *s = &o->side[ep];
    const struct oracle_side *p = &o->side[ep ^ 1u];
    const struct seg *g = &e->u.segment.seg;
    uint32_t ack = g->ack;
    /* Both have spoken and their states are known; nothing is owed (no
     * satisfy_owed(), no re-ACK). (No check is pending either: the observer
     * sets wire_check only for states reported, which fast_config rules
     * out, so run_pending_checks() does nothing.) */
    if (!s->inf_known || !p->inf_known || !ack_sender_ok[s->inf] || !ack_receiver_ok[p->inf] ||
        !s->sent_any || !p->sent_any || s->owed != OWED_NONE)
        return false;
    /* In order: it starts at or below what arrived contiguously, with no
     * out-of-order range to merge (track_contig()). It acknowledges exactly
     * what the peer sent (not ahead, no other attempt's SYN), not less than
     * before (ack-monotonic), and the peer has no probe beyond the window
     * pending. */
    if (!seq_le(g->seq, s->contig_end) || s->ooo || ack != p->snd_max ||
        (s->ack_sent && seq_lt(ack, s->last_ack)) || p->beyond_seen)
        return false;
    /* Its text lies within the window the peer advertised (check_window(),
     * not beyond) and before any FIN of its own (no-data-after-fin). */
    if (g->payload_len > 0 &&
        (s->fin_sent || !p->wnd_known || seq_gt(g->seq + g->payload_len, p->wnd_right)))
        return false;
    /* Its first ACK of the peer's FIN: every byte below that FIN was seen
     * (half-close-delivery) and so was the FIN (no fin_arrives() there). */
    if (p->fin_sent && fin_in_space(p) && seq_ge(ack, p->fin_seq + 1) && !s->peer_fin_confirmed &&
        (seq_lt(p->contig_end, p->fin_seq) || !s->peer_fin_rcvd))
        return false;
    bool fin = g->flags & TCP_FIN;
    /* tw_answer(): from TIME-WAIT a bare ACK (a FIN there is a
     * retransmission) within 2*MSL of its (re)start. */
    if (s->inf == TCP_TIME_WAIT &&
        (fin ||
         e->time_usecs > s->tw_restart_usecs + o->rules.time_wait_usecs + o->cfg.timer_slack_usecs))
        return false;
    if (!fin) {
        /* Its FIN, if any, reached the peer when it was sent (else a
         * segment filling the hole below it delivers it now). */
        return !s->fin_sent || p->peer_fin_rcvd;
    }
    /* A first FIN without text, right at what it sent contiguously, from
     * ESTABLISHED or CLOSE-WAIT after a handshake of both (no
     * no-fin-before-handshake), in its ISN's space, which the peer has not
     * taken a FIN of yet: sender_fin()'s first FIN, and it arrives. */
    return !s->fin_sent && g->payload_len == 0 && g->seq == s->contig_end &&
           (s->inf == TCP_ESTABLISHED || s->inf == TCP_CLOSE_WAIT) && s->syn_sent && p->syn_sent &&
           s->isn_known && seq_gt(g->seq, s->isn) && !p->peer_fin_rcvd;
}

/* The parts of ack_apply() that only the handshake's last ACK and the close
 * need, in the observer's order (none of them reads what ack_apply()
 * changed before calling this). Returns the note's effects. */
static uint8_t ack_apply_rare(struct oracle_side *s, struct oracle_side *p, uint64_t index,
                              const struct ev *e)
{
    const struct seg *g = &e->u.segment.seg;
    uint64_t now = e->time_usecs;
    uint32_t ack = g->ack;
    bool fin = g->flags & TCP_FIN;
    bool acks_p_fin = p->fin_sent && seq_ge(ack, p->fin_seq + 1);
    bool covers_p_fin = acks_p_fin && fin_in_space(p);
    if (fin) {
        s->wire_fin_seen = true;
        s->wire_fin_end = g->seq + 1; /* no text */
        s->wire_fin_end_bloom |= oracle_seq_bloom_bits(s->wire_fin_end);
    }
    if (covers_p_fin && ack == p->fin_seq + 1) {
        s->fin_ack_sent_known = true;
        s->fin_ack_sent_index = index;
    }
    if (fin) { /* sender_fin(): a first FIN after both SYNs */
        oracle_first_fin(s, p, g->seq, acks_p_fin, index, now);
        s->inf_change_valid = false;
    }
    /* sender_ack() */
    if (p->syn_data && seq_gt(ack, p->space_max) && seq_le(ack, p->syn_data_end))
        p->space_max = ack;
    if (covers_p_fin && !s->peer_fin_confirmed) {
        /* Its first ACK of the peer's FIN, which it already took. */
        s->peer_fin_confirmed = true;
        s->inf_change_valid = false;
        if (s->inf == TCP_TIME_WAIT && !s->tw_ack_sent) {
            /* TIME-WAIT starts at its ACK of the last FIN. */
            s->tw_ack_sent = true;
            s->tw_restart_usecs = now;
        }
    }
    /* Its ACK of the peer's SYN: the handshake is done from its side. */
    if ((s->inf == TCP_SYN_SENT || s->inf == TCP_SYN_RECEIVED) && p->syn_sent &&
        seq_ge(ack, p->isn + 1)) {
        oracle_side_set_inf(s, TCP_ESTABLISHED, index);
        s->inf_change_valid = false;
    }
    /* At the peer: it leaves SYN-RECEIVED if this acknowledges its SYN,
     * takes the ACK of its FIN, and takes this FIN. */
    uint8_t fx = 0;
    if (p->inf == TCP_SYN_RECEIVED && p->syn_sent && seq_ge(ack, p->isn + 1)) {
        oracle_side_set_inf(p, TCP_ESTABLISHED, index);
        fx = ORACLE_FX_STATE;
    }
    if (acks_p_fin && !p->fin_acked)
        fx |= fin_ack_arrives(p, now, index);
    if (fin)
        fx |= fin_arrives(p, acks_p_fin, now, index);
    return fx;
}

/* The observer's updates for a segment ack_applies() took: those of every
 * such segment here, the rest in ack_apply_rare(). s and p are the
 * sender's and the receiver's records (handed over, not found again). (The
 * oracle has started: both sides sent before.) */
static inline __attribute__((always_inline)) void
ack_apply(struct oracle *restrict o, struct oracle_side *restrict s, struct oracle_side *restrict p,
          uint64_t index, const struct ev *restrict e)
{
    unsigned ep = (unsigned)(s - o->side);
    const struct seg *g = &e->u.segment.seg;
    bool fin = g->flags & TCP_FIN;
    /* (seg_len(): text, or a FIN without text) */
    uint32_t end = g->seq + g->payload_len + (fin ? 1u : 0u);

    /* run_pending_checks(): no wire check pending. No SYN: the SYN ring,
     * new-incarnation and ISN branches are skipped; the sender has spoken
     * before (no first_segment()); not CLOSED (no closed-silence). */
    if (e->frame)
        o->from_capture = true;
    if (s->inf == TCP_TIME_WAIT) {
        /* tw_answer(): nothing owed, so it restarts only where any ACK
         * restarts it. */
        if (o->rules.tw_restart_on_any_ack && s->last_peer_had_ack)
            s->tw_restart_usecs = e->time_usecs;
        s->tw_rst_hit = false;
    }
    /* satisfy_owed(): nothing owed. */
    if (g->opts.has_ts) {
        s->ts_seen = true;
        s->ts_last = g->opts.ts_val;
    }
    /* Not RST. check_window(): within the peer's window. acceptable: true
     * (the sender is under test). No FIN of its own before, or no text:
     * no no-data-after-fin. beyond: false (within the window). */
    bool occupies = end != g->seq;
    if (occupies)
        s->last_xmit_usecs = e->time_usecs;
    if (!s->wire_known || seq_gt(end, s->wire_max))
        s->wire_max = end;
    s->wire_known = true;
    /* track_contig(): seq <= contig_end and no out-of-order range. */
    if (seq_gt(end, s->contig_end))
        s->contig_end = end;
    if (seq_gt(end, s->snd_max))
        s->snd_max = end;
    bool space_set = occupies && seq_gt(end, s->space_max);
    uint32_t space_prev = space_set ? s->space_max : 0;
    if (space_set)
        s->space_max = end;

    /* sender_ack(): ack == the peer's snd_max (no other attempt's SYN, not
     * ahead), not backwards (no ack-monotonic, not an old duplicate: of
     * last_ack and ack, ack is the larger). */
    uint32_t ack = g->ack;
    oracle_ack_of_new_data(s, p, g, e->time_usecs);
    s->last_ack_any = ack;
    s->ack_any_sent = true;
    s->last_ack = ack;
    s->ack_sent = true;
    uint32_t wnd = g->window;
    if (s->wscale_offered && p->wscale_offered)
        wnd <<= s->wscale;
    uint32_t right = ack + wnd;
    if (!s->wnd_known || seq_gt(right, s->wnd_right))
        s->wnd_right = right;
    s->wnd_known = true;
    s->sent_any = true;
    s->last_send_usecs = e->time_usecs;
    p->peer_spoke_since_fin = true;
    /* At the peer: remembered as answerable. */
    enum tcp_state prev = p->inf;
    p->last_peer_had_ack = true;
    oracle_answerable_add(p, index, false, ack);
    uint8_t fx = 0;
    if (fin || p->fin_sent || p->syn_data ||
        !(s->inf == TCP_ESTABLISHED && prev == TCP_ESTABLISHED))
        fx = ack_apply_rare(s, p, index, e);

    struct oracle_seg_note *note = note_slot(o);
    *note = (struct oracle_seg_note){.index = index,
                                     .seq = g->seq,
                                     .ack = ack,
                                     .len = end - g->seq,
                                     .src = (uint8_t)ep,
                                     .flags = g->flags,
                                     .valid = true,
                                     .effects = fx,
                                     .rcv_prev = prev,
                                     .rcv_prev_known = true,
                                     .space_set = space_set,
                                     .space_prev = space_prev};
}

/* ---- dispatch and verification ---- */

enum fast_shape { SHAPE_NONE = 0, SHAPE_ACK, SHAPE_FIRST_SYN, SHAPE_SYN_ACK };

/* Which fast path e takes, if any. Each *_apply then does what
 * oracle_observe_segment() followed by `o->started = true` does. */
static inline __attribute__((always_inline)) enum fast_shape fast_shape_of(const struct oracle *o,
                                                                           const struct ev *e)
{
    if (!o->fast_config)
        return SHAPE_NONE;
    switch (e->u.segment.seg.flags & (TCP_SYN | TCP_FIN | TCP_RST | TCP_ACK)) {
    case TCP_ACK:
    case TCP_ACK | TCP_FIN:
        return ack_applies(o, e) ? SHAPE_ACK : SHAPE_NONE;
    case TCP_SYN:
        return first_syn_applies(o, e) ? SHAPE_FIRST_SYN : SHAPE_NONE;
    case TCP_SYN | TCP_ACK:
        return syn_ack_applies(o, e) ? SHAPE_SYN_ACK : SHAPE_NONE;
    default:
        return SHAPE_NONE;
    }
}

static inline void fast_apply(enum fast_shape shape, struct oracle *o, uint64_t index,
                              const struct ev *e)
{
    switch (shape) {
    case SHAPE_ACK:
        ack_apply(o, &o->side[e->endpoint & 1u], &o->side[(e->endpoint & 1u) ^ 1u], index, e);
        break;
    case SHAPE_FIRST_SYN:
        first_syn_apply(o, index, e);
        break;
    case SHAPE_SYN_ACK:
        syn_ack_apply(o, index, e);
        break;
    case SHAPE_NONE:
        break;
    }
}

#if FINFUZZ_VERIFY_FAST
/* What the observer makes of e, on a copy of o taken before a shortcut
 * changes o: everything before the violation log (which neither path
 * touches: no violation is possible here, and the counts precede it). */
static struct oracle *verify_before(const struct oracle *o, uint64_t index, const struct ev *e)
{
    struct oracle *slow = malloc(sizeof *slow);
    if (!slow)
        abort();
    memcpy(slow, o, offsetof(struct oracle, violations));
    oracle_observe_segment(slow, index, e);
    slow->started = true;
    return slow;
}

/* After the shortcut: abort unless it left o as the observer left slow. */
static void verify_after(struct oracle *slow, struct oracle *o)
{
    if (memcmp(slow, o, offsetof(struct oracle, violations)) != 0)
        abort(); /* the fast path no longer does what the observer does */
    free(slow);
}
#endif

static inline __attribute__((always_inline)) bool fast_segment(struct oracle *o, uint64_t index,
                                                               const struct ev *e)
{
    enum fast_shape shape = fast_shape_of(o, e);
    if (shape == SHAPE_NONE)
        return false;
#if FINFUZZ_VERIFY_FAST
    struct oracle *slow = verify_before(o, index, e);
    fast_apply(shape, o, index, e);
    verify_after(slow, o);
#else
    fast_apply(shape, o, index, e);
#endif
    return true;
}

bool oracle_fast_segment(struct oracle *o, uint64_t index, const struct ev *e)
{
    return fast_segment(o, index, e);
}

/* The general way (kept out of oracle_segment() so that its fast paths are
 * tail calls and it saves no registers). */
static __attribute__((noinline)) void observe(struct oracle *o, uint64_t index, const struct ev *e)
{
    oracle_observe_segment(o, index, e);
    o->started = true;
}

/* A segment with ACK (and perhaps FIN), nearly every segment: the ACK
 * path's checks and its updates in one function, which loads what both
 * read once and saves its registers once; else the general way. */
static __attribute__((noinline)) void ack_segment(struct oracle *o, uint64_t index,
                                                  const struct ev *e)
{
    if (!ack_applies(o, e)) {
        observe(o, index, e);
        return;
    }
    unsigned ep = e->endpoint & 1u;
#if FINFUZZ_VERIFY_FAST
    struct oracle *slow = verify_before(o, index, e);
    ack_apply(o, &o->side[ep], &o->side[ep ^ 1u], index, e);
    verify_after(slow, o);
#else
    ack_apply(o, &o->side[ep], &o->side[ep ^ 1u], index, e);
#endif
}

/* Any other segment: the other fast paths, else the general way. */
static __attribute__((noinline)) void other_segment(struct oracle *o, uint64_t index,
                                                    const struct ev *e)
{
    if (!fast_segment(o, index, e))
        observe(o, index, e);
}

void oracle_segment(struct oracle *o, uint64_t index, const struct ev *e)
{
    uint64_t now = e->time_usecs;
    if (!o->started)
        o->first_usecs = now;
    if (now > o->last_usecs)
        o->last_usecs = now;
    o->last_index = index;
    uint8_t f = e->u.segment.seg.flags & (TCP_SYN | TCP_FIN | TCP_RST | TCP_ACK);
    if (o->fast_config && (f == TCP_ACK || f == (TCP_ACK | TCP_FIN)))
        ack_segment(o, index, e);
    else
        other_segment(o, index, e);
}
