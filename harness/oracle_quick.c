/* The quick judge (oracle_quick.h): oracle_fast.c's preconditions and
 * updates, on the little they depend on. Read oracle_fast.c first: each
 * function here names the one it follows, and says only where it differs.
 *
 * Where every segment so far took a fast path, the two endpoints' inferred
 * states go only this way (A either endpoint, B the other; by induction
 * over the paths below, which take nothing else):
 *
 *   nothing taken (both ORACLE_QUICK_UNKNOWN)
 *   -> A's SYN:                     A SYN-SENT,    B LISTEN
 *   -> B's SYN-ACK:                 A SYN-SENT,    B SYN-RECEIVED
 *   -> A's ACK:                     A ESTABLISHED, B ESTABLISHED
 *   -> a FIN (say A's):             A FIN-WAIT-1,  B CLOSE-WAIT
 *   -> B's ACK of it:               A FIN-WAIT-2,  B CLOSE-WAIT
 *   -> B's FIN (with that ACK too): A TIME-WAIT,   B LAST-ACK
 *   -> A's ACK of it:               A TIME-WAIT,   B CLOSED, and nothing
 *      more is taken (neither CLOSED sends nor takes an ACK).
 *
 * A FIN reaches FIN-WAIT-1 only with the ACK of that FIN (an ACK taken is
 * exactly its receiver's snd_max, which ends at the FIN), so the oracle
 * moves it to FIN-WAIT-2 first: no CLOSING. So what the fast paths test of
 * the oracle's fields follows from these states and the few numbers kept:
 *
 *  - sent_any, syn_sent, isn_known, syn_count == 1, wire_known: every
 *    state but LISTEN (an endpoint leaves nothing-known or LISTEN only by
 *    sending its SYN); wnd_known: those but SYN-SENT, whose sender has sent
 *    only its SYN;
 *  - contig_end is snd_max: every path sets both to the same;
 *  - isn + 1 is snd_max in SYN-SENT, where only the SYN was sent;
 *  - fin_sent: FIN-WAIT-1 and every state after it, LAST-ACK, CLOSED;
 *    fin_acked: FIN-WAIT-2, TIME-WAIT, CLOSED (fin_ack_arrives() leaves
 *    FIN-WAIT-1 and LAST-ACK, the only states with a FIN unacknowledged);
 *  - tw_restart_usecs: when its endpoint entered TIME-WAIT, as far as the
 *    fast paths read it: only the TIME-WAIT endpoint's own ACK moves it
 *    (ack_take(), peer_fin_confirmed, tw_ack_sent, last_peer_had_ack), and
 *    the first such ACK taken is the last segment taken;
 *  - o->started: both states known.
 *
 * Fields the fast paths never change from their initial value while every
 * segment takes one (ooo, beyond_seen, wire_check, owed, syn_data, the
 * reuse SYNs) are not kept: their tests always pass here.
 *
 * test_oracle_quick checks, segment by segment, that this takes exactly
 * the segments the fast paths take, and that it holds what the oracle
 * holds of the states and numbers kept. */
#include "oracle_quick.h"

#include <string.h>

#include "../stack/seq.h"

/* Whether the stream's end may be judged by the end time, by an
 * endpoint's state (oracle_quick_end()). */
enum {
    NOT_STARTED = 1u << 0, /* not o->started: nothing taken (or none will be) */
    FIN_UNACKED = 1u << 1, /* fin_sent and not fin_acked (above) */
};
static const uint8_t end_bits[ORACLE_QUICK_STATES] = {
    [TCP_CLOSED] = 0,
    [TCP_LISTEN] = 0,
    [TCP_SYN_SENT] = 0,
    [TCP_SYN_RECEIVED] = 0,
    [TCP_ESTABLISHED] = 0,
    [TCP_FIN_WAIT_1] = FIN_UNACKED,
    [TCP_FIN_WAIT_2] = 0,
    [TCP_CLOSING] = FIN_UNACKED,
    [TCP_TIME_WAIT] = 0,
    [TCP_CLOSE_WAIT] = 0,
    [TCP_LAST_ACK] = FIN_UNACKED,
    [ORACLE_QUICK_UNKNOWN] = NOT_STARTED,
    [ORACLE_QUICK_OFF] = NOT_STARTED,
};
_Static_assert(sizeof end_bits / sizeof end_bits[0] == ORACLE_QUICK_STATES, "one entry per state");

