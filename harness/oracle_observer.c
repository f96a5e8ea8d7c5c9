/* The observer: what each endpoint did and must do, judged from the wire.
 *
 * Read RFC 9293 §3.3.2 (Figure 5), §3.6 (closing), §3.10.7 (SEGMENT
 * ARRIVES) first, then RFC 5961 §3-§4, RFC 1337, RFC 1122 4.2.2.13 and
 * RFC 6191.
 *
 * How the wire is read:
 * - A segment seen on the wire is assumed to arrive (captures are taken near
 *   one end; simulations report losses as EV_DROP, which undoes what the
 *   arrival changed). Where later segments prove it did not arrive (the
 *   sender retransmits its FIN after the ACK of it was seen), the inference
 *   is revised, never reported as a violation.
 * - An endpoint's own segments are the strongest evidence of its state: the
 *   ACK field of its FIN says whether it had received the peer's FIN, so
 *   crossing FINs are told apart from a close after CLOSE-WAIT.
 * - What the wire cannot show (a capture starting mid-connection, sequence
 *   space acknowledged but never seen) makes the verdict "incomplete",
 *   never a violation.
 * - Junk from a fuzzer's peer (not judged) is observed, never blamed, and a
 *   segment the receiver must find unacceptable (RFC 9293 §3.10.7.4 first
 *   check against its RCV.NXT as its own ACKs show it) changes nothing the
 *   oracle infers about either side. Where the receiver's own ACK says what
 *   it took (the FIN at RCV.NXT - 1 that a retransmission in TIME-WAIT
 *   repeats), that counts, not the oracle's reading of the junk.
 * - Where a conforming stack may do either of two things (a MAY of the
 *   RFCs, a delayed copy the wire cannot place), both pass.
 * - An RST tells of its sender only what its form proves: one that answers
 *   an unacceptable ACK (<SEQ=SEG.ACK><CTL=RST>) leaves a LISTEN, SYN-SENT
 *   or SYN-RECEIVED sender where it was, as a CLOSED one; one that answers
 *   new text after the sender's close (RFC 9293 §3.6.1) refuses the
 *   segment that carried it, so a FIN on it started no TIME-WAIT.
 * - Where a source reports states, checks that depend on the state use the
 *   reported one, and the reports are compared with the wire facts
 *   (state-matches-wire). */
#include <stdio.h>
#include <string.h>

#include "../stack/seq.h"
#include "oracle_impl.h"

/* How long an answer may take before a missing one counts (a delayed ACK is
 * at most 500 ms, RFC 9293 §3.8.6.3). */
#define ANSWER_GRACE_USECS (1000ull * 1000)
/* An unacknowledged FIN must be retransmitted at least this often: the RTO
 * upper bound (RFC 6298 §2.5 allows >= 60 s; Linux and the model use 120 s). */
#define FIN_RTO_MAX_USECS (120ull * 1000 * 1000)
/* ... and the connection given up within this much (RFC 1122 4.2.3.5 R2 is
 * "at least 100 s" and sets no upper bound; Linux's tcp_retries2=15 gives
 * about 15 minutes; two hours allows any sane retry count at a 120 s cap). */
#define FIN_GIVE_UP_USECS (2ull * 60 * 60 * 1000 * 1000)
/* Receive window assumed when the receiver never advertised one. */
#define DEFAULT_RCV_WND 65535u

enum { WIRE_CHECK_FIN = 1, WIRE_CHECK_ACK_OF_FIN = 2 };

static inline struct oracle_side *side(struct oracle *o, unsigned ep)
{
    return &o->side[ep & 1];
}

/* The state that judging relies on: reported if the source reports it,
 * otherwise inferred. */
static inline __attribute__((always_inline)) bool eff_state(const struct oracle *o, unsigned ep,
                                                            enum tcp_state *st)
{
    const struct oracle_side *s = &o->side[ep & 1];
    if (o->cfg.states_reported[ep & 1] && s->rep_known) {
        *st = s->rep;
        return true;
    }
    *st = s->inf;
    return s->inf_known;
}

static bool eff_is(const struct oracle *o, unsigned ep, enum tcp_state want)
{
    enum tcp_state st;
    return eff_state(o, ep, &st) && st == want;
}

/* States in which both SYNs have been exchanged (RFC 5961's "synchronized"). */
static bool synchronized(enum tcp_state st)
{
    switch (st) {
    case TCP_ESTABLISHED:
    case TCP_FIN_WAIT_1:
    case TCP_FIN_WAIT_2:
    case TCP_CLOSING:
    case TCP_TIME_WAIT:
    case TCP_CLOSE_WAIT:
    case TCP_LAST_ACK:
        return true;
    default:
        return false;
    }
}

/* A sequence number relative to the ISN of the endpoint whose space it is,
 * as the trace prints it. */
static uint32_t rel(const struct oracle_side *s, uint32_t seq)
{
    return s->isn_known ? seq - s->isn : seq;
}

/* Whether facts about the FIN of ep's peer may be used to judge ep: always
 * when the peer is under test (a real stack's FIN), otherwise only while the
 * fuzzer-driven peer's FINs have been consistent. */
static bool peer_fin_trusted(const struct oracle *o, unsigned ep)
{
    return o->cfg.judge[(ep & 1u) ^ 1u] || !o->side[(ep & 1u) ^ 1u].fin_unreliable;
}

/* Its FIN lies after its ISN: it belongs to the incarnation the oracle
 * follows. A FIN below it comes from another incarnation of the sender (the
 * two endpoints answered different SYNs): no ACK of the peer's covers it. */
static bool fin_in_space(const struct oracle_side *s)
{
    return !s->isn_known || seq_gt(s->fin_seq, s->isn);
}

static void set_inf(struct oracle *o, unsigned ep, enum tcp_state st, uint64_t index)
{
    oracle_side_set_inf(side(o, ep), st, index);
}

static struct oracle_seg_note *note_find(struct oracle *o, uint64_t index)
{
    for (unsigned i = 0; i < ORACLE_RECENT_SEGS; i++)
        if (o->recent[i].valid && o->recent[i].index == index)
            return &o->recent[i];
    return NULL;
}

static uint64_t tw_deadline(const struct oracle *o, const struct oracle_side *s)
{
    return s->tw_restart_usecs + o->rules.time_wait_usecs;
}

static void enter_time_wait(struct oracle *o, unsigned ep, uint64_t now, uint64_t index)
{
    struct oracle_side *s = side(o, ep);
    set_inf(o, ep, TCP_TIME_WAIT, index);
    /* A stack that already reported TIME-WAIT started it then: a late
     * inference (a junk FIN the oracle took) must not move that start. */
    bool reported_tw = o->cfg.states_reported[ep] && s->rep_known && s->rep == TCP_TIME_WAIT;
    if (!reported_tw || !s->tw_started)
        s->tw_restart_usecs = now;
    s->tw_started = true;
    s->tw_ack_sent = false;
    s->tw_rst_hit = false;
}

/* ------------------------------------------------------------------ */
/* fin-retransmit: the retransmission timer of an endpoint whose FIN is
 * unacknowledged. RFC 6298: every expiry retransmits the earliest
 * unacknowledged segment (5.4) and restarts the timer with the backed-off
 * RTO (5.5, 5.6), which the RTO ceiling bounds ((2.5): any ceiling of at
 * least 60 s); an ACK of new data restarts it too (5.3). RFC 9293 §3.8.3
 * (c) (RFC 1122 4.2.3.5): the expiry at which the transmissions of one
 * segment reach R2 closes the connection instead. So while the FIN is
 * outstanding, no more than the ceiling passes between two visible acts of
 * the timer (a transmission of the FIN or of text below it, an ACK of new
 * data), and a give-up comes at most the ceiling after the last act. */

/* The longest the timer may run: the profile's RTO ceiling. */
static uint64_t fin_rto_max(const struct oracle *o)
{
    return o->rules.fin_rto_max_usecs ? o->rules.fin_rto_max_usecs : FIN_RTO_MAX_USECS;
}

/* How long s has been retransmitting its FIN toward R2: from its first
 * transmission, or from the latest ACK of new data after it (which may
 * also come after the last transmission), to the last transmission. */
static uint64_t fin_retransmitting_usecs(const struct oracle_side *s)
{
    uint64_t from = s->acked_new_seen && s->acked_new_usecs > s->fin_first_usecs
                        ? s->acked_new_usecs
                        : s->fin_first_usecs;
    return s->fin_last_usecs > from ? s->fin_last_usecs - from : 0;
}

/* How long after its first transmission (or the latest ACK of new data,
 * which restarts the count of retransmissions) an unacknowledged FIN must
 * have been given up: the profile's bound, else the oracle's. */
static uint64_t fin_give_up(const struct oracle *o)
{
    return o->rules.fin_give_up_usecs ? o->rules.fin_give_up_usecs : FIN_GIVE_UP_USECS;
}

/* The latest visible act of s's retransmission timer: the last transmission
 * of its FIN or of text below it (with text outstanding below the FIN,
 * (5.4) retransmits that text, not the FIN), or the latest ACK of its new
 * data (5.3), from the segment it may have taken that ACK from
 * (oracle_ack_of_new_data()). */
static uint64_t fin_timer_last_usecs(const struct oracle_side *s)
{
    uint64_t last = s->fin_last_usecs > s->last_xmit_usecs ? s->fin_last_usecs : s->last_xmit_usecs;
    if (s->acked_new_seen && s->acked_new_usecs > last)
        last = s->acked_new_usecs;
    return last;
}

/* Endpoint ep gives up at event e (it sends an RST, or reports CLOSED on a
 * timeout or an abort; `how` says which) while its FIN is unacknowledged:
 * the give-up must come within the RTO ceiling of the timer's last act.
 * Later, an expiry passed that neither retransmitted nor gave up (the FIN
 * was given up without being retransmitted). A give-up driven by text
 * below the FIN (R2 reached for that text, counted from its first
 * transmission) may come just after the FIN's first transmission, before
 * any retransmission of it was due: that FIN transmission is itself the
 * timer's last act, so it passes. Only the first give-up is judged: after
 * it the FIN needs no retransmission (fin_resolved, rst_sent). */
static void check_fin_give_up(struct oracle *o, unsigned ep, uint64_t index, const struct ev *e,
                              const char *how)
{
    const struct oracle_side *s = side(o, ep);
    if (!s->fin_sent || s->fin_acked || s->fin_unreliable || s->fin_resolved || s->rst_sent ||
        s->killed_by_rst)
        return;
    /* A stack that reports its state says by it whether it still waits
     * for the ACK of its FIN; in FIN-WAIT-2 or TIME-WAIT it took an ACK the
     * oracle did not (state-matches-wire judges that, not this). */
    if (o->cfg.states_reported[ep] && s->rep_known && s->rep != TCP_FIN_WAIT_1 &&
        s->rep != TCP_CLOSING && s->rep != TCP_LAST_ACK)
        return;
    uint64_t now = e->time_usecs;
    uint64_t last = fin_timer_last_usecs(s);
    uint64_t rto_max = fin_rto_max(o);
    if (now <= last || now - last <= rto_max + o->cfg.timer_slack_usecs)
        return;
    char exp[64], seen[64];
    char c = ep == EP_A ? 'A' : 'B';
    snprintf(exp, sizeof exp, "FIN resent within %.0f s", rto_max / 1e6);
    snprintf(seen, sizeof seen, "%s after %.3f s silent", how, (double)(now - last) / 1e6);
    if (s->fin_xmits <= 1)
        oracle_report(o, INV_FIN_RETRANSMIT, index, e->frame, (uint8_t)ep, exp, seen,
                      "%c gave up its unacknowledged FIN (seq %u) without ever retransmitting it",
                      c, rel(s, s->fin_seq));
    else
        oracle_report(o, INV_FIN_RETRANSMIT, index, e->frame, (uint8_t)ep, exp, seen,
                      "%c gave up its unacknowledged FIN (seq %u) after a timer expiry that did "
                      "neither retransmit nor give up",
                      c, rel(s, s->fin_seq));
}

/* ------------------------------------------------------------------ */
/* Arrival of the peer's FIN at endpoint `ep` (RFC 9293 §3.10.7.4, eighth
 * check). `with_ack_of_ours`: the FIN segment also acknowledged ours. */
static uint8_t fin_arrives(struct oracle *o, unsigned ep, bool with_ack_of_ours, uint64_t now,
                           uint64_t index)
{
    struct oracle_side *s = side(o, ep);
    s->peer_fin_rcvd = true;
    if (!s->inf_known) {
        /* Nothing seen of this side yet: the FIN puts it in CLOSE-WAIT. */
        set_inf(o, ep, s->fin_sent ? TCP_CLOSING : TCP_CLOSE_WAIT, index);
        return ORACLE_FX_STATE | ORACLE_FX_PEER_FIN;
    }
    switch (s->inf) {
    case TCP_SYN_RECEIVED:
    case TCP_ESTABLISHED:
        set_inf(o, ep, TCP_CLOSE_WAIT, index);
        return ORACLE_FX_STATE | ORACLE_FX_PEER_FIN;
    case TCP_FIN_WAIT_1:
        if (with_ack_of_ours)
            enter_time_wait(o, ep, now, index);
        else
            set_inf(o, ep, TCP_CLOSING, index);
        return ORACLE_FX_STATE | ORACLE_FX_PEER_FIN;
    case TCP_FIN_WAIT_2:
        enter_time_wait(o, ep, now, index);
        return ORACLE_FX_STATE | ORACLE_FX_PEER_FIN;
    default:
        return ORACLE_FX_PEER_FIN;
    }
}

