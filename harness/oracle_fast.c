/* The oracle's fast path: an in-order segment of an established connection.
 *
 * Read oracle_observer.c's oracle_observe_segment() first: this is a
 * shortcut through it, not a second opinion. Most segments of a capture are
 * data and ACKs between two ESTABLISHED endpoints (or the ACK that ends the
 * handshake), where nearly all of the
 * observer's ~600 instructions of checks find nothing to do. For exactly
 * that case (the preconditions below), this applies the same updates the
 * observer makes and nothing else; every other segment goes the general way.
 *
 * Why it gives the same verdicts: under the preconditions each branch of
 * oracle_observe_segment() is decided (the comments name them), so the
 * observer's effect reduces to the assignments made here; no invariant can
 * be broken by such a segment (window respected, ACK not backwards, not
 * beyond what the peer sent, no FIN anywhere, nobody CLOSED or in
 * TIME-WAIT). And it is checked, not only argued: in sanitizer builds
 * (FINFUZZ_VERIFY_FAST, fast_verify.h: `make test`, every fuzz target) each
 * segment taken here is also run through the observer on a copy of the
 * oracle and the two states are compared byte for byte, so a change to the
 * observer that this path does not follow fails the tests at once.
 *
 * Whoever changes what oracle_observe_segment() does for an ordinary
 * in-order segment or ACK in ESTABLISHED (or the handshake's last ACK) must
 * change it here too. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "../stack/seq.h"
#include "fast_verify.h"
#include "oracle_fast.h"
#include "oracle_impl.h"

/* Whether segment g of endpoint ep is one the fast path handles. */
static bool fast_applies(const struct oracle *o, unsigned ep, const struct ev *e)
{
    const struct seg *g = &e->u.segment.seg;
    const struct oracle_side *s = &o->side[ep];
    const struct oracle_side *p = &o->side[ep ^ 1u];
    /* Only the ACK flag among SYN/FIN/RST/ACK: no handshake, FIN or reset
     * logic applies. */
    if ((g->flags & (TCP_SYN | TCP_FIN | TCP_RST | TCP_ACK)) != TCP_ACK)
        return false;
    /* A capture's configuration: both endpoints judged, no states reported
     * (the reported-state checks and the fuzzer-peer rules stay out). */
    if (o->cfg.states_reported[0] || o->cfg.states_reported[1] || !o->cfg.judge[0] ||
        !o->cfg.judge[1])
        return false;
    /* Both ESTABLISHED (inferred), or completing the handshake: the
     * sender in SYN-SENT or SYN-RECEIVED, the receiver in SYN-RECEIVED (this
     * ACK may be what takes them to ESTABLISHED). Both have spoken, nothing
     * is owed or pending, no FIN sent by either. */
    if (!s->inf_known || !p->inf_known ||
        !(s->inf == TCP_ESTABLISHED || s->inf == TCP_SYN_SENT || s->inf == TCP_SYN_RECEIVED) ||
        !(p->inf == TCP_ESTABLISHED || p->inf == TCP_SYN_RECEIVED) || !s->sent_any ||
        !p->sent_any || s->owed != OWED_NONE || s->wire_check || p->wire_check || s->fin_sent ||
        p->fin_sent)
        return false;
    /* In order: it starts at or below what arrived contiguously, with no
     * out-of-order range to merge. */
    if (!seq_le(g->seq, s->contig_end) || s->ooo)
        return false;
    /* Its text lies within the window the peer advertised. */
    uint32_t data_end = g->seq + g->payload_len;
    if (g->payload_len > 0 && (!p->wnd_known || seq_gt(data_end, p->wnd_right)))
        return false;
    /* It acknowledges exactly what the peer sent, not less than before, and
     * the peer has no probe beyond the window pending. */
    if (g->ack != p->snd_max || (s->ack_sent && seq_lt(g->ack, s->last_ack)) || p->beyond_seen)
        return false;
    return true;
}

