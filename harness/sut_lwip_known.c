/* Filed lwIP deviations recognised on the event stream: see sut_lwip_known.h. */
#include "sut_lwip_known.h"

#include <string.h>

#include "../stack/seq.h"

void lwip_known_reset(struct lwip_known *k)
{
    memset(k, 0, sizeof *k);
    k->b_wnd_max = 65535;
}

static bool covers(const struct lwip_known_span *sp, uint32_t ack)
{
    return seq_lt(sp->seq, ack) && seq_le(ack, sp->end);
}

/* A FIN of B that TIME-WAIT drops unread (RFC 9293 §3.10.7.4): without
 * ACK (fifth check), beyond RCV.NXT (held for later processing, which never
 * comes), or unacceptable to the first check: no octet of it
 * (the FIN counts) inside RCV.NXT .. RCV.NXT+RCV.WND-1 as A's last ACK
 * advertised them (a retransmission of B's FIN ends exactly at RCV.NXT and
 * is acceptable to TIME-WAIT's own rule). */
static bool tw_must_drop(const struct lwip_known *k, const struct seg *g)
{
    if (!(g->flags & TCP_ACK))
        return true;
    if (!k->a_acked)
        return false;
    uint32_t first = g->seq, last = g->seq + seg_len(g) - 1u;
    if (last + 1u == k->a_last_ack)
        return false; /* the retransmission of B's FIN */
    if (seq_gt(first, k->a_last_ack))
        return true; /* out of order: its FIN waits for a hole that never fills */
    return first - k->a_last_ack >= k->a_wnd && last - k->a_last_ack >= k->a_wnd;
}

/* sp repeats a span of list[0..n) that arrived (same sequence space, FIN
 * or not): it adds no sequence space lwIP may have taken, and remembering
 * it again would fill a list of the first few with copies (a campaign's
 * input resends one segment many times; lwip-ooseq-fin-moved-many-bad-acks.bin).
 * A repeat of a lost one takes its place: it arrived. */
static bool repeats(struct lwip_known_span *list, unsigned n, const struct lwip_known_span *sp)
{
    for (unsigned i = 0; i < n; i++)
        if (list[i].seq == sp->seq && list[i].end == sp->end && list[i].fin == sp->fin) {
            if (!list[i].live)
                list[i] = *sp;
            return true;
        }
    return false;
}

/* lwIP's send window as its input path keeps it: set from B's SYN-ACK
 * (SYN-SENT) or SYN (a listener) with SND.WL1 = SEG.SEQ - 1, then in the
 * states where tcp_process() hands segments to tcp_receive() taken from
 * any segment with ACK (no RST; a SYN there is answered and dropped before)
 * by RFC 9293's SND.WL1/SND.WL2 test plus lwIP's "same ACK, larger
 * window", before any test of its sequence number or ACK. */
static void lwip_window_update(struct lwip_known *k, const struct seg *g)
{
    if (g->flags & TCP_RST)
        return;
    if ((g->flags & TCP_SYN) && (((g->flags & TCP_ACK) && k->a_state == TCP_SYN_SENT) ||
                                 (!(g->flags & TCP_ACK) && k->a_state == TCP_LISTEN))) {
        k->lwip_wnd_known = true;
        k->lwip_wnd = g->window; /* RFC 7323 §2.2: never scaled on a SYN */
        k->lwip_wl1 = g->seq - 1u;
        k->lwip_wl2 = g->ack;
        return;
    }
    enum tcp_state st = k->a_state;
    bool receives = st == TCP_ESTABLISHED || st == TCP_FIN_WAIT_1 || st == TCP_FIN_WAIT_2 ||
                    st == TCP_CLOSE_WAIT || st == TCP_CLOSING || st == TCP_LAST_ACK;
    if (!k->lwip_wnd_known || !receives || (g->flags & (TCP_SYN | TCP_ACK)) != TCP_ACK)
        return;
    uint32_t wnd = (uint32_t)g->window << ((k->a_ws && k->b_ws) ? k->b_ws_shift : 0);
    if (seq_lt(k->lwip_wl1, g->seq) || (k->lwip_wl1 == g->seq && seq_lt(k->lwip_wl2, g->ack)) ||
        (k->lwip_wl2 == g->ack && wnd > k->lwip_wnd)) {
        k->lwip_wnd = wnd;
        k->lwip_wl1 = g->seq;
        k->lwip_wl2 = g->ack;
    }
}