/* Arrival of the ACK of endpoint ep's FIN. */
static uint8_t fin_ack_arrives(struct oracle *o, unsigned ep, uint64_t now, uint64_t index)
{
    struct oracle_side *s = side(o, ep);
    s->fin_acked = true;
    s->fin_acked_index = index;
    if (!s->inf_known)
        return ORACLE_FX_FIN_ACKED;
    switch (s->inf) {
    case TCP_FIN_WAIT_1:
        set_inf(o, ep, TCP_FIN_WAIT_2, index);
        return ORACLE_FX_STATE | ORACLE_FX_FIN_ACKED;
    case TCP_CLOSING:
        enter_time_wait(o, ep, now, index);
        return ORACLE_FX_STATE | ORACLE_FX_FIN_ACKED;
    case TCP_LAST_ACK:
        set_inf(o, ep, TCP_CLOSED, index);
        s->closed_via_last_ack = true;

        return ORACLE_FX_STATE | ORACLE_FX_FIN_ACKED;
    default:
        return ORACLE_FX_FIN_ACKED;
    }
}

/* ------------------------------------------------------------------ */
/* time-wait-reuse: endpoint `tw` (in TIME-WAIT) accepted the SYN recorded in
 * its reuse_syn fields by answering with a SYN-ACK at `index`. */
static bool judge_reuse_accept(struct oracle *o, unsigned tw, uint64_t index, uint64_t frame,
                               uint64_t now)
{
    struct oracle_side *s = side(o, tw);
    struct oracle_side *p = side(o, tw ^ 1u);
    if (!s->tw_started || now > tw_deadline(o, s) + o->cfg.timer_slack_usecs)
        return true; /* TIME-WAIT was over: the 4-tuple is free */
    bool isn_above = !p->sent_any || seq_gt(s->reuse_syn_seq, p->snd_max);
    bool ts_newer = s->reuse_syn_has_ts && p->ts_seen && seq_gt(s->reuse_syn_ts, p->ts_last);
    if (isn_above || ts_newer)
        return true;
    char exp[64], seen[64];
    snprintf(exp, sizeof exp, "ISN > %u (old snd_max)", rel(p, p->snd_max));
    snprintf(seen, sizeof seen, "ISN %u", rel(p, s->reuse_syn_seq));
    oracle_report(o, INV_TIME_WAIT_REUSE, index, frame, (uint8_t)tw, exp, seen,
                  "%c accepted a SYN in TIME-WAIT %.3f s before 2*MSL whose ISN is not above "
                  "the old sequence space",
                  tw == EP_A ? 'A' : 'B',
                  now < tw_deadline(o, s) ? (double)(tw_deadline(o, s) - now) / 1e6 : 0.0);
    return false;
}

bool oracle_isn(const struct oracle *o, enum ev_endpoint ep, uint32_t *isn)
{
    const struct oracle_side *s = &o->side[ep & 1u];
    if (s->isn_known && isn)
        *isn = s->isn;
    return s->isn_known;
}

bool oracle_judge_reuse(struct oracle *old, uint64_t index, const struct ev *syn)
{
    if (!syn || syn->kind != EV_SEGMENT || !(syn->u.segment.seg.flags & TCP_SYN))
        return true;
    unsigned tw = (syn->endpoint & 1u) ^ 1u;
    struct oracle_side *s = side(old, tw);
    if (!eff_is(old, tw, TCP_TIME_WAIT))
        return true;
    s->reuse_syn = true;
    s->reuse_syn_in_tw = true;
    s->reuse_syn_index = index;
    s->reuse_syn_usecs = syn->time_usecs;
    s->reuse_syn_seq = syn->u.segment.seg.seq;
    s->reuse_syn_has_ts = syn->u.segment.seg.opts.has_ts;
    s->reuse_syn_ts = syn->u.segment.seg.opts.ts_val;
    bool ok = judge_reuse_accept(old, tw, index, syn->frame, syn->time_usecs);
    old->reuse_seen = true;
    return ok;
}

/* A new incarnation replaces the judged one inside this stream: forget the
 * old sides (violations stay) and start again from its SYN. */
static void restart_incarnation(struct oracle *o)
{
    /* What the stacks reported carries over (a state is a state), and so do
     * the segments a CLOSED endpoint may still answer. */
    struct oracle_side keep[2];
    memcpy(keep, o->side, sizeof keep);
    memset(o->side, 0, sizeof o->side);
    memset(o->recent, 0, sizeof o->recent);
    for (unsigned i = 0; i < 2; i++) {
        o->side[i].rep_known = keep[i].rep_known;
        o->side[i].rep = keep[i].rep;
        o->side[i].rep_usecs = keep[i].rep_usecs;
        memcpy(o->side[i].answerable, keep[i].answerable, sizeof keep[i].answerable);
        memcpy(o->side[i].syn_seqs, keep[i].syn_seqs, sizeof keep[i].syn_seqs);
        o->side[i].syn_count = keep[i].syn_count;
        o->side[i].syn_next = keep[i].syn_next;
        o->side[i].syn_bloom = keep[i].syn_bloom;
        o->side[i].answerable_next = keep[i].answerable_next;
        memcpy(o->side[i].answered_bloom, keep[i].answered_bloom, sizeof keep[i].answered_bloom);
        o->side[i].rst_sent_ever = keep[i].rst_sent_ever;
        o->side[i].rst_seq_bloom = keep[i].rst_seq_bloom;
        /* Its latest ACK field is its RCV.NXT as the wire shows it, in
         * whatever incarnation: an endpoint that never took the new SYN
         * still closes on an RST exactly there (RFC 5961 §3.2). */
        o->side[i].ack_any_sent = keep[i].ack_any_sent;
        o->side[i].last_ack_any = keep[i].last_ack_any;
    }
    o->handshake_seen = true;
    o->reuse_seen = true;
}

/* ------------------------------------------------------------------ */
/* The two Bloom bits of an answerable (with_ack, value). */
static bool bloom_has(const uint64_t bloom[2], bool with_ack, uint32_t value)
{
    unsigned b1, b2;
    oracle_bloom_bits(with_ack, value, &b1, &b2);
    return ((bloom[b1 >> 6] >> (b1 & 63)) & 1u) && ((bloom[b2 >> 6] >> (b2 & 63)) & 1u);
}

/* TIME-WAIT may have restarted at `now` or not (either conforms). The
 * restart points offered before stay possible too: the stack may have taken
 * one of those and ignored this one. False when `now` was already one. */
static bool tw_alt_add(struct oracle_side *s, uint64_t now)
{
    for (unsigned i = 0; i < s->tw_alt_count; i++)
        if (s->tw_alt_usecs[i] == now)
            return false;
    if (s->tw_alt_count == ORACLE_TW_ALTS) {
        /* More than a fuzzer's peer usually offers: from now on any ending
         * between the first and the latest point conforms (still none
         * before the first nor after the latest). */
        s->tw_alt_spread = true;
        s->tw_alt_usecs[ORACLE_TW_ALTS - 1] = now;
        return true;
    }
    s->tw_alt_usecs[s->tw_alt_count++] = now;
    return true;
}

static void tw_alt_remove(struct oracle_side *s, uint64_t at)
{
    for (unsigned i = 0; i < s->tw_alt_count; i++)
        if (s->tw_alt_usecs[i] == at) {
            memmove(&s->tw_alt_usecs[i], &s->tw_alt_usecs[i + 1],
                    (s->tw_alt_count - 1u - i) * sizeof s->tw_alt_usecs[0]);
            s->tw_alt_count--;
            return;
        }
}

/* Whether a TIME-WAIT ending at `end` (a close when `closing`, else the end
 * of the run with TIME-WAIT still running) fits 2*MSL after one of the
 * optional restarts since its certain start or restart. */
static bool tw_alt_fits(const struct oracle *o, const struct oracle_side *s, uint64_t end,
                        bool closing, uint64_t slack)
{
    if (s->tw_alt_spread) {
        uint64_t first =
            s->tw_alt_usecs[0] > s->tw_restart_usecs ? s->tw_alt_usecs[0] : s->tw_restart_usecs;
        uint64_t last = s->tw_alt_usecs[ORACLE_TW_ALTS - 1];
        if (last >= first && end <= last + o->rules.time_wait_usecs + slack &&
            (!closing || end + slack >= first + o->rules.time_wait_usecs))
            return true;
    }
    for (unsigned i = 0; i < s->tw_alt_count; i++) {
        if (s->tw_alt_usecs[i] < s->tw_restart_usecs)
            continue;
        uint64_t due = s->tw_alt_usecs[i] + o->rules.time_wait_usecs;
        if (end <= due + slack && (!closing || end + slack >= due))
            return true;
    }
    return false;
}

/* closed-silence (RFC 9293 §3.10.7.1): what a CLOSED endpoint may send. */
static void check_closed_sender(struct oracle *o, unsigned ep, uint64_t index, const struct ev *e)
{
    if (!oracle_blames(o, ep))
        return; /* it only reports */
    struct oracle_side *s = side(o, ep);
    const struct seg *g = &e->u.segment.seg;
    if (!(g->flags & TCP_RST)) {
        char seen[64];
        char fl[16];
        snprintf(seen, sizeof seen, "%s seq %u len %u", seg_flags_str(g->flags, fl), rel(s, g->seq),
                 g->payload_len);
        oracle_report(o, INV_CLOSED_SILENCE, index, e->frame, (uint8_t)ep, "nothing, or an RST",
                      seen, "%c is CLOSED but sent a segment that is not an RST",
                      ep == EP_A ? 'A' : 'B');
        return;
    }
    /* An RST answers one of the peer's recent segments (which one the wire
     * cannot say when they arrive late or twice): it must fit one of them. */
    const struct oracle_answerable *latest = NULL;
    for (unsigned k = 0; k < ORACLE_ANSWERABLE; k++) {
        struct oracle_answerable *a =
            &s->answerable[(s->answerable_next + ORACLE_ANSWERABLE - 1 - k) % ORACLE_ANSWERABLE];
        if (!a->valid)
            continue;
        if (!latest)
            latest = a;
        bool fits = a->with_ack ? ((g->flags & TCP_ACK) && g->ack == a->value) : g->seq == a->value;
        if (fits)
            return; /* not consumed: a duplicate of that segment may draw another */
    }
    /* ... or an older one the ring forgot, delayed in the network. */
    if (latest && (bloom_has(s->answered_bloom, false, g->seq) ||
                   ((g->flags & TCP_ACK) && bloom_has(s->answered_bloom, true, g->ack))))
        return;
    if (!latest) {
        oracle_report(o, INV_CLOSED_SILENCE, index, e->frame, (uint8_t)ep,
                      "an RST only in answer to a segment", "unsolicited RST",
                      "%c is CLOSED and sent an RST that answers no segment",
                      ep == EP_A ? 'A' : 'B');
        return;
    }
    const struct oracle_side *p = side(o, ep ^ 1u);
    char exp[64], seen[64];
    if (latest->with_ack) {
        snprintf(exp, sizeof exp, "R. ack %u", rel(p, latest->value));
        snprintf(seen, sizeof seen, "%s ack %u", (g->flags & TCP_ACK) ? "R." : "R", rel(p, g->ack));
        oracle_report(o, INV_CLOSED_SILENCE, index, e->frame, (uint8_t)ep, exp, seen,
                      "%c's RST answers a segment without ACK: it must carry ACK of "
                      "SEG.SEQ+SEG.LEN",
                      ep == EP_A ? 'A' : 'B');
    } else {
        snprintf(exp, sizeof exp, "seq %u (= SEG.ACK)", rel(s, latest->value));
        snprintf(seen, sizeof seen, "seq %u", rel(s, g->seq));
        oracle_report(o, INV_CLOSED_SILENCE, index, e->frame, (uint8_t)ep, exp, seen,
                      "%c's RST answering a segment with ACK must take its seq from SEG.ACK",
                      ep == EP_A ? 'A' : 'B');
    }
}

/* An RST from an endpoint that is not synchronized (LISTEN, SYN-SENT,
 * SYN-RECEIVED, or not yet seen) answering an unacceptable ACK: RFC 9293
 * §3.10.7.2 (LISTEN: "Any acknowledgment is bad"), §3.10.7.3 (SYN-SENT:
 * SEG.ACK =< ISS or SEG.ACK > SND.NXT) and §3.10.7.4 (SYN-RECEIVED: SND.UNA
 * < SEG.ACK =< SND.NXT fails) send <SEQ=SEG.ACK><CTL=RST> and stay in their
 * state. A CLOSED endpoint answers the same way, so the RST says nothing of
 * its sender's state: the oracle keeps what it knew. The RST answers the
 * peer's latest segment (it is sent on its arrival), without ACK. */
static bool rst_answers_bad_ack(const struct oracle *o, unsigned ep, const struct seg *g,
                                bool known, enum tcp_state st)
{
    const struct oracle_side *s = &o->side[ep & 1u];
    if (g->flags & TCP_ACK)
        return false;
    if (known && st != TCP_LISTEN && st != TCP_SYN_SENT && st != TCP_SYN_RECEIVED)
        return false;
    const struct oracle_answerable *a =
        &s->answerable[(s->answerable_next + ORACLE_ANSWERABLE - 1) % ORACLE_ANSWERABLE];
    if (!a->valid || a->with_ack || a->value != g->seq)
        return false;
    if (!s->syn_sent)
        return true; /* nothing of its own to acknowledge */
    return !(seq_gt(g->seq, s->isn) && seq_le(g->seq, s->snd_max));
}

/* Remember a peer segment that ep may have to answer when CLOSED. */
static void add_answerable(struct oracle_side *s, uint64_t index, const struct seg *g)
{
    bool with_ack = !(g->flags & TCP_ACK);
    oracle_answerable_add(s, index, with_ack, with_ack ? g->seq + seg_len(g) : g->ack);
}