/* The observer's updates for such a segment, in its order. */
static void fast_apply(struct oracle *o, uint64_t index, const struct ev *e)
{
    unsigned ep = e->endpoint & 1u;
    struct oracle_side *s = &o->side[ep];
    struct oracle_side *p = &o->side[ep ^ 1u];
    const struct seg *g = &e->u.segment.seg;
    uint64_t now = e->time_usecs;
    uint32_t ack = g->ack;

    /* run_pending_checks(): no wire check pending. */
    if (e->frame)
        o->from_capture = true;
    /* note_push() */
    struct oracle_seg_note *note = &o->recent[o->recent_next];
    o->recent_next = (o->recent_next + 1) % ORACLE_RECENT_SEGS;
    *note = (struct oracle_seg_note){.index = index,
                                     .seq = g->seq,
                                     .ack = ack,
                                     .len = g->payload_len, /* seg_len(): no SYN, no FIN */
                                     .src = (uint8_t)ep,
                                     .flags = g->flags,
                                     .valid = true};
    /* No SYN: the SYN ring, new-incarnation and ISN branches are skipped;
     * the sender has spoken before (no first_segment()). Neither CLOSED
     * nor TIME-WAIT: no closed-silence or TIME-WAIT answers; no FIN of the peer to
     * acknowledge; nothing owed (satisfy_owed() returns). */
    if (g->opts.has_ts) {
        s->ts_seen = true;
        s->ts_last = g->opts.ts_val;
    }
    /* Not RST. check_window(): within the peer's window. acceptable: true
     * (the sender is under test). No FIN of its own: no no-data-after-fin.
     * beyond: false (within the window). */
    uint32_t end = g->seq + g->payload_len;
    if (g->payload_len > 0)
        s->last_xmit_usecs = now;
    if (!s->wire_known || seq_gt(end, s->wire_max))
        s->wire_max = end;
    s->wire_known = true;
    /* track_contig(): seq <= contig_end and no out-of-order range. */
    if (seq_gt(end, s->contig_end))
        s->contig_end = end;
    if (seq_gt(end, s->snd_max))
        s->snd_max = end;
    if (g->payload_len > 0 && seq_gt(end, s->space_max)) {
        note->space_set = true;
        note->space_prev = s->space_max;
        s->space_max = end;
    }

    /* sender_ack(): ack == the peer's snd_max (no other attempt's SYN, not
     * ahead), not backwards (no ack-monotonic, not an old duplicate), no
     * FIN of the peer. */
    if (!s->ack_any_sent || seq_gt(ack, s->last_ack_any)) {
        p->acked_new_seen = true;
        p->acked_new_usecs = now;
    }
    s->last_ack_any = ack;
    s->ack_any_sent = true;
    if (p->syn_data && seq_gt(ack, p->space_max) && seq_le(ack, p->syn_data_end))
        p->space_max = ack;
    /* Its ACK of the peer's SYN: the handshake is done from its side. */
    if (p->syn_sent && seq_ge(ack, p->isn + 1) &&
        (s->inf == TCP_SYN_SENT || s->inf == TCP_SYN_RECEIVED)) {
        oracle_side_set_inf(s, TCP_ESTABLISHED, index);
        s->inf_change_valid = false;
    }
    if (!s->ack_sent || seq_gt(ack, s->last_ack))
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
    s->last_send_usecs = now;
    p->peer_spoke_since_fin = true;
    /* At the peer: remembered as answerable; it leaves SYN-RECEIVED if this
     * acknowledges its SYN (no FIN either way). */
    enum tcp_state prev = p->inf;
    p->last_peer_had_ack = true;
    oracle_answerable_add(p, index, false, ack);
    uint8_t fx = 0;
    if (p->syn_sent && p->inf == TCP_SYN_RECEIVED && seq_ge(ack, p->isn + 1)) {
        oracle_side_set_inf(p, TCP_ESTABLISHED, index);
        fx = ORACLE_FX_STATE;
    }
    note->effects = fx;
    note->rcv_prev = prev;
    note->rcv_prev_known = p->inf_known;
}

#if FINFUZZ_VERIFY_FAST
/* The recent-segment notes are written whole (with their padding) by both
 * paths; rebuild them field by field so that padding cannot differ. */
static void normalize_notes(struct oracle *o)
{
    for (unsigned i = 0; i < ORACLE_RECENT_SEGS; i++) {
        struct oracle_seg_note n = o->recent[i], z;
        memset(&z, 0, sizeof z);
        z.index = n.index;
        z.seq = n.seq;
        z.ack = n.ack;
        z.len = n.len;
        z.src = n.src;
        z.flags = n.flags;
        z.valid = n.valid;
        z.effects = n.effects;
        z.rcv_prev = n.rcv_prev;
        z.rcv_prev_known = n.rcv_prev_known;
        z.space_set = n.space_set;
        z.space_prev = n.space_prev;
        memcpy(&o->recent[i], &z, sizeof z);
    }
}
#endif

bool oracle_fast_segment(struct oracle *o, uint64_t index, const struct ev *e)
{
    if (!fast_applies(o, e->endpoint & 1u, e))
        return false;
#if FINFUZZ_VERIFY_FAST
    /* Everything before the violation log (which neither path touches:
     * no violation is possible here, and the counts precede it). */
    size_t n = offsetof(struct oracle, violations);
    struct oracle *slow = malloc(sizeof *slow);
    if (!slow)
        abort();
    memcpy(slow, o, n);
    oracle_observe_segment(slow, index, e);
    fast_apply(o, index, e);
    normalize_notes(slow);
    normalize_notes(o);
    if (memcmp(slow, o, n) != 0)
        abort(); /* the fast path no longer does what the observer does */
    free(slow);
#else
    fast_apply(o, index, e);
#endif
    return true;
}
