/* Filed lwIP deviations recognised on the event stream: see sut_lwip_known.h. */
#include "sut_lwip_known.h"

#include <string.h>

#include "../stack/seq.h"

void lwip_known_reset(struct lwip_known *k)
{
    memset(k, 0, sizeof *k);
}

static bool covers(const struct lwip_known_span *sp, uint32_t ack)
{
    return seq_lt(sp->seq, ack) && seq_le(ack, sp->end);
}

static void on_peer_segment(struct lwip_known *k, uint64_t index, const struct seg *g)
{
    struct lwip_known_span sp = {
        .index = index, .seq = g->seq, .end = g->seq + seg_len(g), .live = true};
    k->b_seen = true;
    k->b_last_index = index;
    if (g->flags & TCP_RST)
        return;
    if (k->second_syn_pending && seg_len(g) > 0) {
        k->second_syn_pending = false; /* this one may move RCV.NXT too */
        k->second_syn_until = index;
    }
    if ((g->flags & TCP_SYN) && !k->b_syn_seen) {
        k->b_syn_seen = true;
        k->b_isn = g->seq;
    } else if ((g->flags & TCP_SYN) && g->seq == k->b_isn + 1u && !k->second_syn) {
        k->second_syn = true;
        k->second_syn_index = index;
        k->second_syn_end = sp.end;
        k->second_syn_pending = true;
    }
    if (g->flags & (TCP_ACK | TCP_SYN)) {
        k->acked[k->acked_next++ % LWIP_KNOWN_ACKED_MAX] = sp;
    } else if ((g->payload_len > 0 || (g->flags & TCP_FIN)) &&
               k->noack_count < LWIP_KNOWN_NOACK_MAX) {
        k->noack[k->noack_count++] = sp;
    }
    if (g->flags & TCP_FIN)
        k->fin_pos[k->fin_next++ % LWIP_KNOWN_FIN_MAX] =
            g->seq + g->payload_len + ((g->flags & TCP_SYN) ? 1u : 0u);
    if ((g->flags & (TCP_SYN | TCP_FIN)) == (TCP_SYN | TCP_FIN) && !(g->flags & TCP_ACK)) {
        k->syn_fin_pending = true;
        k->syn_fin_index = index;
        k->syn_fin_ack_lwip = sp.end - 1u;
    }
}

/* A FIN of B lies strictly inside the text of a later segment of B that
 * ends at ack - 1: lwIP's ACK counts a FIN after that segment's text. */
static bool moved_past(const struct lwip_known *k, const struct lwip_known_span *sp, uint32_t ack)
{
    if (!sp->live || sp->end + 1u != ack)
        return false;
    unsigned nf = k->fin_next < LWIP_KNOWN_FIN_MAX ? k->fin_next : LWIP_KNOWN_FIN_MAX;
    for (unsigned i = 0; i < nf; i++)
        if (seq_lt(sp->seq, k->fin_pos[i]) && seq_lt(k->fin_pos[i], sp->end))
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
    return false;
}

static void on_sut_segment(struct lwip_known *k, uint64_t index, const struct seg *g)
{
    if ((g->flags & (TCP_RST | TCP_ACK)) == (TCP_RST | TCP_ACK) && k->syn_fin_pending &&
        g->ack == k->syn_fin_ack_lwip && !k->rst_syn_fin) {
        k->rst_syn_fin = true;
        k->rst_syn_fin_index = index;
    }
    k->syn_fin_pending = false; /* A's next segment is its answer */
    if (!(g->flags & TCP_ACK) || (g->flags & TCP_RST))
        return;
    unsigned n = k->acked_next < LWIP_KNOWN_ACKED_MAX ? k->acked_next : LWIP_KNOWN_ACKED_MAX;
    if (k->second_syn_pending && !(g->flags & TCP_RST)) {
        k->second_syn_pending = false; /* A's answer to it */
        if ((g->flags & TCP_ACK) && g->ack == k->second_syn_end)
            k->syn_counted = true;
    }
    if (!k->fin_moved && k->fin_next > 0 && fin_moved_to(k, g->ack)) {
        k->fin_moved = true;
        k->fin_moved_index = index;
    }
    /* Only an ACK-less segment with text or FIN can be the one that moved
     * lwIP's RCV.NXT: without one there is nothing to look for (the
     * checks above and below run on every segment of A). */
    if (k->text_without_ack || k->noack_count == 0)
        return;
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
    for (unsigned i = 0; i < k->noack_count; i++)
        if (k->noack[i].index == dropped)
            k->noack[i].live = false;
    if (k->syn_fin_pending && k->syn_fin_index == dropped)
        k->syn_fin_pending = false;
    if (k->second_syn && !k->syn_counted && !k->second_syn_pending &&
        k->second_syn_until == dropped && k->second_syn_index != dropped)
        k->second_syn_pending = true; /* what ended it never arrived */
    if (k->second_syn_pending && k->second_syn_index == dropped)
        k->second_syn_pending = false;
}

/* lwIP 2.1.3 as Debian builds it: 2*TCP_MSL, TCP_FIN_WAIT_TIMEOUT, and the
 * slow timer's period plus one fast tick of phase. */
#define LWIP_TW_USECS   (120ull * 1000 * 1000)
#define LWIP_FW2_USECS  (20ull * 1000 * 1000)
#define LWIP_TICK_SLACK (750ull * 1000)

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

static void on_sut_state(struct lwip_known *k, uint64_t index, const struct ev *e)
{
    uint64_t now = e->time_usecs;
    enum tcp_state from = e->u.state.from, to = e->u.state.to;
    if (to == TCP_TIME_WAIT)
        k->tw_enter_usecs = now;
    if (to == TCP_FIN_WAIT_2)
        k->fw2_enter_usecs = now;
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
    switch (e->kind) {
    case EV_APP:
        if (e->endpoint == EP_A && e->u.app.call == APP_CLOSE && !k->a_closed) {
            k->a_closed = true;
            k->a_close_usecs = e->time_usecs;
        }
        break;
    case EV_STATE:
        if (e->endpoint == EP_A)
            on_sut_state(k, index, e);
        break;
    case EV_DROP:
        on_drop(k, e->u.drop.index);
        break;
    case EV_SEGMENT:
        if (e->endpoint == EP_B)
            on_peer_segment(k, index, &e->u.segment.seg);
        else if (e->endpoint == EP_A)
            on_sut_segment(k, index, &e->u.segment.seg);
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
    if (k->rst_syn_fin && strcmp(v->id, "closed-silence") == 0 &&
        v->event_index == k->rst_syn_fin_index)
        return "lwip-rst-ack-syn-fin";
    if (k->tw_from_close && v->event_index >= k->tw_from_close_index &&
        strcmp(v->id, "time-wait-duration") == 0)
        return "lwip-time-wait-counts-from-close";
    if (k->fw2_from_close && v->event_index >= k->fw2_from_close_index &&
        strcmp(v->id, "transition-legal") == 0)
        return "lwip-fin-wait-2-timeout-from-close";
    if (k->syn_counted && v->event_index > k->second_syn_index)
        return "lwip-syn-received-ignores-syn";
    if (k->fin_moved && v->event_index >= k->fin_moved_index)
        return "lwip-ooseq-fin-moved";
    if (k->text_without_ack && v->event_index > k->text_without_ack_index)
        return "lwip-text-without-ack";
    return NULL;
}