/* The peer (ep ^ 1) sent an RST that reaches ep (RFC 5961 §3.2). */
static uint8_t rst_arrives(struct oracle *o, unsigned ep, uint64_t index, const struct ev *e)
{
    struct oracle_side *s = side(o, ep);
    struct oracle_side *p = side(o, ep ^ 1u);
    const struct seg *g = &e->u.segment.seg;
    enum tcp_state st;
    if (!eff_state(o, ep, &st))
        return 0;
    if (st == TCP_SYN_SENT) {
        /* §3.10.7.3: acceptable if it acknowledges our SYN. */
        if ((g->flags & TCP_ACK) && s->isn_known && g->ack == s->isn + 1) {
            uint8_t fx = ORACLE_FX_STATE;
            set_inf(o, ep, TCP_CLOSED, index);
            return fx;
        }
        /* It may be ESTABLISHED by the time the RST arrives. */
        s->rst_may_close = true;
        return 0;
    }
    if (!synchronized(st)) {
        /* SYN-RECEIVED: an acceptable RST resets it (to LISTEN or CLOSED);
         * by the time it arrives it may have become ESTABLISHED. */
        if (st == TCP_SYN_RECEIVED || st == TCP_SYN_SENT)
            s->rst_may_close = true;
        return 0;
    }
    /* RCV.NXT when the RST arrives lies between what ep last acknowledged
     * and everything the peer sent in order before the RST (still in flight
     * when the RST was sent): either counts as exact, so that the wire never
     * makes an acceptable RST look unacceptable. */
    /* (before its first ACK, text or a FIN on the peer's SYN may have been
     * dropped: queuing text on a SYN is optional, RFC 9293 §3.10.7.3, and
     * the FIN after it waits for it) */
    bool syn_extra = p->isn_known && (p->syn_data || (p->fin_sent && p->fin_seq == p->isn + 1));
    uint32_t rcv_nxt = s->ack_sent ? s->last_ack : syn_extra ? p->isn + 1 : p->contig_end;
    uint32_t rcv_nxt_max = seq_max(rcv_nxt, p->contig_end);
    uint32_t rcv_wnd = s->wnd_known ? s->wnd_right - rcv_nxt : DEFAULT_RCV_WND;
    if ((int32_t)rcv_wnd < 0)
        rcv_wnd = 0;
    bool stale_exact = s->ack_any_sent && g->seq == s->last_ack_any && g->seq != rcv_nxt;
    if (stale_exact)
        rcv_nxt_max = rcv_nxt + 1; /* ambiguous: not binding */
    /* A probe byte sent beyond ep's window may be taken first (the window
     * opened meanwhile): RCV.NXT may then be past it. */
    bool probe_exact = p->beyond_seen && seq_ge(p->contig_end, p->beyond_lo) &&
                       seq_lt(p->contig_end, p->beyond_hi) && g->seq == p->beyond_hi &&
                       g->seq != rcv_nxt;
    /* ... and so may the end of any acceptable segment of the peer between
     * them: the receiver took it and has not acknowledged it yet (delayed
     * ACK), while text on the peer's SYN that it dropped keeps contig_end
     * beyond (RFC 9293 §3.10.7.3: queuing that text is optional). */
    bool seg_end_exact = false;
    for (unsigned i = 0; i < ORACLE_RECENT_SEGS && seq_gt(g->seq, rcv_nxt) &&
                         seq_lt(g->seq, rcv_nxt_max) && !seg_end_exact;
         i++) {
        const struct oracle_seg_note *m = &o->recent[i];
        seg_end_exact = m->valid && m->src == ((ep & 1u) ^ 1u) &&
                        (m->flags & (TCP_ACK | TCP_SYN | TCP_RST)) == TCP_ACK &&
                        seq_le(m->ack, s->snd_max) && m->seq + m->len == g->seq;
    }
    if (g->seq == rcv_nxt || g->seq == rcv_nxt_max || stale_exact || probe_exact || seg_end_exact) {
        if (st == TCP_TIME_WAIT) {
            /* RFC 9293 lets it close; RFC 1337 says ignore it. Which one
             * happened shows in the answer to the peer's next segment. */
            s->tw_rst_hit = true;
            s->tw_rst_index = index;
            return ORACLE_FX_TW_RST;
        }
        /* It may close; an earlier unacceptable RST no longer matters. */
        s->rst_may_close = true;
        s->must_stay_open = false;
        if (s->owed == OWED_CHALLENGE_RST || s->owed == OWED_CHALLENGE_SYN)
            s->owed = OWED_NONE;
        if (rcv_nxt != rcv_nxt_max || probe_exact || seg_end_exact)
            return 0; /* RCV.NXT is not certain: closing or not both conform */
        s->exact_rst_rcvd = true;
        s->exact_rst_index = index;
        set_inf(o, ep, TCP_CLOSED, index);
        s->killed_by_rst = true;
        return ORACLE_FX_STATE;
    }
    if (seq_in_window(g->seq, rcv_nxt, rcv_nxt + rcv_wnd) && st != TCP_TIME_WAIT) {
        /* (no challenge ACK demanded in TIME-WAIT: RFC 1337 stacks ignore
         * the RST, Linux may end TIME-WAIT) */
        s->owed = OWED_CHALLENGE_RST;
        s->owed_index = index;
        s->owed_usecs = e->time_usecs;
        s->owed_ack = rcv_nxt;
    }
    s->must_stay_open = true;
    s->stay_open_index = index;
    return 0;
}

/* ------------------------------------------------------------------ */
/* The sender's own segment: sequence space, FIN, ACK field, window. */

static void first_segment(struct oracle *o, unsigned ep, const struct seg *g)
{
    struct oracle_side *s = side(o, ep);
    struct oracle_side *p = side(o, ep ^ 1u);
    if (!o->started)
        o->handshake_seen = (g->flags & TCP_SYN) && !(g->flags & TCP_ACK);
    if (g->flags & TCP_SYN) {
        s->isn_known = true;
        s->isn = g->seq;
        s->snd_max = s->space_max = s->contig_end = g->seq;
        if (!(g->flags & TCP_ACK) && !p->inf_known) {
            set_inf(o, ep ^ 1u, TCP_LISTEN, 0); /* a SYN is sent to a listener */
            p->inf_change_valid = false;
        }
    } else {
        s->snd_max = s->space_max = s->contig_end = g->seq;
        if (!o->handshake_seen || !p->sent_any)
            oracle_mark_incomplete(o, "the capture starts after the handshake");
        if (!s->inf_known)
            set_inf(o, ep, TCP_ESTABLISHED, 0);
        s->inf_change_valid = false;
    }
}

static void check_window(struct oracle *o, unsigned ep, uint64_t index, const struct ev *e,
                         uint32_t snd_max_before)
{
    const struct seg *g = &e->u.segment.seg;
    struct oracle_side *s = side(o, ep);
    const struct oracle_side *p = side(o, ep ^ 1u);
    /* Judged against windows of a peer under test only: a fuzzer's windows
     * (and the SND.WL1/WL2 rules that make a stack ignore some of them) are
     * not facts to hold a stack to. */
    if (!o->handshake_seen || !p->wnd_known || g->payload_len == 0 || (g->flags & TCP_SYN) ||
        !o->cfg.judge[ep ^ 1u] || !oracle_blames(o, ep))
        return;
    uint32_t end = g->seq + g->payload_len;
    if (!seq_gt(end, snd_max_before))
        return; /* a retransmission: judged when it was new */
    if (!seq_gt(end, p->wnd_right))
        return;
    if (g->payload_len == 1 && !seq_gt(g->seq, p->wnd_right))
        return; /* zero-window probe (RFC 9293 §3.8.6.1) */
    char exp[64], seen[64];
    snprintf(exp, sizeof exp, "data end <= %u", rel(s, p->wnd_right));
    snprintf(seen, sizeof seen, "data end %u", rel(s, end));
    oracle_report(o, INV_WINDOW_RESPECTED, index, e->frame, (uint8_t)ep, exp, seen,
                  "%c sent %u new bytes beyond the window %c advertised", ep == EP_A ? 'A' : 'B',
                  (uint32_t)(end - seq_max(p->wnd_right, snd_max_before)), ep == EP_A ? 'B' : 'A');
}

static void track_contig(struct oracle_side *s, uint32_t seq, uint32_t end)
{
    if (seq_le(seq, s->contig_end)) {
        if (seq_gt(end, s->contig_end))
            s->contig_end = end;
        /* The hole below the out-of-order range is filled. */
        if (s->ooo && seq_le(s->ooo_lo, s->contig_end)) {
            if (seq_gt(s->ooo_hi, s->contig_end))
                s->contig_end = s->ooo_hi;
            s->ooo = false;
        }
        return;
    }
    /* Out of order or missed: remember one range beyond the hole (merging
     * adjacent ones); the hole may show up later. */
    s->gap = true;
    if (seq == end)
        return; /* an empty segment ahead sent nothing to remember */
    if (!s->ooo) {
        s->ooo = true;
        s->ooo_lo = seq;
        s->ooo_hi = end;
    } else if (seq_le(seq, s->ooo_hi) && seq_ge(end, s->ooo_lo)) {
        s->ooo_lo = seq_min(s->ooo_lo, seq);
        s->ooo_hi = seq_max(s->ooo_hi, end);
    }
}

/* The FIN of endpoint ep on the wire at fin_at. */
static void sender_fin(struct oracle *o, unsigned ep, uint64_t index, const struct ev *e,
                       uint32_t fin_at, uint32_t space_max_before)
{
    struct oracle_side *s = side(o, ep);
    struct oracle_side *p = side(o, ep ^ 1u);
    const struct seg *g = &e->u.segment.seg;
    uint64_t now = e->time_usecs;
    if (!s->fin_sent) {
        /* A first FIN below what the peer already acknowledged cannot be
         * this connection's FIN (at most the peer acked it: fin_at + 1). */
        if (!o->cfg.judge[ep] && p->ack_sent && seq_lt(fin_at + 1, p->last_ack)) {
            s->fin_unreliable = true;
            return;
        }
        if (!o->cfg.judge[ep] && ((s->isn_known && !seq_gt(fin_at, s->isn)) ||
                                  (s->sent_any && seq_lt(fin_at, space_max_before)))) {
            /* A FIN cannot share its SYN's sequence number, nor sit inside
             * data already sent (a pure ACK further on sent no data: a FIN
             * at RCV.NXT after it is still taken, RFC 9293 §3.10.7.4). */
            s->fin_unreliable = true;
            return;
        }
        if (o->handshake_seen && (!s->syn_sent || !p->syn_sent)) {
            oracle_report(o, INV_NO_FIN_BEFORE_HANDSHAKE, index, e->frame, (uint8_t)ep,
                          "own SYN sent and peer's SYN seen",
                          s->syn_sent ? "no SYN from peer" : "no SYN sent",
                          "%c sent a FIN before the handshake (CLOSE in SYN-SENT sends no FIN)",
                          ep == EP_A ? 'A' : 'B');
        }
        bool covers_peer_fin =
            p->fin_sent && (g->flags & TCP_ACK) && seq_ge(g->ack, p->fin_seq + 1);
        oracle_first_fin(s, p, fin_at, covers_peer_fin, index, now);
        s->inf_change_valid = false; /* its own act: not undone by a drop */
        if (o->cfg.states_reported[ep]) {
            s->wire_check = WIRE_CHECK_FIN;
            s->wire_check_index = index;
            s->wire_check_usecs = now;
        }
        return;
    }
    if (fin_at != s->fin_seq) {
        char exp[64], seen[64];
        snprintf(exp, sizeof exp, "FIN seq %u", rel(s, s->fin_seq));
        snprintf(seen, sizeof seen, "FIN seq %u", rel(s, fin_at));
        oracle_report(o, INV_FIN_SEQ_STABLE, index, e->frame, (uint8_t)ep, exp, seen,
                      "%c sent a second FIN at another sequence number", ep == EP_A ? 'A' : 'B');
        /* Judge the peer by the FIN it can have taken: the new one, unless
         * it already acknowledged the old one. */
        s->fin_unreliable = true;
        if (!p->peer_fin_confirmed) {
            oracle_fin_record(s, fin_at, index, now);
            p->peer_fin_rcvd = false;
        }
        return;
    }
    /* A retransmission of the FIN: the interval must not shrink (RFC 6298
     * §5.5 backoff), within the timer slack. */
    uint64_t gap = now - s->fin_last_usecs;
    /* The RTO backs off per segment: only while the FIN is all that is
     * outstanding do its transmission intervals show that timer (with data
     * below it unacknowledged, the FIN rides on go-back retransmissions). */
    bool alone = p->ack_sent && p->last_ack == s->fin_seq;
    /* ... and only if nothing from the peer (which may re-arm the timer)
     * came in between. */
    bool spoke = s->peer_spoke_since_fin;
    bool judged = alone && s->fin_alone_last && s->fin_gap_usecs > 0 && !spoke;
    s->peer_spoke_since_fin = false;
    s->fin_alone_last = alone;
    if (!alone || spoke)
        gap = 0; /* no clean interval to compare the next one with */
    if (judged && !s->fin_acked && gap + o->cfg.timer_slack_usecs < s->fin_gap_usecs) {
        char exp[64], seen[64];
        snprintf(exp, sizeof exp, "interval >= %.3f s", (double)s->fin_gap_usecs / 1e6);
        snprintf(seen, sizeof seen, "interval %.3f s", (double)gap / 1e6);
        oracle_report(o, INV_FIN_RETRANSMIT, index, e->frame, (uint8_t)ep, exp, seen,
                      "%c retransmitted its FIN sooner than the last time: no backoff",
                      ep == EP_A ? 'A' : 'B');
    }
    s->fin_gap_usecs = gap;
    s->fin_last_usecs = now;
    s->fin_last_index = index;
    s->fin_xmits++;
    /* It resent its FIN, so the ACK of it seen earlier never arrived. */
    if (s->fin_acked && !o->cfg.states_reported[ep]) {
        s->fin_acked = false;
        if (s->inf_known) {
            if (s->inf == TCP_FIN_WAIT_2)
                set_inf(o, ep, TCP_FIN_WAIT_1, index);
            else if (s->inf == TCP_TIME_WAIT && !s->tw_ack_sent)
                set_inf(o, ep, TCP_CLOSING, index);
            else if (s->inf == TCP_CLOSED && s->closed_via_last_ack)
                set_inf(o, ep, TCP_LAST_ACK, index);
            s->inf_change_valid = false;
            s->closed_via_last_ack = false;
        }
    }
}

/* Endpoint ep's sequence space starts over at a SYN of ISN isn: nothing it
 * sent before belongs to it, and the peer's ACKs of the old space (and its
 * having taken an old FIN) say nothing of the new one. */