static void on_peer_segment(struct lwip_known *k, uint64_t index, const struct seg *g,
                            uint64_t now_usecs)
{
    struct lwip_known_span sp = {.index = index,
                                 .seq = g->seq,
                                 .end = g->seq + seg_len(g),
                                 .live = true,
                                 .fin = (g->flags & TCP_FIN) != 0};
    k->b_seen = true;
    k->b_last_index = index;
    k->b_last_new_syn =
        (g->flags & (TCP_SYN | TCP_RST)) == TCP_SYN && k->b_syn_seen && g->seq != k->b_isn;
    k->b_last_syn = (g->flags & (TCP_SYN | TCP_RST)) == TCP_SYN;
    k->b_last_seq = g->seq;
    k->b_last_badack_fin = false;
    k->b_last_badack_text = false;
    k->rst_to_badack_end = false;
    if ((g->flags & (TCP_ACK | TCP_RST)) == TCP_ACK) {
        /* RFC 7323 §2.2: never scaled on a SYN */
        bool scaled = !(g->flags & TCP_SYN) && k->a_ws && k->b_ws;
        k->b_wnd_known = true;
        k->b_wnd = (uint32_t)g->window << (scaled ? k->b_ws_shift : 0);
        if (k->b_wnd > k->b_wnd_max)
            k->b_wnd_max = k->b_wnd;
    }
    lwip_window_update(k, g);
    if (g->flags & TCP_RST) {
        bool inside = false;
        for (unsigned i = 0; i < k->badack_count; i++) {
            const struct lwip_known_span *sp = &k->badack[i];
            if (!sp->live)
                continue;
            inside |= seq_le(sp->seq, g->seq) && seq_lt(g->seq, sp->end);
            k->rst_to_badack_end |= covers(sp, g->seq);
        }
        if (inside && k->rst_in_badack < 4)
            k->rst_in_badack_index[k->rst_in_badack++] = index;
        return;
    }
    if (k->second_syn_pending && seg_len(g) > 0) {
        k->second_syn_pending = false; /* this one may move RCV.NXT too */
        k->second_syn_until = index;
    }
    /* lwIP drops text (and FIN) on a SYN: it answers ack SEG.SEQ+1 (a
     * SYN-ACK too: tcp_process() in SYN-SENT never reads its text) */
    if (g->flags & TCP_SYN)
        sp.end = g->seq + 1u;
    if ((g->flags & TCP_SYN) && !k->b_syn_seen) {
        k->b_syn_seen = true;
        k->b_isn = g->seq;
        k->b_ws = g->opts.has_wscale;
        k->b_ws_shift = g->opts.wscale > 14 ? 14 : g->opts.wscale;
    } else if ((g->flags & TCP_SYN) && g->seq == k->b_isn + 1u && !k->second_syn) {
        k->second_syn = true;
        k->second_syn_index = index;
        k->second_syn_end = sp.end;
        k->second_syn_pending = true;
    }
    bool has_text = g->payload_len > 0 || (g->flags & TCP_FIN);
    bool bad_ack = (g->flags & (TCP_ACK | TCP_SYN)) == TCP_ACK && k->a_sent &&
                   (seq_gt(g->ack, k->a_snd_max) ||
                    (k->a_syn_seen && seq_lt(g->ack, k->a_isn - k->b_wnd_max)));
    k->b_last_badack_fin = bad_ack && (g->flags & TCP_FIN);
    k->b_last_badack_text = bad_ack && !(g->flags & TCP_FIN) && g->payload_len > 0;
    /* Before A is synchronized lwIP takes nothing from a segment without
     * an acceptable ACK but a listener's SYN: a listener drops the rest
     * (or answers an ACK with RST), SYN-SENT takes only a SYN-ACK, and
     * tcp_process() in SYN-RECEIVED answers a bad ACK with RST and ignores
     * a segment without ACK, SYN or not. Such a segment moves no RCV.NXT
     * and is not remembered (lwip-open-ack-within-sent.bin: ACK-less text
     * and a SYN+FIN in SYN-RECEIVED hid the segment whose text lwIP took). */
    bool untaken = !(g->flags & TCP_ACK) && (!(g->flags & TCP_SYN) || k->a_state != TCP_LISTEN);
    bool remembered = true;
    if (!k->a_synced && (bad_ack || untaken)) {
        remembered = false;
    } else if (bad_ack && has_text) {
        if (!repeats(k->badack, k->badack_count, &sp) && k->badack_count < LWIP_KNOWN_BADACK_MAX)
            k->badack[k->badack_count++] = sp;
    } else if ((g->flags & TCP_SYN) && k->a_synced) {
        /* lwIP answers a SYN in a synchronized state with an ACK and drops
         * it: it moves no RCV.NXT */
        remembered = false;
    } else if (g->flags & (TCP_ACK | TCP_SYN)) {
        k->acked[k->acked_next++ % LWIP_KNOWN_ACKED_MAX] = sp;
    } else if ((g->payload_len > 0 || (g->flags & TCP_FIN)) &&
               !repeats(k->noack, k->noack_count, &sp) && k->noack_count < LWIP_KNOWN_NOACK_MAX) {
        k->noack[k->noack_count++] = sp;
    }
    if (remembered && g->payload_len > 0)
        k->recent[k->recent_next++ % LWIP_KNOWN_RECENT_MAX] = sp;
    if ((g->flags & TCP_FIN) && k->a_in_tw && !(g->flags & TCP_SYN) && tw_must_drop(k, g)) {
        if (k->tw_junk_fin) { /* remember it in case this one is lost */
            if (k->tw_junk_prev_count == 4) {
                memmove(k->tw_junk_prev_index, k->tw_junk_prev_index + 1, 3 * sizeof(uint64_t));
                memmove(k->tw_junk_prev_usecs, k->tw_junk_prev_usecs + 1, 3 * sizeof(uint64_t));
                k->tw_junk_prev_count = 3;
            }
            k->tw_junk_prev_index[k->tw_junk_prev_count] = k->tw_junk_fin_index;
            k->tw_junk_prev_usecs[k->tw_junk_prev_count++] = k->tw_junk_fin_usecs;
        }
        k->tw_junk_fin = true;
        k->tw_junk_fin_index = index;
        k->tw_junk_fin_usecs = now_usecs;
    }
    if (g->flags & TCP_FIN)
        k->fin_pos[k->fin_next++ % LWIP_KNOWN_FIN_MAX] =
            g->seq + g->payload_len + ((g->flags & TCP_SYN) ? 1u : 0u);
    if ((g->flags & (TCP_SYN | TCP_FIN)) == (TCP_SYN | TCP_FIN) && !(g->flags & TCP_ACK)) {
        k->syn_fin_pending = true;
        k->syn_fin_index = index;
        k->syn_fin_ack_lwip = g->seq + seg_len(g) - 1u;
    }
}

