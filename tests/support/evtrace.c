/* Hand-written event traces for tests (see evtrace.h). */
#include "evtrace.h"

#include <stdio.h>
#include <string.h>

void evt_init(struct evtrace *t)
{
    t->n = 0;
}

struct ev *evt_last(struct evtrace *t)
{
    return t->n ? &t->evs[t->n - 1] : NULL;
}

static struct ev *evt_new(struct evtrace *t, enum ev_kind kind, unsigned ep, uint64_t time_usecs)
{
    if (t->n >= EVT_MAX) {
        fprintf(stderr, "evtrace: more than %d events\n", EVT_MAX);
        return &t->evs[EVT_MAX - 1];
    }
    struct ev *e = &t->evs[t->n++];
    memset(e, 0, sizeof *e);
    e->kind = kind;
    e->endpoint = (uint8_t)(ep & 1u);
    e->time_usecs = time_usecs;
    return e;
}

size_t evt_seg(struct evtrace *t, unsigned ep, uint64_t time_usecs, uint8_t flags, uint32_t seq,
               uint32_t ack, uint32_t len)
{
    struct ev *e = evt_new(t, EV_SEGMENT, ep, time_usecs);
    struct seg *g = &e->u.segment.seg;
    g->sport = ep ? 8080 : 40000;
    g->dport = ep ? 40000 : 8080;
    g->seq = seq;
    g->ack = (flags & TCP_ACK) ? ack : 0;
    g->flags = flags;
    g->window = 65535;
    g->payload_len = len;
    e->u.segment.ip.version = 4;
    e->u.segment.ip.ttl = 64;
    uint8_t a[4] = {192, 0, 2, 1}, b[4] = {192, 0, 2, 2};
    memcpy(e->u.segment.ip.src, ep ? b : a, 4);
    memcpy(e->u.segment.ip.dst, ep ? a : b, 4);
    return t->n - 1;
}

size_t evt_drop(struct evtrace *t, uint64_t time_usecs, size_t dropped_index)
{
    struct ev *e = evt_new(t, EV_DROP, 0, time_usecs);
    e->u.drop.index = dropped_index;
    if (dropped_index < t->n)
        e->endpoint = t->evs[dropped_index].endpoint;
    return t->n - 1;
}

size_t evt_state(struct evtrace *t, unsigned ep, uint64_t time_usecs, enum tcp_state from,
                 enum tcp_state to, enum tcp_cause cause)
{
    struct ev *e = evt_new(t, EV_STATE, ep, time_usecs);
    e->u.state.from = from;
    e->u.state.to = to;
    e->u.state.cause = tcp_cause_name(cause);
    return t->n - 1;
}

size_t evt_app(struct evtrace *t, unsigned ep, uint64_t time_usecs, enum ev_app_call call,
               uint32_t len, uint32_t done)
{
    struct ev *e = evt_new(t, EV_APP, ep, time_usecs);
    e->u.app.call = call;
    e->u.app.len = len;
    e->u.app.done = done;
    return t->n - 1;
}

size_t evt_clock(struct evtrace *t, uint64_t time_usecs)
{
    evt_new(t, EV_CLOCK, 0, time_usecs);
    return t->n - 1;
}

void evt_handshake(struct evtrace *t, uint32_t isn_a, uint32_t isn_b)
{
    evt_seg(t, EP_A, 0, TCP_SYN, isn_a, 0, 0);
    evt_seg(t, EP_B, 1000, TCP_SYN | TCP_ACK, isn_b, isn_a + 1, 0);
    evt_seg(t, EP_A, 2000, TCP_ACK, isn_a + 1, isn_b + 1, 0);
}

void evt_push_all(const struct evtrace *t, struct ev_sink sink)
{
    for (size_t i = 0; i < t->n; i++)
        sink.push(sink.ctx, i, &t->evs[i]);
}

void evt_run_until(const struct evtrace *t, struct oracle *o, uint64_t end_usecs)
{
    evt_push_all(t, oracle_sink(o));
    if (end_usecs == 0 && t->n)
        end_usecs = t->evs[t->n - 1].time_usecs;
    oracle_finish(o, end_usecs);
}

void evt_run(const struct evtrace *t, struct oracle *o)
{
    evt_run_until(t, o, 0);
}

size_t evt_count(const struct oracle *o, const char *id)
{
    size_t n, c = 0;
    const struct oracle_violation *v = oracle_violations(o, &n);
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i].inv->id, id) == 0)
            c++;
    return c;
}

int evt_has(const struct oracle *o, const char *id, size_t index)
{
    size_t n;
    const struct oracle_violation *v = oracle_violations(o, &n);
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i].inv->id, id) == 0 && v[i].event_index == index)
            return 1;
    return 0;
}

void evt_dump(const struct oracle *o)
{
    size_t n;
    const struct oracle_violation *v = oracle_violations(o, &n);
    fprintf(stderr, "verdict %s (%s)\n", oracle_verdict_name(oracle_verdict(o)),
            oracle_incomplete_reason(o) ? oracle_incomplete_reason(o) : "-");
    for (size_t i = 0; i < n; i++)
        fprintf(stderr, "  %s at event %llu by %c: %s; expected %s, seen %s\n", v[i].inv->id,
                (unsigned long long)v[i].event_index, v[i].endpoint ? 'B' : 'A', v[i].message,
                v[i].expected, v[i].seen);
}