static void start_space(struct oracle *o, unsigned ep, uint32_t isn)
{
    struct oracle_side *s = side(o, ep);
    struct oracle_side *p = side(o, ep ^ 1u);
    s->isn = isn;
    s->snd_max = s->space_max = s->contig_end = isn;
    s->fin_sent = false;
    s->gap = s->ooo = s->beyond_seen = s->syn_data = false;
    s->wire_known = false;
    p->peer_fin_rcvd = p->peer_fin_confirmed = false;
    p->ack_sent = false;
}

/* The SYN (syn_bloom) and RST (rst_seq_bloom) filters: oracle_impl.h. */
static void seq_bloom_add(uint64_t *bloom, uint32_t seq)
{
    *bloom |= oracle_seq_bloom_bits(seq);
}

static bool seq_bloom_has(uint64_t bloom, uint32_t seq)
{
    uint64_t b = oracle_seq_bloom_bits(seq);
    return (bloom & b) == b;
}

/* ack-within-sent: ep's ACK lies outside the peer's sequence space as the
 * oracle follows it (lo up to hi). Say what was seen, not "never sent":
 * how far beyond the highest number the peer sent, or, for an ACK behind
 * that space, which spaces of the peer it misses (the numbers may be ones
 * the peer used in an earlier incarnation). */
static void report_ack_outside(struct oracle *o, unsigned ep, uint64_t index, const struct ev *e,
                               uint32_t lo, uint32_t hi)
{
    if (!oracle_blames(o, ep))
        return; /* it only reports */
    const struct oracle_side *p = side(o, ep ^ 1u);
    uint32_t ack = e->u.segment.seg.ack;
    char c = ep == EP_A ? 'A' : 'B', pc = ep == EP_A ? 'B' : 'A';
    char exp[64], seen[64];
    if (seq_gt(ack, hi)) {
        snprintf(exp, sizeof exp, "ack <= %u", rel(p, hi));
        snprintf(seen, sizeof seen, "ack %u", rel(p, ack));
        oracle_report(o, INV_ACK_WITHIN_SENT, index, e->frame, (uint8_t)ep, exp, seen,
                      "%c acknowledged %u octets beyond the highest sequence number %c sent", c,
                      ack - hi, pc);
        return;
    }
    snprintf(exp, sizeof exp, "ack in %u..%u", p->isn_known ? p->isn + 1 : lo, hi);
    snprintf(seen, sizeof seen, "ack %u", ack);
    if (!p->isn_known)
        oracle_report(o, INV_ACK_WITHIN_SENT, index, e->frame, (uint8_t)ep, exp, seen,
                      "%c's ACK %u lies %u octets below %c's sequence space as seen (%u up to %u)",
                      c, ack, lo - ack, pc, lo, hi);
    else if (p->prev_isn_valid)
        oracle_report(o, INV_ACK_WITHIN_SENT, index, e->frame, (uint8_t)ep, exp, seen,
                      "%c's ACK %u lies in neither of %c's latest spaces (ISN %u up to %u; before "
                      "it ISN %u up to %u)",
                      c, ack, pc, p->isn, hi, p->prev_isn, p->prev_snd_max);
    else
        oracle_report(o, INV_ACK_WITHIN_SENT, index, e->frame, (uint8_t)ep, exp, seen,
                      "%c's ACK %u lies %u octets below %c's ISN %u, outside the space %c sends "
                      "in (up to %u)",
                      c, ack, p->isn - ack, pc, p->isn, pc, hi);
}

/* The ACK field of endpoint ep's (non-RST) segment. */
static void sender_ack(struct oracle *o, unsigned ep, uint64_t index, const struct ev *e)
{
    struct oracle_side *s = side(o, ep);
    struct oracle_side *p = side(o, ep ^ 1u);
    const struct seg *g = &e->u.segment.seg;
    uint32_t ack = g->ack;
    char exp[64], seen[64];
    char c = ep == EP_A ? 'A' : 'B';
    /* fin-ack-plus-one, third form: a stack that reported taking the
     * peer's FIN ignores any text after it (RFC 9293 §3.10.7.4, seventh
     * step), so its ACK stays at FIN.seq + 1 however the peer goes on. */
    if (s->fin_taken_pending) {
        /* Its first ACK since it reported taking a FIN it had not yet
         * acknowledged: if it ends a FIN the peer put on the wire, that is
         * the FIN it took (maybe not the latest: one held out of order and
         * taken when the hole below it was filled). Otherwise the
         * provisional limit stands. */
        s->fin_taken_pending = false;
        if (seq_bloom_has(p->wire_fin_end_bloom, ack))
            s->fin_taken_ack = ack;
    }
    if (s->fin_taken && o->cfg.states_reported[ep] && seq_gt(ack, s->fin_taken_ack)) {
        snprintf(exp, sizeof exp, "ack %u", rel(p, s->fin_taken_ack));
        snprintf(seen, sizeof seen, "ack %u", rel(p, ack));
        oracle_report(o, INV_FIN_ACK_PLUS_ONE, index, e->frame, (uint8_t)ep, exp, seen,
                      "%c acknowledged %u octets beyond the FIN it took: text after a FIN is "
                      "ignored",
                      c, ack - s->fin_taken_ack);
    }
    oracle_ack_of_new_data(s, p, g, e->time_usecs);
    s->last_ack_any = ack;
    s->ack_any_sent = true;
    /* The ACK of an earlier SYN of the peer (SYNs crossed, or the peer
     * opened again with a new ISN): a handshake answer from another
     * attempt, nothing to judge or learn. */
    /* Only outside the space the oracle follows: inside it an ACK is an
     * ordinary one, whatever SYN the peer sent there (a junk SYN that a
     * synchronized receiver dropped with a challenge ACK, RFC 5961 §4.2,
     * opened nothing whose ACK could look like this one; nor may the
     * filter's false positives hide an ordinary ACK). */
    bool in_space = p->isn_known && seq_between(p->isn + 1, ack, p->snd_max);
    if (ack != p->snd_max && !in_space) {
        /* An ACK of the peer's previous space (its SYN, its text, its
         * FIN): from an endpoint still in the old incarnation. */
        if (p->prev_isn_valid && seq_between(p->prev_isn + 1, ack, p->prev_snd_max))
            return;
        for (unsigned k = 0; k < p->syn_count && k < 4; k++)
            if (ack == p->syn_seqs[k] + 1 && !(p->isn_known && p->syn_seqs[k] == p->isn))
                return;
        if (seq_bloom_has(p->syn_bloom, ack - 1) && !(p->isn_known && ack - 1 == p->isn))
            return;
    }

    /* A SYN-ACK starts an ACK history afresh (a new passive open may answer
     * the same SYN again): only later ACKs must not move backwards. */
    if (g->flags & TCP_SYN)
        s->ack_sent = false;
    if (s->ack_sent && seq_lt(ack, s->last_ack)) {
        snprintf(exp, sizeof exp, "ack >= %u", rel(p, s->last_ack));
        snprintf(seen, sizeof seen, "ack %u", rel(p, ack));
        oracle_report(o, INV_ACK_MONOTONIC, index, e->frame, (uint8_t)ep, exp, seen,
                      "%c's ACK number moved backwards", c);
    }

    /* Beyond what the peer sent: ahead of its snd_max, and not an old
     * duplicate below what we acknowledged before (half the sequence space
     * away is ahead too: no real ACK is that far). */
    bool old_dup = s->ack_sent && seq_lt(ack, s->last_ack) && seq_le(s->last_ack, p->snd_max);
    /* A fuzzer's peer sends segments the stack may take or drop: hold the
     * stack only to what that peer put on the wire at all. */
    uint32_t hi = p->snd_max;
    if (!o->cfg.judge[ep ^ 1u] && p->wire_known && seq_gt(p->wire_max, hi) &&
        seq_lt(p->wire_max, hi + 0x40000000u))
        hi = p->wire_max;
    /* Between its ISN (or, without one, what we acknowledged before) and
     * the highest it sent is not ahead, however far a fuzzer moved it. */
    uint32_t lo = p->isn_known ? p->isn : (s->ack_sent ? s->last_ack : p->snd_max - 0x40000000u);
    bool ahead =
        p->sent_any && !old_dup && ack != p->snd_max && ack != hi && !seq_between(lo, ack, hi);
    if (!p->sent_any) {
        /* Mid-connection start: the peer's space begins where we ACK. */
        p->snd_max = p->space_max = p->contig_end = ack;
    } else if (ahead) {
        if (p->fin_sent && peer_fin_trusted(o, ep)) {
            snprintf(exp, sizeof exp, "ack %u", rel(p, p->fin_seq + 1));
            snprintf(seen, sizeof seen, "ack %u", rel(p, ack));
            oracle_report(o, INV_FIN_ACK_PLUS_ONE, index, e->frame, (uint8_t)ep, exp, seen,
                          "%c acknowledged beyond the peer's FIN: a FIN occupies exactly one "
                          "sequence number",
                          c);
            return; /* not an acceptable ACK: no fact to learn from it */
        } else if (o->from_capture) {
            oracle_mark_incomplete(o, "an ACK covers data the capture did not show");
            p->gap = true;
            p->snd_max = p->space_max = ack;
        } else {
            report_ack_outside(o, ep, index, e, lo, hi);
            return;
        }
    }

    /* fin-ack-plus-one, second form: once the stack says it has the peer's
     * FIN, every ACK it sends covers it. */
    enum tcp_state st;
    if (p->fin_sent && o->cfg.states_reported[ep] && s->rep_known && peer_fin_trusted(o, ep) &&
        seq_lt(ack, p->fin_seq + 1) && eff_state(o, ep, &st) &&
        (st == TCP_CLOSE_WAIT || st == TCP_LAST_ACK || st == TCP_CLOSING || st == TCP_TIME_WAIT)) {
        snprintf(exp, sizeof exp, "ack %u", rel(p, p->fin_seq + 1));
        snprintf(seen, sizeof seen, "ack %u", rel(p, ack));
        oracle_report(o, INV_FIN_ACK_PLUS_ONE, index, e->frame, (uint8_t)ep, exp, seen,
                      "%c is in %s (it has the peer's FIN) but does not acknowledge FIN.seq + 1", c,
                      tcp_state_name(st));
    }

    /* Text on the peer's SYN counts as sent once we acknowledge it. */
    if (p->syn_data && seq_gt(ack, p->space_max) && seq_le(ack, p->syn_data_end))
        p->space_max = ack;
    /* Bytes the peer sent beyond our window (a zero-window probe) arrive
     * after all if our window opened before they did: our ACK of them says
     * so, and they were on the wire. */
    if (p->beyond_seen && seq_gt(ack, p->contig_end) && seq_ge(p->contig_end, p->beyond_lo) &&
        seq_lt(p->contig_end, p->beyond_hi))
        track_contig(p, p->contig_end, seq_min(ack, p->beyond_hi));

    bool covers_fin = p->fin_sent && fin_in_space(p) && seq_ge(ack, p->fin_seq + 1);
    bool first_cover = covers_fin && !s->peer_fin_confirmed;
    if (first_cover) {
        /* half-close-delivery on the wire: acknowledging the FIN
         * acknowledges every byte below it, which must have been sent. */
        if (seq_lt(p->contig_end, p->fin_seq) && peer_fin_trusted(o, ep)) {
            if (o->from_capture) {
                oracle_mark_incomplete(o, "data below a FIN is missing from the capture");
            } else {
                snprintf(exp, sizeof exp, "bytes up to %u seen first", rel(p, p->fin_seq));
                snprintf(seen, sizeof seen, "contiguous up to %u", rel(p, p->contig_end));
                oracle_report(o, INV_HALF_CLOSE_DELIVERY, index, e->frame, (uint8_t)ep, exp, seen,
                              "%c acknowledged the FIN before all data below it was sent", c);
            }
        }
        s->peer_fin_confirmed = true;
        if (!s->peer_fin_rcvd)
            fin_arrives(o, ep,
                        p->fin_sent && s->fin_sent && p->ack_sent &&
                            seq_ge(p->last_ack, s->fin_seq + 1),
                        e->time_usecs, index);
        s->inf_change_valid = false;
        if (o->cfg.states_reported[ep] && s->wire_check == 0) {
            s->wire_check = WIRE_CHECK_ACK_OF_FIN;
            s->wire_check_index = index;
            s->wire_check_usecs = e->time_usecs;
        }
    }
    if (first_cover && s->inf_known && s->inf == TCP_TIME_WAIT && !s->tw_ack_sent &&
        !o->cfg.states_reported[ep]) {
        /* Its ACK of the last FIN is when it entered TIME-WAIT: a closer
         * start than the FIN's own time on the wire. */
        s->tw_ack_sent = true;
        s->tw_restart_usecs = e->time_usecs;
    }

    /* Its ACK of the peer's SYN: the handshake is done from its side. */
    if (!(g->flags & TCP_SYN) && p->syn_sent && seq_ge(ack, p->isn + 1) && s->inf_known &&
        (s->inf == TCP_SYN_SENT || s->inf == TCP_SYN_RECEIVED)) {
        set_inf(o, ep, TCP_ESTABLISHED, index);
        s->inf_change_valid = false;
    }

    if (!s->ack_sent || seq_gt(ack, s->last_ack))
        s->last_ack = ack;
    s->ack_sent = true;

    /* The window it advertises (RFC 7323 §2.2: never scaled on a SYN). */
    uint32_t wnd = g->window;
    if (!(g->flags & TCP_SYN) && s->wscale_offered && p->wscale_offered)
        wnd <<= s->wscale;
    uint32_t right = ack + wnd;
    if (old_dup)
        return; /* an old ACK updates no window (SND.WL1/WL2, §3.10.7.4) */
    if (!s->wnd_known || seq_gt(right, s->wnd_right))
        s->wnd_right = right;
    s->wnd_known = true;
}