/* A FIN of B lies inside the text of a later segment of B that ends at
 * ack - 1 (or at its first octet: a FIN-only segment that the longer one
 * replaced on lwIP's out-of-order queue): lwIP's ACK counts a FIN after
 * that segment's text. */
static bool moved_past(const struct lwip_known *k, const struct lwip_known_span *sp, uint32_t ack)
{
    if (sp->end + 1u != ack || !sp->live)
        return false; /* (the cheaper test first: most spans end elsewhere) */
    unsigned nf = k->fin_next < LWIP_KNOWN_FIN_MAX ? k->fin_next : LWIP_KNOWN_FIN_MAX;
    for (unsigned i = 0; i < nf; i++)
        if (seq_le(sp->seq, k->fin_pos[i]) && seq_lt(k->fin_pos[i], sp->end))
            return true;
    return false;
}

static bool fin_moved_to(const struct lwip_known *k, uint32_t ack)
{
    unsigned n = k->acked_next < LWIP_KNOWN_ACKED_MAX ? k->acked_next : LWIP_KNOWN_ACKED_MAX;
    for (unsigned i = 0; i < n; i++)
        if (moved_past(k, &k->acked[i], ack))
            return true;
    for (unsigned i = 0; i < k->noack_count; i++)
        if (moved_past(k, &k->noack[i], ack))
            return true;
    for (unsigned i = 0; i < k->badack_count; i++)
        if (moved_past(k, &k->badack[i], ack))
            return true;
    unsigned nr = k->recent_next < LWIP_KNOWN_RECENT_MAX ? k->recent_next : LWIP_KNOWN_RECENT_MAX;
    for (unsigned i = 0; i < nr; i++)
        if (moved_past(k, &k->recent[i], ack))
            return true;
    return false;
}

/* A sequence number of B's that a segment of B other than the one at index
 * `except` (with ACK or SYN, without ACK, and with_badack: acknowledging
 * unsent data; not lost) may have brought A's RCV.NXT to. */
static bool covered_by_other(const struct lwip_known *k, uint32_t ack, uint64_t except,
                             bool with_badack)
{
    unsigned n = k->acked_next < LWIP_KNOWN_ACKED_MAX ? k->acked_next : LWIP_KNOWN_ACKED_MAX;
    for (unsigned i = 0; i < n; i++)
        if (k->acked[i].index != except && covers(&k->acked[i], ack))
            return true;
    for (unsigned i = 0; i < k->noack_count; i++)
        if (k->noack[i].index != except && k->noack[i].live && covers(&k->noack[i], ack))
            return true;
    for (unsigned i = 0; with_badack && i < k->badack_count; i++)
        if (k->badack[i].index != except && k->badack[i].live && covers(&k->badack[i], ack))
            return true;
    return false;
}

/* How far B's sequence space from ISN+1 is covered without a hole by the
 * spans remembered (with_badack: also those acknowledging unsent data). */
static uint32_t reach_of(struct lwip_known *k, bool with_noack, bool with_badack)
{
    unsigned slot = (with_noack ? 2u : 0u) | (with_badack ? 1u : 0u);
    if (k->reach_gen[slot] == k->spans_gen + 1u)
        return k->reach_val[slot];
    uint32_t r = k->b_isn + 1u;
    for (bool grew = true; grew;) {
        grew = false;
        for (unsigned i = 0; i < k->acked_next; i++)
            if (seq_le(k->acked[i].seq, r) && seq_gt(k->acked[i].end, r))
                r = k->acked[i].end, grew = true;
        for (unsigned i = 0; with_noack && i < k->noack_count; i++)
            if (k->noack[i].live && seq_le(k->noack[i].seq, r) && seq_gt(k->noack[i].end, r))
                r = k->noack[i].end, grew = true;
        for (unsigned i = 0; with_badack && i < k->badack_count; i++)
            if (k->badack[i].live && seq_le(k->badack[i].seq, r) && seq_gt(k->badack[i].end, r))
                r = k->badack[i].end, grew = true;
    }
    k->reach_gen[slot] = k->spans_gen + 1u;
    k->reach_val[slot] = r;
    return r;
}