void oracle_quick_init(struct oracle_quick *q, const struct oracle *o)
{
    memset(q, 0, sizeof *q);
    /* Not fast_config: the first segment is not taken, as no state is
     * ORACLE_QUICK_UNKNOWN. */
    uint8_t st = o->fast_config ? ORACLE_QUICK_UNKNOWN : ORACLE_QUICK_OFF;
    q->inf[EP_A] = q->inf[EP_B] = st;
    q->wscale[EP_A] = q->wscale[EP_B] = ORACLE_QUICK_NO_OFFER;
    q->tw_wait_usecs = o->rules.time_wait_usecs + o->cfg.timer_slack_usecs;
}

/* Both states, A's in the low byte, in one load. */
static inline uint16_t both_states(const struct oracle_quick *q)
{
    uint16_t both;
    memcpy(&both, q->inf, sizeof both);
    return both;
}
#define BOTH(st) ((uint16_t)((st) | (st) << 8))

/* syn_options_plain() */
static inline bool options_plain(const struct seg_record *r)
{
    return !(r->bits & SEG_RECORD_HAS_WSCALE) || r->wscale <= 14;
}

/* first_syn_applies() and first_syn_apply(): nothing was taken before (the
 * SYN ring empty, nothing sent, no state known), and syn_sent(). */
static bool first_syn(struct oracle_quick *q, size_t s, size_t p, const struct seg_record *r)
{
    if (both_states(q) != BOTH(ORACLE_QUICK_UNKNOWN) || r->payload_len != 0 || !options_plain(r))
        return false;
    q->inf[s] = TCP_SYN_SENT;
    q->inf[p] = TCP_LISTEN;
    q->snd_max[s] = r->seq + 1;
    if (r->bits & SEG_RECORD_HAS_WSCALE)
        q->wscale[s] = r->wscale; /* at most 14: plain */
    return true;
}

/* syn_ack_applies() and syn_ack_apply(): its sender in LISTEN has sent
 * nothing; the peer in SYN-SENT sent only its SYN (no FIN), which ends at
 * snd_max, so `ack == p->isn + 1 && p->snd_max == ack` is `ack == snd_max`.
 * Its window is not scaled; it is the first its sender advertised. The
 * windows that follow are scaled if both offered a scale. */
static bool syn_ack(struct oracle_quick *q, size_t s, size_t p, const struct seg_record *r)
{
    if (q->inf[s] != TCP_LISTEN || q->inf[p] != TCP_SYN_SENT || r->ack != q->snd_max[p] ||
        r->payload_len != 0 || !options_plain(r))
        return false;
    q->inf[s] = TCP_SYN_RECEIVED;
    q->snd_max[s] = r->seq + 1;
    q->wnd_right[s] = r->ack + r->window;
    if ((r->bits & SEG_RECORD_HAS_WSCALE) && q->wscale[p] != ORACLE_QUICK_NO_OFFER)
        q->wscale[s] = r->wscale;
    else
        q->wscale[s] = q->wscale[p] = 0;
    return true;
}

/* ---- an in-order segment with ACK: ack_applies() and ack_apply() ----
 *
 * Taken only between the pairs of states of the diagram above where its
 * sender is in a state of ack_sender_ok[] and its receiver in one of
 * ack_receiver_ok[]: each case below is one such pair, sender first, and
 * says which of ack_applies()'s tests can fail there and what ack_apply()
 * (with ack_apply_rare(), which it may always run: when ack_apply() skips
 * it, it changes nothing there) changes. In every pair, these tests of
 * ack_applies() always pass: that both have sent and the receiver's window
 * is known (see above), ack-monotonic (every ACK taken was the peer's
 * snd_max at the time, which only grows), the peer's FIN (each FIN taken
 * arrived at once, lies in its sender's ISN space, at its snd_max; a log
 * holds few segments of at most 64 KB each: nothing here wraps half the
 * sequence space), and, for a FIN, that both sent a SYN and the peer sent
 * no FIN yet. */

/* In order: at or below what s sent (contig_end), acknowledging exactly
 * what p sent. */
static inline bool in_order(const struct oracle_quick *q, size_t s, size_t p,
                            const struct seg_record *r)
{
    return seq_le(r->seq, q->snd_max[s]) && r->ack == q->snd_max[p];
}

