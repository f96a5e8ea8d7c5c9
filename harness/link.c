/* Two model endpoints joined back to back by an in-memory network.
 *
 * See link.h. The network is a small unordered array of packets in flight;
 * the next one to arrive is the earliest (deliver time, send order), so runs
 * are deterministic. Each endpoint's output hook puts what it sends on the
 * network (or drops it), and every segment, drop, state change and
 * application call is pushed to the event tee in the order it happens. */
#include "link.h"

#include <string.h>

#include "../stack/tcp_query.h"

static const uint8_t addr_a[4] = {192, 0, 2, 1};
static const uint8_t addr_b[4] = {192, 0, 2, 2};

static uint64_t push_event(struct link *l, const struct ev *e)
{
    return l->events ? ev_tee_push(l->events, e) : 0;
}

static void push_drop(struct link *l, unsigned src, uint64_t seg_index)
{
    if (!l->events)
        return;
    struct ev e;
    memset(&e, 0, sizeof e);
    e.kind = EV_DROP;
    e.time_usecs = l->now_usecs;
    e.endpoint = (uint8_t)src;
    e.u.drop.index = seg_index;
    push_event(l, &e);
}

static void push_app(struct link *l, unsigned ep, enum ev_app_call call, uint32_t len,
                     uint32_t done)
{
    if (!l->events)
        return;
    struct ev e;
    memset(&e, 0, sizeof e);
    e.kind = EV_APP;
    e.time_usecs = l->now_usecs;
    e.endpoint = (uint8_t)ep;
    e.u.app.call = call;
    e.u.app.len = len;
    e.u.app.done = done;
    push_event(l, &e);
}

/* xorshift32: the link's only randomness, from the caller's seed. */
static bool random_loss(struct link *l)
{
    if (l->loss_state == 0 || l->loss_per_mille == 0)
        return false;
    uint32_t x = l->loss_state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    l->loss_state = x;
    return x % 1000u < l->loss_per_mille;
}

/* Copy a packet's header and the payload bytes it uses (not the whole
 * LINK_PAYLOAD_MAX array: most segments carry nothing). */
static void packet_copy(struct link_packet *dst, const struct link_packet *src)
{
    dst->src = src->src;
    dst->deliver_usecs = src->deliver_usecs;
    dst->event_index = src->event_index;
    dst->order = src->order;
    dst->seg = src->seg;
    if (src->seg.payload_len)
        memcpy(dst->payload, src->payload, src->seg.payload_len);
    dst->seg.payload = src->seg.payload ? dst->payload : NULL;
}

static void on_output(struct link *l, unsigned src, const struct seg *s)
{
    uint64_t index = 0;
    if (l->events) {
        struct ev e;
        e.kind = EV_SEGMENT;
        e.time_usecs = l->now_usecs;
        e.frame = 0;
        e.endpoint = (uint8_t)src;
        e.u.segment.seg = *s;
        e.u.segment.ip = l->ip[src];
        index = push_event(l, &e);
    }
    if (l->queued >= LINK_QUEUE_MAX || s->payload_len > LINK_PAYLOAD_MAX) {
        push_drop(l, src, index);
        return;
    }
    struct link_packet *p = &l->queue[l->queued];
    p->src = (uint8_t)src;
    p->deliver_usecs = l->now_usecs + l->delay_usecs;
    p->event_index = index;
    p->order = l->sent_order++;
    p->seg = *s;
    if (s->payload_len) {
        if (s->payload)
            memcpy(p->payload, s->payload, s->payload_len);
        else
            memset(p->payload, 0, s->payload_len);
    }
    p->seg.payload = p->payload;
    uint64_t extra_usecs = 0;
    enum link_fate fate = l->filter ? l->filter(l->filter_ctx, p, &extra_usecs) : LINK_DELIVER;
    if (fate != LINK_DROP && random_loss(l))
        fate = LINK_DROP;
    switch (fate) {
    case LINK_DROP:
        push_drop(l, src, index);
        return;
    case LINK_DELAY:
        p->deliver_usecs += extra_usecs;
        l->queued++;
        return;
    case LINK_DUPLICATE:
        l->queued++;
        if (l->queued < LINK_QUEUE_MAX) {
            struct link_packet *q = &l->queue[l->queued++];
            packet_copy(q, p);
            q->order = l->sent_order++;
        }
        return;
    case LINK_DELIVER:
        l->queued++;
        return;
    }
    l->queued++; /* an unknown fate from a filter: deliver */
}