static uint32_t reach(struct lwip_known *k, bool with_badack)
{
    return reach_of(k, true, with_badack);
}

/* A acknowledged a sequence number that only a segment of B acknowledging
 * unsent data can have brought its RCV.NXT to: inside that segment and no
 * other, or beyond what B's other segments cover from its ISN on but not
 * beyond what they cover with it (it filled a hole; only while no segment
 * of B has been forgotten). */
static void prove_bad_ack_taken(struct lwip_known *k)
{
    k->text_bad_ack = true;
    k->text_bad_ack_index = k->badack[0].index;
    for (unsigned i = 0; i < k->badack_count; i++)
        if (k->badack[i].live) {
            k->text_bad_ack_index = k->badack[i].index;
            break;
        }
}

/* Whether B's segments remembered are all there are (none forgotten). */
static bool spans_complete(const struct lwip_known *k)
{
    return k->b_syn_seen && k->acked_next <= LWIP_KNOWN_ACKED_MAX &&
           k->noack_count < LWIP_KNOWN_NOACK_MAX && k->badack_count < LWIP_KNOWN_BADACK_MAX;
}

/* The text (or SYN) of sp, not its FIN, can bring RCV.NXT to ack. */
static bool text_covers(const struct lwip_known_span *sp, uint32_t ack)
{
    return sp->live && seq_lt(sp->seq, ack) && seq_le(ack, sp->end - (sp->fin ? 1u : 0u));
}

/* How far the text of B's spans remembered (never a FIN: the end of a span
 * with FIN stops one short) covers B's sequence space from ISN+1 without a
 * hole; with_badack: also the text of those acknowledging unsent data. */
static uint32_t text_reach(const struct lwip_known *k, bool with_badack)
{
    uint32_t r = k->b_isn + 1u;
    unsigned n = k->acked_next < LWIP_KNOWN_ACKED_MAX ? k->acked_next : LWIP_KNOWN_ACKED_MAX;
    for (bool grew = true; grew;) {
        grew = false;
        const struct lwip_known_span *sets[3] = {k->acked, k->noack, k->badack};
        unsigned counts[3] = {n, k->noack_count, with_badack ? k->badack_count : 0};
        for (unsigned j = 0; j < 3; j++)
            for (unsigned i = 0; i < counts[j]; i++) {
                const struct lwip_known_span *sp = &sets[j][i];
                uint32_t end = sp->end - (sp->fin ? 1u : 0u);
                if (sp->live && seq_le(sp->seq, r) && seq_gt(end, r))
                    r = end, grew = true;
            }
    }
    return r;
}

/* A acknowledged ack from a state before any FIN of B (its report is read
 * from the pcb: it took no FIN), so no FIN of B moved its RCV.NXT there:
 * if only the text of a segment acknowledging unsent data reaches ack, and
 * the text of no other segment of B, lwIP took that text. */
static void check_bad_ack_text_before_fin(struct lwip_known *k, uint32_t ack)
{
    enum tcp_state st = k->a_state;
    if (st != TCP_SYN_RECEIVED && st != TCP_ESTABLISHED && st != TCP_FIN_WAIT_1 &&
        st != TCP_FIN_WAIT_2)
        return;
    /* ... or, with every segment of B remembered, only with such text does
     * the text of B's segments reach ack without a hole (a FIN of B cannot
     * fill one: A took none): lwIP took that text. */
    if (spans_complete(k) && seq_gt(ack, text_reach(k, false)) &&
        seq_le(ack, text_reach(k, true))) {
        prove_bad_ack_taken(k);
        return;
    }
    unsigned n = k->acked_next < LWIP_KNOWN_ACKED_MAX ? k->acked_next : LWIP_KNOWN_ACKED_MAX;
    if (k->acked_next > LWIP_KNOWN_ACKED_MAX)
        return; /* one may have been forgotten */
    for (unsigned i = 0; i < n; i++)
        if (text_covers(&k->acked[i], ack))
            return;
    for (unsigned i = 0; i < k->noack_count; i++)
        if (text_covers(&k->noack[i], ack))
            return;
    for (unsigned i = 0; i < k->badack_count; i++)
        if (text_covers(&k->badack[i], ack)) {
            k->text_bad_ack = true;
            k->text_bad_ack_index = k->badack[i].index;
            return;
        }
}

static void check_bad_ack_taken(struct lwip_known *k, uint32_t ack)
{
    if (spans_complete(k) && seq_gt(ack, reach(k, false)) && seq_le(ack, reach(k, true))) {
        prove_bad_ack_taken(k);
        return;
    }
    for (unsigned i = 0; i < k->badack_count && !k->text_bad_ack; i++) {
        const struct lwip_known_span *sp = &k->badack[i];
        if (sp->live && covers(sp, ack) && !covered_by_other(k, ack, sp->index, false)) {
            k->text_bad_ack = true;
            k->text_bad_ack_index = sp->index;
        }
    }
}

