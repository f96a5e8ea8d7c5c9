/* Private to the oracle's own files (harness/oracle*.c): catalog indices and
 * the helpers they share. Nothing outside the oracle includes this. */
#ifndef FINFUZZ_ORACLE_IMPL_H
#define FINFUZZ_ORACLE_IMPL_H

#include "../stack/seq.h"
#include "oracle.h"

/* Positions in the catalog (oracle_catalog.c); the order is stable. */
enum oracle_inv_id {
    INV_TRANSITION_LEGAL = 0,
    INV_FIN_ACK_PLUS_ONE,
    INV_ACK_WITHIN_SENT,
    INV_FIN_SEQ_STABLE,
    INV_NO_DATA_AFTER_FIN,
    INV_STATE_MATCHES_WIRE,
    INV_TIME_WAIT_DURATION,
    INV_TIME_WAIT_REUSE,
    INV_RST_VALIDATION,
    INV_CLOSED_SILENCE,
    INV_FIN_RETRANSMIT,
    INV_HALF_CLOSE_DELIVERY,
    INV_NO_FIN_BEFORE_HANDSHAKE,
    INV_WINDOW_RESPECTED,
    INV_ACK_MONOTONIC,
    INV_RST_IN_TIME_WAIT,
    INV_COUNT
};

const struct oracle_invariant *oracle_inv(enum oracle_inv_id id);

/* Fill the rules a profile accepts (oracle_profiles.c). */
void oracle_rules_for(enum oracle_profile p, uint64_t msl_usecs, struct oracle_rules *out);

/* Record a violation (oracle.c). expected/seen may be NULL; msg is printf-like. */
void oracle_report(struct oracle *o, enum oracle_inv_id id, uint64_t index, uint64_t frame,
                   uint8_t endpoint, const char *expected, const char *seen, const char *fmt, ...)
    __attribute__((format(printf, 8, 9)));

/* Mark the verdict incomplete (the first reason is kept). */
void oracle_mark_incomplete(struct oracle *o, const char *why);

/* The observer (oracle_observer.c). */
void oracle_observe_segment(struct oracle *o, uint64_t index, const struct ev *e);
void oracle_observe_drop(struct oracle *o, uint64_t index, const struct ev *e);
void oracle_observe_state(struct oracle *o, uint64_t index, const struct ev *e);
void oracle_observe_app(struct oracle *o, uint64_t index, const struct ev *e);
void oracle_observe_clock(struct oracle *o, uint64_t index, const struct ev *e);
void oracle_observe_finish(struct oracle *o, uint64_t end_usecs);

/* Whether the source of this segment is a capture (it may have missed
 * packets) rather than a simulation that sees everything. */
static inline bool oracle_from_capture(const struct ev *e)
{
    return e->frame != 0;
}

/* An endpoint's inferred state becomes st at event index. */
static inline void oracle_side_set_inf(struct oracle_side *s, enum tcp_state st, uint64_t index)
{
    s->inf_prev = s->inf;
    s->inf = st;
    s->inf_known = true;
    s->inf_change_index = index;
    s->inf_change_valid = true;
}

/* Whether a violation of endpoint ep is kept: one not under test (a
 * fuzzer-driven peer) is observed but never blamed, so oracle_report()
 * drops it, and callers need not format its text. */
static inline bool oracle_blames(const struct oracle *o, unsigned ep)
{
    return ep <= EP_B && o->cfg.judge[ep];
}

/* s's FIN at fin_at as transmitted once, at now (its first FIN, or a new
 * one that replaces it). */
static inline void oracle_fin_record(struct oracle_side *s, uint32_t fin_at, uint64_t index,
                                     uint64_t now)
{
    s->fin_seq = fin_at;
    s->fin_index = index;
    s->fin_first_usecs = s->fin_last_usecs = now;
    s->fin_last_index = index;
    s->fin_xmits = 1;
    s->fin_gap_usecs = 0;
}

/* A synchronized sender's first FIN at fin_at (RFC 9293 §3.10.4): what is
 * remembered of it, and the state it goes to. Its ACK field tells whether it
 * had the peer's FIN: crossing FINs (ack does not cover the peer's FIN) mean
 * FIN-WAIT-1, even if the peer's FIN was already seen on the wire. Shared by
 * the observer and the fast path. */