static void out_a(void *ctx, const struct seg *s)
{
    on_output(ctx, EP_A, s);
}
static void out_b(void *ctx, const struct seg *s)
{
    on_output(ctx, EP_B, s);
}

static void on_transition(struct link *l, unsigned ep, enum tcp_state from, enum tcp_state to,
                          enum tcp_cause cause)
{
    if (!l->events)
        return;
    struct ev e;
    memset(&e, 0, sizeof e);
    e.kind = EV_STATE;
    e.time_usecs = l->now_usecs;
    e.endpoint = (uint8_t)ep;
    e.u.state.from = from;
    e.u.state.to = to;
    e.u.state.cause = tcp_cause_name(cause);
    push_event(l, &e);
}

static void trans_a(void *ctx, enum tcp_state from, enum tcp_state to, enum tcp_cause cause)
{
    on_transition(ctx, EP_A, from, to, cause);
}

static void trans_b(void *ctx, enum tcp_state from, enum tcp_state to, enum tcp_cause cause)
{
    on_transition(ctx, EP_B, from, to, cause);
}

static void set_ip(struct seg_ip *ip, const uint8_t *src, const uint8_t *dst)
{
    memset(ip, 0, sizeof *ip);
    ip->version = 4;
    ip->ttl = 64;
    memcpy(ip->src, src, 4);
    memcpy(ip->dst, dst, 4);
}

void link_init(struct link *l, const struct tcp_config *cfg_a, const struct tcp_config *cfg_b,
               struct ev_tee *events)
{
    struct tcp_hooks ha = {.ctx = l, .output = out_a, .transition = trans_a};
    struct tcp_hooks hb = {.ctx = l, .output = out_b, .transition = trans_b};
    tcp_init(&l->ep[EP_A], cfg_a, 40000, 8080, &ha);
    tcp_init(&l->ep[EP_B], cfg_b, 8080, 40000, &hb);
    set_ip(&l->ip[EP_A], addr_a, addr_b);
    set_ip(&l->ip[EP_B], addr_b, addr_a);
    l->queued = 0;
    l->now_usecs = 0;
    l->delay_usecs = 1000;
    l->loss_state = 0;
    l->loss_per_mille = 0;
    l->filter = NULL;
    l->filter_ctx = NULL;
    l->events = events;
    l->sent_order = 0;
    for (unsigned i = 0; i < 2; i++) {
        l->delivered[i] = 0;
        l->eof_seen[i] = false;
        l->reading[i] = true;
    }
}

void link_set_loss(struct link *l, uint32_t seed, unsigned per_mille)
{
    l->loss_state = seed;
    l->loss_per_mille = per_mille > 1000 ? 1000 : per_mille;
}

void link_set_filter(struct link *l, link_filter_fn filter, void *ctx)
{
    l->filter = filter;
    l->filter_ctx = ctx;
}

void link_set_reading(struct link *l, enum ev_endpoint ep, bool reading)
{
    l->reading[ep & 1] = reading;
}

/* One read call of the application of ep (cap bytes), reported first. A
 * read that returns 0 at end-of-stream is how the application sees EOF. */
static void app_read(struct link *l, unsigned ep, uint32_t cap)
{
    struct tcp_conn *c = &l->ep[ep];
    uint32_t unread = tcp_unread(c);
    uint32_t want = unread < cap ? unread : cap;
    bool eof_now = want == 0 && tcp_eof(c) && !l->eof_seen[ep];
    if (want == 0 && !eof_now)
        return;
    push_app(l, ep, APP_RECV, cap, want);
    uint32_t n = tcp_recv(c, l->now_usecs, NULL, want);
    l->delivered[ep] += n;
    if (eof_now)
        l->eof_seen[ep] = true;
}