/* lwIP 2.1.3 as Debian builds it: 2*TCP_MSL, TCP_FIN_WAIT_TIMEOUT, and the
 * slow timer's period plus one fast tick of phase. */
#define LWIP_TW_USECS   (120ull * 1000 * 1000)
#define LWIP_FW2_USECS  (20ull * 1000 * 1000)
#define LWIP_TICK_SLACK (750ull * 1000)

/* A's FIN: a FIN of A with exactly as much text as B's window, and A's
 * stream then ending elsewhere (another FIN, or text beyond it): lwIP
 * resent a longer FIN segment cut to the peer's window and left the FIN
 * on the part it sent (lwip-fin-on-window-split). */
static void on_sut_fin(struct lwip_known *k, uint64_t index, const struct seg *g)
{
    if (g->flags & (TCP_RST | TCP_SYN))
        return;
    uint32_t text_end = g->seq + g->payload_len;
    if (!k->fin_split && k->a_edge_fin && seq_gt(text_end, k->a_edge_fin_pos)) {
        k->fin_split = true; /* text beyond the FIN at the edge */
        k->fin_split_index = index;
    }
    if (!(g->flags & TCP_FIN))
        return;
    bool at_edge = g->payload_len > 0 && ((k->b_wnd_known && g->payload_len == k->b_wnd) ||
                                          (k->lwip_wnd_known && g->payload_len == k->lwip_wnd));
    if (!k->fin_split && at_edge && k->a_fin_seen && text_end != k->a_fin_pos) {
        k->fin_split = true; /* a FIN at the edge, another before it */
        k->fin_split_index = index;
    }
    if (at_edge && !k->a_edge_fin) {
        k->a_edge_fin = true;
        k->a_edge_fin_pos = text_end;
    }
    if (!k->a_fin_seen) {
        k->a_fin_seen = true;
        k->a_fin_pos = text_end;
    }
}

static void on_sut_segment(struct lwip_known *k, uint64_t index, const struct seg *g, uint64_t now)
{
    k->rst_to_badack_end = false; /* A answered: it did not close on that RST */
    on_sut_fin(k, index, g);
    /* A still answers from TIME-WAIT more than 2*MSL after entering it, but
     * within 2*MSL of a FIN it had to drop: lwIP restarted TIME-WAIT there. */
    if (k->a_in_tw && k->tw_junk_fin && !k->tw_junk_restart &&
        now > k->tw_enter_usecs + LWIP_TW_USECS &&
        now <= k->tw_junk_fin_usecs + LWIP_TW_USECS + LWIP_TICK_SLACK) {
        k->tw_junk_restart = true;
        k->tw_junk_restart_index = index;
    }
    if (g->flags & TCP_SYN) {
        if (!(g->flags & TCP_RST)) {
            k->a_syn_seen = true;
            k->a_isn = g->seq;
        }
        k->a_ws = g->opts.has_wscale;
        k->a_ws_shift = g->opts.wscale > 14 ? 14 : g->opts.wscale;
    }
    if ((g->flags & TCP_ACK) && !(g->flags & TCP_RST)) {
        k->a_acked = true;
        k->a_last_ack = g->ack;
        /* RFC 7323 §2.2: never scaled on a SYN */
        bool scaled = !(g->flags & TCP_SYN) && k->a_ws && k->b_ws;
        k->a_wnd = (uint32_t)g->window << (scaled ? k->a_ws_shift : 0);
    }
    if (!(g->flags & TCP_RST) && (!k->a_sent || seq_gt(g->seq + seg_len(g), k->a_snd_max))) {
        k->a_sent = true;
        k->a_snd_max = g->seq + seg_len(g);
    }
    if ((g->flags & (TCP_RST | TCP_ACK)) == (TCP_RST | TCP_ACK) && k->syn_fin_pending &&
        g->ack == k->syn_fin_ack_lwip && k->rst_syn_fin < LWIP_KNOWN_PROOFS_MAX)
        k->rst_syn_fin_index[k->rst_syn_fin++] = index;
    k->syn_fin_pending = false; /* A's next segment is its answer */
    if (!(g->flags & TCP_ACK) || (g->flags & TCP_RST))
        return;
    unsigned n = k->acked_next < LWIP_KNOWN_ACKED_MAX ? k->acked_next : LWIP_KNOWN_ACKED_MAX;
    if (k->second_syn_pending && !(g->flags & TCP_RST)) {
        k->second_syn_pending = false; /* A's answer to it */
        if ((g->flags & TCP_ACK) && g->ack == k->second_syn_end)
            k->syn_counted = true;
    }
    /* A later answer to the second SYN, once what came in between (junk
     * outside the window) cannot explain the number. */
    if (k->second_syn && !k->syn_counted && !k->second_syn_lost && g->ack == k->second_syn_end &&
        !covered_by_other(k, g->ack, k->second_syn_index, true))
        k->syn_counted = true;
    if (!k->text_bad_ack && k->badack_count > 0)
        check_bad_ack_taken(k, g->ack);
    if (!k->text_bad_ack && k->badack_count > 0)
        check_bad_ack_text_before_fin(k, g->ack);
    if (!k->fin_moved && k->fin_next > 0 && fin_moved_to(k, g->ack)) {
        k->fin_moved = true;
        k->fin_moved_index = index;
    }
    /* Only an ACK-less segment with text or FIN can be the one that moved
     * lwIP's RCV.NXT: without one there is nothing to look for (the
     * checks above and below run on every segment of A). */
    if (k->text_without_ack || k->noack_count == 0)
        return;
    /* A acknowledged beyond what B's segments with ACK or SYN (those
     * acknowledging unsent data too) cover without a hole from its ISN on,
     * but not beyond what the ACK-less ones fill in: lwIP took text of an
     * ACK-less segment into its out-of-order queue (only while no segment
     * of B has been forgotten) */
    if (spans_complete(k) && seq_gt(g->ack, reach_of(k, false, true)) &&
        seq_le(g->ack, reach_of(k, true, true))) {
        for (unsigned i = 0; i < k->noack_count; i++)
            if (k->noack[i].live) {
                k->text_without_ack = true;
                k->text_without_ack_index = k->noack[i].index;
                return;
            }
    }
    for (unsigned i = 0; i < n; i++)
        if (covers(&k->acked[i], g->ack))
            return; /* a segment with ACK may have brought RCV.NXT there */
    for (unsigned i = 0; i < k->noack_count; i++) {
        if (k->noack[i].live && covers(&k->noack[i], g->ack)) {
            k->text_without_ack = true;
            k->text_without_ack_index = k->noack[i].index;
            return;
        }
    }
}

