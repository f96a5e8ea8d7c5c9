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

/* What the fast paths take of an endpoint in each state, as bits: */
enum {
    SENDS_ACK = 1u << 0,   /* ack_sender_ok[] */
    TAKES_ACK = 1u << 1,   /* ack_receiver_ok[] */
    FIN_SENT = 1u << 2,    /* fin_sent (above) */
    SENDS_FIN = 1u << 3,   /* a first FIN is taken from it: ESTABLISHED, CLOSE-WAIT */
    FIN_UNACKED = 1u << 4, /* fin_sent and not fin_acked (above) */
    NOT_STARTED = 1u << 5, /* not o->started: nothing taken (or none will be) */
};
static const uint8_t state_bits[ORACLE_QUICK_STATES] = {
    [TCP_CLOSED] = FIN_SENT,
    [TCP_LISTEN] = 0,
    [TCP_SYN_SENT] = SENDS_ACK,
    [TCP_SYN_RECEIVED] = SENDS_ACK | TAKES_ACK,
    [TCP_ESTABLISHED] = SENDS_ACK | TAKES_ACK | SENDS_FIN,
    [TCP_FIN_WAIT_1] = SENDS_ACK | TAKES_ACK | FIN_SENT | FIN_UNACKED,
    [TCP_FIN_WAIT_2] = SENDS_ACK | TAKES_ACK | FIN_SENT,
    [TCP_CLOSING] = SENDS_ACK | TAKES_ACK | FIN_SENT | FIN_UNACKED,
    [TCP_TIME_WAIT] = SENDS_ACK | TAKES_ACK | FIN_SENT,
    [TCP_CLOSE_WAIT] = SENDS_ACK | TAKES_ACK | SENDS_FIN,
    [TCP_LAST_ACK] = SENDS_ACK | TAKES_ACK | FIN_SENT | FIN_UNACKED,
    [ORACLE_QUICK_UNKNOWN] = NOT_STARTED,
    [ORACLE_QUICK_OFF] = NOT_STARTED,
};
_Static_assert(sizeof state_bits / sizeof state_bits[0] == ORACLE_QUICK_STATES,
               "one entry per state");

/* ack_apply_rare()'s state changes, for a segment the ACK path took: of
 * its sender (by whether it carries a FIN, then the sender's state) ... */
static const uint8_t ack_sender_next[2][ORACLE_QUICK_STATES] = {
    {
        /* the handshake's last ACK (a SYN-RECEIVED endpoint sends none
         * taken: its peer is in SYN-SENT) */
        [TCP_SYN_SENT] = TCP_ESTABLISHED,
        [TCP_SYN_RECEIVED] = TCP_ESTABLISHED,
        [TCP_CLOSED] = TCP_CLOSED,
        [TCP_LISTEN] = TCP_LISTEN,
        [TCP_ESTABLISHED] = TCP_ESTABLISHED,
        [TCP_FIN_WAIT_1] = TCP_FIN_WAIT_1,
        [TCP_FIN_WAIT_2] = TCP_FIN_WAIT_2,
        [TCP_CLOSING] = TCP_CLOSING,
        [TCP_TIME_WAIT] = TCP_TIME_WAIT,
        [TCP_CLOSE_WAIT] = TCP_CLOSE_WAIT,
        [TCP_LAST_ACK] = TCP_LAST_ACK,
        [ORACLE_QUICK_UNKNOWN] = ORACLE_QUICK_UNKNOWN,
        [ORACLE_QUICK_OFF] = ORACLE_QUICK_OFF,
    },
    {
        /* oracle_first_fin(): from ESTABLISHED, where the peer sent no FIN
         * (it would have arrived); from CLOSE-WAIT, acknowledging the
         * peer's FIN. A FIN from any other state is not taken. */
        [TCP_ESTABLISHED] = TCP_FIN_WAIT_1,
        [TCP_CLOSE_WAIT] = TCP_LAST_ACK,
        [TCP_CLOSED] = TCP_CLOSED,
        [TCP_LISTEN] = TCP_LISTEN,
        [TCP_SYN_SENT] = TCP_SYN_SENT,
        [TCP_SYN_RECEIVED] = TCP_SYN_RECEIVED,
        [TCP_FIN_WAIT_1] = TCP_FIN_WAIT_1,
        [TCP_FIN_WAIT_2] = TCP_FIN_WAIT_2,
        [TCP_CLOSING] = TCP_CLOSING,
        [TCP_TIME_WAIT] = TCP_TIME_WAIT,
        [TCP_LAST_ACK] = TCP_LAST_ACK,
        [ORACLE_QUICK_UNKNOWN] = ORACLE_QUICK_UNKNOWN,
        [ORACLE_QUICK_OFF] = ORACLE_QUICK_OFF,
    },
};
/* ... and of its receiver: the end of its handshake, then fin_ack_arrives()
 * (the ACK acknowledges the receiver's FIN exactly when it sent one), then
 * fin_arrives(). */