static void app_read_all(struct link *l, unsigned ep)
{
    if (!l->reading[ep])
        return;
    app_read(l, ep, TCP_BUF_MAX);
    if (tcp_unread(&l->ep[ep]) == 0)
        app_read(l, ep, TCP_BUF_MAX); /* the read that returns 0 at EOF */
}

void link_app(struct link *l, enum ev_endpoint ep, enum ev_app_call call, uint32_t len)
{
    unsigned i = ep & 1;
    struct tcp_conn *c = &l->ep[i];
    uint64_t now = l->now_usecs;
    switch (call) {
    case APP_CONNECT:
        push_app(l, i, call, 0, 0);
        tcp_connect(c, now);
        return;
    case APP_LISTEN:
        push_app(l, i, call, 0, 0);
        tcp_listen(c, now);
        return;
    case APP_SEND: {
        uint32_t space = tcp_send_space(c);
        push_app(l, i, call, len, len < space ? len : space);
        tcp_send(c, now, NULL, len);
        return;
    }
    case APP_RECV:
        app_read(l, i, len);
        if (len && tcp_unread(c) == 0)
            app_read(l, i, len);
        return;
    case APP_SHUTDOWN:
        push_app(l, i, call, 0, 0);
        tcp_shutdown(c, now);
        return;
    case APP_CLOSE:
        push_app(l, i, call, 0, 0);
        tcp_close(c, now);
        return;
    case APP_ABORT:
        push_app(l, i, call, 0, 0);
        tcp_abort(c, now);
        return;
    case APP_CALL_COUNT:
        return;
    }
}

/* Index of the next packet to arrive, or -1. */
static int next_packet(const struct link *l)
{
    int best = -1;
    for (unsigned k = 0; k < l->queued; k++) {
        const struct link_packet *p = &l->queue[k];
        if (best < 0 || p->deliver_usecs < l->queue[best].deliver_usecs ||
            (p->deliver_usecs == l->queue[best].deliver_usecs && p->order < l->queue[best].order))
            best = (int)k;
    }
    return best;
}

bool link_step(struct link *l, uint64_t until_usecs)
{
    int k = next_packet(l);
    uint64_t t_pkt = k >= 0 ? l->queue[k].deliver_usecs : UINT64_MAX;
    uint64_t t_a = tcp_next_deadline(&l->ep[EP_A]);
    uint64_t t_b = tcp_next_deadline(&l->ep[EP_B]);
    uint64_t t = t_pkt;
    if (t_a < t)
        t = t_a;
    if (t_b < t)
        t = t_b;
    if (t == UINT64_MAX || t > until_usecs)
        return false;
    if (t > l->now_usecs)
        l->now_usecs = t;
    if (t_pkt == t) {
        /* Deliveries before timers due at the same instant. The packet stays
         * in its slot during tcp_input (new packets go after it). */
        unsigned dst = (l->queue[k].src & 1) ^ 1;
        tcp_input(&l->ep[dst], l->now_usecs, &l->queue[k].seg);
        l->queued--;
        if ((unsigned)k != l->queued)
            packet_copy(&l->queue[k], &l->queue[l->queued]);
        app_read_all(l, dst);
    } else {
        tcp_advance(&l->ep[t_a == t ? EP_A : EP_B], l->now_usecs);
    }
    return true;
}

void link_run_until(struct link *l, uint64_t until_usecs)
{
    while (link_step(l, until_usecs))
        ;
    if (until_usecs > l->now_usecs)
        l->now_usecs = until_usecs;
    tcp_advance(&l->ep[EP_A], l->now_usecs);
    tcp_advance(&l->ep[EP_B], l->now_usecs);
}