static void on_drop(struct lwip_known *k, uint64_t dropped)
{
    /* (only text_covers() looks at a lost segment with ACK: the other
     * checks count it as it came) */
    unsigned n = k->acked_next < LWIP_KNOWN_ACKED_MAX ? k->acked_next : LWIP_KNOWN_ACKED_MAX;
    for (unsigned i = 0; i < n; i++)
        if (k->acked[i].index == dropped)
            k->acked[i].live = false;
    for (unsigned i = 0; i < k->noack_count; i++)
        if (k->noack[i].index == dropped)
            k->noack[i].live = false;
    for (unsigned i = 0; i < k->badack_count; i++)
        if (k->badack[i].index == dropped)
            k->badack[i].live = false;
    for (unsigned i = 0; i < LWIP_KNOWN_RECENT_MAX && i < k->recent_next; i++)
        if (k->recent[i].index == dropped)
            k->recent[i].live = false;
    if (k->second_syn && k->second_syn_index == dropped)
        k->second_syn_lost = true;
    if (k->tw_junk_fin && k->tw_junk_fin_index == dropped) {
        k->tw_junk_fin = false; /* the one before it, if any, is the latest */
        if (k->tw_junk_prev_count > 0) {
            k->tw_junk_prev_count--;
            k->tw_junk_fin = true;
            k->tw_junk_fin_index = k->tw_junk_prev_index[k->tw_junk_prev_count];
            k->tw_junk_fin_usecs = k->tw_junk_prev_usecs[k->tw_junk_prev_count];
        }
    }
    if (k->syn_fin_pending && k->syn_fin_index == dropped)
        k->syn_fin_pending = false;
    if (k->second_syn && !k->syn_counted && !k->second_syn_pending &&
        k->second_syn_until == dropped && k->second_syn_index != dropped)
        k->second_syn_pending = true; /* what ended it never arrived */
    if (k->second_syn_pending && k->second_syn_index == dropped)
        k->second_syn_pending = false;
}

/* A state entered at enter_usecs ended at now by a timeout of limit_usecs
 * that lwIP counted from the application's close: within a tick of
 * close + limit, or (entered after that) at the first tick in it. */
static bool counted_from_close(const struct lwip_known *k, uint64_t enter_usecs, uint64_t now,
                               uint64_t limit_usecs)
{
    uint64_t due = k->a_close_usecs + limit_usecs;
    if (now <= due + LWIP_TICK_SLACK)
        return true;
    return enter_usecs + LWIP_TICK_SLACK >= due && now <= enter_usecs + LWIP_TICK_SLACK;
}

/* Some FIN of B lies within what B's segments reach from its ISN on with
 * those acknowledging unsent data, and none within what they reach
 * without them. */
static bool fin_reached_only_with_badack(struct lwip_known *k)
{
    uint32_t without = reach(k, false), with = reach(k, true);
    unsigned nf = k->fin_next < LWIP_KNOWN_FIN_MAX ? k->fin_next : LWIP_KNOWN_FIN_MAX;
    bool reached = false;
    for (unsigned i = 0; i < nf; i++) {
        uint32_t after = k->fin_pos[i] + 1u;
        if (seq_le(after, without) && seq_gt(after, k->b_isn + 1u))
            return false;
        reached |= seq_gt(after, without) && seq_le(after, with);
    }
    return reached;
}