static inline void oracle_first_fin(struct oracle_side *s, const struct oracle_side *p,
                                    uint32_t fin_at, bool acks_peer_fin, uint64_t index,
                                    uint64_t now)
{
    s->fin_sent = true;
    oracle_fin_record(s, fin_at, index, now);
    s->fin_alone_last = p->ack_sent && p->last_ack == fin_at;
    s->peer_spoke_since_fin = false;
    if (s->inf_known && s->inf == TCP_SYN_SENT)
        return; /* a FIN on its SYN: it is not synchronized yet, the FIN waits */
    enum tcp_state to;
    if (acks_peer_fin || (!p->fin_sent && s->peer_fin_rcvd))
        to = TCP_LAST_ACK;
    else if (p->fin_sent && s->peer_fin_rcvd && !s->peer_fin_confirmed)
        to = TCP_CLOSING; /* the peer's FIN is in flight */
    else if (s->peer_fin_rcvd)
        to = TCP_LAST_ACK;
    else
        to = TCP_FIN_WAIT_1;
    oracle_side_set_inf(s, to, index);
}

/* Whether r may have dropped g, a segment of its peer, as unacceptable
 * (RFC 9293 §3.10.7.4, first step) and so not taken its ACK: g starts at or
 * beyond the right edge of every window r offered, so it lies beyond r's
 * window, or, with r's window closed, it occupies sequence space or is not
 * exactly at RCV.NXT (as r's ACKs show it). "If the RCV.WND is zero, no
 * segments will be acceptable, but special allowance should be made to
 * accept valid ACKs": a should, and stacks differ (Linux and the BSDs drop
 * a bare ACK one past a zero window, as after the peer's zero-window probe
 * of one new octet). SYNs and RSTs restart no retransmission timer here. */
static inline bool oracle_ack_maybe_untaken(const struct oracle_side *r, const struct seg *g)
{
    if ((g->flags & (TCP_SYN | TCP_RST)) || !r->wnd_known || !r->ack_sent ||
        !seq_ge(g->seq, r->wnd_right))
        return false;
    return seg_len(g) > 0 || g->seq != r->last_ack;
}

/* s sends g, whose ACK field acknowledges p's data: if that is new data
 * (more than s acknowledged before), p's retransmission timer restarts
 * when p takes it (RFC 6298 §5.3). If p may have dropped g
 * (oracle_ack_maybe_untaken()), the restart may come with a later segment
 * carrying the same ACK, so each such segment moves it until one that p
 * must have taken. Shared by the observer and the fast path. */
static inline void oracle_ack_of_new_data(const struct oracle_side *s, struct oracle_side *p,
                                          const struct seg *g, uint64_t now)
{
    uint32_t ack = g->ack;
    if (s->ack_any_sent && !seq_gt(ack, s->last_ack_any) &&
        !(p->acked_new_open && ack == s->last_ack_any))
        return;
    p->acked_new_seen = true;
    p->acked_new_usecs = now;
    p->acked_new_open = oracle_ack_maybe_untaken(p, g);
}

/* The two bits of the answerable-segment Bloom filter that stand for
 * (with_ack, value). */
static inline void oracle_bloom_bits(bool with_ack, uint32_t value, unsigned *b1, unsigned *b2)
{
    uint32_t h = (value ^ (with_ack ? 0x85ebca6bu : 0u)) * 0x9e3779b1u;
    *b1 = h >> 25;
    *b2 = (h >> 18) & 127u;
}

/* A 64-bit Bloom filter of sequence numbers (two bits each): an endpoint's
 * SYNs (syn_bloom) and RSTs (rst_seq_bloom), also those its rings forgot.
 * The two bits that stand for seq. */
static inline uint64_t oracle_seq_bloom_bits(uint32_t seq)
{
    uint32_t h = seq * 0x9e3779b1u;
    return (1ull << (h >> 26)) | (1ull << ((h >> 20) & 63u));
}

/* Remember a peer segment that s may have to answer when CLOSED, by the
 * value an answering RST would carry (with_ack: as its ACK; otherwise as
 * its sequence number): in the ring of the latest and in the filter of
 * all. (Always inlined: nearly every segment of a capture comes here.) */
static inline __attribute__((always_inline)) void
oracle_answerable_add(struct oracle_side *s, uint64_t index, bool with_ack, uint32_t value)
{
    struct oracle_answerable *a = &s->answerable[s->answerable_next];
    s->answerable_next = (uint8_t)((s->answerable_next + 1) % ORACLE_ANSWERABLE);
    a->value = value;
    a->index_low = ORACLE_INDEX_LOW(index);
    a->with_ack = with_ack;
    a->valid = true;
    unsigned b1, b2;
    oracle_bloom_bits(with_ack, value, &b1, &b2);
    s->answered_bloom[b1 >> 6] |= 1ull << (b1 & 63);
    s->answered_bloom[b2 >> 6] |= 1ull << (b2 & 63);
}

#endif