static const uint8_t ack_receiver_next[2][ORACLE_QUICK_STATES] = {
    {
        [TCP_SYN_RECEIVED] = TCP_ESTABLISHED,
        [TCP_FIN_WAIT_1] = TCP_FIN_WAIT_2,
        [TCP_CLOSING] = TCP_TIME_WAIT,
        [TCP_LAST_ACK] = TCP_CLOSED,
        [TCP_CLOSED] = TCP_CLOSED,
        [TCP_LISTEN] = TCP_LISTEN,
        [TCP_SYN_SENT] = TCP_SYN_SENT,
        [TCP_ESTABLISHED] = TCP_ESTABLISHED,
        [TCP_FIN_WAIT_2] = TCP_FIN_WAIT_2,
        [TCP_TIME_WAIT] = TCP_TIME_WAIT,
        [TCP_CLOSE_WAIT] = TCP_CLOSE_WAIT,
        [ORACLE_QUICK_UNKNOWN] = ORACLE_QUICK_UNKNOWN,
        [ORACLE_QUICK_OFF] = ORACLE_QUICK_OFF,
    },
    {
        [TCP_SYN_RECEIVED] = TCP_CLOSE_WAIT,
        [TCP_ESTABLISHED] = TCP_CLOSE_WAIT,
        [TCP_FIN_WAIT_1] = TCP_TIME_WAIT, /* by FIN-WAIT-2: the FIN acknowledges ours */
        [TCP_FIN_WAIT_2] = TCP_TIME_WAIT,
        [TCP_CLOSING] = TCP_TIME_WAIT,
        [TCP_LAST_ACK] = TCP_CLOSED,
        [TCP_CLOSED] = TCP_CLOSED,
        [TCP_LISTEN] = TCP_LISTEN,
        [TCP_SYN_SENT] = TCP_SYN_SENT,
        [TCP_TIME_WAIT] = TCP_TIME_WAIT,
        [TCP_CLOSE_WAIT] = TCP_CLOSE_WAIT,
        [ORACLE_QUICK_UNKNOWN] = ORACLE_QUICK_UNKNOWN,
        [ORACLE_QUICK_OFF] = ORACLE_QUICK_OFF,
    },
};
_Static_assert(sizeof ack_sender_next[0] == ORACLE_QUICK_STATES, "one entry per state");
_Static_assert(sizeof ack_receiver_next[0] == ORACLE_QUICK_STATES, "one entry per state");

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
static bool first_syn(struct oracle_quick *q, unsigned s, unsigned p, const struct seg_record *r)
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
static bool syn_ack(struct oracle_quick *q, unsigned s, unsigned p, const struct seg_record *r)
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

/* ack_applies() and ack_apply() (with ack_apply_rare(), which it may
 * always run: when ack_apply() skips it, it changes nothing) for an
 * in-order segment with ACK from s to p. Of ack_applies(), the tests that
 * always pass here are left out: that both have sent and p's window is
 * known (s and p take ACKs), ack-monotonic (every ACK taken was the peer's
 * snd_max at the time, which only grows), and the peer's FIN (each FIN
 * taken arrived at once, lies in its sender's ISN space, at its snd_max;
 * a log holds few segments of at most 64 KB each: nothing here wraps half
 * the sequence space). */