/* Its text, if any, within the window p advertised (check_window()). */
static inline bool text_fits(const struct oracle_quick *q, size_t p, const struct seg_record *r)
{
    return r->payload_len == 0 || !seq_gt(r->seq + r->payload_len, q->wnd_right[p]);
}

/* A first FIN as ack_applies() takes it: without text, right at what s
 * sent. */
static inline bool fin_plain(const struct oracle_quick *q, size_t s, const struct seg_record *r)
{
    return r->payload_len == 0 && r->seq == q->snd_max[s];
}

/* The window s advertises (sender_ack()), scaled. */
static inline uint32_t window_right(const struct oracle_quick *q, size_t s,
                                    const struct seg_record *r)
{
    return r->ack + ((uint32_t)r->window << q->wscale[s]);
}

/* ack_take(), what the segment occupies: snd_max and contig_end (where it
 * started at or below it: track_contig()). */
static inline void ack_occupy(struct oracle_quick *q, size_t s, const struct seg_record *r,
                              bool fin)
{
    uint32_t end = r->seq + r->payload_len + (fin ? 1u : 0u);
    if (seq_gt(end, q->snd_max[s]))
        q->snd_max[s] = end;
}

/* ack_take(), the right edge of the window s advertises, known before. */
static inline void ack_advertise(struct oracle_quick *q, size_t s, const struct seg_record *r)
{
    uint32_t right = window_right(q, s, r);
    if (seq_gt(right, q->wnd_right[s]))
        q->wnd_right[s] = right;
}

/* A segment with ACK and no FIN between two ESTABLISHED endpoints, nearly
 * every segment: the tests that can fail there (the states suit both,
 * neither has sent a FIN, s is not in TIME-WAIT), and ack_take() (the
 * states stay: no handshake to end, no FIN). A bare ACK, in order,
 * occupies nothing. */
static inline __attribute__((always_inline)) bool steady_ack(struct oracle_quick *q, size_t s,
                                                             size_t p, const struct seg_record *r)
{
    if (!in_order(q, s, p, r))
        return false;
    if (r->payload_len > 0) {
        if (!text_fits(q, p, r))
            return false;
        ack_occupy(q, s, r, false);
    }
    ack_advertise(q, s, r);
    return true;
}

/* Both states as one number, the sender's in the low bits. */
#define PAIR(s_inf, p_inf) ((unsigned)(s_inf) | (unsigned)(p_inf) << 4)
_Static_assert(ORACLE_QUICK_STATES <= 16, "a state in four bits");