/* Endpoint ep's RST answers new text that reached it after its application
 * closed (RFC 9293 §3.6.1, RFC 1122 4.2.2.13 SHLD-2: "if new data is
 * received after CLOSE is called, its TCP implementation SHOULD send a RST
 * to show that data was lost"): the peer segment that made the oracle infer
 * TIME-WAIT (a FIN that acknowledged ep's FIN) carried text beyond what ep
 * had acknowledged, ep sent nothing since, and the RST's seq is that
 * segment's SEG.ACK. Such a stack drops the segment, FIN and all, and
 * closes: it never was in TIME-WAIT. The wire cannot tell close() from
 * shutdown(), so a stack that takes the text and the FIN conforms too. */
static bool rst_for_data_after_close(struct oracle *o, unsigned ep, uint64_t index,
                                     const struct seg *g)
{
    const struct oracle_side *s = side(o, ep);
    if (!s->fin_sent || !s->inf_change_valid)
        return false;
    const struct oracle_seg_note *n = note_find(o, s->inf_change_index);
    if (!n || n->src == (ep & 1u) || (n->flags & (TCP_FIN | TCP_ACK)) != (TCP_FIN | TCP_ACK) ||
        (n->flags & (TCP_SYN | TCP_RST)))
        return false;
    for (unsigned i = 0; i < ORACLE_RECENT_SEGS; i++) {
        const struct oracle_seg_note *m = &o->recent[i];
        if (m->valid && m->src == (ep & 1u) && m->index > n->index && m->index != index)
            return false; /* it answered something else first */
    }
    uint32_t text = n->len - 1u;
    if (text == 0)
        return false;
    uint32_t rcv_nxt = s->ack_sent ? s->last_ack : n->seq;
    if (!seq_gt(n->seq + text, rcv_nxt))
        return false; /* no new text: a retransmission */
    return g->seq == n->ack;
}

/* Endpoint ep, in TIME-WAIT, answers its peer (RFC 9293 §3.10.7.4 TIME-WAIT). */
static void tw_answer(struct oracle *o, unsigned ep, uint64_t index, const struct ev *e)
{
    struct oracle_side *s = side(o, ep);
    const struct seg *g = &e->u.segment.seg;
    uint64_t now = e->time_usecs;
    uint64_t slack = o->cfg.timer_slack_usecs;
    char c = ep == EP_A ? 'A' : 'B';
    char exp[64], seen[64];
    if (g->flags & TCP_RST) {
        if (s->tw_rst_hit) {
            if (o->rules.tw_rst_must_be_ignored)
                oracle_report(o, INV_RST_IN_TIME_WAIT, index, e->frame, (uint8_t)ep,
                              "TIME-WAIT kept (ACK)", "RST (closed)",
                              "an RST ended %c's TIME-WAIT (assassination, RFC 1337)", c);
        } else if (rst_for_data_after_close(o, ep, index, g)) {
            /* not TIME-WAIT ending: the segment that seemed to start it was
             * refused */
        } else if (now + slack < tw_deadline(o, s)) {
            snprintf(exp, sizeof exp, "TIME-WAIT >= %.3f s",
                     (double)o->rules.time_wait_usecs / 1e6);
            snprintf(seen, sizeof seen, "closed after %.3f s",
                     (double)(now - s->tw_restart_usecs) / 1e6);
            oracle_report(o, INV_TIME_WAIT_DURATION, index, e->frame, (uint8_t)ep, exp, seen,
                          "%c's TIME-WAIT ended early: it answered with RST", c);
        }
        s->killed_by_rst = s->tw_rst_hit;
        s->owed = OWED_NONE; /* the RST is its answer */
        set_inf(o, ep, TCP_CLOSED, index);
        s->inf_change_valid = false;
        return;
    }
    if (now > tw_deadline(o, s) + slack) {
        snprintf(exp, sizeof exp, "CLOSED after %.3f s", (double)o->rules.time_wait_usecs / 1e6);
        snprintf(seen, sizeof seen, "still answering after %.3f s",
                 (double)(now - s->tw_restart_usecs) / 1e6);
        oracle_report(o, INV_TIME_WAIT_DURATION, index, e->frame, (uint8_t)ep, exp, seen,
                      "%c's TIME-WAIT lasted longer than it may", c);
    }
    bool restart =
        (s->owed == OWED_REACK_FIN) || (o->rules.tw_restart_on_any_ack && s->last_peer_had_ack);
    if (restart)
        s->tw_restart_usecs = now;
    s->tw_rst_hit = false; /* it is alive: the RST was ignored (RFC 1337) */
}

static void satisfy_owed(struct oracle *o, unsigned ep, const struct seg *g)
{
    struct oracle_side *s = side(o, ep);
    if (s->owed == OWED_NONE || (g->flags & (TCP_RST | TCP_SYN)) || !(g->flags & TCP_ACK))
        return;
    if (s->owed == OWED_REACK_FIN && !seq_ge(g->ack, s->owed_ack))
        return;
    s->owed = OWED_NONE;
    (void)o;
}

/* Checks of a reported state against what the endpoint itself just sent,
 * run once the stack has had the chance to report the matching transition
 * (before or right after the segment). */
static void run_wire_check(struct oracle *o, unsigned ep)
{
    struct oracle_side *s = side(o, ep);
    uint8_t kind = s->wire_check;
    s->wire_check = 0;
    if (!kind || !s->rep_known)
        return;
    if (kind == WIRE_CHECK_ACK_OF_FIN && !peer_fin_trusted(o, ep))
        return;
    enum tcp_state st = s->rep;
    char c = ep == EP_A ? 'A' : 'B';
    if (kind == WIRE_CHECK_FIN) {
        bool ok = st == TCP_FIN_WAIT_1 || st == TCP_FIN_WAIT_2 || st == TCP_CLOSING ||
                  st == TCP_TIME_WAIT || st == TCP_LAST_ACK || st == TCP_CLOSED;
        if (!ok)
            oracle_report(o, INV_STATE_MATCHES_WIRE, s->wire_check_index, 0, (uint8_t)ep,
                          "a closing state (FIN sent)", tcp_state_name(st),
                          "%c sent a FIN but reports %s", c, tcp_state_name(st));
    } else {
        bool ok = st == TCP_CLOSE_WAIT || st == TCP_LAST_ACK || st == TCP_CLOSING ||
                  st == TCP_TIME_WAIT || st == TCP_CLOSED;
        if (!ok)
            oracle_report(o, INV_STATE_MATCHES_WIRE, s->wire_check_index, 0, (uint8_t)ep,
                          "a state after the peer's FIN", tcp_state_name(st),
                          "%c acknowledged the peer's FIN but reports %s", c, tcp_state_name(st));
    }
}

static void note_push(struct oracle *o, uint64_t index, const struct ev *e)
{
    struct oracle_seg_note *n = &o->recent[o->recent_next];
    o->recent_next = (o->recent_next + 1) % ORACLE_RECENT_SEGS;
    const struct seg *g = &e->u.segment.seg;
    *n = (struct oracle_seg_note){.index = index,
                                  .seq = g->seq,
                                  .ack = g->ack,
                                  .len = seg_len(g),
                                  .src = e->endpoint & 1u,
                                  .flags = g->flags,
                                  .valid = true};
}

/* A pending check of what an endpoint sent runs at its next state report,
 * or once something else happens on the wire or time moves on: stacks may
 * report a transition just before or just after the segment that goes
 * with it (loss reports and application calls in between do not count). */
static void run_pending_checks(struct oracle *o, const struct ev *e)
{
    for (unsigned ep = 0; ep < 2; ep++) {
        struct oracle_side *s = &o->side[ep];
        if (!s->wire_check)
            continue;
        if (e && e->kind != EV_SEGMENT && e->time_usecs <= s->wire_check_usecs)
            continue;
        run_wire_check(o, ep);
    }
}