static void on_sut_state(struct lwip_known *k, uint64_t index, const struct ev *e)
{
    uint64_t now = e->time_usecs;
    enum tcp_state from = e->u.state.from, to = e->u.state.to;
    if (to == TCP_TIME_WAIT)
        k->tw_enter_usecs = now;
    if (to == TCP_FIN_WAIT_2)
        k->fw2_enter_usecs = now;
    /* lwIP took the FIN of a segment whose ACK acknowledged unsent data */
    if ((to == TCP_CLOSE_WAIT || to == TCP_CLOSING || to == TCP_TIME_WAIT) &&
        k->b_last_badack_fin && !k->text_bad_ack) {
        k->text_bad_ack = true;
        k->text_bad_ack_index = k->b_last_index;
    }
    /* ... or on a FIN of B queued behind a hole that only the text of B's
     * latest segment, one such, filled: A was before any FIN of B, no FIN
     * of B lies within what B's other segments reach from its ISN on, and
     * one does within what they reach with that text (while none was
     * forgotten; lwip-text-with-unacceptable-ack-fills-to-fin.bin) */
    bool fin_state = to == TCP_CLOSE_WAIT || to == TCP_CLOSING || to == TCP_TIME_WAIT;
    bool before_fin = from == TCP_ESTABLISHED || from == TCP_FIN_WAIT_1 || from == TCP_FIN_WAIT_2;
    if (fin_state && before_fin && k->b_last_badack_text && !k->text_bad_ack && spans_complete(k) &&
        fin_reached_only_with_badack(k)) {
        k->text_bad_ack = true;
        k->text_bad_ack_index = k->b_last_index;
    }
    k->a_state = to;
    /* A passive open on B's latest SYN: B's ISN for this connection (an
     * earlier SYN of B may have met A's RST, or a listener gone since) */
    /* ... and likewise an active open completed on B's latest SYN (a SYN
     * of B before it, which SYN-SENT ignored without ACK, is no ISN:
     * lwip-text-with-unacceptable-ack-earlier-syn.bin) */
    bool opened = (from == TCP_LISTEN && to == TCP_SYN_RECEIVED) ||
                  (from == TCP_SYN_SENT && (to == TCP_ESTABLISHED || to == TCP_SYN_RECEIVED));
    if (opened && k->b_last_syn && k->b_isn != k->b_last_seq) {
        k->b_isn = k->b_last_seq;
        k->second_syn = k->second_syn_pending = false;
    }
    if (to == TCP_CLOSED && from != TCP_CLOSED && k->rst_to_badack_end &&
        k->rst_closed_by_badack < 4)
        k->rst_closed_by_badack_index[k->rst_closed_by_badack++] = index;
    k->a_in_tw = to == TCP_TIME_WAIT;
    k->a_synced =
        to != TCP_CLOSED && to != TCP_LISTEN && to != TCP_SYN_SENT && to != TCP_SYN_RECEIVED;
    /* The state lwIP reached on B's second SYN: a SYN in SYN-RECEIVED
     * returns a passive open to LISTEN or draws a challenge ACK, it never
     * completes the handshake. */
    if (from == TCP_SYN_RECEIVED && to == TCP_ESTABLISHED && k->b_last_new_syn &&
        !k->syn_established) {
        k->syn_established = true;
        k->syn_established_index = k->b_last_index;
    }
    /* TIME-WAIT ended by the timer 2*MSL after a FIN it had to drop. */
    if (from == TCP_TIME_WAIT && to == TCP_CLOSED && k->tw_junk_fin && !k->tw_junk_restart &&
        now >= k->tw_junk_fin_usecs + LWIP_TW_USECS &&
        now <= k->tw_junk_fin_usecs + LWIP_TW_USECS + LWIP_TICK_SLACK) {
        k->tw_junk_restart = true;
        k->tw_junk_restart_index = index;
    }
    if (to != TCP_CLOSED || !k->a_closed)
        return;
    if (from == TCP_TIME_WAIT && !k->tw_from_close && now < k->tw_enter_usecs + LWIP_TW_USECS &&
        counted_from_close(k, k->tw_enter_usecs, now, LWIP_TW_USECS)) {
        k->tw_from_close = true;
        k->tw_from_close_index = index;
    }
    if (from == TCP_FIN_WAIT_2 && !k->fw2_from_close && now < k->fw2_enter_usecs + LWIP_FW2_USECS &&
        counted_from_close(k, k->fw2_enter_usecs, now, LWIP_FW2_USECS)) {
        k->fw2_from_close = true;
        k->fw2_from_close_index = index;
    }
}