static inline __attribute__((always_inline)) bool
ack_segment(struct oracle_quick *q, unsigned s, unsigned p, const struct seg_record *r, bool fin)
{
    unsigned s_inf = q->inf[s], p_inf = q->inf[p];
    unsigned s_bits = state_bits[s_inf];
    uint32_t seq = r->seq, len = r->payload_len, ack = r->ack;
    if (!(s_bits & SENDS_ACK) || !(state_bits[p_inf] & TAKES_ACK))
        return false;
    if (!seq_le(seq, q->snd_max[s]) || ack != q->snd_max[p])
        return false;
    if (len > 0 && ((s_bits & FIN_SENT) || seq_gt(seq + len, q->wnd_right[p])))
        return false;
    /* A first FIN without text, at snd_max (fin_sent follows from the
     * state); none from TIME-WAIT, where a bare ACK is taken within 2*MSL
     * (tw_answer()). */
    if (fin && (len > 0 || seq != q->snd_max[s] || !(s_bits & SENDS_FIN)))
        return false;
    if (s_inf == TCP_TIME_WAIT && (uint64_t)r->time_delta > q->tw_answer_until_usecs)
        return false;

    /* ack_take() */
    uint32_t end = seq + len + (fin ? 1u : 0u);
    if (seq_gt(end, q->snd_max[s]))
        q->snd_max[s] = end;
    uint32_t right = ack + ((uint32_t)r->window << q->wscale[s]);
    /* (In SYN-SENT its first window: not known before.) */
    if (s_inf == TCP_SYN_SENT || seq_gt(right, q->wnd_right[s]))
        q->wnd_right[s] = right;
    /* ack_apply_rare()'s state changes */
    unsigned p_next = ack_receiver_next[fin][p_inf];
    q->inf[s] = ack_sender_next[fin][s_inf];
    q->inf[p] = (uint8_t)p_next;
    if (p_next == TCP_TIME_WAIT && p_inf != TCP_TIME_WAIT) /* enter_time_wait() */
        q->tw_answer_until_usecs = (uint64_t)r->time_delta + q->tw_wait_usecs;
    return true;
}

/* ack_segment() for a segment with ACK and no FIN between two ESTABLISHED
 * endpoints: the tests that can fail there (the states suit both, neither
 * has sent a FIN, s is not in TIME-WAIT, s's window is known) and the
 * updates that change something (the states stay). */
static inline __attribute__((always_inline)) bool steady_ack(struct oracle_quick *q, unsigned s,
                                                             unsigned p, const struct seg_record *r)
{
    uint32_t seq = r->seq, len = r->payload_len, ack = r->ack;
    uint32_t end = seq + len;
    if (!seq_le(seq, q->snd_max[s]) || ack != q->snd_max[p] ||
        (len > 0 && seq_gt(end, q->wnd_right[p])))
        return false;
    if (seq_gt(end, q->snd_max[s]))
        q->snd_max[s] = end;
    uint32_t right = ack + ((uint32_t)r->window << q->wscale[s]);
    if (seq_gt(right, q->wnd_right[s]))
        q->wnd_right[s] = right;
    return true;
}

/* One segment: false when the oracle would not take it by a fast path. As
 * oracle_segment(), by its flags. */
static inline __attribute__((always_inline)) bool quick_segment(struct oracle_quick *q,
                                                                const struct seg_record *r)
{
    unsigned s = r->bits & SEG_RECORD_FROM_B ? EP_B : EP_A, p = s ^ 1u;
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

bool oracle_quick_run(struct oracle_quick *q, const struct seg_record *r, unsigned n)
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
        if (state_bits[st] & (NOT_STARTED | FIN_UNACKED))
            return false;
        view[ep] = (struct oracle_endpoint_view){.state = (enum tcp_state)st, .state_known = true};
    }
    return true;
}