void oracle_observe_segment(struct oracle *o, uint64_t index, const struct ev *e)
{
    run_pending_checks(o, e);
    if (e->frame)
        o->from_capture = true;
    unsigned ep = e->endpoint & 1u;
    struct oracle_side *s = side(o, ep);
    struct oracle_side *p = side(o, ep ^ 1u);
    const struct seg *g = &e->u.segment.seg;
    uint64_t now = e->time_usecs;
    bool rst = g->flags & TCP_RST;
    bool syn = g->flags & TCP_SYN;
    bool ackf = (g->flags & TCP_ACK) && !rst;
    note_push(o, index, e);
    if ((g->flags & TCP_FIN) && !rst) {
        s->wire_fin_seen = true;
        s->wire_fin_end = g->seq + seg_len(g);
        seq_bloom_add(&s->wire_fin_end_bloom, s->wire_fin_end);
    }
    struct oracle_seg_note *note =
        &o->recent[(o->recent_next + ORACLE_RECENT_SEGS - 1) % ORACLE_RECENT_SEGS];

    if (syn && !rst) {
        /* Retransmissions of one SYN take one slot: they must not push an
         * earlier SYN, still answerable, out of the ring. */
        bool known_syn = false;
        for (unsigned k = 0; k < s->syn_count && k < 4; k++)
            known_syn = known_syn || s->syn_seqs[k] == g->seq;
        seq_bloom_add(&s->syn_bloom, g->seq);
        if (!known_syn) {
            s->syn_seqs[s->syn_next] = g->seq;
            s->syn_next = (uint8_t)((s->syn_next + 1) % 4);
            if (s->syn_count < 4)
                s->syn_count++;
        }
    }
    /* (its state before this segment: an RST may leave it as it was) */
    enum tcp_state st_before, inf_before = s->inf;
    bool st_before_known = eff_state(o, ep, &st_before), inf_known_before = s->inf_known;
    if (!s->sent_any)
        first_segment(o, ep, g);

    /* A SYN after the connection: a new incarnation's attempt, not part
     * of this one's sequence space (time-wait-reuse, RFC 5961 §4.2). */
    /* RST is checked before SYN (RFC 9293 §3.10.7.4): a segment with both
     * is an RST. */
    bool new_syn = syn && !rst && s->isn_known && s->sent_any && g->seq != s->isn;
    if (syn && !(g->flags & TCP_ACK) && new_syn) {
        enum tcp_state pst;
        bool pknown = eff_state(o, ep ^ 1u, &pst);
        /* Answered with a SYN-ACK, it opens a new incarnation (judged for
         * reuse if the peer was in TIME-WAIT). */
        p->reuse_syn2 = p->reuse_syn;
        p->reuse_syn_seq2 = p->reuse_syn_seq;
        p->reuse_syn = true;
        p->reuse_syn_in_tw = pknown && pst == TCP_TIME_WAIT;
        p->reuse_syn_index = index;
        p->reuse_syn_usecs = now;
        p->reuse_syn_seq = g->seq;
        p->reuse_syn_has_ts = g->opts.has_ts;
        p->reuse_syn_ts = g->opts.ts_val;
        if (pknown && synchronized(pst) && pst != TCP_TIME_WAIT) {
            p->owed = OWED_CHALLENGE_SYN;
            p->owed_index = index;
            p->owed_usecs = now;
            p->must_stay_open = true;
            p->stay_open_index = index;
        } else if (pknown && pst == TCP_TIME_WAIT && p->owed == OWED_REACK_FIN &&
                   o->cfg.states_reported[ep ^ 1u]) {
            /* TIME-WAIT answers this SYN with an ACK too (RFC 5961 §4.2),
             * the same ACK as the re-ACK of the FIN before it: the next
             * ACK may answer the SYN while the FIN is still on its way (or
             * was delayed past TIME-WAIT), so the restart is not certain. */
            p->owed_restart_optional = true;
        }
        add_answerable(p, index, g);
        p->last_peer_had_ack = false;
        s->sent_any = true;
        s->last_send_usecs = now;
        return;
    }
    /* A SYN-ACK for the peer's new SYN starts a new incarnation when its
     * sender can accept a SYN (not synchronized, or TIME-WAIT) and, if it is
     * not under test, when the SYN's sender can take the SYN-ACK. */
    enum tcp_state syn_sender_st, acceptor_st;
    bool syn_sender_waits = !eff_state(o, ep ^ 1u, &syn_sender_st) ||
                            syn_sender_st == TCP_SYN_SENT || syn_sender_st == TCP_CLOSED;
    bool acceptor_may = !o->cfg.judge[ep] || !eff_state(o, ep, &acceptor_st) ||
                        !synchronized(acceptor_st) || acceptor_st == TCP_TIME_WAIT;
    if (syn && (g->flags & TCP_ACK) && !rst && s->reuse_syn2 && g->ack == s->reuse_syn_seq2 + 1) {
        /* It answers the peer's SYN before the latest one. */
        s->reuse_syn_seq = s->reuse_syn_seq2;
        s->reuse_syn2 = false;
    }
    /* ... or any other recent SYN of the peer (delayed, duplicated) that is
     * not the current incarnation's. */
    /* Not if the peer's latest SYN is the one the oracle follows and this
     * endpoint already answered it there: the peer never takes an answer
     * to an earlier SYN (in SYN-SENT it is outside ISS < SEG.ACK =<
     * SND.NXT, RFC 9293 §3.10.7.3; synchronized, a SYN draws a challenge
     * ACK, §3.10.7.4 and RFC 5961 §4.2) and goes on in the space it was
     * answered in, whose window it is held to. */
    bool latest_syn_answered = p->isn_known && p->syn_count > 0 &&
                               p->syn_seqs[(p->syn_next + 3u) % 4u] == p->isn && s->syn_sent &&
                               s->ack_sent && seq_gt(s->last_ack, p->isn);
    bool answers_other_syn = false;
    if (syn && (g->flags & TCP_ACK) && !rst && !(p->isn_known && g->ack == p->isn + 1) &&
        !(s->reuse_syn && g->ack == s->reuse_syn_seq + 1) && !latest_syn_answered) {
        for (unsigned k = 0; k < p->syn_count && k < 4; k++)
            if (g->ack == p->syn_seqs[k] + 1)
                answers_other_syn = true;
        if (answers_other_syn) {
            s->reuse_syn = true;
            s->reuse_syn_in_tw = false;
            s->reuse_syn_seq = g->ack - 1;
        }
    }
    /* The oracle may already follow that SYN's incarnation (the peer's
     * SYN-ACK from it came first): nothing to restart, and what the peer
     * sent since (its FIN) stays. */
    if (syn && (g->flags & TCP_ACK) && !rst && s->reuse_syn && g->ack == s->reuse_syn_seq + 1 &&
        !s->reuse_syn_in_tw && p->isn_known && p->isn == s->reuse_syn_seq && p->syn_sent)
        s->reuse_syn = false;
    if (syn && (g->flags & TCP_ACK) && !rst && s->reuse_syn && g->ack == s->reuse_syn_seq + 1 &&
        acceptor_may && (o->cfg.judge[ep] || syn_sender_waits)) {
        /* A new SYN was accepted: a new incarnation (from TIME-WAIT: judged
         * by time-wait-reuse). */
        if (s->reuse_syn_in_tw)
            judge_reuse_accept(o, ep, index, e->frame, now);
        uint32_t syn_seq = s->reuse_syn_seq;
        /* What the SYN's sender already sent from that ISN (an abort's
         * FIN, say) may still reach the acceptor after this SYN-ACK: its
         * ACKs of it, and its report of taking that FIN, stay explained. */
        const struct oracle_side *sp = side(o, ep ^ 1u);
        bool sent_from_isn = false, fin_from_isn = false;
        uint32_t end_from_isn = 0;
        if (sp->isn_known && sp->isn == syn_seq) {
            sent_from_isn = true;
            end_from_isn = sp->snd_max;
            fin_from_isn = sp->fin_sent;
        } else if (sp->prev_isn_valid && sp->prev_isn == syn_seq) {
            sent_from_isn = true;
            end_from_isn = sp->prev_snd_max;
            fin_from_isn = sp->prev_fin_sent;
        }
        restart_incarnation(o);
        struct oracle_side *peer = side(o, ep ^ 1u);
        peer->sent_any = peer->syn_sent = peer->isn_known = true;
        peer->isn = syn_seq;
        peer->snd_max = peer->space_max = peer->contig_end = syn_seq + 1;
        if (sent_from_isn) {
            peer->prev_isn_valid = true;
            peer->prev_isn = syn_seq;
            peer->prev_snd_max = end_from_isn;
            peer->prev_fin_sent = fin_from_isn;
        }
        set_inf(o, ep ^ 1u, TCP_SYN_SENT, index);
        first_segment(o, ep, g);
    }

    /* closed-silence: judged on the state before this segment. */
    enum tcp_state st;
    bool known = eff_state(o, ep, &st);
    if (known && st == TCP_CLOSED && !(syn && !(g->flags & TCP_ACK))) {
        /* Inferred CLOSED only because the ACK of its FIN was assumed to
         * arrive: resending that FIN, or (in a capture, where the ACK may
         * have been lost after the capture point) aborting from LAST-ACK with
         * an RST, shows the ACK never arrived. */
        bool maybe_last_ack = !o->cfg.states_reported[ep] && s->closed_via_last_ack;
        bool own_fin_again =
            maybe_last_ack && (g->flags & TCP_FIN) && g->seq + g->payload_len == s->fin_seq;
        bool abort_from_last_ack =
            maybe_last_ack && o->from_capture && rst && g->seq == s->fin_seq + 1;
        if (!own_fin_again && !abort_from_last_ack)
            check_closed_sender(o, ep, index, e);
    }
    /* Reported TIME-WAIT restarts on the re-ACK (or, if the restart was
     * optional, may have restarted there). */
    bool reack_now = (known && st == TCP_TIME_WAIT && !rst && s->owed == OWED_REACK_FIN &&
                      o->cfg.states_reported[ep]) ||
                     (s->owed == OWED_REACK_FIN && !rst && ackf && seq_ge(g->ack, s->owed_ack) &&
                      o->cfg.states_reported[ep]);
    if (known && st == TCP_TIME_WAIT && !o->cfg.states_reported[ep]) {
        tw_answer(o, ep, index, e);
    } else if (reack_now && s->owed_restart_optional) {
        tw_alt_add(s, now);
    } else if (reack_now) {
        s->tw_restart_usecs = now;
    }
    bool acks_peer_fin = ackf && p->fin_sent && fin_in_space(p) && g->ack == p->fin_seq + 1;
    /* A FIN of the peer sent after this endpoint last acknowledged it, and
     * answered only now from TIME-WAIT: a retransmission the network
     * delayed (the trace shows a segment when sent, not when it arrives)
     * that reached TIME-WAIT and restarted it (RFC 9293 §3.10.7.4). */
    if (known && st == TCP_TIME_WAIT && o->cfg.states_reported[ep] && acks_peer_fin &&
        s->owed != OWED_REACK_FIN && s->fin_ack_sent_known &&
        p->fin_last_index > s->fin_ack_sent_index)
        s->tw_restart_usecs = now;
    else if (known && st == TCP_TIME_WAIT && o->cfg.states_reported[ep] && acks_peer_fin &&
             s->owed != OWED_REACK_FIN && o->cfg.judge[ep ^ 1u] && p->fin_xmits >= 2) {
        /* ... or a copy of an earlier FIN transmission, delayed longer than
         * the later one that took it to TIME-WAIT: the wire cannot tell that
         * from an ACK to an unacceptable segment, so either ending conforms
         * (only with a peer under test, whose segments cross a network). */
        tw_alt_add(s, now);
    }
    if (acks_peer_fin) {
        s->fin_ack_sent_known = true;
        s->fin_ack_sent_index = index;
    }
    satisfy_owed(o, ep, g);

    enum tcp_state pst_now;
    bool peer_syn_sent = eff_state(o, ep ^ 1u, &pst_now) && pst_now == TCP_SYN_SENT;
    if (syn && (g->flags & TCP_ACK) && !rst && s->isn_known && g->seq != s->isn &&
        (peer_syn_sent || o->cfg.judge[ep])) {
        /* The space remembered is the one the peer lives in: its latest
         * ACK lies there. A space in between that the peer never
         * acknowledged (a new ISN the sender gave up again) does not
         * replace it: a TIME-WAIT peer acknowledges the old space through
         * any number of such restarts (RFC 9293 §3.10.7.4). */
        bool peer_in_prev = s->prev_isn_valid && p->ack_any_sent &&
                            seq_between(s->prev_isn + 1, p->last_ack_any, s->prev_snd_max) &&
                            !seq_between(s->isn + 1, p->last_ack_any, s->snd_max);
        if (!peer_in_prev) {
            s->prev_isn_valid = true;
            s->prev_isn = s->isn;
            /* (the peer, if synchronized, never takes the new SYN: RFC
             * 5961 §4.2; it goes on acknowledging the old space and taking
             * the old FIN) */
            s->prev_snd_max = s->snd_max;
            s->prev_fin_sent = s->fin_sent;
        }
        /* A SYN-ACK with a new ISN from an endpoint that is not (or no
         * longer) synchronized: it gave up its old attempt (abort, RST) and
         * answers afresh; its sequence space starts over. */
        if (s->fin_sent)
            s->fin_unreliable = true;
        start_space(o, ep, g->seq);
    }
    if (syn && !rst) {
        if (!s->syn_sent) {
            s->syn_sent = true;
            if (!s->isn_known) {
                /* Its first SYN after segments without one: what came before
                 * was not part of this connection's sequence space. */
                s->isn_known = true;
                start_space(o, ep, g->seq);
                s->inf_known = false; /* not the ESTABLISHED a mid-stream start assumed */
                s->ack_sent = s->ack_any_sent = s->wnd_known = false;
                if (!p->sent_any)
                    o->handshake_seen = true;
            }
            s->wscale_offered = g->opts.has_wscale;
            s->wscale = g->opts.wscale > 14 ? 14 : g->opts.wscale;
            if (!s->inf_known || s->inf == TCP_CLOSED || s->inf == TCP_LISTEN)
                set_inf(o, ep, (g->flags & TCP_ACK) ? TCP_SYN_RECEIVED : TCP_SYN_SENT, index);
            s->inf_change_valid = false;
        }
    }
    if (g->opts.has_ts) {
        s->ts_seen = true;
        s->ts_last = g->opts.ts_val;
    }

    uint32_t snd_max_before = s->snd_max;
    uint32_t space_max_before = s->space_max;
    if (!rst) {
        uint32_t data_end = g->seq + (syn ? 1u : 0u) + g->payload_len;
        uint32_t end = g->seq + seg_len(g);
        check_window(o, ep, index, e, snd_max_before);
        /* A segment that starts beyond the window the peer offered is not
         * acceptable to it (RFC 9293 §3.10.7.4, first check): it moves no
         * sequence space and its FIN is no FIN. (Only with the handshake
         * seen, when window scaling is known.) */
        enum tcp_state rst_;
        /* (its synchronized state is believed only if reported or reached
         * through a handshake seen on the wire, not assumed mid-stream) */
        bool rcv_synced = eff_state(o, ep ^ 1u, &rst_) && synchronized(rst_) &&
                          (o->cfg.states_reported[ep ^ 1u] || p->syn_sent);
        /* (window scaling is known once both SYNs were seen) */
        bool scaling_known = o->handshake_seen || (s->syn_sent && p->syn_sent);
        bool acceptable = !(scaling_known && o->cfg.judge[ep ^ 1u] && p->wnd_known && p->ack_sent &&
                            seq_gt(g->seq, p->wnd_right));
        /* ... nor one of a fuzzer's peer that lies wholly below what the
         * receiver acknowledged: RCV.NXT never moves back, so the receiver
         * finds it unacceptable (first check: RCV.NXT =< SEG.SEQ, or for
         * text SEG.SEQ+SEG.LEN-1 >= RCV.NXT), answers with an ACK and
         * drops it, ACK field and FIN unread. Such junk is observed, never
         * taken as what its sender sent. */
        enum tcp_state rcv_st;
        bool rcv_has_nxt =
            eff_state(o, ep ^ 1u, &rcv_st) && (synchronized(rcv_st) || rcv_st == TCP_SYN_RECEIVED);
        uint32_t slen = seg_len(g);
        bool old = !o->cfg.judge[ep] && !syn && rcv_has_nxt && p->ack_sent &&
                   (slen == 0 ? seq_lt(g->seq, p->last_ack) : seq_le(g->seq + slen, p->last_ack));
        if (old)
            acceptable = false;
        /* ... nor is one without ACK once the receiver is synchronized
         * (fifth check: "if the ACK bit is off, drop the segment"). */
        if (!(g->flags & TCP_ACK) && !syn && (rcv_synced || rst_ == TCP_SYN_RECEIVED))
            acceptable = false;
        /* ... nor a SYN once it is synchronized (RFC 5961 §4.2: answered
         * with a challenge ACK, its text and FIN dropped). */
        if (syn && rcv_synced)
            acceptable = false;
        /* ... nor one acknowledging what the receiver never sent (it is
         * answered with an ACK and dropped); a capture may just have
         * missed what it acknowledges. */
        if ((g->flags & TCP_ACK) && p->sent_any && seq_gt(g->ack, p->snd_max) && !o->from_capture)
            acceptable = false;
        /* ... nor a SYN at another sequence number than its ISN (a new
         * incarnation's, or junk: a new ISN is taken only when answered). */
        if (syn && s->isn_known && g->seq != s->isn)
            acceptable = false;
        /* A stack under test is judged by what it sent, whatever its peer
         * made of it: its own stream is always tracked. */
        if (o->cfg.judge[ep])
            acceptable = true;
        /* no-data-after-fin: data at or beyond its own FIN. */
        if (s->fin_sent && g->payload_len > 0 && seq_gt(data_end, s->fin_seq)) {
            if (oracle_blames(o, ep)) {
                char exp[64], seen[64];
                snprintf(exp, sizeof exp, "data end <= %u (FIN)", rel(s, s->fin_seq));
                snprintf(seen, sizeof seen, "data end %u", rel(s, data_end));
                oracle_report(o, INV_NO_DATA_AFTER_FIN, index, e->frame, (uint8_t)ep, exp, seen,
                              "%c sent data beyond its own FIN", ep == EP_A ? 'A' : 'B');
            }
            /* Unless the receiver already acknowledged that FIN (then it
             * ignores the text, §3.10.7.4 seventh check), the FIN is no
             * longer a fact to judge it by: a fuzzer's peer does this, and
             * the receiver may have dropped that FIN. */
            if (acceptable && !p->peer_fin_confirmed) {
                s->fin_unreliable = true;
                s->fin_sent = false;
                p->peer_fin_rcvd = p->peer_fin_confirmed = false;
            }
        }
        /* What lies beyond the right edge of the window is not accepted
         * (a zero-window probe, an overrun): it does not count as arrived. */
        bool beyond = o->handshake_seen && o->cfg.judge[ep ^ 1u] && p->wnd_known && p->ack_sent &&
                      seq_gt(data_end, p->wnd_right) && g->payload_len > 0;
        if (seg_len(g) > 0)
            s->last_xmit_usecs = now; /* its retransmission timer is visibly alive */
        if (!old && (!s->wire_known || seq_gt(end, s->wire_max))) {
            s->wire_max = end;
            s->wire_known = true;
        }
        if (acceptable) {
            /* A FIN in a hole of what was sent (beyond it only out-of-order
             * text went out) sits inside no data. */
            bool fin_in_hole =
                seq_ge(data_end, s->contig_end) &&
                !(s->ooo && seq_ge(data_end, s->ooo_lo) && seq_lt(data_end, s->ooo_hi));
            track_contig(s, g->seq, beyond ? p->wnd_right : end);
            if (beyond) {
                s->beyond_seen = true;
                s->beyond_lo = seq_max(g->seq, p->wnd_right);
                s->beyond_hi = data_end;
            }
            if (seq_gt(end, s->snd_max))
                s->snd_max = end;
            /* Text on a SYN is commonly dropped by the receiver (queuing it
             * is optional, RFC 9293 §3.10.7.3) and sent again: only the SYN
             * itself surely occupies its space. */
            uint32_t occupied_end = syn ? g->seq + 1 : end;
            if (syn && g->payload_len > 0) {
                s->syn_data = true;
                s->syn_data_end = data_end;
            }
            if (seg_len(g) > 0 && seq_gt(occupied_end, s->space_max)) {
                note->space_set = true;
                note->space_prev = s->space_max;
                s->space_max = occupied_end;
            }
            if ((g->flags & TCP_FIN) && !beyond)
                sender_fin(o, ep, index, e, data_end, fin_in_hole ? data_end : space_max_before);
        }
        /* A FIN the receiver may or may not have taken (dropped with its
         * segment, on a SYN) makes its later FINs hard to judge by. */
        if ((g->flags & TCP_FIN) && ((!acceptable && !old) || beyond || syn))
            s->fin_unreliable = true;
    } else {
        check_fin_give_up(o, ep, index, e, "RST");
        s->rst_sent = s->rst_sent_ever = true;
        seq_bloom_add(&s->rst_seq_bloom, g->seq);
        s->rst_usecs = now;
        enum tcp_state sst;
        if (rst_answers_bad_ack(o, ep, g, st_before_known, st_before)) {
            s->inf = inf_before;
            s->inf_known = inf_known_before;
            s->inf_change_valid = false;
        } else if (!(eff_state(o, ep, &sst) && sst == TCP_CLOSED)) {
            set_inf(o, ep, TCP_CLOSED, index);
            s->inf_change_valid = false;
        }
    }
    if (ackf)
        sender_ack(o, ep, index, e);
    s->sent_any = true;
    s->last_send_usecs = now;

    p->peer_spoke_since_fin = true;
    /* --- what its arrival does at the peer --- */
    uint8_t fx = 0;
    enum tcp_state prev = p->inf;
    bool prev_known = p->inf_known;
    p->last_peer_had_ack = (g->flags & TCP_ACK) != 0;
    if (!rst) {
        add_answerable(p, index, g);
    }
    if (rst) {
        fx |= rst_arrives(o, ep ^ 1u, index, e);
    } else {
        /* (an ACK of what it never sent is unacceptable in SYN-RECEIVED,
         * §3.10.7.4: answered with an RST, it stays; a capture may just
         * have missed what it acknowledges) */
        if (ackf && p->syn_sent && p->inf_known && p->inf == TCP_SYN_RECEIVED &&
            seq_ge(g->ack, p->isn + 1) && (seq_le(g->ack, p->snd_max) || o->from_capture)) {
            set_inf(o, ep ^ 1u, TCP_ESTABLISHED, index);
            fx |= ORACLE_FX_STATE;
        }
        if (ackf && p->fin_sent && seq_ge(g->ack, p->fin_seq + 1) && !p->fin_acked)
            fx |= fin_ack_arrives(o, ep ^ 1u, now, index);
        if (s->fin_sent && fin_in_space(s) && seq_ge(s->contig_end, s->fin_seq + 1) &&
            !p->peer_fin_rcvd) {
            bool acks_theirs = ackf && p->fin_sent && seq_ge(g->ack, p->fin_seq + 1);
            fx |= fin_arrives(o, ep ^ 1u, acks_theirs, now, index);
        } else if ((g->flags & TCP_FIN) && ackf && !syn && eff_is(o, ep ^ 1u, TCP_TIME_WAIT) &&
                   p->ack_sent && g->seq + g->payload_len + 1 == p->last_ack) {
            /* A retransmitted FIN reaches TIME-WAIT: re-ACK it and restart
             * 2*MSL (RFC 9293 §3.10.7.4: "The only thing that can arrive
             * in this state is a retransmission of the remote FIN.
             * Acknowledge it, and restart the 2 MSL timeout"). The remote
             * FIN is the one the receiver took: its ACK covers it, so it
             * sits at RCV.NXT - 1 as the wire shows it. A FIN anywhere else
             * is junk (a fuzzer's peer), whatever the oracle made of the
             * sender's FINs. One on a SYN is no retransmission: the SYN
             * draws a challenge ACK and the segment is dropped, FIN and all
             * (RFC 5961 §4.2). */
            p->owed = OWED_REACK_FIN;
            p->owed_index = index;
            p->owed_usecs = now;
            p->owed_ack = p->last_ack;
            /* If it acknowledges what the receiver never sent, a stack with
             * RFC 5961 §5 ACK validation (a MAY of RFC 9293, MAY-12) drops
             * it with an ACK, one without takes it as the retransmission:
             * ACKed either way, TIME-WAIT may restart at that ACK or not
             * (judged at the ACK: a copy lost on the way restarts nothing). */
            p->owed_restart_optional =
                !o->cfg.judge[ep] && p->sent_any && seq_gt(g->ack, p->snd_max);
        } else if ((g->flags & TCP_FIN) && ackf && !syn && o->cfg.states_reported[ep ^ 1u] &&
                   eff_is(o, ep ^ 1u, TCP_TIME_WAIT) && p->ack_sent &&
                   seq_le(g->seq, p->last_ack) && seq_gt(g->seq + seg_len(g), p->last_ack) &&
                   (!p->wnd_known || seq_gt(p->wnd_right, p->last_ack))) {
            /* A FIN that is no retransmission but covers RCV.NXT with the
             * ACK bit on (a fuzzer's peer, which already sent its FIN
             * below): it passes the first and fifth checks, and the eighth
             * (RFC 9293 §3.10.7.4, TIME-WAIT: "Remain in the TIME-WAIT
             * state. Restart the 2 MSL time-wait timeout.") applies to it,
             * while "the only thing that can arrive in this state is a
             * retransmission of the remote FIN" lets a stack ignore it:
             * TIME-WAIT may end 2*MSL after it or as before. A copy lost
             * on the way restarts nothing (undone by the drop). */
            p->tw_alt_fin_added = tw_alt_add(p, now);
            p->tw_alt_fin = true;
            p->tw_alt_fin_index = index;
            p->tw_alt_fin_usecs = now;
        }
    }
    note->effects = fx;
    note->rcv_prev = prev;
    note->rcv_prev_known = prev_known;
}