static void push(void *ctx, uint64_t index, const struct ev *e)
{
    struct lwip_known *k = ctx;
    k->last_usecs = e->time_usecs;
    switch (e->kind) {
    case EV_APP:
        if (e->endpoint == EP_A && e->u.app.call == APP_CLOSE && !k->a_closed) {
            k->a_closed = true;
            k->a_close_usecs = e->time_usecs;
        }
        if (e->endpoint == EP_A && e->u.app.call == APP_RECV && e->u.app.done > 0) {
            /* A's application read more than B's other segments hold
             * without a hole: text of a segment acknowledging unsent data */
            k->a_read += e->u.app.done;
            if (!k->text_bad_ack && k->badack_count > 0 && spans_complete(k) &&
                k->a_read > (uint32_t)(reach(k, false) - (k->b_isn + 1u)) &&
                k->a_read <= (uint32_t)(reach(k, true) - (k->b_isn + 1u)))
                prove_bad_ack_taken(k);
        }
        break;
    case EV_STATE:
        k->spans_gen++; /* B's ISN may change: what reach_of() remembers */
        if (e->endpoint == EP_A)
            on_sut_state(k, index, e);
        break;
    case EV_DROP:
        k->spans_gen++; /* a span may be lost */
        on_drop(k, e->u.drop.index);
        break;
    case EV_SEGMENT:
        if (e->endpoint == EP_B) {
            k->spans_gen++; /* a span may be added */
            on_peer_segment(k, index, &e->u.segment.seg, e->time_usecs);
        } else if (e->endpoint == EP_A) {
            on_sut_segment(k, index, &e->u.segment.seg, e->time_usecs);
        }
        break;
    default: /* the clock: nothing to remember */
        break;
    }
}

void lwip_known_took_text(void *ctx)
{
    struct lwip_known *k = ctx;
    if (k->b_seen && !k->text_without_ack) {
        k->text_without_ack = true;
        k->text_without_ack_index = k->b_last_index;
    }
}

struct ev_sink lwip_known_sink(struct lwip_known *k)
{
    return (struct ev_sink){.ctx = k, .push = push};
}

const char *lwip_known_explain(const struct lwip_known *k, const struct driver_violation *v)
{
    if (!v || !v->id)
        return NULL;
    for (unsigned i = 0; i < k->rst_syn_fin; i++)
        if (strcmp(v->id, "closed-silence") == 0 && v->event_index == k->rst_syn_fin_index[i])
            return "lwip-rst-ack-syn-fin";
    /* (still in TIME-WAIT when the run ended: 2*MSL had passed since it
     * began, not since the FIN it had to drop) */
    bool tw_alive_by_junk = k->a_in_tw && k->tw_junk_fin &&
                            k->last_usecs > k->tw_enter_usecs + LWIP_TW_USECS &&
                            k->last_usecs <= k->tw_junk_fin_usecs + LWIP_TW_USECS + LWIP_TICK_SLACK;
    if ((k->tw_junk_restart || tw_alive_by_junk) && v->event_index > k->tw_junk_fin_index &&
        strcmp(v->id, "time-wait-duration") == 0)
        return "lwip-time-wait-restart-any-fin";
    if (k->tw_from_close && v->event_index >= k->tw_from_close_index &&
        strcmp(v->id, "time-wait-duration") == 0)
        return "lwip-time-wait-counts-from-close";
    if (k->fw2_from_close && v->event_index >= k->fw2_from_close_index &&
        strcmp(v->id, "transition-legal") == 0)
        return "lwip-fin-wait-2-timeout-from-close";
    if ((k->syn_counted && v->event_index > k->second_syn_index) ||
        (k->syn_established && v->event_index > k->syn_established_index))
        return "lwip-syn-received-ignores-syn";
    if (k->fin_split && v->event_index >= k->fin_split_index)
        return "lwip-fin-on-window-split";
    if (k->fin_moved && v->event_index >= k->fin_moved_index)
        return "lwip-ooseq-fin-moved";
    if (k->text_bad_ack && v->event_index > k->text_bad_ack_index)
        return "lwip-text-with-unacceptable-ack";
    /* A kept the connection on an RST at the oracle's RCV.NXT, inside the
     * text of a segment acknowledging unsent data: lwIP closes on an RST
     * exactly at its RCV.NXT (tcp_process), so its RCV.NXT moved past the
     * RST on that text, even though no ACK of A showed it before the RST */
    for (unsigned i = 0; i < k->rst_in_badack; i++)
        if (strcmp(v->id, "rst-validation") == 0 && v->event_index == k->rst_in_badack_index[i] &&
            strstr(v->message, "did not close"))
            return "lwip-text-with-unacceptable-ack";
    /* A closed on an RST inside or at the end of such text: lwIP's RCV.NXT
     * had moved there on it */
    for (unsigned i = 0; i < k->rst_closed_by_badack; i++)
        if (strcmp(v->id, "rst-validation") == 0 &&
            v->event_index == k->rst_closed_by_badack_index[i])
            return "lwip-text-with-unacceptable-ack";
    if (k->text_without_ack && v->event_index > k->text_without_ack_index)
        return "lwip-text-without-ack";
    return NULL;
}