/* Any other segment with ACK, fin if it has FIN. */
static inline __attribute__((always_inline)) bool
ack_segment(struct oracle_quick *q, size_t s, size_t p, const struct seg_record *r, bool fin)
{
    switch (PAIR(q->inf[s], q->inf[p])) {
    case PAIR(TCP_SYN_SENT, TCP_SYN_RECEIVED):
        /* The handshake's last ACK, perhaps with text; no FIN (not from
         * SYN-SENT). Its sender's window is not known before. Both are
         * ESTABLISHED after it. */
        if (fin || !in_order(q, s, p, r) || !text_fits(q, p, r))
            return false;
        ack_occupy(q, s, r, false);
        q->wnd_right[s] = window_right(q, s, r);
        q->inf[s] = q->inf[p] = TCP_ESTABLISHED;
        return true;
    case PAIR(TCP_ESTABLISHED, TCP_ESTABLISHED):
        /* The first FIN (without FIN, steady_ack()): oracle_first_fin() to
         * FIN-WAIT-1, fin_arrives() at the peer to CLOSE-WAIT. */
        if (!fin)
            return steady_ack(q, s, p, r);
        if (!fin_plain(q, s, r) || r->ack != q->snd_max[p])
            return false;
        ack_occupy(q, s, r, true);
        ack_advertise(q, s, r);
        q->inf[s] = TCP_FIN_WAIT_1;
        q->inf[p] = TCP_CLOSE_WAIT;
        return true;
    case PAIR(TCP_CLOSE_WAIT, TCP_FIN_WAIT_1):
    case PAIR(TCP_CLOSE_WAIT, TCP_FIN_WAIT_2):
        /* From CLOSE-WAIT: text, or its FIN. Its ACK is of the peer's FIN:
         * fin_ack_arrives() takes the peer to FIN-WAIT-2 (if not there
         * yet), and a FIN of its own (oracle_first_fin() to LAST-ACK)
         * further to TIME-WAIT (fin_arrives(), enter_time_wait()). */
        if (!in_order(q, s, p, r) || !text_fits(q, p, r) || (fin && !fin_plain(q, s, r)))
            return false;
        ack_occupy(q, s, r, fin);
        ack_advertise(q, s, r);
        if (!fin) {
            q->inf[p] = TCP_FIN_WAIT_2;
            return true;
        }
        q->inf[s] = TCP_LAST_ACK;
        q->inf[p] = TCP_TIME_WAIT;
        q->tw_answer_until_usecs = (uint64_t)r->time_delta + q->tw_wait_usecs;
        return true;
    case PAIR(TCP_FIN_WAIT_1, TCP_CLOSE_WAIT):
    case PAIR(TCP_FIN_WAIT_2, TCP_CLOSE_WAIT):
    case PAIR(TCP_LAST_ACK, TCP_TIME_WAIT):
        /* From an endpoint that sent its FIN: no text (no-data-after-fin),
         * no FIN again, so it occupies nothing. The peer's FIN is not sent,
         * or was acknowledged before: no state changes. */
        if (fin || r->payload_len != 0 || !in_order(q, s, p, r))
            return false;
        ack_advertise(q, s, r);
        return true;
    case PAIR(TCP_TIME_WAIT, TCP_LAST_ACK):
        /* From TIME-WAIT a bare ACK (tw_answer()) within 2*MSL of entering
         * it: the ACK of the peer's FIN, which closes it (fin_ack_arrives()).
         * What this changes of the TIME-WAIT endpoint's timer is never
         * read: both take nothing more. */
        if (fin || r->payload_len != 0 || !in_order(q, s, p, r) ||
            (uint64_t)r->time_delta > q->tw_answer_until_usecs)
            return false;
        ack_advertise(q, s, r);
        q->inf[p] = TCP_CLOSED;
        return true;
    default:
        /* A sender or receiver that takes no ACK: nothing known yet,
         * LISTEN, SYN-SENT receiving (the SYN-ACK's sender sends no ACK
         * before it), CLOSED. (The diagram has no other pair.) */
        return false;
    }
}

/* One segment: false when the oracle would not take it by a fast path. As
 * oracle_segment(), by its flags. */
static inline __attribute__((always_inline)) bool quick_segment(struct oracle_quick *q,
                                                                const struct seg_record *r)
{
    size_t s = r->bits & SEG_RECORD_FROM_B ? EP_B : EP_A, p = s ^ 1u;
    uint8_t kind = r->flags & (TCP_SYN | TCP_FIN | TCP_RST | TCP_ACK);
    if (kind == TCP_ACK && both_states(q) == BOTH(TCP_ESTABLISHED))
        return steady_ack(q, s, p, r);
    switch (kind) {
    case TCP_ACK:
        return ack_segment(q, s, p, r, false);
    case TCP_ACK | TCP_FIN:
        return ack_segment(q, s, p, r, true);
    case TCP_SYN:
        return first_syn(q, s, p, r);
    case TCP_SYN | TCP_ACK:
        return syn_ack(q, s, p, r);
    default:
        return false;
    }
}

/* (restrict: the log and the judge never overlap, so what was read of a
 * record need not be read again after a store to the judge.) */
bool oracle_quick_run(struct oracle_quick *restrict q, const struct seg_record *restrict r,
                      unsigned n)
{
    for (unsigned k = 0; k < n; k++)
        if (!quick_segment(q, &r[k]))
            return false;
    return true;
}

bool oracle_quick_end(const struct oracle_quick *q, struct oracle_endpoint_view view[2])
{
    for (unsigned ep = 0; ep < 2; ep++) {
        unsigned st = q->inf[ep];
        /* No verdict unless a segment was taken. Then only
         * oracle_observe_finish()'s fin-retransmit could judge by the end
         * time: a FIN still waiting for its ACK. (Nothing else there
         * applies: nothing is owed, no RST was seen, no state reported.) */
        if (end_bits[st] & (NOT_STARTED | FIN_UNACKED))
            return false;
        view[ep] = (struct oracle_endpoint_view){.state = (enum tcp_state)st, .state_known = true};
    }
    return true;
}