void oracle_observe_drop(struct oracle *o, uint64_t index, const struct ev *e)
{
    (void)index;
    run_pending_checks(o, e);
    struct oracle_seg_note *n = note_find(o, e->u.drop.index);
    if (!n)
        return;
    unsigned rcv = (n->src & 1u) ^ 1u;
    struct oracle_side *r = side(o, rcv);
    if ((n->effects & ORACLE_FX_STATE) && r->inf_change_valid && r->inf_change_index == n->index) {
        r->inf = n->rcv_prev;
        r->inf_known = n->rcv_prev_known;
        r->inf_change_valid = false;
        r->closed_via_last_ack = false;
        r->killed_by_rst = false;
    }
    if ((n->effects & ORACLE_FX_PEER_FIN) && !r->peer_fin_confirmed)
        r->peer_fin_rcvd = false;
    if ((n->effects & ORACLE_FX_FIN_ACKED) && r->fin_acked_index == n->index)
        r->fin_acked = false;
    if (r->tw_alt_fin && r->tw_alt_fin_index == n->index) {
        /* (what an earlier FIN that arrived allowed still holds) */
        r->tw_alt_fin = false;
        if (r->tw_alt_fin_added)
            tw_alt_remove(r, r->tw_alt_fin_usecs);
    }
    if ((n->effects & ORACLE_FX_TW_RST) && r->tw_rst_index == n->index)
        r->tw_rst_hit = false;
    if (r->owed != OWED_NONE && r->owed_index == n->index)
        r->owed = OWED_NONE;
    if (r->must_stay_open && r->stay_open_index == n->index)
        r->must_stay_open = false;
    struct oracle_side *snd = side(o, n->src & 1u);
    if (n->space_set && snd->space_max == n->seq + n->len)
        snd->space_max = n->space_prev;
    /* A lost FIN transmission is no copy that may still arrive late (the
     * delayed-retransmission rule of TIME-WAIT): fall back to the first,
     * the latest one surely not lost. */
    if ((n->flags & TCP_FIN) && snd->fin_sent && snd->fin_last_index == n->index)
        snd->fin_last_index = snd->fin_index;
    if (r->exact_rst_rcvd && r->exact_rst_index == n->index)
        r->exact_rst_rcvd = false;
    if (r->reuse_syn && r->reuse_syn_index == n->index)
        r->reuse_syn = false;
    for (unsigned k = 0; k < ORACLE_ANSWERABLE; k++)
        if (r->answerable[k].valid && r->answerable[k].index_low == ORACLE_INDEX_LOW(n->index))
            r->answerable[k].valid = false;
    n->effects = 0;
}

/* ------------------------------------------------------------------ */
/* Reported transitions. */

/* Edges of RFC 9293 Figure 5, plus those its text defines: RST, ABORT and
 * timeouts lead to CLOSED from any state; SYN-RECEIVED returns to LISTEN on
 * RST when it came from a passive OPEN (§3.10.7.4). */
static bool edge_legal(enum tcp_state from, enum tcp_state to)
{
    if (to == TCP_CLOSED && from != TCP_CLOSED)
        return true;
    switch (from) {
    case TCP_CLOSED:
        return to == TCP_LISTEN || to == TCP_SYN_SENT;
    case TCP_LISTEN:
        return to == TCP_SYN_RECEIVED || to == TCP_SYN_SENT;
    case TCP_SYN_SENT:
        return to == TCP_SYN_RECEIVED || to == TCP_ESTABLISHED;
    case TCP_SYN_RECEIVED:
        return to == TCP_ESTABLISHED || to == TCP_FIN_WAIT_1 || to == TCP_LISTEN;
    case TCP_ESTABLISHED:
        return to == TCP_FIN_WAIT_1 || to == TCP_CLOSE_WAIT;
    case TCP_FIN_WAIT_1:
        return to == TCP_FIN_WAIT_2 || to == TCP_CLOSING || to == TCP_TIME_WAIT;
    case TCP_FIN_WAIT_2:
        return to == TCP_TIME_WAIT;
    case TCP_CLOSING:
        return to == TCP_TIME_WAIT;
    case TCP_CLOSE_WAIT:
        return to == TCP_LAST_ACK;
    case TCP_TIME_WAIT:
    case TCP_LAST_ACK:
    case TCP_STATE_COUNT:
        return false;
    }
    return false;
}

static bool cause_is(const struct ev *e, enum tcp_cause c)
{
    const char *cause = e->u.state.cause;
    return cause && strcmp(cause, tcp_cause_name(c)) == 0;
}

static void check_state_vs_wire(struct oracle *o, unsigned ep, uint64_t index, const struct ev *e)
{
    const struct oracle_side *s = &o->side[ep];
    const struct oracle_side *p = &o->side[ep ^ 1u];
    enum tcp_state to = e->u.state.to;
    enum tcp_state from = e->u.state.from;
    bool own_fin_acked = s->fin_sent && p->ack_sent && seq_ge(p->last_ack, s->fin_seq + 1);
    /* (a fuzzer's peer may have acked it in a segment set aside as junk) */
    if (s->fin_sent && !o->cfg.judge[ep ^ 1u] && p->ack_any_sent &&
        seq_ge(p->last_ack_any, s->fin_seq + 1))
        own_fin_acked = true;
    /* (or acked it before a SYN of its that started its ACK history afresh,
     * which a synchronized receiver ignores, RFC 5961 §4.2) */
    if (s->fin_sent && s->fin_acked)
        own_fin_acked = true;
    const char *need = NULL;
    switch (to) {
    case TCP_FIN_WAIT_2:
        if (!own_fin_acked)
            need = "the peer's ACK of our FIN on the wire";
        break;
    case TCP_TIME_WAIT:
        if (!peer_fin_trusted(o, ep))
            break;
        if (!p->fin_sent)
            need = "the peer's FIN on the wire";
        else if (!own_fin_acked && s->fin_sent)
            need = "the peer's ACK of our FIN on the wire";
        break;
    case TCP_CLOSING:
    case TCP_CLOSE_WAIT:
    case TCP_LAST_ACK:
        if (!peer_fin_trusted(o, ep))
            break;
        /* (a FIN the peer sent before it answered afresh with a new ISN
         * still reaches an endpoint that never took that new SYN) */
        if (!p->fin_sent && !p->prev_fin_sent)
            need = "the peer's FIN on the wire";
        else if (to == TCP_CLOSE_WAIT && s->fin_sent)
            need = "no FIN of our own yet";
        break;
    case TCP_ESTABLISHED:
        if (o->handshake_seen && !p->syn_sent && o->cfg.judge[ep ^ 1u])
            need = "the peer's SYN on the wire";
        break;
    case TCP_CLOSED:
        if (from == TCP_LAST_ACK && cause_is(e, TCP_CAUSE_RCV_ACK) && !own_fin_acked)
            need = "the peer's ACK of our FIN on the wire";
        else if (cause_is(e, TCP_CAUSE_RCV_RST) && !p->rst_sent_ever)
            need = "an RST from the peer on the wire";
        break;
    default:
        break;
    }
    if (need)
        oracle_report(o, INV_STATE_MATCHES_WIRE, index, e->frame, (uint8_t)ep, need, "none",
                      "%c reports %s -> %s (%s) but the wire shows no such thing",
                      ep == EP_A ? 'A' : 'B', tcp_state_name(from), tcp_state_name(to),
                      e->u.state.cause ? e->u.state.cause : "");
}

void oracle_observe_state(struct oracle *o, uint64_t index, const struct ev *e)
{
    unsigned ep = e->endpoint & 1u;
    struct oracle_side *s = side(o, ep);
    enum tcp_state from = e->u.state.from, to = e->u.state.to;
    uint64_t now = e->time_usecs;
    uint64_t slack = o->cfg.timer_slack_usecs;
    char c = ep == EP_A ? 'A' : 'B';
    char exp[64], seen[64];
    if ((unsigned)from >= TCP_STATE_COUNT || (unsigned)to >= TCP_STATE_COUNT) {
        oracle_report(o, INV_TRANSITION_LEGAL, index, e->frame, (uint8_t)ep, "a state of Figure 5",
                      "an invalid state number", "%c reported a state that does not exist", c);
        return;
    }
    if (s->rep_known && from != s->rep) {
        oracle_report(o, INV_TRANSITION_LEGAL, index, e->frame, (uint8_t)ep, tcp_state_name(s->rep),
                      tcp_state_name(from), "%c reports leaving %s but was last reported in %s", c,
                      tcp_state_name(from), tcp_state_name(s->rep));
    } else if (!edge_legal(from, to)) {
        snprintf(exp, sizeof exp, "an edge of Figure 5 from %s", tcp_state_name(from));
        snprintf(seen, sizeof seen, "%s -> %s", tcp_state_name(from), tcp_state_name(to));
        oracle_report(o, INV_TRANSITION_LEGAL, index, e->frame, (uint8_t)ep, exp, seen,
                      "%c made a transition RFC 9293 does not define", c);
    } else if (from == TCP_FIN_WAIT_2 && to == TCP_CLOSED &&
               cause_is(e, TCP_CAUSE_TIMEOUT_FIN_WAIT_2)) {
        uint64_t limit = o->rules.fin_wait_2_timeout_usecs;
        if (limit == 0 || now + slack < s->fw2_usecs + limit) {
            snprintf(exp, sizeof exp, limit ? "FIN-WAIT-2 >= %.0f s" : "no FIN-WAIT-2 timeout",
                     (double)limit / 1e6);
            snprintf(seen, sizeof seen, "timed out after %.3f s",
                     (double)(now - s->fw2_usecs) / 1e6);
            oracle_report(o, INV_TRANSITION_LEGAL, index, e->frame, (uint8_t)ep, exp, seen,
                          "%c left FIN-WAIT-2 by a timeout the %s profile does not accept", c,
                          oracle_profile_name(o->cfg.profile));
        }
    }
    check_state_vs_wire(o, ep, index, e);

    /* Which FIN it took: a stack may report the state before or after it
     * sends the ACK of that FIN (the model sends first, lwIP reports
     * first). Provisionally the limit is the further of the latest FIN the
     * peer put on the wire and the latest ACK it sent. But the FIN taken
     * need not be the latest on the wire: a FIN held out of order is taken
     * when a later segment fills the hole below it (RFC 9293 §3.10.7.4,
     * first and eighth steps), and the peer may have sent other FINs since
     * that the endpoint dropped (out of the window, or on an RST, whose
     * FIN bit is never processed). So when the report comes before it
     * answered the peer's latest segment, its next ACK names the FIN it
     * took if it ends one the peer sent (sender_ack()). */
    const struct oracle_side *p = side(o, ep ^ 1u);
    bool took_fin =
        (to == TCP_CLOSE_WAIT && (from == TCP_ESTABLISHED || from == TCP_SYN_RECEIVED)) ||
        (to == TCP_CLOSING && from == TCP_FIN_WAIT_1) ||
        (to == TCP_TIME_WAIT && (from == TCP_FIN_WAIT_1 || from == TCP_FIN_WAIT_2));
    if (took_fin && p->wire_fin_seen) {
        const struct oracle_seg_note *latest =
            &o->recent[(o->recent_next + ORACLE_RECENT_SEGS - 1) % ORACLE_RECENT_SEGS];
        s->fin_taken = true;
        s->fin_taken_ack = p->wire_fin_end;
        if (s->ack_any_sent && seq_gt(s->last_ack_any, s->fin_taken_ack))
            s->fin_taken_ack = s->last_ack_any;
        s->fin_taken_pending = latest->valid && latest->src == (ep ^ 1u);
    } else if (to != TCP_LAST_ACK && to != TCP_TIME_WAIT && to != TCP_CLOSING) {
        s->fin_taken = false;
        s->fin_taken_pending = false;
    }

    if (from == TCP_TIME_WAIT && to == TCP_CLOSED) {
        s->reuse_syn_in_tw = false; /* a SYN arriving later meets no TIME-WAIT */
        if (cause_is(e, TCP_CAUSE_RCV_RST)) {
            if (o->rules.tw_rst_must_be_ignored)
                oracle_report(o, INV_RST_IN_TIME_WAIT, index, e->frame, (uint8_t)ep,
                              "TIME-WAIT kept", "TIME-WAIT -> CLOSED (rcv-rst)",
                              "an RST ended %c's TIME-WAIT (assassination, RFC 1337)", c);
        } else if (cause_is(e, TCP_CAUSE_TIMEOUT_TIME_WAIT) && s->tw_started) {
            uint64_t want = tw_deadline(o, s);
            bool alt_ok = tw_alt_fits(o, s, now, true, slack);
            if (!alt_ok && (now + slack < want || now > want + slack)) {
                snprintf(exp, sizeof exp, "%.3f s", (double)o->rules.time_wait_usecs / 1e6);
                snprintf(seen, sizeof seen, "%.3f s", (double)(now - s->tw_restart_usecs) / 1e6);
                oracle_report(o, INV_TIME_WAIT_DURATION, index, e->frame, (uint8_t)ep, exp, seen,
                              "%c's TIME-WAIT lasted %s since it began or last restarted, not "
                              "2*MSL",
                              c, seen);
            }
        }
    }
    /* An RST of the peer sent earlier (judged on arrival at send time, when
     * it could not be taken) may have arrived only now, exactly at RCV.NXT.
     * Its latest ACK field shows RCV.NXT also when the oracle has moved to
     * another incarnation since (last_ack_any survives the restart): the
     * RST may have been sent before that, while it was still in SYN-SENT. */
    const struct oracle_side *peer = side(o, ep ^ 1u);
    bool late_exact_rst =
        cause_is(e, TCP_CAUSE_RCV_RST) &&
        ((s->ack_sent && seq_bloom_has(peer->rst_seq_bloom, s->last_ack)) ||
         (s->ack_any_sent && seq_bloom_has(peer->rst_seq_bloom, s->last_ack_any)));
    if (to == TCP_CLOSED && s->must_stay_open && !s->rst_may_close && !s->tw_rst_hit &&
        !late_exact_rst && (cause_is(e, TCP_CAUSE_RCV_RST) || cause_is(e, TCP_CAUSE_RCV_SYN))) {
        oracle_report(o, INV_RST_VALIDATION, index, e->frame, (uint8_t)ep,
                      "stay open (challenge ACK)", "CLOSED",
                      "%c closed on an RST/SYN that was not exactly at RCV.NXT", c);
    }
    /* Giving up by itself (retries, abort), not closed by its peer. */
    if (to == TCP_CLOSED &&
        (!e->u.state.cause || cause_is(e, TCP_CAUSE_TIMEOUT_RETRIES) ||
         cause_is(e, TCP_CAUSE_APP_ABORT) || cause_is(e, TCP_CAUSE_APP_CLOSE_UNREAD))) {
        snprintf(seen, sizeof seen, "CLOSED (%s)", e->u.state.cause ? e->u.state.cause : "?");
        check_fin_give_up(o, ep, index, e, seen);
    }
    if (to == TCP_CLOSED) {
        s->fin_resolved = true;
        s->exact_rst_rcvd = false;
        s->rst_may_close = false;
        s->must_stay_open = false;
        s->owed = OWED_NONE; /* a CLOSED endpoint answers with RSTs only */
    }
    if (to == TCP_TIME_WAIT) {
        s->tw_alt_count = 0;
        s->tw_alt_spread = false;
        s->tw_started = true;
        s->tw_restart_usecs = now;
    }
    if (to == TCP_FIN_WAIT_2)
        s->fw2_usecs = now;
    s->rep_known = true;
    s->rep = to;
    s->rep_usecs = now;
    /* A pending check of what it sent runs after its report. */
    if (s->wire_check)
        run_wire_check(o, ep);
}

void oracle_observe_app(struct oracle *o, uint64_t index, const struct ev *e)
{
    run_pending_checks(o, e);
    unsigned ep = e->endpoint & 1u;
    struct oracle_side *s = side(o, ep);
    const struct oracle_side *p = side(o, ep ^ 1u);
    if (e->u.app.call == APP_CLOSE || e->u.app.call == APP_ABORT)
        s->app_closed = true;
    if (e->u.app.call != APP_RECV)
        return;
    s->app_delivered += e->u.app.done;
    /* After its own CLOSE or ABORT the application holds no connection: a
     * read fails (RFC 9293 §3.10.3: "connection closing" or "connection
     * does not exist"), it sees no end-of-stream. */
    if (e->u.app.done > 0 || e->u.app.len == 0 || !s->peer_fin_confirmed || s->app_eof ||
        s->app_closed)
        return;
    /* End-of-stream means the peer's FIN arrived (CLOSE-WAIT, LAST-ACK,
     * CLOSING, TIME-WAIT); after a reset or in another incarnation a read
     * of 0 is an error, not end-of-stream. */
    enum tcp_state st;
    if (!eff_state(o, ep, &st) || !peer_fin_trusted(o, ep) ||
        !(st == TCP_CLOSE_WAIT || st == TCP_LAST_ACK || st == TCP_CLOSING || st == TCP_TIME_WAIT))
        return;
    /* End of stream: every byte the peer sent before its FIN must have been
     * read by now. */
    s->app_eof = true;
    if (!p->isn_known || !p->fin_sent)
        return;
    uint64_t want = (uint32_t)(p->fin_seq - (p->isn + 1));
    if (s->app_delivered < want) {
        char exp[64], seen[64];
        snprintf(exp, sizeof exp, "%llu bytes before EOF", (unsigned long long)want);
        snprintf(seen, sizeof seen, "%llu bytes", (unsigned long long)s->app_delivered);
        oracle_report(o, INV_HALF_CLOSE_DELIVERY, index, e->frame, (uint8_t)ep, exp, seen,
                      "%c's application saw end-of-stream before all data the peer sent",
                      ep == EP_A ? 'A' : 'B');
    }
}

void oracle_observe_clock(struct oracle *o, uint64_t index, const struct ev *e)
{
    (void)index;
    run_pending_checks(o, e);
}

/* ------------------------------------------------------------------ */
/* End of the stream: liveness within the time it covers. */
void oracle_observe_finish(struct oracle *o, uint64_t end)
{
    run_pending_checks(o, NULL);
    uint64_t slack = o->cfg.timer_slack_usecs;
    for (unsigned ep = 0; ep < 2; ep++) {
        struct oracle_side *s = &o->side[ep];
        char c = ep == EP_A ? 'A' : 'B';
        char exp[64], seen[64];
        enum tcp_state st;
        bool known = eff_state(o, ep, &st);
        bool closed = known && st == TCP_CLOSED;

        /* fin-retransmit */
        if (s->fin_sent && !s->fin_acked && !closed && !s->rst_sent && !s->fin_resolved &&
            !s->killed_by_rst) {
            o->end_judged = true;
            /* An ACK of new data (a SYN, text below the FIN) restarts the
             * timer with the backed-off RTO (RFC 6298 §5.3). */
            uint64_t last = fin_timer_last_usecs(s);
            uint64_t rto_max = fin_rto_max(o);
            if (end - last > rto_max + slack) {
                snprintf(exp, sizeof exp, "FIN resent within %.0f s", rto_max / 1e6);
                snprintf(seen, sizeof seen, "silent for %.3f s", (double)(end - last) / 1e6);
                oracle_report(o, INV_FIN_RETRANSMIT, s->fin_index, 0, (uint8_t)ep, exp, seen,
                              "%c's FIN was never acknowledged and not retransmitted", c);
            } else if (fin_retransmitting_usecs(s) > fin_give_up(o)) {
                snprintf(exp, sizeof exp, "given up within %.0f s", fin_give_up(o) / 1e6);
                snprintf(seen, sizeof seen, "retransmitting after %.0f s",
                         (double)fin_retransmitting_usecs(s) / 1e6);
                oracle_report(o, INV_FIN_RETRANSMIT, s->fin_index, 0, (uint8_t)ep, exp, seen,
                              "%c never gave up its unacknowledged FIN", c);
            } else {
                oracle_mark_incomplete(o, "a FIN was still unacknowledged when the stream ended");
            }
        }

        /* Answers owed to the peer's last segments. */
        if (s->owed != OWED_NONE) {
            if (!o->from_capture)
                o->end_judged = true;
            bool missing_ok = s->owed != OWED_REACK_FIN && o->rules.challenge_ack_may_be_missing;
            if (end - s->owed_usecs < ANSWER_GRACE_USECS || o->from_capture) {
                if (!missing_ok)
                    oracle_mark_incomplete(o, "the stream ended before an owed answer");
            } else if (!missing_ok) {
                bool reack = s->owed == OWED_REACK_FIN;
                oracle_report(o, reack ? INV_TIME_WAIT_DURATION : INV_RST_VALIDATION, s->owed_index,
                              0, (uint8_t)ep, reack ? "ACK of the FIN" : "challenge ACK",
                              "no answer",
                              reack ? "%c in TIME-WAIT did not re-ACK a retransmitted FIN"
                                    : "%c did not send a challenge ACK (RFC 5961)",
                              c);
            }
        }

        /* An exact RST must have closed it. */
        if (s->exact_rst_rcvd && o->cfg.states_reported[ep] && s->rep_known && s->rep != TCP_CLOSED)
            oracle_report(o, INV_RST_VALIDATION, s->exact_rst_index, 0, (uint8_t)ep, "CLOSED",
                          tcp_state_name(s->rep), "%c did not close on an RST at exactly RCV.NXT",
                          c);

        /* Reported TIME-WAIT that outlived 2*MSL. */
        /* (or past a restart that may have happened: either way conforms) */
        bool tw_reported =
            o->cfg.states_reported[ep] && s->rep_known && s->rep == TCP_TIME_WAIT && s->tw_started;
        if (tw_reported)
            o->end_judged = true;
        if (tw_reported && end > tw_deadline(o, s) + slack &&
            !tw_alt_fits(o, s, end, false, slack)) {
            snprintf(exp, sizeof exp, "CLOSED after %.3f s",
                     (double)o->rules.time_wait_usecs / 1e6);
            snprintf(seen, sizeof seen, "TIME-WAIT for %.3f s",
                     (double)(end - s->tw_restart_usecs) / 1e6);
            oracle_report(o, INV_TIME_WAIT_DURATION, o->last_index, 0, (uint8_t)ep, exp, seen,
                          "%c was still in TIME-WAIT when 2*MSL had passed", c);
        }
    }
}
